#include "api/ui/ui_handler.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "api/ui/ui_assets.h"

namespace vigil::ui {
namespace {

constexpr std::string_view kAssetsPrefix = "/ui/assets/";

bool AcceptsGzip(const http::Request& req) {
  // RFC 9110 12.5.3: a "gzip" item of Accept-Encoding with q > 0.
  std::string_view v = req.Header("accept-encoding");
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip") continue;
    if (semi == std::string_view::npos) return true;
    size_t q = item.find("q=", semi);
    return q == std::string_view::npos ||
           std::strtod(std::string(item.substr(q + 2)).c_str(), nullptr) > 0;
  }
  return false;
}

void Send(const http::Request& req, http::Response& res, const Asset& a, bool immutable) {
  res.status = 200;
  res.SetHeader("Content-Type", a.content_type);
  res.SetHeader("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.SetHeader("Vary", "Accept-Encoding");
  res.SetHeader("X-Content-Type-Options", "nosniff");
  if (AcceptsGzip(req)) {
    res.SetHeader("Content-Encoding", "gzip");
    res.body.assign(a.gzip);
  } else {
    res.body.assign(a.data);
  }
}

void ServeUi(const http::Request& req, http::Response& res) {
  const std::vector<Asset>& assets = Assets();
  std::string_view path = req.path;
  if (path.starts_with(kAssetsPrefix)) {
    for (const Asset& a : assets) {
      if (a.path == path) return Send(req, res, a, true);
    }
    res.Text(404, "no such UI asset (the page may be from an older build: reload it)\n");
    return;
  }
  // Any other path under /ui/ is a page of the client-side router.
  Send(req, res, assets.front(), false);
}

}  // namespace

void RegisterUi(http::Router* router) {
  router->Handle({"GET"}, "/", [](const http::Request&, http::Response& res) {
    res.status = 302;
    res.SetHeader("Location", "/ui/");
    res.SetHeader("Content-Type", "text/plain; charset=utf-8");
    res.body = "Vigil's web UI is at /ui/; its APIs are under /api/v1/ and /loki/api/v1/.\n";
  });
  router->Handle({"GET"}, "/ui", [](const http::Request&, http::Response& res) {
    res.status = 301;
    res.SetHeader("Location", "/ui/");
  });
  http::Route ui;
  ui.methods = {"GET"};
  ui.path = "/ui/";
  ui.prefix = true;
  ui.name = "/ui/";
  ui.handler = ServeUi;
  router->Handle(std::move(ui));
}

}  // namespace vigil::ui
