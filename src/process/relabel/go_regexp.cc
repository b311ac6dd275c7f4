#include "process/relabel/go_regexp.h"

#include <fmt/format.h>

#include <string>

namespace vigil::relabel {

namespace {

// Go's regexp/syntax ErrorCode strings for the RE2 error codes that have a
// Go counterpart.
const char* GoErrorCode(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return nullptr;
  }
}

bool IsAsciiWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Where Go's syntax and this RE2's differ, found by a scan of the anchored
// expression that skips escapes, \Q...\E and character classes:
//   - Go 1.22+ reads "(?<name>" as "(?P<name>"; this RE2 does not, so it
//     is rewritten (into *rewritten; left empty when nothing changed);
//   - Go allows only ASCII letters, digits and '_' in group names;
//   - Go has no \C (any byte).
// Returns Go's error for the last two, with Go's fragment.
Status CheckGoSyntax(std::string_view re, std::string* rewritten) {
  auto error = [](const char* code, std::string_view arg) {
    return Status::InvalidArgument(fmt::format("error parsing regexp: {}: `{}`", code, arg));
  };
  size_t copied = 0;  // re[0, copied) is already in *rewritten
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      char e = re[i + 1];
      if (e == 'C') return error("invalid escape sequence", "\\C");
      if (e == 'Q' && !in_class) {
        size_t end = re.find("\\E", i + 2);
        if (end == std::string_view::npos) break;
        i = end + 1;
        continue;
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < re.size() && re[i + 1] == ':') {
        size_t end = re.find(":]", i + 2);
        if (end != std::string_view::npos) i = end + 1;
      } else if (c == ']') {
        in_class = false;
      }
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;  // a leading ']' is literal
      continue;
    }
    if (c != '(') continue;
    std::string_view t = re.substr(i);
    size_t begin = 0;
    if (t.size() > 4 && t[1] == '?' && t[2] == 'P' && t[3] == '<') {
      begin = 4;
    } else if (t.size() > 3 && t[1] == '?' && t[2] == '<') {
      begin = 3;
    } else {
      continue;
    }
    size_t end = t.find('>');
    if (end == std::string_view::npos) return error("invalid named capture", t);
    std::string_view name = t.substr(begin, end - begin);
    bool valid = !name.empty();
    for (char n : name) valid = valid && IsAsciiWordChar(n);
    if (!valid) return error("invalid named capture", t.substr(0, end + 1));
    if (begin == 3) {
      rewritten->append(re.substr(copied, i + 2 - copied));
      rewritten->append("P");
      copied = i + 2;
    }
    i += end;
  }
  if (!rewritten->empty()) rewritten->append(re.substr(copied));
  return Status::OK();
}

}  // namespace

std::string AnchorRelabelRegex(std::string_view regex) {
  std::string anchored;
  anchored.reserve(regex.size() + 8);
  anchored += "^(?s:";
  anchored += regex;
  anchored += ")$";
  return anchored;
}

Result<std::unique_ptr<RE2>> CompileRelabelRegex(std::string_view regex) {
  RE2::Options opts;
  opts.set_log_errors(false);
  const std::string anchored = AnchorRelabelRegex(regex);
  std::string rewritten;
  VIGIL_RETURN_IF_ERROR(CheckGoSyntax(anchored, &rewritten));
  auto re = std::make_unique<RE2>(rewritten.empty() ? anchored : rewritten, opts);
  if (re->ok()) return re;
  const char* code = GoErrorCode(re->error_code());
  if (code == nullptr) return Status::InvalidArgument("error parsing regexp: " + re->error());
  std::string arg = re->error_arg();
  if (!rewritten.empty() && anchored.find("(?P<") == std::string::npos) {
    // Show the fragment as the user wrote it.
    for (size_t pos; (pos = arg.find("(?P<")) != std::string::npos;) arg.erase(pos + 2, 1);
  }
  return Status::InvalidArgument(fmt::format("error parsing regexp: {}: `{}`", code, arg));
}

}  // namespace vigil::relabel
