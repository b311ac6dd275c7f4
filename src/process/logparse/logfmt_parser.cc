// ParseLogfmt: go-logfmt's scanner (as Loki's logfmt parser uses it), with
// recovery after a malformed token so that one bad pair does not lose the rest.
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "base/strconv.h"
#include "process/logparse/field_name.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \uXXXX at s[pos] (pos at the backslash); -1 when malformed.
int32_t ReadHex4(std::string_view s, size_t pos) {
  if (pos + 6 > s.size() || s[pos + 1] != 'u') return -1;
  int32_t r = 0;
  for (size_t i = pos + 2; i < pos + 6; ++i) {
    int d = HexDigit(s[i]);
    if (d < 0) return -1;
    r = r * 16 + d;
  }
  return r;
}

// encoding/json's unquote of the body of a quoted value (quotes removed), as
// go-logfmt does when the value has a backslash: JSON escapes, no raw
// control characters, invalid UTF-8 becomes U+FFFD.
bool UnquoteInto(std::string_view body, std::string* out) {
  out->reserve(out->size() + body.size());
  for (size_t i = 0; i < body.size();) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '\\') {
      if (i + 1 >= body.size()) return false;
      char e = body[i + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
        case '\'':
          out->push_back(e);
          i += 2;
          continue;
        case 'b':
          out->push_back('\b');
          i += 2;
          continue;
        case 'f':
          out->push_back('\f');
          i += 2;
          continue;
        case 'n':
          out->push_back('\n');
          i += 2;
          continue;
        case 'r':
          out->push_back('\r');
          i += 2;
          continue;
        case 't':
          out->push_back('\t');
          i += 2;
          continue;
        case 'u': {
          int32_t r = ReadHex4(body, i);
          if (r < 0) return false;
          i += 6;
          if (r >= 0xD800 && r < 0xDC00) {
            int32_t low = (i < body.size() && body[i] == '\\') ? ReadHex4(body, i) : -1;
            if (low >= 0xDC00 && low < 0xE000) {
              r = 0x10000 + ((r - 0xD800) << 10) + (low - 0xDC00);
              i += 6;
            } else {
              r = kUtf8RuneError;
            }
          } else if (r >= 0xDC00 && r < 0xE000) {
            r = kUtf8RuneError;
          }
          Utf8AppendRune(out, r);
          continue;
        }
        default:
          return false;
      }
    }
    if (c == '"' || c < ' ') return false;
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    int width = 0;
    int32_t r = Utf8DecodeRune(body, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      Utf8AppendRune(out, kUtf8RuneError);
    } else {
      out->append(body.substr(i, static_cast<size_t>(width)));
    }
    i += static_cast<size_t>(width);
  }
  return true;
}

bool IsGarbage(char c) { return static_cast<unsigned char>(c) <= ' '; }

class LogfmtScanner {
 public:
  LogfmtScanner(std::string_view line, Fields* out, const LogfmtOptions& options)
      : line_(line), out_(out), options_(options) {}

  Status Run() {
    size_t n = line_.size();
    while (true) {
      while (pos_ < n && IsGarbage(line_[pos_])) ++pos_;
      if (pos_ >= n) break;
      if (!ScanPair()) {
        if (options_.strict) break;
        while (pos_ < n && !IsGarbage(line_[pos_])) ++pos_;
      }
    }
    return error_;
  }

 private:
  // One key or key=value starting at pos_ (not garbage). False on a syntax
  // error (recorded), pos_ at the offending byte.
  bool ScanPair() {
    size_t n = line_.size();
    size_t key_start = pos_;
    while (pos_ < n) {
      char c = line_[pos_];
      if (c == '=' || c == '"' || IsGarbage(c)) break;
      ++pos_;
    }
    std::string_view key = line_.substr(key_start, pos_ - key_start);
    if (pos_ >= n || IsGarbage(line_[pos_])) {
      Emit(key, std::string_view());
      return true;
    }
    if (line_[pos_] == '"' || key.empty())
      return Fail("unexpected '" + std::string(1, line_[pos_]) + "'");
    ++pos_;  // '='
    if (pos_ >= n || IsGarbage(line_[pos_])) {
      Emit(key, std::string_view());
      return true;
    }
    if (line_[pos_] == '"') return ScanQuoted(key);
    size_t value_start = pos_;
    while (pos_ < n && !IsGarbage(line_[pos_])) {
      char c = line_[pos_];
      if (c == '=' || c == '"') return Fail(fmt::format("unexpected '{}'", c));
      ++pos_;
    }
    Emit(key, line_.substr(value_start, pos_ - value_start));
    return true;
  }

  bool ScanQuoted(std::string_view key) {
    size_t n = line_.size();
    size_t open = pos_;
    bool has_escape = false;
    bool escaped = false;
    for (size_t i = open + 1; i < n; ++i) {
      char c = line_[i];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        has_escape = escaped = true;
      } else if (c == '"') {
        std::string_view body = line_.substr(open + 1, i - open - 1);
        pos_ = i + 1;
        if (!has_escape) {
          Emit(key, body);
          return true;
        }
        unescaped_.clear();
        if (!UnquoteInto(body, &unescaped_)) {
          pos_ = open;
          return Fail("invalid quoted value");
        }
        Emit(key, unescaped_);
        return true;
      }
    }
    pos_ = n;
    return Fail("unterminated quoted value");
  }

  void Emit(std::string_view key, std::string_view value) {
    if (value.empty() && !options_.keep_empty) return;
    std::string cleaned;
    if (ReplaceRuneErrors(value, &cleaned)) value = cleaned;
    std::string name;
    AppendSanitizedFieldName(&name, key);
    out_->emplace_back(std::move(name), value);
  }

  bool Fail(std::string_view what) {
    if (error_.ok()) {
      error_ =
          Status::InvalidArgument(fmt::format("logfmt syntax error at pos {}: {}", pos_ + 1, what));
    }
    return false;
  }

  std::string_view line_;
  Fields* out_;
  const LogfmtOptions& options_;
  size_t pos_ = 0;
  std::string unescaped_;
  Status error_;
};

}  // namespace

Status ParseLogfmt(std::string_view line, Fields* out, const LogfmtOptions& options) {
  return LogfmtScanner(line, out, options).Run();
}

Status ParseLogfmt(std::string_view line, Fields* out) {
  return ParseLogfmt(line, out, LogfmtOptions{});
}

}  // namespace vigil::logparse
