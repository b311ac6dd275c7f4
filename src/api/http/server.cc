// The only file that includes Boost.Beast. One io_context runs on a pool of
// threads; every connection is a Session whose operations run on its own
// strand, so a connection's state needs no lock. The Server keeps a registry
// of live sessions so Shutdown can close idle ones and wait for the rest.
// A TLS listener runs the same Session code over an ssl_stream (the Session
// template's Stream), after a handshake.
#include "api/http/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/ascii.h"
#include "base/logging.h"

namespace vigil::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

// How long, and how much, a connection we are closing with an unread request
// body is drained, so the client sees our response instead of a reset.
constexpr auto kDrainTime = std::chrono::milliseconds(1000);
constexpr size_t kDrainBytes = 1 << 20;
// After force-closing the connections left at the end of the grace period.
constexpr auto kForceCloseWait = std::chrono::milliseconds(200);

std::string ToStd(beast::string_view s) { return std::string(s.data(), s.size()); }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The IMF-fixdate of now ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted by hand
// because strftime's names depend on the locale.
std::string HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  net::ip::address addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
  }
  if (addr.is_v6()) return fmt::format("[{}]:{}", addr.to_string(), ep.port());
  return fmt::format("{}:{}", addr.to_string(), ep.port());
}

// "Address already in use" -> "address already in use", as Go prints it.
std::string ErrorText(const boost::system::error_code& ec) {
  std::string s = ec.message();
  if (!s.empty()) s[0] = Lower(s[0]);
  return s;
}

// The path of a request target: origin-form "/a/b?q", or absolute-form
// "http://host/a/b?q" as proxies send it.
std::string_view TargetPath(std::string_view target) {
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    size_t slash = target.find('/', target.find("//") + 2);
    if (slash == std::string_view::npos) return "/";
    target.remove_prefix(slash);
  }
  return target.substr(0, target.find('?'));
}

bool IsFormContentType(std::string_view content_type) {
  return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))),
                          "application/x-www-form-urlencoded");
}

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// A TLS 1.2+ server context from PEM text (certificate chain, then key).
Status SetUpTls(const ServerOptions& o, std::optional<net::ssl::context>* out) {
  if (o.tls_cert_pem.empty() || o.tls_key_pem.empty()) {
    return Status::InvalidArgument("TLS needs both a certificate and a key");
  }
  net::ssl::context ctx(net::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                  ec);
  if (ec) return Status::Internal(fmt::format("TLS options: {}", ec.message()));
  ctx.use_certificate_chain(net::buffer(o.tls_cert_pem.data(), o.tls_cert_pem.size()), ec);
  if (ec) return Status::InvalidArgument(fmt::format("TLS certificate: {}", ec.message()));
  ctx.use_private_key(net::buffer(o.tls_key_pem.data(), o.tls_key_pem.size()),
                      net::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument(fmt::format("TLS key: {}", ec.message()));
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return Status::InvalidArgument("TLS key does not match the certificate");
  }
  out->emplace(std::move(ctx));
  return Status::OK();
}

}  // namespace

// What the Server needs of a connection, whatever its stream type.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Called by the acceptor once the session is registered.
  virtual void Start() = 0;
  // Posted by Shutdown: an idle connection closes now, a busy one after its
  // response.
  virtual void OnShutdown() = 0;
  virtual void ForceClose() = 0;
  // The session's strand, for posting OnShutdown and ForceClose from outside.
  virtual const net::any_io_executor& executor() const = 0;
};
using Session = SessionBase;

struct Server::Impl {
  Impl(ServerOptions o, const Router* r)
      : options(std::move(o)), router(r), ioc(options.threads), acceptor(net::make_strand(ioc)) {}

  ServerOptions options;
  const Router* router;
  std::unique_ptr<metrics::Registry> own_registry;
  metrics::Family<metrics::Counter>* requests = nullptr;
  metrics::Family<metrics::Histogram>* durations = nullptr;
  metrics::Family<metrics::Counter>* body_bytes = nullptr;
  metrics::Gauge* connections = nullptr;
  metrics::Gauge* in_flight = nullptr;
  std::shared_ptr<spdlog::logger> log = log::Get("http");

  uint16_t port = 0;
  std::string address;
  std::optional<net::ssl::context> tls;  // set when serving HTTPS
  std::atomic<bool> shutting_down{false};

