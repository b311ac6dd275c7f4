#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <snappy.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/file.h"

namespace vigil::itest {

namespace wire = vigil::remote::wire;

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// In a forked child: stdout and stderr to out_fd (if it is open), signals
// unblocked (the test runner may block them; the child must see SIGTERM
// normally), then argv. Never returns.
[[noreturn]] void ExecInChild(int out_fd, const std::vector<std::string>& argv) {
  if (out_fd >= 0) {
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    close(out_fd);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

}  // namespace

// --- Process ---

std::unique_ptr<Process> Process::Spawn(const std::vector<std::string>& argv,
                                        const std::string& log_path) {
  auto p = std::unique_ptr<Process>(new Process());
  p->log_path_ = log_path;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ExecInChild(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644), argv);
  }
  p->pid_ = pid;
  return p;
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) Kill9();
}

bool Process::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Process::Kill9() {
  if (reaped_) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  reaped_ = true;
}

int Process::Terminate(int timeout_ms) {
  if (reaped_) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill9();
  return -1;
}

std::string Process::Log() const { return ReadFileOrEmpty(log_path_); }

// --- Vigil ---

std::unique_ptr<Vigil> Vigil::Start(const std::string& data_dir,
                                    const std::vector<std::string>& extra_args,
                                    const std::string& listen) {
  const char* bin = std::getenv("VIGIL_BINARY");
  if (bin == nullptr) throw std::runtime_error("VIGIL_BINARY is not set");
  std::vector<std::string> argv = {bin, "serve", "--listen", listen, "--data-dir", data_dir};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto v = std::unique_ptr<Vigil>(new Vigil());
  std::string log = data_dir + ".log";
  // Earlier runs may have logged to the same file: only what comes after counts.
  size_t log_start = ReadFileOrEmpty(log).size();
  v->proc_ = Process::Spawn(argv, log);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = v->proc_->Log();
    std::string tail = text.size() > log_start ? text.substr(log_start) : "";
    constexpr std::string_view kReady = "ready on 127.0.0.1:";
    if (size_t at = tail.find(kReady); at != std::string::npos) {
      v->port_ = std::atoi(tail.c_str() + at + kReady.size());
      if (v->port_ > 0) return v;
    }
    if (!v->proc_->Running()) throw std::runtime_error("vigil exited during start:\n" + tail);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("vigil did not become ready:\n" + v->proc_->Log());
}

std::string Vigil::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

// --- HTTP ---

namespace {

size_t WriteBody(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

size_t WriteHeader(char* p, size_t size, size_t n, void* out) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

HttpResult Perform(CURL* c) {
  HttpResult r;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) r.error = curl_easy_strerror(rc);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

}  // namespace

HttpResult HttpGet(const std::string& url) {
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  HttpResult r = Perform(c);
  curl_easy_cleanup(c);
  return r;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    for (const std::string* part : {&k, &v}) {
      char* e = curl_easy_escape(nullptr, part->data(), static_cast<int>(part->size()));
      out += e;
      curl_free(e);
      if (part == &k) out.push_back('=');
    }
  }
  return out;
}

HttpResult HttpPost(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers) {
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_slist* h = nullptr;
  for (const auto& s : headers) h = curl_slist_append(h, s.c_str());
  h = curl_slist_append(h, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  HttpResult r = Perform(c);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

HttpResult HttpPostClaimingLength(const std::string& url, uint64_t content_length) {
  // Raw socket: send headers announcing a huge body, never send it, read the answer.
  HttpResult r;
  // url is "http://<ipv4>:<port><path>".
  constexpr std::string_view kScheme = "http://";
  size_t colon = url.find(':', kScheme.size());
  size_t slash = url.find('/', kScheme.size());
  if (!url.starts_with(kScheme) || colon == std::string::npos || slash == std::string::npos ||
      slash < colon) {
    r.error = "bad url";
    return r;
  }
  std::string host = url.substr(kScheme.size(), colon - kScheme.size());
  int port = std::atoi(url.c_str() + colon + 1);
  std::string path = url.substr(slash);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    r.error = "connect failed";
    return r;
  }
  std::string req =
      "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Encoding: snappy\r\n" +
      "Content-Type: application/x-protobuf\r\nContent-Length: " + std::to_string(content_length) +
      "\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string resp;
  char buf[4096];
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
    if (resp.find("\r\n\r\n") != std::string::npos) break;
  }
  close(fd);
  // "HTTP/1.1 413 ..."
  if (resp.starts_with("HTTP/1.") && resp.size() > 12) r.status = std::atol(resp.c_str() + 9);
  r.body = resp;
  return r;
}

