// The HTTP types every handler in Vigil sees: a parsed request, a response to
// fill in, and a router. Handlers never touch Boost.Beast; only server.cc
// does (it is the one file that includes Beast, to keep builds fast).
//
// Parameters follow Go's net/http as the Prometheus API uses it: Param(name)
// looks at the form body of a POST with Content-Type
// application/x-www-form-urlencoded first, then at the URL query; Params(name)
// returns every value from both (form first), e.g. for match[].
//
// Thread-safety: a Request and a Response belong to the thread running the
// handler. A Router is filled before the server starts and is read-only
// afterwards; handlers run concurrently on the server's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::http {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... (upper case)
  std::string target;  // as received, e.g. "/api/v1/series?match[]=up"
  std::string path;    // percent-decoded path without the query
  Params query;        // decoded URL query parameters, in order
  Params form;         // decoded form body parameters (POST urlencoded), in order
  Params headers;      // header names lower-cased, in order
  std::string body;
  std::string remote_addr;  // "ip:port"

  // The first value of a parameter (form body first, then URL query), or "".
  std::string_view Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  // Every value of a parameter, form body values first.
  std::vector<std::string> ParamValues(std::string_view name) const;
  // A header value (name case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Params headers;  // names as given; Content-Length is set by the server
  std::string body;

  void SetHeader(std::string_view name, std::string_view value);
  // Sets status, Content-Type: text/plain; charset=utf-8 and the body.
  void Text(int status_code, std::string_view text);
  // Sets status, Content-Type: application/json and the body.
  void Json(int status_code, std::string body_json);
};

using Handler = std::function<void(const Request&, Response&)>;

// A server-side WebSocket connection (RFC 6455), handed to a route's
// websocket handler once the upgrade is done. Text messages only.
//
// Thread-safety: every method may be called from any thread (the tail loop
// of an API runs on its own thread). The server keeps the connection open
// until Close is called, the peer closes it, it fails, or the server shuts
// down (then it closes with 1001 "going away"); closed() turns true in each
// case. Messages the peer sends are read and dropped (pings are answered).
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues a text message (sent in order). Blocks while more than a few MiB
  // are queued unsent, so a slow reader slows the sender instead of growing
  // memory (so the websocket handler itself, which runs on a server
  // thread, must not send more than that). False once the connection is
  // closed or closing.
  virtual bool Send(std::string text) = 0;
  // Sends what is queued, then a close frame with code and reason (RFC 6455
  // 7.4: 1000 normal, 1008 policy violation, 1011 internal error). Idempotent.
  virtual void Close(int code, std::string_view reason) = 0;
  virtual bool closed() const = 0;
  // Waits up to `timeout_ms` for the connection to close; returns closed().
  virtual bool WaitClosed(int64_t timeout_ms) = 0;
  // "ip:port" of the peer.
  virtual const std::string& remote_addr() const = 0;
};

// Runs on a server thread right after the upgrade; must return at once
// (start a thread or a timer for anything long).
using WebSocketHandler = std::function<void(const Request&, std::shared_ptr<WebSocket>)>;
// Runs before the upgrade: returning false answers `res` (a plain HTTP
// response, e.g. 400 for a bad parameter) instead of upgrading.
using WebSocketCheck = std::function<bool(const Request&, Response&)>;

struct Route {
  std::vector<std::string> methods;  // empty: any method
  std::string path;                  // exact path, or a prefix if prefix is true
  bool prefix = false;
  // Name used in metrics (label `handler`), e.g. "/api/v1/write" or "/api/v1/label/:name/values".
  std::string name;
  // Largest request body accepted; larger ones get 413 before the body is read.
  uint64_t max_body_bytes = 0;  // 0: the server's default
  Handler handler;
  // With a websocket handler, a GET carrying "Upgrade: websocket" (and
  // the RFC 6455 handshake headers) becomes a WebSocket connection; other
  // requests still go to `handler` (a route without one answers them 400).
  WebSocketHandler websocket = {};
  WebSocketCheck websocket_check = {};  // optional
};

// Matches requests to routes: an exact path wins over a prefix; among
// prefixes the longest wins. A path with no route is 404; a route without the
// request's method is 405 with an Allow header.
class Router {
 public:
  void Handle(Route route);
  // Shorthand for an exact path.
  void Handle(std::vector<std::string> methods, std::string path, Handler h,
              uint64_t max_body_bytes = 0);

  struct Match {
    const Route* route = nullptr;  // null: 404
    bool method_allowed = false;   // false with a route: 405
  };
  Match Find(std::string_view method, std::string_view path) const;
  std::string AllowHeader(const Route& route) const;
  // Runs the route of req.method and req.path in this thread, without a
  // server: 404 and 405 (with Allow) as the server answers them, else what
  // the handler wrote. For tests of handlers; body limits are not applied.
  Response Serve(const Request& req) const;

 private:
  std::map<std::string, Route, std::less<>> exact_;
  std::vector<Route> prefixes_;  // sorted by descending path length
};

// Percent-decodes s ('+' as space when form is true). Invalid escapes are kept
// literally, as Go does for query strings.
std::string PercentDecode(std::string_view s, bool form);
// Parses "a=1&b=2" into pairs (percent-decoded, '+' as space).
Params ParseQueryString(std::string_view s);

}  // namespace vigil::http