  // Live sessions, by address; a session adds itself when it starts and
  // removes itself in its destructor.
  std::mutex mu;
  std::condition_variable sessions_gone;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  // Set (under mu, notifying sessions_gone) once the accept loop has seen
  // the shutdown and will not accept again. Shutdown waits for it: a
  // connection whose accept completed but whose handler had not run yet
  // would otherwise stay open, unseen, once the io_context stops.
  bool accept_stopped = false;

  std::mutex shutdown_mu;  // serializes Shutdown calls
  bool shut_down = false;
  std::vector<std::thread> threads;

  // Declared last so they are destroyed first: sessions still queued in the
  // io_context when it is destroyed reach back into the members above.
  net::io_context ioc;
  // Keeps the threads running until Shutdown is done with them, so what
  // Shutdown posts to sessions runs even when nothing else is pending.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor;  // its handlers run on its own strand
  std::optional<net::steady_timer> accept_retry;
  SteadyClock::time_point last_limit_warning;  // used on the acceptor's strand

  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void AcceptStopped();
  void Run();
  // Snapshot of the live sessions, taken under mu but released outside it
  // (dropping the last reference runs a destructor that takes mu).
  std::vector<std::shared_ptr<Session>> LiveSessions();
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A WebSocket connection's state shared by the handle handlers hold (any
// thread) and the session that owns the socket (its strand): the outbox of
// messages to send and whether the connection is still open. The session
// drains the outbox one message at a time ("the pump"); Send wakes the pump
// by posting to the session's strand through `wake_`, which the session
// clears when it ends, so a handle outliving the session (or the server)
// never touches either.
class WebSocketConn final : public WebSocket {
 public:
  // Send blocks while this much is queued unsent.
  static constexpr size_t kMaxQueuedBytes = 4 << 20;

  explicit WebSocketConn(std::string remote_addr) : remote_addr_(std::move(remote_addr)) {}

  bool Send(std::string text) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return state_ != kOpen || queued_bytes_ < kMaxQueuedBytes; });
    if (state_ != kOpen) return false;
    queued_bytes_ += text.size();
    outbox_.push_back(std::move(text));
    WakeLocked();
    return true;
  }

  void Close(int code, std::string_view reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != kOpen) return;
    state_ = kClosing;
    close_code_ = code;
    // A close frame's payload is at most 125 bytes: 2 for the code.
    close_reason_.assign(reason.substr(0, 123));
    WakeLocked();
    cv_.notify_all();
  }

  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return state_ != kOpen;
  }

  bool WaitClosed(int64_t timeout_ms) override {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)),
                        [&] { return state_ != kOpen; });
  }

  const std::string& remote_addr() const override { return remote_addr_; }

  // The session's side.
  struct Next {
    enum Kind { kNone, kText, kClose } kind = kNone;
    std::string text;
    int code = 0;
  };

  void Attach(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == kClosed) return;
    wake_ = std::move(wake);
    WakeLocked();  // Send or Close may have come first
  }

  // The next thing to send; kNone ends the pump until the next wake.
  Next TakeNext() {
    std::lock_guard<std::mutex> lock(mu_);
    Next next;
    if (state_ == kClosed) {
      pump_active_ = false;
    } else if (!outbox_.empty()) {
      next.kind = Next::kText;
      next.text = std::move(outbox_.front());
      outbox_.pop_front();
    } else if (state_ == kClosing && !close_sent_) {
      close_sent_ = true;
      next.kind = Next::kClose;
      next.code = close_code_;
      next.text = close_reason_;
    } else {
      pump_active_ = false;
    }
    return next;
  }

  void Sent(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_bytes_ -= std::min(queued_bytes_, bytes);
    cv_.notify_all();
  }

  // The connection is over (closed by either side, failed, or the server
  // stops): senders and waiters wake, nothing is posted any more.
  void MarkClosed() {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = kClosed;
    wake_ = nullptr;
    outbox_.clear();
    queued_bytes_ = 0;
    cv_.notify_all();
  }

 private:
  enum State { kOpen, kClosing, kClosed };

  void WakeLocked() {
    if (pump_active_ || !wake_) return;
    pump_active_ = true;
    wake_();
  }

  const std::string remote_addr_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = kOpen;
  std::deque<std::string> outbox_;
  size_t queued_bytes_ = 0;
  bool pump_active_ = false;  // a wake is posted or a write is in flight
  bool close_sent_ = false;
  int close_code_ = 1000;
  std::string close_reason_;
  std::function<void()> wake_;  // posts Pump to the session's strand
};