bool WaitForHttp200(const std::string& url, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpGet(url).status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

int RunCommand(const std::vector<std::string>& argv, std::string* output, int timeout_ms) {
  output->clear();
  char path[] = "/tmp/vigil-itest-cmd-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    unlink(path);
    return -1;
  }
  if (pid == 0) ExecInChild(fd, argv);
  close(fd);
  int status = 0;
  bool exited = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  *output = ReadFileOrEmpty(path);
  unlink(path);
  if (!exited || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string FindExecutable(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// --- remote_write / remote_read ---

std::string SnappyCompress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

std::string EncodeWriteRequest(const std::vector<TestSeries>& series) {
  wire::WriteRequest req;
  for (const auto& s : series) {
    auto* ts = req.add_timeseries();
    for (const auto& [n, v] : s.labels) {
      auto* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    for (const auto& smp : s.samples) {
      auto* p = ts->add_samples();
      p->set_value(smp.v);
      p->set_timestamp(smp.t);
    }
  }
  return req.SerializeAsString();
}

HttpResult RemoteWriteRaw(const std::string& url, const std::string& body,
                          const std::vector<std::string>& headers) {
  return HttpPost(url, body, headers);
}

HttpResult RemoteWriteTo(const std::string& url, const std::vector<TestSeries>& series) {
  return HttpPost(url, SnappyCompress(EncodeWriteRequest(series)),
                  {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                   "X-Prometheus-Remote-Write-Version: 0.1.0"});
}

HttpResult RemoteWrite(const Vigil& v, const std::vector<TestSeries>& series) {
  return HttpPost(v.Url("/api/v1/write"), SnappyCompress(EncodeWriteRequest(series)),
                  {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                   "X-Prometheus-Remote-Write-Version: 0.1.0"});
}

std::vector<TestSeries> RemoteRead(const std::string& url, const std::string& name_regex,
                                   int64_t start, int64_t end) {
  wire::ReadRequest req;
  auto* q = req.add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  auto* m = q->add_matchers();
  m->set_type(wire::LabelMatcher::RE);
  m->set_name("__name__");
  m->set_value(name_regex);
  HttpResult r = HttpPost(url, SnappyCompress(req.SerializeAsString()),
                          {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                           "X-Prometheus-Remote-Read-Version: 0.1.0"});
  if (r.status != 200) {
    throw std::runtime_error("remote_read: HTTP " + std::to_string(r.status) + " " + r.body +
                             r.error);
  }
  std::string raw;
  if (!snappy::Uncompress(r.body.data(), r.body.size(), &raw)) {
    throw std::runtime_error("remote_read: response is not snappy");
  }
  wire::ReadResponse resp;
  if (!resp.ParseFromString(raw)) throw std::runtime_error("remote_read: bad protobuf");
  std::vector<TestSeries> out;
  for (const auto& qr : resp.results()) {
    for (const auto& ts : qr.timeseries()) {
      TestSeries s;
      for (const auto& l : ts.labels()) s.labels.emplace_back(l.name(), l.value());
      for (const auto& smp : ts.samples()) s.samples.push_back({smp.timestamp(), smp.value()});
      out.push_back(std::move(s));
    }
  }
  return out;
}

// ---- Logs ----------------------------------------------------------------

std::vector<StreamLines> QueryLogs(const Vigil& v, const std::string& logql, int limit,
                                   std::string* error) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string url = v.Url("/loki/api/v1/query_range?" +
                          FormEncode({{"query", logql},
                                      {"start", std::to_string(now - 3600'000'000'000LL)},
                                      {"end", std::to_string(now + 60'000'000'000LL)},
                                      {"limit", std::to_string(limit)},
                                      {"direction", "forward"}}));
  HttpResult r = HttpGet(url);
  std::vector<StreamLines> out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (r.status != 200 || parser.parse(r.body).get(doc) != simdjson::SUCCESS) {
    if (error != nullptr) *error = url + " -> " + std::to_string(r.status) + " " + r.body + r.error;
    return out;
  }
  simdjson::dom::array result;
  if (doc["data"]["result"].get_array().get(result) != simdjson::SUCCESS) return out;
  for (auto s : result) {
    StreamLines sl;
    simdjson::dom::object stream;
    if (s["stream"].get_object().get(stream) == simdjson::SUCCESS) {
      for (auto kv : stream) {
        std::string_view val;
        if (kv.value.get_string().get(val) == simdjson::SUCCESS) {
          sl.labels[std::string(kv.key)] = std::string(val);
        }
      }
    }
    simdjson::dom::array values;
    if (s["values"].get_array().get(values) == simdjson::SUCCESS) {
      for (auto pair : values) {
        std::string_view line;
        if (pair.at(1).get_string().get(line) == simdjson::SUCCESS) sl.lines.emplace_back(line);
      }
    }
    out.push_back(std::move(sl));
  }
  return out;
}

size_t CountLines(const std::vector<StreamLines>& streams) {
  size_t n = 0;
  for (const auto& s : streams) n += s.lines.size();
  return n;
}

std::vector<StreamLines> WaitForLines(const Vigil& v, const std::string& logql, size_t want,
                                      int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<StreamLines> got;
  do {
    got = QueryLogs(v, logql);
    if (CountLines(got) >= want) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return got;
}

void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

bool IsPng(std::string_view s) {
  return s.size() > 24 && s.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) &&
         s.substr(12, 4) == "IHDR";
}

double InstantValue(const Vigil& v, const std::string& q) {
  HttpResult r = HttpGet(v.Url("/api/v1/query?" + FormEncode({{"query", q}})));
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  simdjson::dom::array result;
  if (r.status != 200 || p.parse(r.body).get(doc) || doc["data"]["result"].get(result) ||
      result.size() != 1) {
    return std::nan("");
  }
  std::string_view value;
  if ((*result.begin())["value"].at(1).get(value)) return std::nan("");
  return std::stod(std::string(value));
}

std::unique_ptr<Vigil> StartScrapingItself(const std::string& dir, int scrapes) {
  // The port is known only once it listens: start, then point the config at
  // it and reload.
  const std::string cfg = dir + "/vigil.yml";
  WriteTextFile(cfg, "global:\n  scrape_interval: 1s\n");
  std::unique_ptr<Vigil> v = Vigil::Start(dir + "/data", {"--config", cfg});
  WriteTextFile(cfg,
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                "  - job_name: vigil\n    static_configs:\n      - targets: ['127.0.0.1:" +
                    std::to_string(v->port()) + "']\n");
  HttpPost(v->Url("/-/reload"), "", {});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         !(InstantValue(*v, "count_over_time(up{job=\"vigil\"}[1m])") >= scrapes)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return v;
}

}  // namespace vigil::itest
