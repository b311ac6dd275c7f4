// SyslogServer: Boost.Asio TCP and UDP listeners feeding a LogSink.
//
// Each TCP connection reads into its own buffer (256 KiB or more), splits it
// into frames (syslog_framing.h), parses every frame straight into the
// connection's batch and hands the batch to the sink on the reading thread:
// while the sink works, that connection is not read (backpressure through
// TCP's window, no queue in between). A batch goes to the sink when it is
// full or when the socket has nothing more waiting, so batches are large
// under load and latency is low when idle. Connections run on strands, so
// `threads` threads serve as many connections in parallel.
#include <fmt/format.h>

#include <atomic>
#include <utility>
// After <utility>: Boost 1.74's awaitable.hpp uses std::exchange without it.
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "base/logging.h"
#include "base/time.h"
#include "collect/logs/syslog/syslog.h"
#include "collect/logs/syslog/syslog_framing.h"

namespace vigil::logs {
namespace {

namespace net = boost::asio;
using net::ip::tcp;
using net::ip::udp;

constexpr size_t kMinReadBuffer = 256 << 10;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Counters {
  metrics::Counter* accepted;
  metrics::Counter* truncated;
  metrics::Counter* rejected;
  metrics::Counter* dropped;
  metrics::Counter* framing_errors;
  metrics::Gauge* connections;
};

class ServerImpl;

// Parses frames into a batch and delivers it; one per connection (or per UDP
// socket), used from that connection's strand only.
class BatchBuilder {
 public:
  BatchBuilder(ServerImpl* server);
  void Add(std::string_view frame, bool truncated, int64_t now_ns);
  bool full() const;
  bool empty() const { return used_ == 0; }
  void Flush();

 private:
  ServerImpl* server_;
  // Records [0, used_) are this batch's; those beyond are last batch's,
  // kept so that their strings' memory is reused (when the sink left them).
  model::LogBatch batch_;
  size_t used_ = 0;
  size_t truncated_ = 0;
};

class ServerImpl : public SyslogServer {
 public:
  ServerImpl(SyslogServerOptions options, model::LogSink* sink)
      : options_(std::move(options)), sink_(sink), io_(std::max(options_.threads, 1)) {
    if (options_.batch_size == 0) options_.batch_size = 1;
    if (options_.max_message_bytes == 0) options_.max_message_bytes = 1;
    metrics::Registry* reg = options_.registry;
    if (reg == nullptr) {
      own_registry_ = std::make_unique<metrics::Registry>();
      reg = own_registry_.get();
    }
    auto& messages = reg->CounterFamily("vigil_syslog_messages_total",
                                        "Syslog messages received, by listener and result "
                                        "(accepted includes truncated).",
                                        {"listener", "result"});
    counters_.accepted = messages.With({options_.name, "accepted"});
    counters_.truncated = messages.With({options_.name, "truncated"});
    counters_.rejected = messages.With({options_.name, "rejected"});
    counters_.dropped = messages.With({options_.name, "dropped"});
    counters_.framing_errors =
        reg->CounterFamily("vigil_syslog_framing_errors_total",
                           "TCP syslog streams whose octet counting broke and that fell back "
                           "to newline framing.",
                           {"listener"})
            .With({options_.name});
    counters_.connections =
        reg->GaugeFamily("vigil_syslog_connections", "Open TCP syslog connections.", {"listener"})
            .With({options_.name});
  }

  ~ServerImpl() override { Stop(); }

  Status Listen();
  uint16_t port() const override { return port_; }
  void Stop() override;
  LastError last_error() const override { return last_error_.Get(); }
  void NoteError(std::string message) { last_error_.Record(std::move(message)); }

  const SyslogServerOptions& options() const { return options_; }
  const Counters& counters() const { return counters_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  model::LogSink* sink() const { return sink_; }

  // Connection bookkeeping (TcpConn registers itself; its destructor
  // unregisters).
  void Register(void* conn, std::function<void()> close);
  void Unregister(void* conn);

 private:
  friend class TcpConn;
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket);
  void ReceiveUdp();
  void AcceptStopped();