// A connection after a WebSocket upgrade: takes over the StreamSession's
// stream, does the handshake, then runs a read loop (dropping messages,
// answering pings and noticing the peer's close) and the pump. Registered
// with the server like any session, so Shutdown closes it (1001).
template <class Stream>
class WebSocketSession final : public SessionBase {
 public:
  WebSocketSession(Server::Impl* srv, Stream stream, net::any_io_executor executor,
                   std::string remote_addr, std::string handler_name, SteadyClock::time_point start)
      : srv_(srv),
        executor_(std::move(executor)),
        ws_(std::move(stream)),
        conn_(std::make_shared<WebSocketConn>(remote_addr)),
        handler_name_(std::move(handler_name)),
        start_(start) {
    srv_->connections->Add(1);
  }

  ~WebSocketSession() override {
    conn_->MarkClosed();
    srv_->connections->Add(-1);
    std::lock_guard<std::mutex> lock(srv_->mu);
    srv_->sessions.erase(this);
    if (srv_->sessions.empty()) srv_->sessions_gone.notify_all();
  }

  void Start() override {}  // started by Accept
  void OnShutdown() override { conn_->Close(1001, "server shutting down"); }
  void ForceClose() override { Finish(); }
  const net::any_io_executor& executor() const override { return executor_; }

  // On the strand, right after the StreamSession read the upgrade request.
  void Accept(bhttp::request<bhttp::string_body> msg, Request req, const Route* route) {
    upgrade_ = std::move(msg);
    req_ = std::move(req);
    route_ = route;
    // The websocket stream keeps its own timeouts; the TCP stream's timer
    // would cut a quiet connection.
    beast::get_lowest_layer(ws_).expires_never();
    auto timeout = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeout.handshake_timeout = std::chrono::milliseconds(srv_->options.read_timeout_ms);
    timeout.idle_timeout = std::chrono::milliseconds(srv_->options.idle_timeout_ms);
    timeout.keep_alive_pings = true;  // a ping at half the idle time keeps a live peer
    ws_.set_option(timeout);
    ws_.read_message_max(1 << 20);
    ws_.async_accept(upgrade_, beast::bind_front_handler(&WebSocketSession::OnAccept, self()));
  }

 private:
  std::shared_ptr<WebSocketSession> self() {
    return std::static_pointer_cast<WebSocketSession>(shared_from_this());
  }

  void OnAccept(boost::system::error_code ec) {
    double seconds = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    srv_->requests->With({handler_name_, ec ? "400" : "101"})->Inc();
    srv_->durations->With({handler_name_})->Observe(seconds);
    upgrade_ = {};
    if (ec) {
      srv_->log->debug("WebSocket handshake with {}: {}", conn_->remote_addr(), ec.message());
      return Finish();
    }
    ws_.text(true);
    std::weak_ptr<WebSocketSession> weak = self();
    conn_->Attach([weak, ex = executor_] {
      net::post(ex, [weak] {
        if (auto s = weak.lock()) s->Pump();
      });
    });
    Read();
    try {
      route_->websocket(req_, conn_);
    } catch (const std::exception& e) {
      srv_->log->error("WebSocket handler {} failed for {}: {}", handler_name_,
                       conn_->remote_addr(), e.what());
      conn_->Close(1011, "internal server error");
    } catch (...) {
      srv_->log->error("WebSocket handler {} failed for {}: unknown exception", handler_name_,
                       conn_->remote_addr());
      conn_->Close(1011, "internal server error");
    }
    req_ = Request();
  }

  void Read() {
    ws_.async_read(read_buf_, beast::bind_front_handler(&WebSocketSession::OnRead, self()));
  }

  void OnRead(boost::system::error_code ec, size_t) {
    // websocket::error::closed is the peer's close handshake done.
    if (ec || finished_) return Finish();
    read_buf_.consume(read_buf_.size());
    Read();
  }

