// Vigil's HTTP/1.x server: accepts connections, parses requests, runs the
// Router's handlers and writes their responses. Owned by the http module; the
// app module starts one Server on --web.listen-address and hands it the Router
// every API module has filled.
//
// Behaviour worth knowing:
//  - HTTP/1.1 keep-alive and pipelining (requests on one connection are
//    answered in order, one at a time), HTTP/1.0 too.
//  - Each route's max_body_bytes (or ServerOptions::max_body_bytes) is checked
//    once the header is read: a larger Content-Length gets 413 before any of
//    the body is read, a chunked body that grows past it gets 413 too.
//  - A GET route also answers HEAD (the body is dropped, Content-Length kept).
//  - A POST/PUT/PATCH with Content-Type application/x-www-form-urlencoded has
//    its body parsed into Request::form.
//  - Exceptions thrown by a handler become a 500 and are logged.
//  - With tls_cert_pem and tls_key_pem set, every connection is HTTPS: a TLS
//    handshake (TLS 1.2 or later, within read_timeout_ms) and then the same
//    HTTP code. There is no plain-HTTP fallback on a TLS listener.
//  - WebSocket (RFC 6455): a GET with "Upgrade: websocket" on a route with a
//    `websocket` handler is upgraded (after the route's websocket_check, if
//    any, allowed it) and the handler gets a WebSocket (http.h). The
//    connection then has no read deadline; the server pings after half of
//    idle_timeout_ms of silence and drops a peer that does not answer
//    within idle_timeout_ms. Shutdown closes WebSockets with 1001 and waits
//    for the close handshake within the grace period. Counted in
//    vigil_http_requests_total with code 101.
//  - Slowloris protection: a request must arrive completely within
//    read_timeout_ms of its first byte; an idle keep-alive connection is
//    closed after idle_timeout_ms; a response must be written within
//    idle_timeout_ms.
//
// Metrics (in ServerOptions::registry, or a private registry):
//   vigil_http_requests_total{handler,code}, vigil_http_request_duration_seconds{handler}
//   (from the end of the request header to the end of the response),
//   vigil_http_request_body_bytes_total{handler}, vigil_http_connections,
//   vigil_http_requests_in_flight. `handler` is Route::name, or Route::path
//   when the name is empty, or "other" for requests no route matched.
//
// Thread-safety: handlers run synchronously on the server's threads, several
// at once (one at a time per connection), so they must be thread-safe. The
// Router and the Registry must outlive the Server. Start, port, address and
// Shutdown may be called from any thread, but not from a handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http/http.h"
#include "base/metrics.h"
#include "base/result.h"

namespace vigil::http {

struct ServerOptions {
  // host:port; "[::1]:0" for IPv6; ":9900" for all interfaces; port 0 picks a free port.
  std::string listen = "127.0.0.1:9900";
  int threads = 0;                        // 0: std::thread::hardware_concurrency(), at least 2
  uint64_t max_body_bytes = 32 << 20;     // for routes whose max_body_bytes is 0
  int idle_timeout_ms = 120000;           // idle keep-alive connections are closed after this
  int read_timeout_ms = 60000;            // a request must arrive completely within this
  size_t max_header_bytes = 64 << 10;     // request line and header fields together
  size_t max_connections = 4096;          // connections beyond this are closed at once
  metrics::Registry* registry = nullptr;  // null: a private registry
  // PEM text of the certificate chain (leaf first) and its private key; both
  // empty: plain HTTP. A bad pair fails Start.
  std::string tls_cert_pem, tls_key_pem;
};

class Server {
 public:
  // Binds the listen address and starts the threads. A bind failure reads
  // like "listen tcp 127.0.0.1:9900: address already in use".
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, const Router* router);

  // Calls Shutdown with no grace period if it has not been called.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when the listen port was 0).
  uint16_t port() const;
  // The bound address, "127.0.0.1:41234" or "[::1]:41234".
  std::string address() const;

  // Stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish for up to `grace` (their connections close after the
  // response), then closes what is left and joins the threads (a handler
  // still running is waited for). Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

  struct Impl;  // public so server.cc's connection code can reach it

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::http
