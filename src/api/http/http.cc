#include "api/http/http.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "base/ascii.h"

namespace vigil::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AllowsMethod(const Route& route, std::string_view method) {
  if (route.methods.empty()) return true;
  for (const std::string& m : route.methods) {
    if (m == method) return true;
  }
  // A GET route answers HEAD too; the server drops the body.
  if (method == "HEAD") {
    for (const std::string& m : route.methods) {
      if (m == "GET") return true;
    }
  }
  return false;
}

}  // namespace

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return {};
}

bool Request::HasParam(std::string_view name) const {
  for (const auto& p : form) {
    if (p.first == name) return true;
  }
  for (const auto& p : query) {
    if (p.first == name) return true;
  }
  return false;
}

std::vector<std::string> Request::ParamValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : form) {
    if (k == name) out.push_back(v);
  }
  for (const auto& [k, v] : query) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

void Response::SetHeader(std::string_view name, std::string_view value) {
  for (auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      v.assign(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

void Response::Text(int status_code, std::string_view text) {
  status = status_code;
  SetHeader("Content-Type", "text/plain; charset=utf-8");
  body.assign(text);
}

void Response::Json(int status_code, std::string body_json) {
  status = status_code;
  SetHeader("Content-Type", "application/json");
  body = std::move(body_json);
}

void Router::Handle(Route route) {
  if (route.prefix) {
    // Keep prefixes sorted by descending length so the first match is the
    // longest; equal lengths keep registration order.
    auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                           [&](const Route& r) { return r.path.size() < route.path.size(); });
    for (const Route& r : prefixes_) {
      if (r.path == route.path) {
        std::fprintf(stderr, "http: prefix route %s registered twice\n", route.path.c_str());
        std::abort();
      }
    }
    prefixes_.insert(it, std::move(route));
    return;
  }
  // A path has one route (one handler); registering it twice is a programming
  // error that would otherwise silently drop a handler.
  if (exact_.count(route.path) != 0) {
    std::fprintf(stderr, "http: route %s registered twice\n", route.path.c_str());
    std::abort();
  }
  std::string path = route.path;
  exact_.emplace(std::move(path), std::move(route));
}

void Router::Handle(std::vector<std::string> methods, std::string path, Handler h,
                    uint64_t max_body_bytes) {
  Route r;
  r.methods = std::move(methods);
  r.path = std::move(path);
  r.handler = std::move(h);
  r.max_body_bytes = max_body_bytes;
  Handle(std::move(r));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  if (auto it = exact_.find(path); it != exact_.end()) {
    m.route = &it->second;
  } else {
    for (const Route& r : prefixes_) {
      if (path.substr(0, r.path.size()) == r.path) {
        m.route = &r;
        break;
      }
    }
  }
  if (m.route != nullptr) m.method_allowed = AllowsMethod(*m.route, method);
  return m;
}

Response Router::Serve(const Request& req) const {
  Response res;
  Match m = Find(req.method, req.path);
  if (m.route == nullptr) {
    res.Text(404, fmt::format("404 page not found: {}", req.path));
  } else if (!m.method_allowed) {
    res.headers.emplace_back("Allow", AllowHeader(*m.route));
    res.Text(405, fmt::format("method {} not allowed", req.method));
  } else {
    m.route->handler(req, res);
  }
  return res;
}

std::string Router::AllowHeader(const Route& route) const {
  std::string out;
  bool has_get = false, has_head = false;
  for (const std::string& m : route.methods) {
    if (!out.empty()) out += ", ";
    out += m;
    has_get |= m == "GET";
    has_head |= m == "HEAD";
  }
  if (has_get && !has_head) out += ", HEAD";
  return out;
}

std::string PercentDecode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    if (c == '+' && form) c = ' ';
    out.push_back(c);
  }
  return out;
}

Params ParseQueryString(std::string_view s) {
  Params out;
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view part = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    out.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
  }
  return out;
}

}  // namespace vigil::http