  void Pump() {
    if (finished_) return;
    WebSocketConn::Next next = conn_->TakeNext();
    if (next.kind == WebSocketConn::Next::kText) {
      out_ = std::move(next.text);
      ws_.async_write(net::buffer(out_),
                      beast::bind_front_handler(&WebSocketSession::OnWrite, self()));
    } else if (next.kind == WebSocketConn::Next::kClose) {
      websocket::close_reason reason(static_cast<websocket::close_code>(next.code));
      reason.reason = next.text;
      // Completes once the peer's close arrived (the read loop sees it) or
      // the handshake timeout passed.
      ws_.async_close(reason, [self = self()](boost::system::error_code ec) {
        if (ec) self->Finish();
      });
    }
  }

  void OnWrite(boost::system::error_code ec, size_t) {
    conn_->Sent(out_.size());
    out_.clear();
    if (ec) return Finish();
    Pump();
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    conn_->MarkClosed();
    boost::system::error_code ignored;
    auto& lowest = beast::get_lowest_layer(ws_);
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest.close();
  }

  Server::Impl* const srv_;
  const net::any_io_executor executor_;
  websocket::stream<Stream> ws_;
  std::shared_ptr<WebSocketConn> conn_;
  const std::string handler_name_;
  const SteadyClock::time_point start_;
  bhttp::request<bhttp::string_body> upgrade_;
  Request req_;
  const Route* route_ = nullptr;
  beast::flat_buffer read_buf_;
  std::string out_;
  bool finished_ = false;
};

// One connection over a Stream (beast::tcp_stream, or TlsStream). All
// members are used only on the session's strand.
template <class Stream>
class StreamSession final : public SessionBase {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  StreamSession(Server::Impl* srv, tcp::socket socket)
      : srv_(srv), executor_(socket.get_executor()), stream_(MakeStream(srv, std::move(socket))) {
    boost::system::error_code ec;
    tcp::endpoint ep = tcp().socket().remote_endpoint(ec);
    if (!ec) remote_addr_ = FormatEndpoint(ep);
    srv_->connections->Add(1);
  }

  ~StreamSession() override {
    srv_->connections->Add(-1);
    std::lock_guard<std::mutex> lock(srv_->mu);
    srv_->sessions.erase(this);
    if (srv_->sessions.empty()) srv_->sessions_gone.notify_all();
  }

  void Start() override {
    if constexpr (kTls) {
      net::dispatch(executor_, beast::bind_front_handler(&StreamSession::Handshake, self()));
    } else {
      net::dispatch(executor_, beast::bind_front_handler(&StreamSession::WaitForRequest, self()));
    }
  }

  // WaitForRequest sees shutting_down, so a busy connection closes after its
  // response.
  void OnShutdown() override {
    if (state_ == State::kIdle || state_ == State::kDraining) CloseNow();
  }
  void ForceClose() override { CloseNow(); }
  const net::any_io_executor& executor() const override { return executor_; }

 private:
  enum class State { kIdle, kBusy, kDraining, kClosed };

