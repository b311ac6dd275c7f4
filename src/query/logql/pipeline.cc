#include "query/logql/pipeline.h"

#include <re2/re2.h>

#include <string.h>

#include <algorithm>

#include "base/strconv.h"
#include "query/logql/ip.h"
#include "query/logql/line_pattern.h"
#include "query/logql/units.h"

#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
#include "process/logparse/logparse.h"
#endif

namespace vigil::logql {
namespace {

constexpr std::string_view kExtractedSuffix = "_extracted";

bool Compare(CmpOp op, double a, double b) {
  switch (op) {
    case CmpOp::kEq:
    case CmpOp::kEqEq:
      return a == b;
    case CmpOp::kNe:
      return a != b;
    case CmpOp::kGt:
      return a > b;
    case CmpOp::kGe:
      return a >= b;
    case CmpOp::kLt:
      return a < b;
    case CmpOp::kLe:
      return a <= b;
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// LabelState

void LabelState::Reset(const model::Labels& stream,
                       const std::vector<model::LogAttribute>& metadata) {
  used_ = 0;
  for (const auto& l : stream) {
    Slot* s = Add(l.name);
    s->value.assign(l.value);
    s->stream = true;
  }
  stream_count_ = used_;
  // Structured metadata names become label names as Loki's OTLP ingestion
  // makes them (host.name -> host_name). A resource attribute that is also a
  // stream label (service.name -> service_name) is not repeated.
  std::string name;
  for (const auto& a : metadata) {
    name.clear();
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
    logparse::AppendSanitizedFieldName(&name, a.key);
#else
    name = a.key;
#endif
    const Slot* same = FindSlot(name);
    if (same != nullptr && same->stream && same->value == a.value) continue;
    SetExtracted(name, a.value);
  }
}

LabelState::Slot* LabelState::Add(std::string_view name) {
  if (used_ == slots_.size()) slots_.emplace_back();
  Slot* s = &slots_[used_++];
  s->name.assign(name);
  s->value.clear();
  s->stream = false;
  s->deleted = false;
  return s;
}

LabelState::Slot* LabelState::FindSlot(std::string_view name) {
  for (size_t i = 0; i < used_; ++i) {
    if (slots_[i].name == name) return &slots_[i];
  }
  return nullptr;
}

const LabelState::Slot* LabelState::FindSlot(std::string_view name) const {
  for (size_t i = 0; i < used_; ++i) {
    if (slots_[i].name == name) return &slots_[i];
  }
  return nullptr;
}

const std::string* LabelState::Find(std::string_view name) const {
  const Slot* s = FindSlot(name);
  if (s == nullptr || s->deleted) return nullptr;
  return &s->value;
}

bool LabelState::IsStreamLabel(std::string_view name) const {
  for (size_t i = 0; i < stream_count_; ++i) {
    if (slots_[i].name == name) return true;
  }
  return false;
}

void LabelState::SetExtracted(std::string_view name, std::string_view value) {
  if (IsStreamLabel(name)) {
    std::string renamed(name);
    renamed.append(kExtractedSuffix);
    Set(renamed, value);
    return;
  }
  Set(name, value);
}

void LabelState::Set(std::string_view name, std::string_view value) {
  Slot* s = FindSlot(name);
  if (s == nullptr) s = Add(name);
  s->value.assign(value);
  s->deleted = false;
}

void LabelState::Del(std::string_view name) {
  Slot* s = FindSlot(name);
  if (s != nullptr) s->deleted = true;
}

void LabelState::SetError(std::string_view error, std::string_view details) {
  Set(kErrorLabel, error);
  if (!details.empty()) Set(kErrorDetailsLabel, details);
}

bool LabelState::HasError() const {
  const std::string* v = Find(kErrorLabel);
  return v != nullptr && !v->empty();
}

std::vector<const LabelState::Slot*> LabelState::Sorted() const {
  std::vector<const Slot*>& out = sorted_scratch_;
  out.clear();
  for (size_t i = 0; i < used_; ++i) {
    if (!slots_[i].deleted && !slots_[i].value.empty()) out.push_back(&slots_[i]);
  }
  std::sort(out.begin(), out.end(), [](const Slot* a, const Slot* b) { return a->name < b->name; });
  return out;
}

void LabelState::Collect(std::vector<model::Label>* out) const {
  out->clear();
  for (const Slot* s : Sorted()) out->push_back(model::Label{s->name, s->value});
}

void LabelState::AppendKey(std::string* key) const {
  for (const Slot* s : Sorted()) {
    key->append(s->name);
    key->push_back('\xff');
    key->append(s->value);
    key->push_back('\xff');
  }
}

// ---------------------------------------------------------------------------
// Filters

bool LineFilterMatches(const LineFilter& f, std::string_view line) {
  bool any = false;
  switch (f.op) {
    case LineFilterOp::kContains:
    case LineFilterOp::kNotContains:
      if (f.ip) {
        any = f.ip_matcher->MatchesLine(line);
      } else {
        for (const auto& v : f.values) {
          if (memmem(line.data(), line.size(), v.data(), v.size()) != nullptr) {
            any = true;
            break;
          }
        }
      }
      return f.op == LineFilterOp::kContains ? any : !any;
    case LineFilterOp::kRegex:
    case LineFilterOp::kNotRegex:
      for (const auto& re : f.regexes) {
        if (RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *re)) {
          any = true;
          break;
        }
      }
      return f.op == LineFilterOp::kRegex ? any : !any;
    case LineFilterOp::kPattern:
    case LineFilterOp::kNotPattern:
      for (const auto& p : f.patterns) {
        if (p->Matches(line)) {
          any = true;
          break;
        }
      }
      return f.op == LineFilterOp::kPattern ? any : !any;
  }
  return false;
}

bool EvalLabelFilter(const LabelFilterNode& n, LabelState* labels) {
  switch (n.kind) {
    case LabelFilterNode::Kind::kAnd: {
      bool l = EvalLabelFilter(*n.left, labels);
      bool r = EvalLabelFilter(*n.right, labels);
      return l && r;
    }
    case LabelFilterNode::Kind::kOr:
      if (EvalLabelFilter(*n.left, labels)) return true;
      return EvalLabelFilter(*n.right, labels);
    case LabelFilterNode::Kind::kString:
      return n.matcher->Matches(labels->Get(n.name));
    case LabelFilterNode::Kind::kIp: {
      const std::string* v = labels->Find(n.name);
      if (v == nullptr) return false;
      bool m = n.ip_matcher->MatchesAddress(*v);
      return n.op == CmpOp::kNe ? !m : m;
    }
    case LabelFilterNode::Kind::kNumber:
    case LabelFilterNode::Kind::kDuration:
    case LabelFilterNode::Kind::kBytes: {
      if (labels->HasError()) return true;
      const std::string* v = labels->Find(n.name);
      if (v == nullptr || v->empty()) return false;
      double x = 0;
      Status err;
      if (n.kind == LabelFilterNode::Kind::kNumber) {
        auto f = ParseGoFloat(*v);
        if (f.ok())
          x = *f;
        else
          err = f.status();
      } else if (n.kind == LabelFilterNode::Kind::kDuration) {
        auto d = ParseGoDuration(*v);
        if (d.ok())
          x = static_cast<double>(*d) / 1e9;
        else
          err = d.status();
      } else {
        auto b = ParseHumanBytes(*v);
        if (b.ok())
          x = *b;
        else
          err = b.status();
      }
      if (!err.ok()) {
        labels->SetError("LabelFilterErr", err.message());
        return true;
      }
      return Compare(n.op, x, n.value);
    }
  }
  return false;
}

std::string Decolorize(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == 0x1b && i + 1 < line.size() && line[i + 1] == '[') {
      size_t j = i + 2;
      while (j < line.size() &&
             ((line[j] >= '0' && line[j] <= '9') || line[j] == ';' || line[j] == '?'))
        ++j;
      if (j < line.size() && line[j] >= '@' && line[j] <= '~') {
        i = j + 1;
        continue;
      }
    } else if (c == 0x1b && i + 1 < line.size() && line[i + 1] == ']') {
      // OSC: ESC ] ... BEL
      size_t bel = line.find('\x07', i + 2);
      if (bel != std::string_view::npos) {
        i = bel + 1;
        continue;
      }
    }
    out.push_back(line[i]);
    ++i;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pipeline

std::vector<std::string> Pipeline::LineContainsHints(const std::vector<Stage>& stages) {
  std::vector<std::string> out;
  for (const auto& s : stages) {
    if (s.kind == Stage::Kind::kLineFormat || s.kind == Stage::Kind::kUnpack ||
        s.kind == Stage::Kind::kDecolorize) {
      break;
    }
    if (s.kind != Stage::Kind::kLineFilter) continue;
    const LineFilter& f = s.line_filter;
    if (f.op == LineFilterOp::kContains && !f.ip && f.values.size() == 1 && !f.values[0].empty()) {
      out.push_back(f.values[0]);
    }
  }
  return out;
}

bool Pipeline::OnlyLineFilters() const {
  for (const Stage& s : *stages_) {
    if (s.kind != Stage::Kind::kLineFilter) return false;
  }
  return true;
}

bool Pipeline::FilterLine(std::string_view line) const {
  for (const Stage& s : *stages_) {
    if (s.kind == Stage::Kind::kLineFilter && !LineFilterMatches(s.line_filter, line)) return false;
  }
  return true;
}

void Pipeline::SetLine(std::string_view* line, std::string&& text) {
  line_buf_ = std::move(text);
  *line = line_buf_;
}

bool Pipeline::Process(int64_t time_ns, std::string_view* line, LabelState* labels) {
  for (const Stage& s : *stages_) {
    if (!RunStage(s, time_ns, line, labels)) return false;
  }
  return true;
}

bool Pipeline::RunStage(const Stage& s, int64_t time_ns, std::string_view* line,
                        LabelState* labels) {
  switch (s.kind) {
    case Stage::Kind::kLineFilter:
      return LineFilterMatches(s.line_filter, *line);
    case Stage::Kind::kLabelFilter:
      return EvalLabelFilter(*s.label_filter, labels);
    case Stage::Kind::kDecolorize:
      SetLine(line, Decolorize(*line));
      return true;
    case Stage::Kind::kDrop:
      for (const auto& nm : s.names) {
        if (nm.matcher) {
          const std::string* v = labels->Find(nm.name);
          if (v != nullptr && nm.matcher->Matches(*v)) labels->Del(nm.name);
        } else {
          labels->Del(nm.name);
        }
      }
      return true;
    case Stage::Kind::kKeep: {
      std::vector<std::string> remove;
      labels->ForEach([&](const std::string& name, const std::string& value) {
        if (name == kErrorLabel || name == kErrorDetailsLabel) return;
        bool keep = false;
        for (const auto& nm : s.names) {
          if (nm.name == name && (!nm.matcher || nm.matcher->Matches(value))) keep = true;
        }
        if (!keep) remove.push_back(name);
      });
      for (const auto& r : remove) labels->Del(r);
      return true;
    }
    default:
      break;
  }
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
  switch (s.kind) {
    case Stage::Kind::kJson: {
      if (s.params.empty()) {
        fields_.clear();
        Status st = logparse::ParseJson(*line, &fields_);
        for (const auto& [k, v] : fields_) labels->SetExtracted(k, v);
        if (!st.ok()) labels->SetError("JSONParserErr", st.message());
        return true;
      }
      for (const auto& p : s.params) {
        auto v = p.json_path->Extract(*line);
        if (!v.ok()) {
          labels->SetError("JSONParserErr", v.status().message());
          return true;
        }
        labels->SetExtracted(p.label, *v);
      }
      return true;
    }
    case Stage::Kind::kLogfmt: {
      fields_.clear();
      logparse::LogfmtOptions opts;
      opts.strict = s.logfmt_strict;
      opts.keep_empty = s.logfmt_keep_empty;
      Status st = logparse::ParseLogfmt(*line, &fields_, opts);
      if (!st.ok() && s.logfmt_strict) {
        labels->SetError("LogfmtParserErr", st.message());
        return true;
      }
      if (s.params.empty()) {
        for (const auto& [k, v] : fields_) labels->SetExtracted(k, v);
      } else {
        for (const auto& p : s.params) {
          for (const auto& [k, v] : fields_) {
            if (k == p.expression) labels->SetExtracted(p.label, v);
          }
        }
      }
      return true;
    }
    case Stage::Kind::kRegexp:
    case Stage::Kind::kPattern: {
      fields_.clear();
      if (s.kind == Stage::Kind::kRegexp) {
        (void)s.regexp->Parse(*line, &fields_);
      } else {
        (void)s.pattern->Parse(*line, &fields_);
      }
      for (const auto& [k, v] : fields_) {
        if (!v.empty()) labels->SetExtracted(k, v);
      }
      return true;
    }
    case Stage::Kind::kUnpack: {
      fields_.clear();
      scratch_.clear();
      Status st = logparse::Unpack(*line, &fields_, &scratch_);
      for (const auto& [k, v] : fields_) labels->SetExtracted(k, v);
      if (!st.ok()) {
        labels->SetError("JSONParserErr", st.message());
      } else if (!scratch_.empty()) {
        SetLine(line, std::move(scratch_));
        scratch_ = std::string();
      }
      return true;
    }
    case Stage::Kind::kLineFormat: {
      label_snapshot_.clear();
      labels->ForEach(
          [&](const std::string& n, const std::string& v) { label_snapshot_.emplace_back(n, v); });
      logparse::Template::Context ctx;
      ctx.labels = &label_snapshot_;
      ctx.line = *line;
      ctx.time_ns = time_ns;
      auto out = s.tmpl->Execute(ctx);
      if (!out.ok()) {
        labels->SetError("TemplateFormatErr", out.status().message());
        return true;
      }
      SetLine(line, std::move(*out));
      return true;
    }
    case Stage::Kind::kLabelFormat: {
      label_snapshot_.clear();
      labels->ForEach(
          [&](const std::string& n, const std::string& v) { label_snapshot_.emplace_back(n, v); });
      std::vector<std::pair<std::string, std::string>> results;
      std::vector<std::string> renamed_from;
      for (const auto& f : s.label_formats) {
        if (f.is_template) {
          logparse::Template::Context ctx;
          ctx.labels = &label_snapshot_;
          ctx.line = *line;
          ctx.time_ns = time_ns;
          auto out = f.tmpl->Execute(ctx);
          if (!out.ok()) {
            labels->SetError("TemplateFormatErr", out.status().message());
            continue;
          }
          results.emplace_back(f.dst, std::move(*out));
        } else {
          results.emplace_back(f.dst, std::string(labels->Get(f.src)));
          if (f.src != f.dst) renamed_from.push_back(f.src);
        }
      }
      for (const auto& r : renamed_from) labels->Del(r);
      for (const auto& [k, v] : results) labels->Set(k, v);
      return true;
    }
    default:
      return true;
  }
#else
  (void)time_ns;
  labels->SetError("ParserUnavailable", "vigil was built without logparse");
  return true;
#endif
}

}  // namespace vigil::logql
