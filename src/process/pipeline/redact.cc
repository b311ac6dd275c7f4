// The redact step: secrets in the body and attribute values are replaced by
// `replacement`; attributes named in `keys` (case-insensitive) lose their
// whole value. Built-in patterns first run a cheap test (an '@' for
// email, 13 digits for a card number, ...) and user patterns one combined
// RE2 scan, so clean values (nearly all) never run a replacement.
#include <re2/re2.h>

#include <fmt/format.h>

#include "process/pipeline/step.h"

#include "base/ascii.h"

namespace vigil::pipeline {

namespace {

// Cheap tests that a value may hold a match, so that clean values (nearly
// all of them) never reach RE2.
bool MayHoldEmail(std::string_view v) { return v.find('@') != std::string_view::npos; }
bool MayHoldCard(std::string_view v) {
  int digits = 0;
  for (char c : v) digits += c >= '0' && c <= '9';
  return digits >= 13;
}
bool MayHoldIpv4(std::string_view v) {
  int dots = 0;
  for (char c : v) dots += c == '.';
  return dots >= 3;
}
bool MayHoldBearer(std::string_view v) {
  for (size_t i = 0; i + 6 <= v.size(); ++i) {
    if ((v[i] | 0x20) == 'b' && (v[i + 1] | 0x20) == 'e' && (v[i + 2] | 0x20) == 'a' &&
        (v[i + 3] | 0x20) == 'r' && (v[i + 4] | 0x20) == 'e' && (v[i + 5] | 0x20) == 'r') {
      return true;
    }
  }
  return false;
}
bool MayHoldAwsKey(std::string_view v) {
  for (size_t i = v.find('A'); i != std::string_view::npos && i + 20 <= v.size();
       i = v.find('A', i + 1)) {
    std::string_view p = v.substr(i, 4);
    if (p == "AKIA" || p == "ASIA" || p == "AGPA" || p == "AIDA" || p == "AROA" || p == "ANPA" ||
        p == "ANVA" || p == "AIPA") {
      return true;
    }
  }
  return false;
}
bool MayHoldJwt(std::string_view v) { return v.find("eyJ") != std::string_view::npos; }

struct BuiltinPattern {
  std::string_view name;
  std::string_view regex;
  int secret_group;  // the part replaced; 0: the whole match
  bool luhn;         // the digits must pass the Luhn check (card numbers)
  bool (*may_hold)(std::string_view);
};

constexpr BuiltinPattern kBuiltins[] = {
    {"email", R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})", 0, false,
     MayHoldEmail},
    {"credit_card", R"(\b\d(?:[ \-]?\d){12,18}\b)", 0, true, MayHoldCard},
    {"ipv4",
     R"(\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b)", 0,
     false, MayHoldIpv4},
    {"bearer_token", R"((?i:\bbearer\s+)([A-Za-z0-9\-._~+/]+=*))", 1, false, MayHoldBearer},
    {"aws_access_key", R"(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b)", 0, false,
     MayHoldAwsKey},
    {"jwt", R"(\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)", 0, false, MayHoldJwt},
};

bool LuhnValid(std::string_view s) {
  int sum = 0, n = 0;
  bool dbl = false;
  for (size_t i = s.size(); i-- > 0;) {
    char c = s[i];
    if (c < '0' || c > '9') continue;
    int d = c - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
    ++n;
  }
  return n >= 13 && sum % 10 == 0;
}

struct Pattern {
  std::unique_ptr<re2::RE2> re;
  int secret_group = 0;
  bool luhn = false;
  bool (*may_hold)(std::string_view) = nullptr;  // built-ins; user patterns use `any_`
};

class RedactStep : public Step {
 public:
  RedactStep(std::vector<Pattern> patterns, std::unique_ptr<re2::RE2> any,
             std::vector<std::string> keys, std::string replacement)
      : patterns_(std::move(patterns)),
        any_(std::move(any)),
        keys_(std::move(keys)),
        replacement_(std::move(replacement)) {}