  static Stream MakeStream(Server::Impl* srv, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *srv->tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<StreamSession> self() {
    return std::static_pointer_cast<StreamSession>(shared_from_this());
  }
  // The TCP layer: timeouts, shutdown and close act there.
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  const ServerOptions& options() const { return srv_->options; }

  // TLS only: the handshake must finish within read_timeout_ms, like a
  // request. A failed one (a plain-HTTP client, an untrusted certificate)
  // just closes the connection.
  void Handshake() {
    if constexpr (kTls) {
      state_ = State::kBusy;
      tcp().expires_after(std::chrono::milliseconds(options().read_timeout_ms));
      stream_.async_handshake(
          net::ssl::stream_base::server, [self = self()](boost::system::error_code ec) {
            if (ec) {
              self->srv_->log->debug("TLS handshake with {}: {}", self->remote_addr_, ec.message());
              return self->CloseNow();
            }
            self->WaitForRequest();
          });
    }
  }

  void WaitForRequest() {
    if (state_ == State::kClosed) return;
    if (srv_->shutting_down.load()) return CloseNow();
    if (buffer_.size() > 0) {  // a pipelined request is already here
      state_ = State::kBusy;
      return ReadHeader();
    }
    state_ = State::kIdle;
    tcp().expires_after(std::chrono::milliseconds(options().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&StreamSession::OnFirstBytes, self()));
  }

  void OnFirstBytes(boost::system::error_code ec, size_t n) {
    if (ec || state_ == State::kClosed) return CloseNow();
    buffer_.commit(n);
    state_ = State::kBusy;
    ReadHeader();
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(options().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    // No limit while reading the header (Beast would reject a large
    // Content-Length there with a generic error); the route's limit is
    // applied in OnHeader.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    // The deadline covers the header and the body together.
    tcp().expires_after(std::chrono::milliseconds(options().read_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&StreamSession::OnHeader, self()));
  }

  void OnHeader(boost::system::error_code ec, size_t) {
    if (state_ == State::kClosed) return;
    handler_name_ = "other";
    version_ = 11;
    head_ = false;
    if (ec) return OnReadError(ec);
    start_ = SteadyClock::now();
    const auto& req = parser_->get();
    version_ = req.version() == 10 ? 10 : 11;
    std::string method = ToStd(req.method_string());
    head_ = method == "HEAD";
    std::string target = ToStd(req.target());
    match_ = srv_->router->Find(method, PercentDecode(TargetPath(target), false));
    if (match_.route != nullptr) {
      handler_name_ = match_.route->name.empty() ? match_.route->path : match_.route->name;
    }
    uint64_t limit = options().max_body_bytes;
    if (match_.route != nullptr && match_.route->max_body_bytes != 0) {
      limit = match_.route->max_body_bytes;
    }
    if (auto length = parser_->content_length(); length && *length > limit) {
      return Reply(413,
                   fmt::format("request body too large: {} bytes exceeds the limit of {} bytes",
                               *length, limit));
    }
    if (match_.route == nullptr) {
      return Reply(404, fmt::format("404 page not found: {}", TargetPath(target)));
    }
    if (!match_.method_allowed) {
      return Reply(405, fmt::format("method {} not allowed", method),
                   srv_->router->AllowHeader(*match_.route));
    }
    parser_->body_limit(limit);
    if (!parser_->is_done() && version_ == 11 &&
        EqualsIgnoreCase(Trim(ToStd(req[bhttp::field::expect])), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = self()](boost::system::error_code ec, size_t) {
                                if (ec) return self->CloseNow();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&StreamSession::OnBody, self()));
  }

  void OnBody(boost::system::error_code ec, size_t) {
    if (state_ == State::kClosed) return;
    if (ec == bhttp::error::body_limit) {
      uint64_t limit = match_.route->max_body_bytes != 0 ? match_.route->max_body_bytes
                                                         : options().max_body_bytes;
      return Reply(413,
                   fmt::format("request body too large: exceeds the limit of {} bytes", limit));
    }
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  // A request that could not be read: answer parse errors, drop the rest
  // (timeouts, resets, the client closing) silently.
  void OnReadError(boost::system::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return Reply(431,
                   fmt::format("request header larger than {} bytes", options().max_header_bytes));
    }
    if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return Reply(400, fmt::format("bad request: {}", ec.message()));
    }
    CloseNow();
  }

  void Dispatch() {
    drain_on_close_ = false;  // the whole request was read
    auto& msg = parser_->get();
    Request req;
    req.method = ToStd(msg.method_string());
    req.target = ToStd(msg.target());
    req.path = PercentDecode(TargetPath(req.target), false);
    if (size_t q = req.target.find('?'); q != std::string::npos) {
      req.query = ParseQueryString(std::string_view(req.target).substr(q + 1));
    }
    req.headers.reserve(std::distance(msg.begin(), msg.end()));
    for (const auto& field : msg) {
      std::string name = ToStd(field.name_string());
      for (char& c : name) c = Lower(c);
      req.headers.emplace_back(std::move(name), ToStd(field.value()));
    }
    req.body = std::move(msg.body());
    req.remote_addr = remote_addr_;
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
        IsFormContentType(req.Header("content-type"))) {
      req.form = ParseQueryString(req.body);
    }
    srv_->body_bytes->With({handler_name_})->Inc(static_cast<double>(req.body.size()));

    const Route& route = *match_.route;
    if (route.websocket && websocket::is_upgrade(msg)) return Upgrade(std::move(req));

    Response res;
    srv_->in_flight->Add(1);
    try {
      if (route.handler) {
        route.handler(req, res);
      } else {
        res.Text(400, "bad request: this endpoint takes WebSocket connections only");
      }
    } catch (const std::exception& e) {
      srv_->log->error("handler {} failed for {} {} from {}: {}", handler_name_, req.method,
                       req.target, remote_addr_, e.what());
      res = Response();
      res.Text(500, fmt::format("internal server error: {}", e.what()));
    } catch (...) {
      srv_->log->error("handler {} failed for {} {} from {}: unknown exception", handler_name_,
                       req.method, req.target, remote_addr_);
      res = Response();
      res.Text(500, "internal server error: unknown exception");
    }
    srv_->in_flight->Add(-1);
    if (res.status < 100 || res.status > 999) {
      srv_->log->error("handler {} returned invalid status {}", handler_name_, res.status);
      res = Response();
      res.Text(500, "internal server error: invalid status code");
    }
    Send(std::move(res), msg.keep_alive());
  }