  SyslogServerOptions options_;
  model::LogSink* sink_;
  std::unique_ptr<metrics::Registry> own_registry_;
  Counters counters_{};
  LastErrorNote last_error_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<spdlog::logger> log_ = log::Get("syslog");

  std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<void*, std::function<void()>> conns_;  // conn -> posts its close
  bool accept_stopped_ = true;

  std::mutex stop_mu_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;

  // UDP state (protocol kUdp).
  std::unique_ptr<BatchBuilder> udp_batch_;
  std::unique_ptr<char[]> udp_buf_;
  udp::endpoint udp_peer_;

  // Destroyed first: queued handlers reach back into the members above.
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<udp::socket> udp_;
};

BatchBuilder::BatchBuilder(ServerImpl* server) : server_(server) {}

bool BatchBuilder::full() const { return used_ >= server_->options().batch_size; }

void BatchBuilder::Add(std::string_view frame, bool truncated, int64_t now_ns) {
  model::LogRecord* recp;
  if (used_ < batch_.records.size()) {
    recp = &batch_.records[used_];
    recp->time_ns = 0;
    recp->severity_number = 0;
    recp->severity_text.clear();
    recp->body.clear();
    recp->attributes.clear();
    recp->resource.clear();
    recp->trace_id.clear();
    recp->span_id.clear();
    recp->stream = server_->options().labels;
  } else {
    recp = &batch_.records.emplace_back();
    if (!server_->options().labels.empty()) recp->stream = server_->options().labels;
  }
  ++used_;
  model::LogRecord& rec = *recp;
  SyslogParseOptions popts;
  popts.observed_time_ns = now_ns;
  popts.now_ns = now_ns;
  ParseSyslog(frame, popts, &rec);
  if (truncated) {
    rec.attributes.push_back(model::LogAttribute{"syslog.truncated", "true"});
    ++truncated_;
  }
  if (full()) Flush();
}

void BatchBuilder::Flush() {
  if (used_ == 0) return;
  const Counters& c = server_->counters();
  size_t n = used_;
  bool was_full = full();
  if (batch_.records.size() > n) batch_.records.resize(n);
  int backoff_ms = 10;
  for (;;) {
    model::ConsumeResult result = server_->sink()->Consume(batch_);
    if (result.status.ok()) {
      c.accepted->Inc(static_cast<double>(n - result.rejected.size()));
      if (!result.rejected.empty()) c.rejected->Inc(static_cast<double>(result.rejected.size()));
      if (truncated_ > 0) {
        c.truncated->Inc(static_cast<double>(truncated_));
        server_->NoteError(fmt::format(
            "{} message(s) longer than max_message_bytes ({}) were cut, tagged syslog.truncated",
            truncated_, server_->options().max_message_bytes));
      }
      break;
    }
    server_->NoteError(fmt::format("the pipeline refused a batch of {} messages: {}; {}", n,
                                   result.status.ToString(),
                                   server_->stopping() ? "dropped at stop" : "retrying"));
    // Not taken: hold the connection (the sender waits in TCP's window) and
    // try again, unless the server is stopping.
    if (server_->stopping()) {
      c.dropped->Inc(static_cast<double>(n));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 1000);
  }
  used_ = 0;
  truncated_ = 0;
  batch_.offsets.clear();
  // A busy connection keeps its records for the next batch; an idle one (a
  // partial batch) frees them, so idle connections hold no memory.
  if (!was_full) {
    std::vector<model::LogRecord>().swap(batch_.records);
  } else if (batch_.records.capacity() < server_->options().batch_size) {
    batch_.records.reserve(server_->options().batch_size);
  }
}

class TcpConn : public std::enable_shared_from_this<TcpConn> {
 public:
  TcpConn(ServerImpl* server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        framer_(ToFraming(server->options().framing), server->options().max_message_bytes),
        cap_(std::max(kMinReadBuffer, server->options().max_message_bytes + 64)),
        buf_(new char[cap_]),
        batch_(server) {}

  ~TcpConn() {
    if (framer_.framing_errors() > 0) {
      server_->counters().framing_errors->Inc(static_cast<double>(framer_.framing_errors()));
      server_->NoteError(
          "a TCP stream's octet counting broke (a frame did not start with a length); the rest of "
          "it was read with newline framing");
    }
    server_->counters().connections->Add(-1);
    server_->Unregister(this);
  }

  void Start() {
    server_->counters().connections->Add(1);
    std::weak_ptr<TcpConn> weak = shared_from_this();
    server_->Register(this, [weak, exec = socket_.get_executor()] {
      net::post(exec, [weak] {
        if (auto self = weak.lock()) self->Cancel();
      });
    });
    Read();
  }

 private:
  static SyslogFraming ToFraming(SyslogServerOptions::Framing f) {
    switch (f) {
      case SyslogServerOptions::Framing::kNewline:
        return SyslogFraming::kNewline;
      case SyslogServerOptions::Framing::kOctetCounting:
        return SyslogFraming::kOctetCounting;
      default:
        return SyslogFraming::kAuto;
    }
  }

  void Cancel() {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }

  void Read() {
    if (server_->stopping()) return Finish();
    socket_.async_read_some(net::buffer(buf_.get() + len_, cap_ - len_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->OnRead(ec, n);
                            });
  }

  void OnRead(boost::system::error_code ec, size_t n) {
    if (ec) return Finish();
    len_ += n;
    int64_t now = NowNanos();
    size_t used = framer_.Split(
        std::string_view(buf_.get(), len_),
        [&](std::string_view frame, bool truncated) { batch_.Add(frame, truncated, now); });
    if (used < len_) std::memmove(buf_.get(), buf_.get() + used, len_ - used);
    len_ -= used;
    boost::system::error_code aec;
    if (!batch_.empty() && socket_.available(aec) == 0) batch_.Flush();
    Read();
  }

  // End of stream (EOF, error, or Stop): the last unterminated message,
  // then the batch, then close.
  void Finish() {
    framer_.Finish(std::string_view(buf_.get(), len_),
                   [&](std::string_view frame, bool t) { batch_.Add(frame, t, NowNanos()); });
    len_ = 0;
    batch_.Flush();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  ServerImpl* server_;
  tcp::socket socket_;
  SyslogFramer framer_;
  size_t cap_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  BatchBuilder batch_;
};

void ServerImpl::Register(void* conn, std::function<void()> close) {
  std::lock_guard<std::mutex> lock(mu_);
  conns_.emplace(conn, std::move(close));
}

void ServerImpl::Unregister(void* conn) {
  std::lock_guard<std::mutex> lock(mu_);
  conns_.erase(conn);
  changed_.notify_all();
}

void ServerImpl::AcceptStopped() {
  std::lock_guard<std::mutex> lock(mu_);
  accept_stopped_ = true;
  changed_.notify_all();
}

void ServerImpl::Accept() {
  acceptor_->async_accept(net::make_strand(io_),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            OnAccept(ec, std::move(socket));
                          });
}

void ServerImpl::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping()) return AcceptStopped();
  if (ec) {
    log_->warn("syslog {}: accept: {}", options_.name, ec.message());
    NoteError(fmt::format("accept: {}", ec.message()));
    // EMFILE and friends: back off instead of spinning.
    auto timer = std::make_shared<net::steady_timer>(acceptor_->get_executor(),
                                                     std::chrono::milliseconds(100));
    timer->async_wait([this, timer](boost::system::error_code) {
      if (stopping()) return AcceptStopped();
      Accept();
    });
    return;
  }
  bool room;
  {
    std::lock_guard<std::mutex> lock(mu_);
    room = conns_.size() < options_.max_connections;
  }
  if (room) {
    boost::system::error_code ignored;
    socket.set_option(net::socket_base::receive_buffer_size(1 << 20), ignored);
    std::make_shared<TcpConn>(this, std::move(socket))->Start();
  } else {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  Accept();
}

void ServerImpl::ReceiveUdp() {
  udp_->async_wait(udp::socket::wait_read, [this](boost::system::error_code ec) {
    if (ec || stopping()) {
      udp_batch_->Flush();
      return AcceptStopped();
    }
    // Drain what is queued (non-blocking), up to a batch, then wait again.
    int64_t now = NowNanos();
    size_t max = options_.max_message_bytes;
    for (;;) {
      boost::system::error_code rec;
      size_t n = udp_->receive_from(net::buffer(udp_buf_.get(), max + 1), udp_peer_, 0, rec);
      if (rec) break;  // would_block (or a transient ICMP error)
      bool truncated = n > max;
      udp_batch_->Add(std::string_view(udp_buf_.get(), truncated ? max : n), truncated, now);
      if (udp_batch_->empty()) break;  // just flushed a full batch: let others run
    }
    udp_batch_->Flush();
    ReceiveUdp();
  });
}

Result<net::ip::address> ResolveHost(const std::string& host) {
  if (host.empty()) return net::ip::address(net::ip::address_v4::any());
  boost::system::error_code ec;
  net::ip::address addr = net::ip::make_address(host, ec);
  if (!ec) return addr;
  net::io_context tmp;
  tcp::resolver resolver(tmp);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument(fmt::format("cannot resolve {:?}: {}", host, ec.message()));
  }
  return results.begin()->endpoint().address();
}

Status ServerImpl::Listen() {
  const std::string& listen = options_.listen;
  auto fail = [&](std::string_view what) {
    return Status::IOError(fmt::format("syslog {}: listen {}: {}", options_.name, listen, what));
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("want host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  std::string port_text = listen.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      (port = static_cast<unsigned>(std::stoul(port_text))) > 65535) {
    return fail("invalid port");
  }
  Result<net::ip::address> addr = ResolveHost(host);
  if (!addr.ok()) return fail(addr.status().message());
  boost::system::error_code ec;
  if (options_.protocol == SyslogServerOptions::Protocol::kTcp) {
    tcp::endpoint ep(*addr, static_cast<uint16_t>(port));
    acceptor_.emplace(net::make_strand(io_));
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec.message());
    port_ = acceptor_->local_endpoint().port();
    accept_stopped_ = false;
    Accept();
  } else {
    udp::endpoint ep(*addr, static_cast<uint16_t>(port));
    udp_.emplace(net::make_strand(io_));
    udp_->open(ep.protocol(), ec);
    if (!ec) udp_->bind(ep, ec);
    if (ec) return fail(ec.message());
    boost::system::error_code ignored;
    udp_->set_option(net::socket_base::receive_buffer_size(8 << 20), ignored);
    udp_->non_blocking(true, ignored);
    port_ = udp_->local_endpoint().port();
    udp_buf_.reset(new char[options_.max_message_bytes + 1]);
    udp_batch_ = std::make_unique<BatchBuilder>(this);
    accept_stopped_ = false;
    ReceiveUdp();
  }
  work_.emplace(io_.get_executor());
  int threads = std::max(options_.threads, 1);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          log_->error("syslog {}: server thread: {}", options_.name, e.what());
        }
      }
    });
  }
  log_->info("syslog {}: listening on {} ({})", options_.name, listen,
             options_.protocol == SyslogServerOptions::Protocol::kTcp ? "tcp" : "udp");
  return Status::OK();
}

void ServerImpl::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  if (acceptor_) {
    net::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
    });
  }
  if (udp_) {
    net::post(udp_->get_executor(), [this] {
      boost::system::error_code ignored;
      udp_->cancel(ignored);
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Connections unregister as they close; ask every one still open (a
    // connection accepted meanwhile sees stopping() and closes itself).
    for (;;) {
      for (auto& [conn, close] : conns_) close();
      if (changed_.wait_for(lock, std::chrono::milliseconds(50),
                            [&] { return conns_.empty() && accept_stopped_; })) {
        break;
      }
      if (threads_.empty()) break;  // never started: nothing runs the handlers
    }
  }
  work_.reset();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace

Result<std::unique_ptr<SyslogServer>> SyslogServer::Start(SyslogServerOptions options,
                                                          model::LogSink* sink) {
  auto server = std::make_unique<ServerImpl>(std::move(options), sink);
  VIGIL_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<SyslogServer>(std::move(server));
}

}  // namespace vigil::logs
