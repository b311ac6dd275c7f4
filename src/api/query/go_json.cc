#include "api/query/go_json.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vigil::api::query {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool HtmlUnsafe(unsigned char c) { return c == '<' || c == '>' || c == '&'; }

}  // namespace

// Go's utf8.DecodeRuneInString reports RuneError with size 1 where this returns 0.
size_t Utf8SequenceAt(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    *cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    *cp = c & 0x0f;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    *cp = c & 0x07;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = b(i + k);
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
    if (cc < min || cc > max) return 0;
    *cp = (*cp << 6) | (cc & 0x3f);
  }
  return n;
}

void AppendGoFloat(std::string* out, double v, char fmt) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  if (fmt == 'e') {
    // C++'s shortest scientific form is Go's: d.ddde±dd, two exponent digits at least.
    out->append(sci);
    return;
  }
  // 'f': place the decimal point into the shortest digits, padding with zeros.
  size_t pos = 0;
  if (sci[0] == '-') {
    out->push_back('-');
    pos = 1;
  }
  size_t e_at = sci.find('e');
  std::string digits;
  for (size_t i = pos; i < e_at; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  int exp = std::atoi(std::string(sci.substr(e_at + 1)).c_str());
  int point = exp + 1;  // digits before the decimal point
  int n = static_cast<int>(digits.size());
  if (point <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-point), '0');
    out->append(digits);
  } else if (point >= n) {
    out->append(digits);
    out->append(static_cast<size_t>(point - n), '0');
  } else {
    out->append(digits, 0, static_cast<size_t>(point));
    out->push_back('.');
    out->append(digits, static_cast<size_t>(point), std::string::npos);
  }
}

void AppendJsoniterFloat(std::string* out, double v) {
  double a = std::fabs(v);
  AppendGoFloat(out, v, a != 0 && (a < 1e-6 || a >= 1e21) ? 'e' : 'f');
}

void AppendSampleValue(std::string* out, double v) {
  out->push_back('"');
  AppendJsoniterFloat(out, v);
  out->push_back('"');
}

void AppendTimestamp(std::string* out, int64_t ms) {
  uint64_t t = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out->push_back('-');
    t = 0 - t;
  }
  fmt::format_to(std::back_inserter(*out), "{}", t / 1000);
  uint64_t frac = t % 1000;
  if (frac != 0) fmt::format_to(std::back_inserter(*out), ".{:03}", frac);
}

void AppendJsonFloat(std::string* out, double v) {
  double a = std::fabs(v);
  bool e = a != 0 && (a < 1e-6 || a >= 1e21);
  size_t start = out->size();
  AppendGoFloat(out, v, e ? 'e' : 'f');
  if (!e) return;
  // encoding/json writes e-07 as e-7.
  size_t n = out->size() - start;
  std::string& o = *out;
  if (n >= 4 && o[o.size() - 4] == 'e' && o[o.size() - 3] == '-' && o[o.size() - 2] == '0') {
    o[o.size() - 2] = o[o.size() - 1];
    o.pop_back();
  }
}

void AppendJsonString(std::string* out, std::string_view s, GoEscape escape) {
  out->push_back('"');
  size_t start = 0;
  auto flush = [&](size_t i) {
    if (i > start) out->append(s.substr(start, i - start));
  };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool safe =
          c >= 0x20 && c != '"' && c != '\\' && (escape == GoEscape::kPlain || !HtmlUnsafe(c));
      if (safe) {
        ++i;
        continue;
      }
      flush(i);
      switch (c) {
        case '"':
        case '\\':
          out->push_back('\\');
          out->push_back(static_cast<char>(c));
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
        case '\f':
          if (escape == GoEscape::kStdlibHtml) {
            out->append(c == '\b' ? "\\b" : "\\f");
            break;
          }
          [[fallthrough]];
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
      }
      start = ++i;
      continue;
    }
    if (escape == GoEscape::kPlain) {  // jsoniter passes other bytes through unchecked
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = Utf8SequenceAt(s, i, &cp);
    if (n == 0) {
      flush(i);
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      flush(i);
      out->append(cp == 0x2028 ? "\\u2028" : "\\u2029");
      start = i + n;
    }
    i += n;
  }
  flush(i);
  out->push_back('"');
}

void GoJsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_.push_back(',');
    has_element_.back() = true;
  }
}

void GoJsonWriter::StartObject() {
  BeforeValue();
  out_.push_back('{');
  has_element_.push_back(false);
}

void GoJsonWriter::EndObject() {
  out_.push_back('}');
  has_element_.pop_back();
}

void GoJsonWriter::StartArray() {
  BeforeValue();
  out_.push_back('[');
  has_element_.push_back(false);
}

void GoJsonWriter::EndArray() {
  out_.push_back(']');
  has_element_.pop_back();
}

void GoJsonWriter::KeyWith(std::string_view k, GoEscape e) {
  BeforeValue();
  AppendJsonString(&out_, k, e);
  out_.push_back(':');
  after_key_ = true;
}

void GoJsonWriter::Key(std::string_view k) { KeyWith(k, GoEscape::kHtml); }

void GoJsonWriter::LabelKey(std::string_view k) { KeyWith(k, GoEscape::kPlain); }

void GoJsonWriter::Str(std::string_view s, GoEscape e) {
  BeforeValue();
  AppendJsonString(&out_, s, e);
}

void GoJsonWriter::Int(int64_t v) {
  BeforeValue();
  fmt::format_to(std::back_inserter(out_), "{}", v);
}

void GoJsonWriter::Uint(uint64_t v) {
  BeforeValue();
  fmt::format_to(std::back_inserter(out_), "{}", v);
}

void GoJsonWriter::Bool(bool b) {
  BeforeValue();
  out_.append(b ? "true" : "false");
}

void GoJsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

void GoJsonWriter::Float(double v) {
  BeforeValue();
  AppendJsonFloat(&out_, v);
}

void GoJsonWriter::JsoniterFloat(double v) {
  BeforeValue();
  AppendJsoniterFloat(&out_, v);
}

void GoJsonWriter::SampleValue(double v) {
  BeforeValue();
  AppendSampleValue(&out_, v);
}

void GoJsonWriter::Timestamp(int64_t ms) {
  BeforeValue();
  AppendTimestamp(&out_, ms);
}

std::string GoJsonWriter::Take() {
  std::string out = std::move(out_);
  out_.clear();
  has_element_.clear();
  after_key_ = false;
  return out;
}

}  // namespace vigil::api::query