  // A GET with "Upgrade: websocket" on a WebSocket route: the route's check
  // may answer plain HTTP instead; otherwise the stream moves to a
  // WebSocketSession and this session ends.
  void Upgrade(Request req) {
    const Route& route = *match_.route;
    bool keep_alive = parser_->get().keep_alive();
    if (route.websocket_check) {
      Response res;
      bool upgrade = false;
      try {
        upgrade = route.websocket_check(req, res);
      } catch (const std::exception& e) {
        srv_->log->error("WebSocket check {} failed for {}: {}", handler_name_, remote_addr_,
                         e.what());
        res = Response();
        res.Text(500, fmt::format("internal server error: {}", e.what()));
      }
      if (!upgrade) {
        if (res.status < 100 || res.status > 999 || res.status == 101) {
          res = Response();
          res.Text(500, "internal server error: invalid status code");
        }
        return Send(std::move(res), keep_alive);
      }
    }
    std::shared_ptr<WebSocketSession<Stream>> ws;
    {
      // Under mu, so that Shutdown (which sets shutting_down before taking
      // its snapshot of the sessions) either sees this session or we see it.
      std::lock_guard<std::mutex> lock(srv_->mu);
      if (!srv_->shutting_down.load()) {
        ws = std::make_shared<WebSocketSession<Stream>>(srv_, std::move(stream_), executor_,
                                                        remote_addr_, handler_name_, start_);
        srv_->sessions.emplace(ws.get(), ws);
      }
    }
    if (!ws) {
      Response res;
      res.Text(503, "server shutting down");
      return Send(std::move(res), false);
    }
    // The stream is gone: nothing of this session may touch it again.
    state_ = State::kClosed;
    start_ = SteadyClock::time_point();
    ws->Accept(parser_->release(), std::move(req), &route);
  }

  // An error response from the server itself. The request body may be
  // unread, so the connection closes.
  void Reply(int status, std::string text, std::string allow = "") {
    Response res;
    res.Text(status, text);
    if (!allow.empty()) res.SetHeader("Allow", allow);
    bool body_unread = parser_.has_value() && !parser_->is_done();
    bool keep_alive = !body_unread && parser_.has_value() && parser_->is_header_done() &&
                      parser_->get().keep_alive() && status != 400 && status != 431;
    drain_on_close_ = !keep_alive;
    if (status >= 400 && status != 404 && status != 405) {
      srv_->log->debug("{} from {}: {} {}", handler_name_, remote_addr_, status, text);
    }
    if (start_ == SteadyClock::time_point()) start_ = SteadyClock::now();
    Send(std::move(res), keep_alive);
  }

