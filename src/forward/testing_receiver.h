// Test-only receivers for the forwarder tests and benchmark: an HTTP/1.1
// server that can be stopped and started again on the same port (so a
// forwarder sees connection refused, then the same URL come back), and a
// TCP listener that collects octet-counted syslog frames.
//
// Owned by the forward module (helper "forward"). Header-only.
// Thread-safety: handlers run on one thread per connection; the accessors
// are safe from any thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace vigil::forward::testing {

// Binds 127.0.0.1:port (0: any free port); -1 on failure.
inline int ListenTcp(int port, int* bound_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

// Accepts connections on a thread and runs `serve(fd, stopping)` for each
// on its own thread; Stop closes everything and joins.
class Acceptor {
 public:
  using Serve = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  Acceptor(int port, Serve serve) : serve_(std::move(serve)) {
    fd_ = ListenTcp(port, &port_);
    if (fd_ >= 0) thread_ = std::thread([this] { Loop(); });
  }
  ~Acceptor() { Stop(); }
  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  void Stop() {
    if (stopping_.exchange(true)) return;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    for (auto& t : conns_) t.join();
    conns_.clear();
  }

 private:
  void Loop() {
    while (!stopping_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      conns_.emplace_back([this, c] {
        serve_(c, stopping_);
        ::shutdown(c, SHUT_RDWR);
        ::close(c);
      });
    }
  }
  Serve serve_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> conns_;  // touched by Loop, then by Stop after the join
};

// Reads into *buf until it holds `n` bytes; false on EOF or stop.
inline bool ReadAtLeast(int fd, const std::atomic<bool>& stopping, std::string* buf, size_t n) {
  char tmp[16384];
  while (buf->size() < n) {
    if (stopping.load()) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) return false;
    buf->append(tmp, static_cast<size_t>(r));
  }
  return true;
}

struct HttpRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpReply {
  int status = 204;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// An HTTP server whose handler returns the reply. Start/Stop any number of
// times; after the first Start it always uses the same port.
class RestartableHttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;
  explicit RestartableHttpServer(Handler h) : handler_(std::move(h)) {}
  ~RestartableHttpServer() { Stop(); }

  bool Start() {
    acceptor_ = std::make_unique<Acceptor>(
        port_, [this](int fd, const std::atomic<bool>& s) { Serve(fd, s); });
    if (!acceptor_->ok()) return false;
    port_ = acceptor_->port();
    return true;
  }
  void Stop() { acceptor_.reset(); }
  int port() const { return port_; }
  std::string URL(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", port_, path);
  }

 private:
  void Serve(int fd, const std::atomic<bool>& stopping) {
    std::string buf;
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadAtLeast(fd, stopping, &buf, buf.size() + 1)) return;
      }
      HttpRequest req = ParseHead(std::string_view(buf).substr(0, end));
      size_t len = static_cast<size_t>(std::atoll(req.Header("content-length").c_str()));
      if (!ReadAtLeast(fd, stopping, &buf, end + 4 + len)) return;
      req.body = buf.substr(end + 4, len);
      buf.erase(0, end + 4 + len);
      HttpReply reply = handler_(req);
      std::string out = fmt::format("HTTP/1.1 {} X\r\n", reply.status);
      for (const auto& [k, v] : reply.headers) out += fmt::format("{}: {}\r\n", k, v);
      out += fmt::format("Content-Length: {}\r\n\r\n", reply.body.size());
      out += reply.body;
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
        return;
      }
    }
  }

  static HttpRequest ParseHead(std::string_view head) {
    HttpRequest r;
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 + 1);
    r.method = std::string(line.substr(0, sp1));
    r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    while (eol != std::string_view::npos) {
      head.remove_prefix(eol + 2);
      eol = head.find("\r\n");
      std::string_view h = head.substr(0, eol);
      size_t colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(h.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      r.headers[name] = std::string(v);
    }
    return r;
  }

  Handler handler_;
  int port_ = 0;
  std::unique_ptr<Acceptor> acceptor_;
};

// Collects octet-counted syslog frames ("LEN SP MSG") from any connection.
class SyslogTcpListener {
 public:
  SyslogTcpListener() : SyslogTcpListener(0) {}
  explicit SyslogTcpListener(int port)
      : acceptor_(port, [this](int fd, const std::atomic<bool>& s) { Serve(fd, s); }) {}
  int port() const { return acceptor_.port(); }
  std::vector<std::string> messages() const {
    std::lock_guard<std::mutex> l(mu_);
    return messages_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> l(mu_);
    return messages_.size();
  }
  void Stop() { acceptor_.Stop(); }

 private:
  void Serve(int fd, const std::atomic<bool>& stopping) {
    std::string buf;
    for (;;) {
      size_t sp;
      while ((sp = buf.find(' ')) == std::string::npos) {
        if (!ReadAtLeast(fd, stopping, &buf, buf.size() + 1)) return;
      }
      size_t len = static_cast<size_t>(std::atoll(buf.substr(0, sp).c_str()));
      if (!ReadAtLeast(fd, stopping, &buf, sp + 1 + len)) return;
      std::lock_guard<std::mutex> l(mu_);
      messages_.push_back(buf.substr(sp + 1, len));
      buf.erase(0, sp + 1 + len);
    }
  }
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  Acceptor acceptor_;  // last: stopped first, before messages_ goes away
};

}  // namespace vigil::forward::testing
