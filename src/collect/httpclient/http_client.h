// Outbound HTTP for collectors (scrapes, http_sd, later cloud APIs and
// forwarding), built on libcurl and configured by Prometheus'
// HTTPClientConfig: basic_auth, authorization (bearer), tls_config (CA,
// client cert, server_name, insecure_skip_verify, min/max version),
// proxy_url, follow_redirects, custom headers.
//
// Each Client owns one curl easy handle so a target's connection is kept
// alive between scrapes. Files named in the config (password_file,
// credentials_file, ca_file, cert_file, key_file) are re-read on every
// request, as Prometheus does, so rotated secrets take effect.
//
// Limits: a total timeout per request (a trickling server cannot hold a
// scrape past it: "Get "URL": context deadline exceeded (timeout 10s)"), a
// cap on the decompressed body ("body size limit exceeded (limit N bytes)";
// like Prometheus, a body that reaches the limit exactly is refused too), and
// at most 10 requests per Get ("stopped after 10 redirects", as Go's client).
// Errors are Status values whose messages say what went wrong in Go's and
// Prometheus' words where they have some ("Get "URL": dial tcp
// 127.0.0.1:9100: connect: connection refused", "...: EOF").
//
// TLS notes: server_name is sent as SNI and checked against the certificate
// while the connection still goes to the URL's host and the Host header still
// names it (curl has no SNI override, so the URL is rewritten to server_name
// and CURLOPT_CONNECT_TO points it at the real host). min_version defaults to
// TLS 1.2, as Go's. enable_http2 negotiates HTTP/2 over TLS only (ALPN), as
// Go does. Proxy variables of the environment are used only with
// proxy_from_environment. A gzip body is decoded even when accept_gzip is
// false (then "Accept-Encoding: identity" is sent), as Prometheus' scraper
// decodes whatever says Content-Encoding: gzip.
//
// Thread-safety: a Client belongs to one thread at a time, except Cancel,
// which any thread may call (to stop a Get in progress at shutdown). Global
// curl initialisation is done once, thread-safely, by the first New.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace vigil::httpclient {

struct Request {
  std::string method = "GET";  // GET, POST, PUT, DELETE (upper case)
  std::string url;             // http:// or https://, query string included
  std::vector<std::pair<std::string, std::string>> headers;  // besides the config's
  int64_t timeout_ms = 10'000;
  uint64_t max_body_bytes = 0;  // after decompression; 0 = unlimited
  bool accept_gzip = true;      // Accept-Encoding: gzip, decompressed transparently
  // Sent as is (with Content-Length) for any method but GET; the caller sets
  // Content-Type and Content-Encoding among `headers`.
  std::string body;
};

struct Response {
  int status_code = 0;
  std::string content_type;
  std::string body;         // decompressed
  uint64_t wire_bytes = 0;  // as received, before decompression
  // Response header fields, names lower-cased, in order (of the last
  // response when redirects were followed).
  std::vector<std::pair<std::string, std::string>> headers;
  // The first value of a header (name lower-case), or "".
  std::string Header(std::string_view lower_name) const;
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> New(const config::HTTPClientConfig& cfg);
  virtual ~Client() = default;
  // Performs the request (req.method, GET by default). A non-2xx status is
  // not an error here: the caller decides (a scrape reports "server returned
  // HTTP status 500 Internal Server Error"). Transport failures, timeouts and
  // limits are errors, prefixed as Go prints them ("Post "URL": ...").
  virtual Result<Response> Do(const Request& req) = 0;
  // Do with the method forced to GET.
  Result<Response> Get(const Request& req) {
    if (req.method == "GET") return Do(req);
    Request get = req;
    get.method = "GET";
    return Do(get);
  }
  // Aborts the Get in progress, if any, within milliseconds, and makes every
  // later Get fail at once with a Cancelled status. For shutting down an
  // owner whose thread may be blocked in Get. Safe from any thread.
  virtual void Cancel() {}
};

// "500 Internal Server Error" as Go's http.Response.Status prints it.
std::string StatusText(int code);

}  // namespace vigil::httpclient
