// A tiny HTTP/1.1 server on 127.0.0.1 for the tests of httpclient and
// discovery (test-only, header-only): each request goes to a handler that
// writes raw response bytes, so tests can send anything (gzip, trickles,
// redirect loops, wrong headers).
//
// Thread-safety: the handler runs on a thread per connection, several at once;
// it must be thread-safe. Stop (or the destructor) closes everything and
// joins the threads; handlers should poll stopping() when they wait.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace vigil::httpclient::testing {

struct TestRequest {
  std::string method;
  std::string target;                          // "/path?query"
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;                            // Content-Length bytes
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestConn {
 public:
  TestConn(int fd, const std::atomic<bool>* stopping) : fd_(fd), stopping_(stopping) {}
  // False once the peer is gone.
  bool Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool stopping() const { return stopping_->load(); }
  // Sleeps in small steps; false if the server stops meanwhile.
  bool Sleep(int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      if (stopping()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void CloseAfter() { close_ = true; }
  bool close_requested() const { return close_; }

 private:
  int fd_;
  const std::atomic<bool>* stopping_;
  bool close_ = false;
};

// "HTTP/1.1 <code> <reason>" with Content-Length and the given extra headers.
inline std::string Reply(int code, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         std::string_view reason = "") {
  std::string r = fmt::format("HTTP/1.1 {} {}\r\n", code, reason.empty() ? "X" : reason);
  for (const auto& [k, v] : headers) r += fmt::format("{}: {}\r\n", k, v);
  r += fmt::format("Content-Length: {}\r\n\r\n", body.size());
  r += body;
  return r;
}

class TestServer {
 public:
  using Handler = std::function<void(const TestRequest&, TestConn&)>;

  explicit TestServer(Handler h) : handler_(std::move(h)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() { Stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string URL(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", port_, path);
  }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }

  void Stop() {
    if (stopping_.exchange(true)) return;
    if (accept_thread_.joinable()) accept_thread_.join();
    ::close(listen_fd_);
    std::vector<std::thread> conns;
    {
      std::lock_guard<std::mutex> l(mu_);
      conns.swap(conn_threads_);
    }
    for (auto& t : conns) t.join();
  }

 private:
  void AcceptLoop() {
    while (!stopping_.load()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      std::lock_guard<std::mutex> l(mu_);
      conn_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buf;
    char tmp[4096];
    while (!stopping_.load()) {
      size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 20) <= 0) continue;
        ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0) break;
        buf.append(tmp, static_cast<size_t>(n));
        continue;
      }
      TestRequest req = ParseHead(std::string_view(buf).substr(0, end));
      size_t body_len = static_cast<size_t>(std::atoll(req.Header("content-length").c_str()));
      bool complete = true;
      while (buf.size() < end + 4 + body_len) {
        pollfd pfd{fd, POLLIN, 0};
        if (stopping_.load()) break;
        if (::poll(&pfd, 1, 20) <= 0) continue;
        ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0) {
          complete = false;
          break;
        }
        buf.append(tmp, static_cast<size_t>(n));
      }
      if (!complete || buf.size() < end + 4 + body_len) break;
      req.body = buf.substr(end + 4, body_len);
      buf.erase(0, end + 4 + body_len);
      requests_.fetch_add(1);
      TestConn conn(fd, &stopping_);
      handler_(req, conn);
      if (conn.close_requested()) break;
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  static TestRequest ParseHead(std::string_view head) {
    TestRequest r;
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
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> conn_threads_;
};

}  // namespace vigil::httpclient::testing