  void Send(Response res, bool keep_alive) {
    if (srv_->shutting_down.load()) keep_alive = false;
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(res.status));
    bool has_date = false;
    for (auto& [name, value] : res.headers) {
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
        continue;
      }
      if (EqualsIgnoreCase(name, "connection")) {
        if (EqualsIgnoreCase(Trim(value), "close")) keep_alive = false;
        continue;
      }
      has_date |= EqualsIgnoreCase(name, "date");
      res_.insert(name, value);
    }
    if (!has_date) res_.set(bhttp::field::date, HttpDate());
    res_.keep_alive(keep_alive);
    status_ = res.status;
    bool no_body = res.status / 100 == 1 || res.status == 204 || res.status == 304;
    if (!no_body) {
      res_.content_length(res.body.size());
      if (!head_) res_.body() = std::move(res.body);
    }
    tcp().expires_after(std::chrono::milliseconds(options().idle_timeout_ms));
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&StreamSession::OnWrite, self(), keep_alive));
  }

  void OnWrite(bool keep_alive, boost::system::error_code ec, size_t) {
    double seconds = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    srv_->requests->With({handler_name_, std::to_string(status_)})->Inc();
    srv_->durations->With({handler_name_})->Observe(seconds);
    start_ = SteadyClock::time_point();
    res_ = {};
    if (ec) return CloseNow();
    if (!keep_alive) return drain_on_close_ ? CloseDraining() : CloseGracefully();
    parser_.reset();
    WaitForRequest();
  }

  void CloseGracefully() {
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    CloseNow();
  }

  // Half-closes and reads what the client is still sending for a while, so a
  // client busy writing a body we refused reads our response before the
  // close (closing with unread data would send it a reset).
  void CloseDraining() {
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    state_ = State::kDraining;
    drained_ = 0;
    tcp().expires_after(std::min<std::chrono::milliseconds>(
        kDrainTime, std::chrono::milliseconds(options().read_timeout_ms)));
    Drain();
  }

  void Drain() {
    if (srv_->shutting_down.load()) return CloseNow();
    tcp().async_read_some(net::buffer(drain_buf_),
                          [self = self()](boost::system::error_code ec, size_t n) {
                            if (self->state_ != State::kDraining) return;
                            self->drained_ += n;
                            if (ec || self->drained_ > kDrainBytes) return self->CloseNow();
                            self->Drain();
                          });
  }

  void CloseNow() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  Server::Impl* const srv_;
  const net::any_io_executor executor_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  std::string remote_addr_;
  State state_ = State::kIdle;
  Router::Match match_;
  std::string handler_name_ = "other";
  unsigned version_ = 11;
  bool head_ = false;
  int status_ = 0;
  bool drain_on_close_ = false;
  size_t drained_ = 0;
  SteadyClock::time_point start_;
  std::array<char, 16 << 10> drain_buf_;
};

std::vector<std::shared_ptr<Session>> Server::Impl::LiveSessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard<std::mutex> lock(mu);
  out.reserve(sessions.size());
  for (auto& [raw, weak] : sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [this](boost::system::error_code ec, tcp::socket socket) {
                          OnAccept(ec, std::move(socket));
                        });
}

void Server::Impl::AcceptStopped() {
  std::lock_guard<std::mutex> lock(mu);
  accept_stopped = true;
  sessions_gone.notify_all();
}

