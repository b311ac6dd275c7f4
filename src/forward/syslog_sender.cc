// The syslog sender (sender.h): RFC 5424 / 3164 messages over TCP with
// octet counting (RFC 6587) or UDP, on plain POSIX sockets.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "forward/record_format.h"
#include "forward/sender.h"

namespace vigil::forward {

namespace {

constexpr size_t kMaxUdpMessage = 65000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return false;
    }
    *host = address.substr(1, close - 1);
    *port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    *host = address.substr(0, colon);
    *port = address.substr(colon + 1);
  }
  return !host->empty() && !port->empty();
}

class SyslogSender : public Sender {
 public:
  SyslogSender(const config::LogForwarderConfig& cfg, std::string host, std::string port)
      : config_(cfg),
        host_(std::move(host)),
        port_(std::move(port)),
        udp_(cfg.protocol == "udp"),
        rfc3164_(cfg.syslog_format == "rfc3164") {}
  ~SyslogSender() override { Close(); }

  SendResult Send(const std::vector<model::LogRecord>& records) override {
    if (cancelled_.load()) return SendResult::Retry("transport", "syslog sender stopped");
    if (fd_ >= 0 && !udp_ && PeerClosed()) Close();
    if (fd_ < 0) {
      std::string err = Connect();
      if (!err.empty()) return SendResult::Retry("transport", err);
    }
    return udp_ ? SendUdp(records) : SendTcp(records);
  }

  void Cancel() override {
    cancelled_.store(true);
    int fd = fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  void AppendMessage(std::string* out, const model::LogRecord& r) const {
    if (rfc3164_) {
      AppendSyslog3164(out, r);
    } else {
      AppendSyslog5424(out, r);
    }
  }

  SendResult SendTcp(const std::vector<model::LogRecord>& records) {
    buf_.clear();
    for (const auto& r : records) {
      msg_.clear();
      AppendMessage(&msg_, r);
      fmt::format_to(std::back_inserter(buf_), "{} ", msg_.size());
      buf_.append(msg_);
    }
    std::string err = WriteAll(buf_);
    if (!err.empty()) {
      Close();
      return SendResult::Retry("transport", err);
    }
    return SendResult::Ok(buf_.size());
  }

  SendResult SendUdp(const std::vector<model::LogRecord>& records) {
    uint64_t bytes = 0;
    for (const auto& r : records) {
      msg_.clear();
      AppendMessage(&msg_, r);
      if (msg_.size() > kMaxUdpMessage) msg_.resize(kMaxUdpMessage);
      for (;;) {
        ssize_t n = ::send(fd_, msg_.data(), msg_.size(), MSG_NOSIGNAL);
        if (n >= 0) break;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          pollfd p{fd_, POLLOUT, 0};
          ::poll(&p, 1, static_cast<int>(config_.timeout_ms));
          continue;
        }
        std::string err = fmt::format("write udp {}: {}", config_.address, std::strerror(errno));
        Close();
        return SendResult::Retry("transport", err);
      }
      bytes += msg_.size();
    }
    return SendResult::Ok(bytes);
  }

  // A syslog receiver never writes: readable means closed (or garbage).
  bool PeerClosed() {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char tmp[256];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
           (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  std::string WriteAll(std::string_view data) {
    int64_t deadline = NowMs() + config_.timeout_ms;
    while (!data.empty()) {
      if (cancelled_.load()) return "syslog sender stopped";
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        int64_t left = deadline - NowMs();
        if (left <= 0) return fmt::format("write tcp {}: i/o timeout", config_.address);
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
        continue;
      }
      return fmt::format("write tcp {}: {}", config_.address, std::strerror(errno));
    }
    return "";
  }

  std::string Connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = udp_ ? SOCK_DGRAM : SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res);
    if (rc != 0) {
      return fmt::format("dial {} {}: lookup {}: {}", udp_ ? "udp" : "tcp", config_.address, host_,
                         ::gai_strerror(rc));
    }
    std::string err;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      int fd =
          ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        err = std::strerror(errno);
        continue;
      }
      if (ConnectWithTimeout(fd, ai, &err)) {
        if (!udp_) {
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        fd_ = fd;
        break;
      }
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) {
      return fmt::format("dial {} {}: connect: {}", udp_ ? "udp" : "tcp", config_.address, err);
    }
    return "";
  }

  bool ConnectWithTimeout(int fd, const addrinfo* ai, std::string* err) {
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return true;
    if (errno != EINPROGRESS) {
      *err = std::strerror(errno);
      return false;
    }
    pollfd p{fd, POLLOUT, 0};
    int64_t deadline = NowMs() + config_.timeout_ms;
    for (;;) {
      if (cancelled_.load()) {
        *err = "cancelled";
        return false;
      }
      int64_t left = deadline - NowMs();
      if (left <= 0) {
        *err = "i/o timeout";
        return false;
      }
      int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
      if (n > 0) break;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      *err = std::strerror(so_error);
      return false;
    }
    return true;
  }

  void Close() {
    int fd = fd_.exchange(-1);
    if (fd >= 0) ::close(fd);
  }

  const config::LogForwarderConfig config_;
  const std::string host_;
  const std::string port_;
  const bool udp_;
  const bool rfc3164_;
  std::atomic<int> fd_{-1};
  std::atomic<bool> cancelled_{false};
  std::string buf_;
  std::string msg_;
};

}  // namespace

Result<std::unique_ptr<Sender>> NewSyslogSender(const config::LogForwarderConfig& cfg) {
  std::string host, port;
  if (!SplitHostPort(cfg.address, &host, &port)) {
    return Status::InvalidArgument(
        fmt::format("forwarder {}: address must be host:port, got \"{}\"", cfg.name, cfg.address));
  }
  if (cfg.protocol != "tcp" && cfg.protocol != "udp") {
    return Status::InvalidArgument(fmt::format(
        "forwarder {}: protocol must be tcp or udp, got \"{}\"", cfg.name, cfg.protocol));
  }
  if (cfg.syslog_format != "rfc5424" && cfg.syslog_format != "rfc3164") {
    return Status::InvalidArgument(
        fmt::format("forwarder {}: format must be rfc5424 or rfc3164, got \"{}\"", cfg.name,
                    cfg.syslog_format));
  }
  return std::unique_ptr<Sender>(new SyslogSender(cfg, std::move(host), std::move(port)));
}

}  // namespace vigil::forward
