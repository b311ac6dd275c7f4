#include "collect/textparse/lex.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "base/strconv.h"

namespace vigil::textparse::internal {
namespace {

// Exact for integers below 2^53; 15 digits stay well inside.
bool ParseSmallInteger(std::string_view s, double* out) {
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
  }
  size_t n = s.size() - i;
  if (n == 0 || n > 15) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *out = neg ? -static_cast<double>(v) : static_cast<double>(v);
  if (neg && v == 0) *out = -0.0;
  return true;
}

}  // namespace

size_t ScanQuoted(std::string_view s, size_t pos, bool* escaped) {
  // Label values are short: a byte loop beats two memchr calls.
  const char* p = s.data() + pos + 1;
  const char* end = s.data() + s.size();
  while (p < end) {
    char c = *p;
    if (c == '"') return static_cast<size_t>(p - s.data()) + 1;
    if (c == '\\') {
      *escaped = true;
      p += 2;  // the escaped byte, whatever it is
      continue;
    }
    ++p;
  }
  return std::string_view::npos;
}

void AppendUnescaped(std::string* out, std::string_view raw) {
  size_t i = 0;
  while (i < raw.size()) {
    size_t b = raw.find('\\', i);
    if (b == std::string_view::npos || b + 1 >= raw.size()) {
      out->append(raw.substr(i));
      return;
    }
    out->append(raw.substr(i, b - i));
    char c = raw[b + 1];
    if (c == '\\' || c == '"') {
      out->push_back(c);
    } else if (c == 'n') {
      out->push_back('\n');
    } else {
      out->push_back('\\');
      out->push_back(c);
    }
    i = b + 2;
  }
}

std::string_view Unescape(std::string_view raw, std::string* scratch) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  scratch->clear();
  AppendUnescaped(scratch, raw);
  return *scratch;
}

std::string_view UnescapeHelp(std::string_view raw, std::string* scratch) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  scratch->clear();
  size_t i = 0;
  while (i < raw.size()) {
    size_t b = raw.find('\\', i);
    if (b == std::string_view::npos || b + 1 >= raw.size()) {
      scratch->append(raw.substr(i));
      break;
    }
    scratch->append(raw.substr(i, b - i));
    char c = raw[b + 1];
    if (c == '\\') {
      scratch->push_back('\\');
    } else if (c == 'n') {
      scratch->push_back('\n');
    } else {
      scratch->push_back('\\');
      scratch->push_back(c);
    }
    i = b + 2;
  }
  return *scratch;
}

bool ParseValue(std::string_view s, double* out) {
  if (s.empty()) return false;
  char c = s[0] == '-' && s.size() > 1 ? s[1] : s[0];
  if ((c >= '0' && c <= '9') || c == '.') {
    if (ParseSmallInteger(s, out)) return true;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && p == s.data() + s.size()) return true;
    // Out of range, hex, '_' or junk: Go's rules decide below.
  }
  if (s.find_first_of("pP_") != std::string_view::npos) return false;
  Result<double> r = ParseGoFloat(s);
  if (!r.ok()) return false;
  *out = r.value();
  return true;
}

std::string ValueError(std::string_view token) {
  if (token.find_first_of("pP_") != std::string_view::npos) {
    return fmt::format("unsupported character in float {}", GoQuote(token));
  }
  Result<double> r = ParseGoFloat(token);
  return r.ok() ? fmt::format("invalid value {}", GoQuote(token)) : r.status().message();
}

std::optional<std::string> NormalizeFloatLabel(std::string_view value) {
  Result<double> r = ParseGoFloat(value);
  if (!r.ok()) return std::nullopt;
  double f = r.value();
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string s = FormatGoFloat(f, 'g');
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

// Label names mostly differ in their first byte; skip memcmp then.
inline bool NameLess(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<uint8_t>(a[0]) < static_cast<uint8_t>(b[0]);
  }
  return a < b;
}

Result<model::Labels> BuildLabels(std::string_view raw_name, bool name_quoted,
                                  std::span<const RawLabel> labels,
                                  storage::MetricMetadata::Type type, int line) {
  using Type = storage::MetricMetadata::Type;
  struct Pair {
    std::string_view name;
    std::string_view value;
  };
  // Unescaped or normalized strings; reserved up front so that the views
  // into them stay valid.
  std::vector<std::string> owned;
  auto own = [&](std::string s) -> std::string_view {
    if (owned.capacity() == 0) owned.reserve(2 * labels.size() + 1);
    owned.push_back(std::move(s));
    return owned.back();
  };
  auto unescape = [&](std::string_view raw) -> std::string_view {
    if (raw.find('\\') == std::string_view::npos) return raw;
    std::string s;
    AppendUnescaped(&s, raw);
    return own(std::move(s));
  };

  constexpr size_t kInline = 24;
  Pair inline_pairs[kInline];
  std::vector<Pair> heap_pairs;
  Pair* pairs = inline_pairs;
  if (labels.size() + 1 > kInline) {
    heap_pairs.resize(labels.size() + 1);
    pairs = heap_pairs.data();
  }
  size_t n = 0;
  std::string_view name = name_quoted ? unescape(raw_name) : raw_name;
  if (name.empty()) return LineError(line, "empty metric name");
  if (!model::IsValidUTF8(name)) {
    return LineError(line, fmt::format("invalid UTF-8 metric name {}", GoQuote(name)));
  }
  pairs[n++] = {model::kMetricName, name};
  bool sorted = true;
  for (const RawLabel& l : labels) {
    Pair p{l.name_quoted ? unescape(l.name) : l.name, unescape(l.value)};
    if (p.name.empty()) return LineError(line, "empty label name");
    if (!model::IsValidUTF8(p.name)) {
      return LineError(line, fmt::format("invalid UTF-8 label name {}", GoQuote(p.name)));
    }
    if (!model::IsValidUTF8(p.value)) {
      return LineError(line, fmt::format("invalid UTF-8 label value {}", GoQuote(p.value)));
    }
    if ((type == Type::kHistogram && p.name == "le") ||
        (type == Type::kSummary && p.name == "quantile")) {
      if (auto norm = NormalizeFloatLabel(p.value); norm && *norm != p.value) {
        p.value = own(std::move(*norm));
      }
    }
    sorted &= NameLess(pairs[n - 1].name, p.name);
    pairs[n++] = p;
  }
  if (!sorted) {
    std::sort(pairs, pairs + n,
              [](const Pair& a, const Pair& b) { return NameLess(a.name, b.name); });
    for (size_t i = 1; i < n; ++i) {
      if (pairs[i].name == pairs[i - 1].name) {
        return LineError(line, fmt::format("duplicate label name {}", GoQuote(pairs[i].name)));
      }
    }
  }
  std::vector<model::Label> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(model::Label{std::string(pairs[i].name), std::string(pairs[i].value)});
  }
  return model::Labels::FromSorted(std::move(out));
}

std::string Got(std::string_view line, size_t pos) {
  if (pos >= line.size()) return "end of line";
  size_t end = pos + 1;
  while (end < line.size() && end - pos < 24 && line[end] != ' ' && line[end] != '\t') ++end;
  return GoQuote(line.substr(pos, end - pos));
}

Status LineError(int line, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("line {}: {}", line, msg));
}

}  // namespace vigil::textparse::internal
