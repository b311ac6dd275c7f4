#include "query/promql/eval_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace vigil::promql::eval {

namespace {

// The shortest decimal digits of v (> 0, finite) and its decimal exponent:
// v = 0.d1d2d3... * 10^dp.
void ShortestDigits(double v, std::string* digits, int* dp) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
  digits->clear();
  for (char c : mant) {
    if (c != '.') digits->push_back(c);
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *dp = exp + 1;
}

bool Special(double v, std::string* out) {
  if (std::isnan(v)) {
    *out = "NaN";
    return true;
  }
  if (std::isinf(v)) {
    *out = v > 0 ? "+Inf" : "-Inf";
    return true;
  }
  return false;
}

std::string FixedFromDigits(bool neg, const std::string& digits, int dp) {
  std::string out;
  if (neg) out.push_back('-');
  if (dp <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-dp), '0');
    out += digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(dp));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(dp), std::string::npos);
  }
  return out;
}

}  // namespace

std::string FormatGoG(double v) {
  std::string out;
  if (Special(v, &out)) return out;
  bool neg = std::signbit(v);
  if (v == 0) return neg ? "-0" : "0";
  std::string digits;
  int dp;
  ShortestDigits(std::fabs(v), &digits, &dp);
  int exp = dp - 1;
  if (exp < -4 || exp >= 6) {  // strconv uses precision 6 for shortest %g
    if (neg) out.push_back('-');
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out += std::to_string(a);
    return out;
  }
  return FixedFromDigits(neg, digits, dp);
}

std::string FormatGoF(double v) {
  std::string out;
  if (Special(v, &out)) return out;
  bool neg = std::signbit(v);
  if (v == 0) return neg ? "-0" : "0";
  std::string digits;
  int dp;
  ShortestDigits(std::fabs(v), &digits, &dp);
  return FixedFromDigits(neg, digits, dp);
}

namespace {

// Decodes one UTF-8 code point; returns its length, or 0 if invalid.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* r) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    *r = b;
    return 1;
  }
  size_t n;
  uint32_t cp;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  *r = cp;
  return n;
}

bool IsLegacyLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    switch (r) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (r < 0x20 || r == 0x7F) {
          out += fmt::format("\\x{:02x}", r);
        } else if (r >= 0x80 && r < 0xA0) {
          out += fmt::format("\\u{:04x}", r);
        } else {
          out.append(s.substr(i, n));
        }
    }
    i += n;
  }
  out.push_back('"');
  return out;
}

std::string LabelsString(const model::Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ", ";
    first = false;
    out += IsLegacyLabelName(l.name) ? l.name : GoQuote(l.name);
    out.push_back('=');
    out += GoQuote(l.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace vigil::promql::eval
