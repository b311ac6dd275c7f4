// Private to the simulator's Azure and Google Cloud handlers (azure_api.cc,
// gcp_api.cc; owner "simazgcp"): the small web helpers both need — JSON
// string escaping and numbers, base64url, times and durations, the bearer
// token of a request, and which of the simulator's base URLs a request came
// in on. Header-only so the module's source list stays as it is.
//
// Thread-safety: pure functions.
#pragma once

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/http.h"
#include "base/ascii.h"
#include "base/json.h"
#include "base/time.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim::internal {

// s as a JSON string literal, quotes included.
inline std::string JsonString(std::string_view s) { return JsonQuote(s); }

// A finite double as a JSON number (shortest form that reads back exactly).
inline std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "0";
  return fmt::format("{}", v);
}

inline std::string Base64UrlEncode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

// Decodes base64url with or without '=' padding (python-google-auth pads).
inline std::optional<std::string> Base64UrlDecode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string b64(in);
  for (char& c : b64) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return std::nullopt;  // '+' and '/' are not base64url
    }
  }
  size_t pad = (4 - b64.size() % 4) % 4;
  b64.append(pad, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts padding as zero bytes
  return out;
}

// "2024-01-01T00:00:00Z" (no fraction), as both clouds write point times.
inline std::string FormatSeconds(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// An RFC 3339 time (fraction and offset optional) in milliseconds.
inline std::optional<int64_t> ParseTime(std::string_view s) {
  if (s.find('T') == std::string_view::npos) return std::nullopt;  // not Unix seconds here
  auto r = ParseTimestamp(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

// An ISO 8601 duration ("PT1M", "PT1H", "P1D", "P1DT12H", "PT30S") in ms.
inline std::optional<int64_t> ParseIsoDuration(std::string_view s) {
  if (s.empty() || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  s.remove_prefix(1);
  bool in_time = false, any = false;
  int64_t total = 0;
  while (!s.empty()) {
    if (s[0] == 'T' || s[0] == 't') {
      in_time = true;
      s.remove_prefix(1);
      continue;
    }
    size_t digits = 0;
    int64_t n = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
      n = n * 10 + (s[digits] - '0');
      if (n > 1'000'000'000) return std::nullopt;
      ++digits;
    }
    if (digits == 0 || digits == s.size()) return std::nullopt;
    char unit = static_cast<char>(s[digits] & ~0x20);  // upper case
    s.remove_prefix(digits + 1);
    int64_t unit_ms = 0;
    if (!in_time && unit == 'D') unit_ms = kDay;
    if (!in_time && unit == 'W') unit_ms = 7 * kDay;
    if (in_time && unit == 'H') unit_ms = kHour;
    if (in_time && unit == 'M') unit_ms = kMinute;
    if (in_time && unit == 'S') unit_ms = kSecond;
    if (unit_ms == 0) return std::nullopt;
    total += n * unit_ms;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

// The token of "Authorization: Bearer <token>", or "".
inline std::string BearerToken(const http::Request& req) {
  std::string_view h = req.Header("authorization");
  if (h.size() < 7) return "";
  std::string scheme(h.substr(0, 7));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return "";
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return std::string(h);
}

// The base URL ("https://127.0.0.1:9902") of the listener a request came in
// on, told apart by the port of its Host header and keeping the host name
// the client used (so "localhost" stays "localhost"); when nothing matches,
// the TLS one if `prefer_tls`, else the plain one.
inline std::string BaseUrlFor(const SimState& s, const http::Request& req, bool prefer_tls) {
  std::string_view host = req.Header("host");
  auto port_of = [](std::string_view authority) {
    size_t p = authority.find("://");
    if (p != std::string_view::npos) authority.remove_prefix(p + 3);
    size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos) {
      return std::string_view();
    }
    return authority.substr(colon + 1);
  };
  if (!host.empty() && !port_of(host).empty()) {
    if (!s.https_base.empty() && port_of(s.https_base) == port_of(host)) {
      return fmt::format("https://{}", host);
    }
    if (!s.http_base.empty() && port_of(s.http_base) == port_of(host)) {
      return fmt::format("http://{}", host);
    }
  }
  if (prefer_tls && !s.https_base.empty()) return s.https_base;
  if (!s.http_base.empty()) return s.http_base;
  if (!host.empty()) return fmt::format("{}://{}", prefer_tls ? "https" : "http", host);
  return prefer_tls ? "https://127.0.0.1" : "http://127.0.0.1";
}

// Percent-encodes everything but RFC 3986's unreserved characters.
inline std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A stable 64-bit hash (FNV-1a), for deterministic simulated events.
inline uint64_t StableHash(std::string_view s, uint64_t seed = 0) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace vigil::cloudsim::internal