void Server::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  // The socket (if any) closes as it goes out of scope.
  if (ec == net::error::operation_aborted || shutting_down.load()) return AcceptStopped();
  if (ec) {
    // EMFILE and friends: back off instead of spinning on the error.
    log->warn("accept on {}: {}", address, ErrorText(ec));
    accept_retry.emplace(acceptor.get_executor(), std::chrono::milliseconds(100));
    accept_retry->async_wait([this](boost::system::error_code ec) {
      if (!ec && !shutting_down.load()) return Accept();
      AcceptStopped();
    });
    return;
  }
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (sessions.size() < options.max_connections) {
      if (tls) {
        session = std::make_shared<StreamSession<TlsStream>>(this, std::move(socket));
      } else {
        session = std::make_shared<StreamSession<beast::tcp_stream>>(this, std::move(socket));
      }
      sessions.emplace(session.get(), session);
    }
  }
  if (session) {
    session->Start();
  } else {
    // At most one line a second: a flood of connections must not flood the log.
    auto now = SteadyClock::now();
    if (now - last_limit_warning > std::chrono::seconds(1)) {
      last_limit_warning = now;
      log->warn("closing new connections on {}: {} connections open already", address,
                options.max_connections);
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  Accept();
}

void Server::Impl::Run() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log->error("http server thread: {}", e.what());
    }
  }
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, const Router* router) {
  const std::string listen = options.listen;
  auto fail = [&](const std::string& what) {
    return Status::IOError(fmt::format("listen tcp {}: {}", listen, what));
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("missing port");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port_number = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      (port_number = static_cast<uint32_t>(std::stoul(port_text))) > 65535) {
    return fail(fmt::format("invalid port \"{}\"", port_text));
  }
  if (options.threads <= 0) {
    options.threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  }

  auto impl = std::make_unique<Impl>(std::move(options), router);
  Impl& s = *impl;
  if (s.options.registry == nullptr) {
    s.own_registry = std::make_unique<metrics::Registry>();
    s.options.registry = s.own_registry.get();
  }
  metrics::Registry& reg = *s.options.registry;
  s.requests = &reg.CounterFamily("vigil_http_requests_total",
                                  "HTTP requests answered, by handler and status code.",
                                  {"handler", "code"});
  s.durations =
      &reg.HistogramFamily("vigil_http_request_duration_seconds",
                           "Time from the end of a request's header to the end of its response.",
                           {"handler"}, metrics::DefaultLatencyBuckets());
  s.body_bytes = &reg.CounterFamily("vigil_http_request_body_bytes_total",
                                    "Request body bytes handed to handlers.", {"handler"});
  s.connections = reg.NewGauge("vigil_http_connections", "Open HTTP connections.");
  s.in_flight = reg.NewGauge("vigil_http_requests_in_flight", "HTTP handlers running now.");

  if (!s.options.tls_cert_pem.empty() || !s.options.tls_key_pem.empty()) {
    if (Status st = SetUpTls(s.options, &s.tls); !st.ok()) return fail(st.message());
  }

  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  if (host.empty()) {
    // All interfaces: IPv6 any with IPv4 mapped in, or IPv4 any without IPv6.
    endpoints.emplace_back(net::ip::address_v6::any(), port_number);
    endpoints.emplace_back(net::ip::address_v4::any(), port_number);
  } else if (auto addr = net::ip::make_address(host, ec); !ec) {
    endpoints.emplace_back(addr, port_number);
  } else {
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(host, port_text, tcp::resolver::numeric_service, ec);
    if (ec) return fail(ErrorText(ec));
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }

  for (const tcp::endpoint& ep : endpoints) {
    ec.clear();
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    s.acceptor.open(ep.protocol(), ec);
    if (ec) continue;  // e.g. no IPv6 on this host: try the next endpoint
    s.acceptor.set_option(net::socket_base::reuse_address(true), ignored);
    if (host.empty() && ep.address().is_v6())
      s.acceptor.set_option(net::ip::v6_only(false), ignored);
    s.acceptor.bind(ep, ec);
    // A port in use or forbidden is the answer; an address this host cannot
    // have (IPv6 disabled, say) moves on to the next candidate.
    if (ec == boost::system::errc::address_not_available ||
        ec == net::error::address_family_not_supported) {
      continue;
    }
    if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    break;
  }
  if (ec) return fail(ErrorText(ec));
  tcp::endpoint local = s.acceptor.local_endpoint(ec);
  if (ec) return fail(ErrorText(ec));
  s.port = local.port();
  s.address = FormatEndpoint(local);

  s.Accept();
  s.work.emplace(s.ioc.get_executor());
  s.threads.reserve(s.options.threads);
  for (int i = 0; i < s.options.threads; ++i) s.threads.emplace_back([&s] { s.Run(); });
  s.log->info("listening on {}", s.address);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

uint16_t Server::port() const { return impl_->port; }

std::string Server::address() const { return impl_->address; }

void Server::Shutdown(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> once(s.shutdown_mu);
  if (s.shut_down) return;
  s.shut_down = true;
  auto deadline = SteadyClock::now() + grace;
  s.shutting_down.store(true);
  net::post(s.acceptor.get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    if (s.accept_retry) s.accept_retry->cancel();
  });
  for (auto& session : s.LiveSessions()) {
    net::post(session->executor(), [session] { session->OnShutdown(); });
  }
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.sessions_gone.wait_until(lock, deadline,
                               [&s] { return s.sessions.empty() && s.accept_stopped; });
  }
  if (auto left = s.LiveSessions(); !left.empty()) {
    if (grace.count() > 0) {
      s.log->warn("closing {} connections still busy after the shutdown grace period of {} ms",
                  left.size(), grace.count());
    }
    for (auto& session : left) {
      net::post(session->executor(), [session] { session->ForceClose(); });
    }
    left.clear();
    std::unique_lock<std::mutex> lock(s.mu);
    s.sessions_gone.wait_for(lock, kForceCloseWait, [&s] { return s.sessions.empty(); });
  }
  // What is left is a handler still running (join waits for it) or a
  // session whose strand is stuck behind one.
  s.work.reset();
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  // No thread runs now, so sessions can be touched directly: close what is
  // left so clients see the connection end now, not when ~Server runs.
  for (auto& session : s.LiveSessions()) session->ForceClose();
  s.log->info("stopped listening on {}", s.address);
}

}  // namespace vigil::http
