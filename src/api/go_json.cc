#include "api/go_json.h"

#include <fmt/format.h>

#include <cmath>

namespace vigil::api {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool HtmlUnsafe(unsigned char c) { return c == '<' || c == '>' || c == '&'; }

}  // namespace

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
    int n = 0;
    int32_t cp = Utf8DecodeRune(s, i, &n);
    if (cp == kUtf8RuneError && n == 1) {
      flush(i);
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      flush(i);
      out->append(cp == 0x2028 ? "\\u2028" : "\\u2029");
      start = i + static_cast<size_t>(n);
    }
    i += static_cast<size_t>(n);
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

}  // namespace vigil::api