  void Process(WorkBatch* batch) override {
    std::string scratch;
    for (auto& r : batch->records) {
      Redact(&r.body, &scratch);
      for (auto& a : r.attributes) {
        if (IsKey(a.key)) {
          a.value = replacement_;
          continue;
        }
        Redact(&a.value, &scratch);
      }
    }
  }

 private:
  bool IsKey(std::string_view key) const {
    for (const auto& k : keys_) {
      if (EqualsIgnoreCase(k, key)) return true;
    }
    return false;
  }

  void Redact(std::string* value, std::string* out) const {
    if (value->empty()) return;
    int user_hit = -1;  // whether any user pattern matches; -1: not looked yet
    for (const Pattern& p : patterns_) {
      if (p.may_hold != nullptr) {
        if (!p.may_hold(*value)) continue;
      } else {
        if (user_hit < 0) user_hit = any_ != nullptr && re2::RE2::PartialMatch(*value, *any_);
        if (!user_hit) continue;
      }
      if (ReplaceAll(p, *value, out)) value->swap(*out);
    }
  }

  bool ReplaceAll(const Pattern& p, std::string_view text, std::string* out) const {
    re2::StringPiece sub[2];
    int nsub = p.secret_group + 1;
    size_t pos = 0, last = 0;
    bool changed = false;
    while (pos <= text.size() &&
           p.re->Match(text, pos, text.size(), re2::RE2::UNANCHORED, sub, nsub)) {
      std::string_view whole(sub[0].data(), sub[0].size());
      std::string_view secret(sub[p.secret_group].data(), sub[p.secret_group].size());
      size_t whole_end = static_cast<size_t>(whole.data() - text.data()) + whole.size();
      if (secret.data() == nullptr || secret.empty() || (p.luhn && !LuhnValid(secret))) {
        pos = whole.empty() ? whole_end + 1 : whole_end;
        continue;
      }
      if (!changed) {
        out->clear();
        changed = true;
      }
      size_t secret_start = static_cast<size_t>(secret.data() - text.data());
      out->append(text.substr(last, secret_start - last));
      out->append(replacement_);
      last = secret_start + secret.size();
      pos = whole.empty() ? whole_end + 1 : whole_end;
    }
    if (changed) out->append(text.substr(last));
    return changed;
  }

  std::vector<Pattern> patterns_;
  std::unique_ptr<re2::RE2> any_;  // the user patterns as one alternation
  std::vector<std::string> keys_;
  std::string replacement_;
};

}  // namespace

Result<std::unique_ptr<Step>> MakeRedactStep(const config::LogStepConfig& c, const StepEnv&) {
  if (c.patterns.empty() && c.keys.empty()) {
    return Status::InvalidArgument("redact needs patterns or keys");
  }
  std::vector<Pattern> patterns;
  std::string combined;
  for (const std::string& text : c.patterns) {
    Pattern p;
    std::string_view regex = text;
    for (const auto& b : kBuiltins) {
      if (text == b.name) {
        regex = b.regex;
        p.secret_group = b.secret_group;
        p.luhn = b.luhn;
        p.may_hold = b.may_hold;
      }
    }
    p.re = std::make_unique<re2::RE2>(regex, re2::RE2::Quiet);
    if (!p.re->ok()) {
      return Status::InvalidArgument(fmt::format(
          "pattern \"{}\" is neither a built-in (email, credit_card, ipv4, bearer_token, "
          "aws_access_key, jwt) nor a valid regex: {}",
          text, p.re->error()));
    }
    if (p.may_hold == nullptr) {
      if (!combined.empty()) combined += '|';
      combined += "(?:";
      combined += regex;
      combined += ')';
    }
    patterns.push_back(std::move(p));
  }
  std::unique_ptr<re2::RE2> any;
  if (!combined.empty()) {
    re2::RE2::Options options(re2::RE2::Quiet);
    options.set_never_capture(true);
    any = std::make_unique<re2::RE2>(combined, options);
    if (!any->ok()) return Status::InvalidArgument("patterns: " + any->error());
  }
  return std::unique_ptr<Step>(
      new RedactStep(std::move(patterns), std::move(any), c.keys, c.replacement));
}

}  // namespace vigil::pipeline
