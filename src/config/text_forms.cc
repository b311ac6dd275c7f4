#include "config/text_forms.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include "base/strconv.h"

namespace vigil::config::detail {

// How go-yaml v2 resolves an untagged plain scalar.
bool IsYamlNull(std::string_view s) { return IsOneOf(s, {"", "~", "null", "Null", "NULL"}); }
std::optional<bool> YamlBool(std::string_view s) {
  if (IsOneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return true;
  }
  if (IsOneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return false;
  }
  return std::nullopt;
}
bool YamlIntSyntax(std::string_view s) { return !s.empty() && ParseGoInt(s).ok(); }
bool YamlFloatSyntax(std::string_view s) {
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                  ".nan", ".NaN", ".NAN"})) {
    return true;
  }
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    bool exp = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, exp = true;
    if (!exp) return false;
  }
  return i == s.size();
}

// base64.StdEncoding.DecodeString: padded, strict alphabet.
std::optional<std::string> DecodeBase64(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != '\n' && c != '\r') s.push_back(c);
  }
  if (s.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    if (c == '=') {
      if (i + 2 < s.size()) return std::nullopt;
      ++pad;
    } else if (!alpha || pad > 0) {
      return std::nullopt;
    }
  }
  if (pad > 2) return std::nullopt;
  std::string out(s.size() / 4 * 3 + 1, '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

namespace {

// alecthomas/units ParseUnit with the Base2Bytes unit maps.
Result<uint64_t> ParseUnitWith(std::string_view orig,
                               const std::vector<std::pair<std::string_view, double>>& units) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return uint64_t{0};
  auto invalid = [&] { return Status::InvalidArgument(fmt::format("units: invalid {}", orig)); };
  if (s.empty()) return invalid();
  double f = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) return invalid();
    double g = 0;
    size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      g = g * 10 + (s[i] - '0');
      ++i;
    }
    bool pre = i > 0;
    bool post = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      double scale = 1;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        scale *= 10;
        g += (s[i] - '0') / scale;
        ++i;
        post = true;
      }
    }
    if (!pre && !post) return invalid();
    size_t j = i;
    while (j < s.size() && !(s[j] == '.' || std::isdigit(static_cast<unsigned char>(s[j])))) ++j;
    std::string_view u = s.substr(i, j - i);
    s.remove_prefix(j);
    auto it = std::find_if(units.begin(), units.end(), [&](const auto& p) { return p.first == u; });
    if (it == units.end()) {
      return Status::InvalidArgument(fmt::format("units: unknown unit {} in {}", u, orig));
    }
    f += g * it->second;
  }
  if (f > 9.2e18) return Status::InvalidArgument("units: overflow parsing unit");
  if (neg) return uint64_t{0};  // a negative limit is no limit
  return static_cast<uint64_t>(f);
}

}  // namespace

Result<uint64_t> ParseBase2Bytes(std::string_view s) {
  static const std::vector<std::pair<std::string_view, double>> kIEC = {
      {"B", 1},
      {"KiB", 1024.0},
      {"MiB", std::pow(1024.0, 2)},
      {"GiB", std::pow(1024.0, 3)},
      {"TiB", std::pow(1024.0, 4)},
      {"PiB", std::pow(1024.0, 5)},
      {"EiB", std::pow(1024.0, 6)}};
  static const std::vector<std::pair<std::string_view, double>> kOld = {
      {"B", 1},
      {"KB", 1024.0},
      {"MB", std::pow(1024.0, 2)},
      {"GB", std::pow(1024.0, 3)},
      {"TB", std::pow(1024.0, 4)},
      {"PB", std::pow(1024.0, 5)},
      {"EB", std::pow(1024.0, 6)}};
  auto r = ParseUnitWith(s, kIEC);
  if (r.ok()) return r;
  return ParseUnitWith(s, kOld);
}

// filepath.Join(dir, p) unless p is absolute (common/config JoinDir).
std::string JoinDir(const std::string& dir, const std::string& p) {
  if (p.empty() || dir.empty() || p[0] == '/') return p;
  std::string joined = (std::filesystem::path(dir) / p).lexically_normal().string();
  while (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

// Go's os.Expand with Prometheus' external-label mapping: $$ is a literal $,
// unset variables expand to "".
std::string ExpandEnv(std::string_view s) {
  auto lookup = [](std::string_view name) -> std::string {
    if (name == "$") return "$";
    const char* v = std::getenv(std::string(name).c_str());
    return v ? v : "";
  };
  auto is_special = [](char c) {
    return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  auto is_alnum = [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i + 1;
    if (s[j] == '{') {
      if (j + 1 < s.size() && is_special(s[j + 1]) && j + 2 < s.size() && s[j + 2] == '}') {
        out += lookup(s.substr(j + 1, 1));
        i = j + 3;
        continue;
      }
      size_t k = j + 1;
      while (k < s.size() && s[k] != '}') ++k;
      if (k >= s.size() || k == j + 1) {
        // Bad syntax: Go drops "${" (and an empty "{}").
        i = (k < s.size()) ? k + 1 : j + 1;
        continue;
      }
      out += lookup(s.substr(j + 1, k - j - 1));
      i = k + 1;
      continue;
    }
    if (is_special(s[j])) {
      out += lookup(s.substr(j, 1));
      i = j + 1;
      continue;
    }
    size_t k = j;
    while (k < s.size() && is_alnum(s[k])) ++k;
    if (k == j) {
      out.push_back('$');  // "$" not followed by a name stays.
      i = j;
      continue;
    }
    out += lookup(s.substr(j, k - j));
    i = k;
  }
  return out;
}

Result<ParsedURL> ParseURL(std::string_view u) {
  for (char c : u) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          fmt::format("parse {}: net/url: invalid control character in URL", GoQuote(u)));
    }
  }
  ParsedURL out;
  std::string_view rest = u;
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos) {
    std::string_view scheme = rest.substr(0, colon);
    bool valid = !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0]));
    for (char c : scheme) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
        valid = false;
      }
    }
    if (colon == 0) {
      return Status::InvalidArgument(fmt::format("parse {}: missing protocol scheme", GoQuote(u)));
    }
    if (valid) {
      out.scheme = std::string(scheme);
      for (char& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      rest.remove_prefix(colon + 1);
    }
  }
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    out.host = std::string(authority);
  }
  return out;
}

// Headers Prometheus' remote write/read refuse to let a user set.
bool IsReservedRemoteHeader(std::string_view lower) {
  return IsOneOf(lower, {"host", "content-encoding", "content-length", "content-type", "user-agent",
                         "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                         "www-authenticate", "accept-encoding", "x-prometheus-remote-write-version",
                         "x-prometheus-remote-read-version", "x-amz-date", "x-amz-security-token",
                         "x-amz-content-sha256"});
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// http.CanonicalHeaderKey for ASCII keys.
std::string CanonicalHeaderKey(std::string_view s) {
  std::string out(s);
  bool upper = true;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u == ' ' || u >= 0x80) return std::string(s);
    c = static_cast<char>(upper ? std::toupper(u) : std::tolower(u));
    upper = c == '-';
  }
  return out;
}

}  // namespace vigil::config::detail
