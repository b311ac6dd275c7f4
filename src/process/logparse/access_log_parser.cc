// ParseCombinedAccessLog: nginx/Apache "combined" and "common" formats,
// scanned by hand (no regex) since it runs on every line of a tailed file.
#include <string>
#include <string_view>

#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

class AccessLogScanner {
 public:
  explicit AccessLogScanner(std::string_view line) : line_(line) {}

  bool AtEnd() {
    SkipSpaces();
    return pos_ >= line_.size();
  }

  // A run of non-space bytes; empty when none.
  std::string_view Token() {
    SkipSpaces();
    size_t start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ') ++pos_;
    return line_.substr(start, pos_ - start);
  }

  // Text between `open` and `close` (as is; backslash escapes are skipped
  // over, not decoded, so \" does not end a quoted field). False if absent.
  bool Delimited(char open, char close, std::string_view* out) {
    SkipSpaces();
    if (pos_ >= line_.size() || line_[pos_] != open) return false;
    size_t start = ++pos_;
    while (pos_ < line_.size()) {
      char c = line_[pos_];
      if (c == '\\' && close == '"') {
        pos_ += 2;
        continue;
      }
      if (c == close) {
        *out = line_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      ++pos_;
    }
    return false;
  }

 private:
  void SkipSpaces() {
    while (pos_ < line_.size() && line_[pos_] == ' ') ++pos_;
  }

  std::string_view line_;
  size_t pos_ = 0;
};

Status Malformed(std::string_view what) {
  return Status::InvalidArgument(std::string("access log: ") + std::string(what));
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "GET /path HTTP/1.1" -> method, path, protocol. A request that is not
// three tokens ("-", junk sent to the port) keeps what can be told apart:
// the protocol only if the last token looks like one.
void SplitRequest(std::string_view request, Fields* out) {
  std::string_view method;
  std::string_view path;
  std::string_view protocol;
  size_t first_space = request.find(' ');
  if (first_space == std::string_view::npos) {
    method = request == "-" ? std::string_view() : request;
  } else {
    method = request.substr(0, first_space);
    std::string_view rest = request.substr(first_space + 1);
    size_t last_space = rest.rfind(' ');
    if (last_space != std::string_view::npos && rest.substr(last_space + 1).starts_with("HTTP/")) {
      path = rest.substr(0, last_space);
      protocol = rest.substr(last_space + 1);
    } else {
      path = rest;
    }
  }
  out->emplace_back("method", method);
  out->emplace_back("path", path);
  out->emplace_back("protocol", protocol);
}

}  // namespace

Status ParseCombinedAccessLog(std::string_view line, Fields* out) {
  AccessLogScanner scan(line);
  std::string_view remote_addr = scan.Token();
  if (remote_addr.empty()) return Malformed("empty line");
  out->emplace_back("remote_addr", remote_addr);
  std::string_view ident = scan.Token();
  std::string_view remote_user = scan.Token();
  if (ident.empty() || remote_user.empty()) return Malformed("missing remote_user");
  out->emplace_back("remote_user", remote_user);
  std::string_view time_local;
  if (!scan.Delimited('[', ']', &time_local)) return Malformed("missing [time_local]");
  out->emplace_back("time_local", time_local);
  std::string_view request;
  if (!scan.Delimited('"', '"', &request)) return Malformed("missing \"request\"");
  SplitRequest(request, out);
  std::string_view status = scan.Token();
  if (!IsDigits(status)) return Malformed("status is not a number");
  out->emplace_back("status", status);
  std::string_view bytes = scan.Token();
  if (bytes != "-" && !IsDigits(bytes)) return Malformed("body_bytes_sent is not a number");
  out->emplace_back("body_bytes_sent", bytes);
  if (scan.AtEnd()) return Status::OK();  // common format
  std::string_view referer;
  if (!scan.Delimited('"', '"', &referer)) return Malformed("missing \"http_referer\"");
  out->emplace_back("http_referer", referer);
  std::string_view user_agent;
  if (!scan.Delimited('"', '"', &user_agent)) return Malformed("missing \"http_user_agent\"");
  out->emplace_back("http_user_agent", user_agent);
  // Anything after the user agent (nginx's "$http_x_forwarded_for", Apache's
  // %D ...) is not part of the format and is ignored.
  return Status::OK();
}

}  // namespace vigil::logparse
