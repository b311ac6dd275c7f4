#include "query/promql/promqltest/script.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <limits>

#include "model/selector.h"

namespace vigil::promql::promqltest {

namespace {

// The command patterns of upstream's test.go (Go regexp and RE2 agree on
// these, submatches included).
const RE2& LoadPattern() {
  static const RE2 re(R"(^load(?:_(with_nhcb))?\s+(.+?)$)");
  return re;
}
const RE2& EvalInstantPattern() {
  static const RE2 re(R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  return re;
}
const RE2& EvalRangePattern() {
  static const RE2 re(
      R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  return re;
}
const RE2& ExpectPattern() {
  static const RE2 re(
      R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  return re;
}
const RE2& ExpectRangePattern() {
  static const RE2 re(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  return re;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status LineError(int line, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("line {}: {}", line, msg));
}

Result<std::shared_ptr<const re2::RE2>> CompileRegex(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) return Status::InvalidArgument(re->error());
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

class ScriptParser {
 public:
  explicit ScriptParser(std::string_view text) {
    // Lines are trimmed; comments become empty lines (they end blocks).
    size_t start = 0;
    for (;;) {
      size_t nl = text.find('\n', start);
      std::string_view l = Trim(
          text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
      if (HasPrefix(l, "#")) l = {};
      lines_.push_back(l);
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
  }

  Result<Script> Parse() {
    Script script;
    for (size_t i = 0; i < lines_.size(); ++i) {
      std::string_view l = lines_[i];
      if (l.empty()) continue;
      size_t sp = 0;
      while (sp < l.size() && l[sp] != ' ' && l[sp] != '\t') ++sp;
      std::string word = Lower(l.substr(0, sp));
      int line = static_cast<int>(i) + 1;
      if (word == "clear") {
        script.commands.emplace_back(ClearCmd{line});
      } else if (HasPrefix(word, "load")) {
        LoadCmd cmd;
        VIGIL_RETURN_IF_ERROR(ParseLoad(&i, &cmd));
        script.commands.emplace_back(std::move(cmd));
      } else if (HasPrefix(word, "eval")) {
        EvalCmd cmd;
        VIGIL_RETURN_IF_ERROR(ParseEval(&i, &cmd));
        script.commands.emplace_back(std::move(cmd));
      } else {
        return LineError(line, fmt::format("invalid command \"{}\"", l));
      }
    }
    return script;
  }

 private:
  Status ParseLoad(size_t* i, LoadCmd* cmd) {
    int line = static_cast<int>(*i) + 1;
    std::string nhcb, step;
    if (!RE2::PartialMatch(lines_[*i], LoadPattern(), &nhcb, &step)) {
      return LineError(line, "invalid load command. (load[_with_nhcb] <step:duration>)");
    }
    auto gap = ParseDuration(step);
    if (!gap.ok()) {
      return LineError(
          line, fmt::format("invalid step definition \"{}\": {}", step, gap.status().message()));
    }
    cmd->line = line;
    cmd->interval_ms = *gap;
    cmd->with_nhcb = nhcb == "with_nhcb";
    std::map<model::Labels, size_t> index;
    while (*i + 1 < lines_.size()) {
      ++*i;
      std::string_view def = lines_[*i];
      if (def.empty()) {
        --*i;
        break;
      }
      auto desc = ParseSeriesDesc(def);
      if (!desc.ok()) return LineError(static_cast<int>(*i) + 1, desc.status().message());
      LoadCmd::Series s{std::move(desc->labels), std::move(desc->values), static_cast<int>(*i) + 1};
      auto [it, inserted] = index.emplace(s.labels, cmd->series.size());
      if (inserted) {
        cmd->series.push_back(std::move(s));
      } else {
        cmd->series[it->second] = std::move(s);
      }
    }
    return Status::OK();
  }

  Result<int64_t> Duration(int line, std::string_view what, const std::string& text) {
    auto d = ParseDuration(text);
    if (!d.ok()) {
      return LineError(
          line, fmt::format("invalid {} definition \"{}\": {}", what, text, d.status().message()));
    }
    return d;
  }

  Status ParseEval(size_t* i, EvalCmd* cmd) {
    int line = static_cast<int>(*i) + 1;
    std::string_view l = lines_[*i];
    std::string mod, at, expr, from, to, step;
    if (RE2::PartialMatch(l, EvalInstantPattern(), &mod, &at, &expr)) {
      cmd->is_range = false;
      VIGIL_ASSIGN_OR_RETURN(int64_t ts, Duration(line, "timestamp", at));
      cmd->eval_time = ts;
      cmd->start = ts;
      cmd->end = std::numeric_limits<int64_t>::min();
      cmd->step = 0;
    } else if (RE2::PartialMatch(l, EvalRangePattern(), &mod, &from, &to, &step, &expr)) {
      cmd->is_range = true;
      VIGIL_ASSIGN_OR_RETURN(cmd->start, Duration(line, "start timestamp", from));
      VIGIL_ASSIGN_OR_RETURN(cmd->end, Duration(line, "end timestamp", to));
      if (cmd->end < cmd->start) {
        return LineError(line, fmt::format("invalid test definition, end timestamp ({}) is before "
                                           "start timestamp ({})",
                                           to, from));
      }
      VIGIL_ASSIGN_OR_RETURN(cmd->step, Duration(line, "step", step));
    } else {
      return LineError(
          line,
          "invalid evaluation command. Must be either 'eval[_fail|_warn|_info|_ordered] "
          "instant [at <offset:duration>] <query>' or 'eval[_fail|_warn|_info] range "
          "from <from> to <to> step <step> <query>'");
    }
    cmd->line = line;
    cmd->expr = expr;
    cmd->legacy_ordered = mod == "ordered";
    cmd->legacy_fail = mod == "fail";
    cmd->legacy_warn = mod == "warn";
    cmd->legacy_info = mod == "info";

    for (int j = 1; *i + 1 < lines_.size(); ++j) {
      ++*i;
      int def_line = static_cast<int>(*i) + 1;
      std::string_view def = lines_[*i];
      if (def.empty()) {
        --*i;
        break;
      }
      if (cmd->legacy_fail && HasPrefix(def, "expected_fail_message")) {
        cmd->expected_fail_message = std::string(Trim(def.substr(21)));
        break;
      }
      if (cmd->legacy_fail && HasPrefix(def, "expected_fail_regexp")) {
        cmd->expected_fail_regexp_text = std::string(Trim(def.substr(20)));
        auto re = CompileRegex(cmd->expected_fail_regexp_text);
        if (!re.ok()) {
          return LineError(def_line,
                           fmt::format("invalid regexp '{}' for expected_fail_regexp: {}",
                                       cmd->expected_fail_regexp_text, re.status().message()));
        }
        cmd->expected_fail_regexp = std::move(re).value();
        break;
      }
      if (HasPrefix(def, "expect range vector")) {
        std::string f, t, s;
        if (!RE2::PartialMatch(def, ExpectRangePattern(), &f, &t, &s)) {
          return LineError(def_line, fmt::format("invalid range vector definition \"{}\"", def));
        }
        VIGIL_ASSIGN_OR_RETURN(cmd->start, Duration(def_line, "start timestamp", f));
        VIGIL_ASSIGN_OR_RETURN(cmd->end, Duration(def_line, "end timestamp", t));
        VIGIL_ASSIGN_OR_RETURN(cmd->step, Duration(def_line, "step", s));
        if (cmd->end < cmd->start) {
          return LineError(def_line, "invalid test definition, end timestamp is before start");
        }
        cmd->eval_time = cmd->end;
        cmd->expect_range_vector = true;
        cmd->exclude_from_range_query = true;
        continue;
      }
      if (HasPrefix(def, "expect string")) {
        std::string_view lit = def.substr(13);
        if (lit.empty() || lit[0] != ' ' || Trim(lit).empty()) {
          return LineError(
              def_line, "expected string literal not valid - a quoted string literal is required");
        }
        auto s = model::UnquoteString(lit.substr(1));
        if (!s.ok()) {
          return LineError(def_line,
                           "expected string literal not valid - check that the string is correctly "
                           "quoted");
        }
        cmd->expected_string = std::move(s).value();
        cmd->exclude_from_range_query = true;
        continue;
      }
      size_t sp = def.find(' ');
      if (def.substr(0, sp) == "expect") {
        VIGIL_RETURN_IF_ERROR(ParseExpect(def_line, def, cmd));
        --j;
        continue;
      }
      if (auto f = ParseNumber(def); f.ok()) {
        cmd->expect_scalar = true;
        cmd->expected.clear();
        cmd->expected[model::Labels()] =
            ExpectedSeries{model::Labels(), {{SequenceValue::Kind::kFloat, *f}}, 0, def_line};
        break;
      }
      auto desc = ParseSeriesDesc(def);
      if (!desc.ok()) return LineError(def_line, desc.status().message());
      if (desc->values.size() > 1 && !cmd->is_range && !cmd->expect_range_vector) {
        return LineError(def_line, "expecting multiple values in instant evaluation not allowed");
      }
      if (desc->HasHistogram()) cmd->expects_histogram = true;
      cmd->expect_scalar = false;
      // (The right side of = is evaluated first: no moving from the key.)
      ExpectedSeries exp{desc->labels, std::move(desc->values), j, def_line};
      cmd->expected[desc->labels] = std::move(exp);
    }
    return Status::OK();
  }

  Status ParseExpect(int line, std::string_view def, EvalCmd* cmd) {
    std::string mode, match_type, text;
    if (!RE2::PartialMatch(Trim(def), ExpectPattern(), &mode, &match_type, &text)) {
      return LineError(
          line,
          "invalid expect statement, must match `expect <type> <match_type>: <string>` "
          "format");
    }
    Expectation e;
    if (mode == "fail") e.type = ExpectType::kFail;
    if (mode == "ordered") e.type = ExpectType::kOrdered;
    if (mode == "warn") e.type = ExpectType::kWarn;
    if (mode == "no_warn") e.type = ExpectType::kNoWarn;
    if (mode == "info") e.type = ExpectType::kInfo;
    if (mode == "no_info") e.type = ExpectType::kNoInfo;
    if (match_type == "msg") {
      e.text = std::string(Trim(text));
    } else {
      // regex: or nothing (which matches anything, as upstream's ^.*$).
      e.is_regex = true;
      e.text = match_type == "regex" ? std::string(Trim(text)) : std::string("^.*$");
      auto re = CompileRegex(e.text);
      if (!re.ok()) return LineError(line, fmt::format("invalid regex {} for {}", e.text, mode));
      e.re = std::move(re).value();
    }
    cmd->expects.push_back(std::move(e));
    auto count = [&](ExpectType t) { return cmd->ExpectsOf(t).size(); };
    if (count(ExpectType::kInfo) > 0 && count(ExpectType::kNoInfo) > 0) {
      return LineError(line, "invalid expect lines, info and no_info cannot be used together");
    }
    if (count(ExpectType::kWarn) > 0 && count(ExpectType::kNoWarn) > 0) {
      return LineError(line, "invalid expect lines, warn and no_warn cannot be used together");
    }
    if (count(ExpectType::kFail) > 1) {
      return LineError(line, "invalid expect lines, multiple expect fail lines are not allowed");
    }
    return Status::OK();
  }

  std::vector<std::string_view> lines_;
};

}  // namespace

const char* ExpectTypeName(ExpectType t) {
  switch (t) {
    case ExpectType::kOrdered:
      return "ordered";
    case ExpectType::kFail:
      return "fail";
    case ExpectType::kWarn:
      return "warn";
    case ExpectType::kNoWarn:
      return "no_warn";
    case ExpectType::kInfo:
      return "info";
    case ExpectType::kNoInfo:
      return "no_info";
  }
  return "?";
}

bool Expectation::Matches(std::string_view message) const {
  if (!is_regex) return text == message;
  return RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *re);
}

bool EvalCmd::IsOrdered() const {
  return legacy_ordered || !ExpectsOf(ExpectType::kOrdered).empty();
}

bool EvalCmd::IsFail() const { return legacy_fail || !ExpectsOf(ExpectType::kFail).empty(); }

std::vector<const Expectation*> EvalCmd::ExpectsOf(ExpectType t) const {
  std::vector<const Expectation*> out;
  for (const auto& e : expects) {
    if (e.type == t) out.push_back(&e);
  }
  return out;
}

Result<Script> ParseScript(std::string_view text) { return ScriptParser(text).Parse(); }

}  // namespace vigil::promql::promqltest
