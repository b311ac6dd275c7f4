// libcurl implementation of httpclient::Client. See http_client.h.
//
// One easy handle inside one multi handle per Client: the multi handle owns
// the connection cache (keep-alive across Gets) and lets Cancel wake a Get
// blocked in curl_multi_poll from another thread.

#include "collect/httpclient/http_client.h"

#include <curl/curl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string_view>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strconv.h"

#ifndef VIGIL_VERSION_STRING
#define VIGIL_VERSION_STRING "0.0.0"
#endif

namespace vigil::httpclient {
namespace {

// Go's http client gives up when the 10th response in a row is a redirect,
// having followed 9 of them; curl counts followed redirects.
constexpr long kMaxRedirectsFollowed = 9;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r' || s.front() == '\v' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '\v' || s.back() == '\f')) {
    s.remove_suffix(1);
  }
  return s;
}

// A file's contents for a secret, as Prometheus reads them (whitespace trimmed).
Result<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  auto content = fs::ReadFile(path);
  if (!content.ok()) {
    return Status::IOError(
        fmt::format("unable to read {} {}: {}", what, path, content.status().message()));
  }
  return std::string(TrimSpace(*content));
}

// Go's strings.ToLower of the first letter of strerror(), which is how Go's
// syscall errors read ("connection refused").
std::string ErrnoText(long err) {
  std::string s = std::strerror(static_cast<int>(err));
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

struct ParsedURL {
  std::string scheme;
  std::string host;  // IPv6 in brackets
  std::string port;  // always set (default port of the scheme)
};

Result<ParsedURL> ParseURL(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return Status::Internal("curl_url failed");
  ParsedURL out;
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    curl_url_cleanup(u);
    return Status::InvalidArgument(
        fmt::format("parse {}: {}", GoQuote(url), curl_url_strerror(rc)));
  }
  auto get = [&](CURLUPart part, std::string* dst, unsigned flags) {
    char* v = nullptr;
    if (curl_url_get(u, part, &v, flags) == CURLUE_OK && v != nullptr) {
      *dst = v;
      curl_free(v);
    }
  };
  get(CURLUPART_SCHEME, &out.scheme, 0);
  get(CURLUPART_HOST, &out.host, 0);
  get(CURLUPART_PORT, &out.port, CURLU_DEFAULT_PORT);
  curl_url_cleanup(u);
  return out;
}

// `url` with its host replaced (for server_name, see SetTLS).
Result<std::string> ReplaceHost(const std::string& url, const std::string& host) {
  CURLU* u = curl_url();
  if (u == nullptr) return Status::Internal("curl_url failed");
  std::string out;
  char* v = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_HOST, host.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &v, 0) == CURLUE_OK) {
    out = v;
    curl_free(v);
  }
  curl_url_cleanup(u);
  if (out.empty()) return Status::InvalidArgument(fmt::format("invalid server_name {}", host));
  return out;
}

long TLSVersionMin(const std::string& v) {
  if (v == "TLS10") return CURL_SSLVERSION_TLSv1_0;
  if (v == "TLS11") return CURL_SSLVERSION_TLSv1_1;
  if (v == "TLS13") return CURL_SSLVERSION_TLSv1_3;
  return CURL_SSLVERSION_TLSv1_2;  // also Go's default minimum
}

long TLSVersionMax(const std::string& v) {
  if (v == "TLS10") return CURL_SSLVERSION_MAX_TLSv1_0;
  if (v == "TLS11") return CURL_SSLVERSION_MAX_TLSv1_1;
  if (v == "TLS12") return CURL_SSLVERSION_MAX_TLSv1_2;
  if (v == "TLS13") return CURL_SSLVERSION_MAX_TLSv1_3;
  return CURL_SSLVERSION_MAX_DEFAULT;
}

bool KnownTLSVersion(const std::string& v) {
  return v.empty() || v == "TLS10" || v == "TLS11" || v == "TLS12" || v == "TLS13";
}

// "Get", "Post", ... as Go's net/http names a method in its errors.
std::string GoMethod(std::string_view method) {
  std::string m(method);
  for (size_t i = 1; i < m.size(); ++i) m[i] = static_cast<char>(std::tolower(m[i]));
  return m;
}

// Collects response header fields; a new status line (a redirect followed,
// or a 100 Continue) starts the list again.
size_t CollectHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  headers->emplace_back(std::move(name), std::string(value));
  return size * n;
}

struct WriteState {
  std::string* body;
  uint64_t limit;  // 0 = none
  bool limit_hit = false;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<WriteState*>(user);
  size_t len = size * n;
  // Prometheus refuses a body that reaches the limit (n >= limit), so do we.
  if (st->limit != 0 && st->body->size() + len >= st->limit) {
    st->limit_hit = true;
    return 0;  // CURL_WRITEFUNC_ERROR: aborts the transfer
  }
  st->body->append(data, len);
  return len;
}

class CurlSlist {
 public:
  CurlSlist() = default;
  ~CurlSlist() { curl_slist_free_all(list_); }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  void Add(const std::string& line) { list_ = curl_slist_append(list_, line.c_str()); }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return true;
  }
  return false;
}

class CurlClient final : public Client {
 public:
  explicit CurlClient(config::HTTPClientConfig cfg)
      : cfg_(std::move(cfg)), easy_(curl_easy_init()), multi_(curl_multi_init()) {}
  ~CurlClient() override {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }
  bool ok() const { return easy_ != nullptr && multi_ != nullptr; }

  Result<Response> Do(const Request& req) override;
  void Cancel() override {
    cancelled_.store(true);
    curl_multi_wakeup(multi_);
  }

 private:
  // Everything that is set per request lives here so that curl keeps
  // pointers into it only while the transfer runs.
  struct Prepared {
    std::string url;
    CurlSlist headers;
    CurlSlist proxy_headers;
    CurlSlist connect_to;
    std::string username, password;
    std::string ca, cert, key;
  };
  Status Prepare(const Request& req, const ParsedURL& parsed, Prepared* p);
  Status SetTLS(const ParsedURL& parsed, Prepared* p);
  Status ErrorFor(const Request& req, const ParsedURL& parsed, CURLcode rc, const char* errbuf,
                  const WriteState& ws);

  const config::HTTPClientConfig cfg_;
  CURL* easy_;
  CURLM* multi_;
  std::atomic<bool> cancelled_{false};
  // The last body's size: a target answers about the same each time, so
  // the next body is reserved up front instead of grown (copied) as it comes.
  size_t last_body_size_ = 0;
};

Status CurlClient::Prepare(const Request& req, const ParsedURL& parsed, Prepared* p) {
  // Config headers, then authentication, then the caller's.
  for (const auto& [name, values] : cfg_.http_headers) {
    for (const auto& v : values) p->headers.Add(fmt::format("{}: {}", name, v));
  }
  if (cfg_.basic_auth) {
    const auto& ba = *cfg_.basic_auth;
    p->username = ba.username;
    if (!ba.username_file.empty()) {
      VIGIL_ASSIGN_OR_RETURN(p->username,
                             ReadSecretFile(ba.username_file, "basic auth username file"));
    }
    p->password = ba.password.value;
    if (!ba.password_file.empty()) {
      VIGIL_ASSIGN_OR_RETURN(p->password,
                             ReadSecretFile(ba.password_file, "basic auth password file"));
    }
  }
  if (cfg_.authorization) {
    const auto& au = *cfg_.authorization;
    std::string cred = au.credentials.value;
    if (!au.credentials_file.empty()) {
      VIGIL_ASSIGN_OR_RETURN(cred,
                             ReadSecretFile(au.credentials_file, "authorization credentials file"));
    }
    std::string type = au.type.empty() ? "Bearer" : au.type;
    if (!HasHeader(req.headers, "Authorization")) {
      p->headers.Add(fmt::format("Authorization: {} {}", type, TrimSpace(cred)));
    }
  }
  for (const auto& [name, value] : req.headers) {
    // "Name:" would tell curl to remove the header; "Name;" sends it empty.
    if (value.empty()) {
      p->headers.Add(name + ";");
    } else {
      p->headers.Add(fmt::format("{}: {}", name, value));
    }
  }
  // curl would hold a larger body back for "Expect: 100-continue", a round
  // trip no cloud API needs.
  if (req.method != "GET" && !HasHeader(req.headers, "Expect")) p->headers.Add("Expect:");
  if (!req.accept_gzip && !HasHeader(req.headers, "Accept-Encoding")) {
    // curl still decodes a gzip body the server sends anyway, as Prometheus does.
    p->headers.Add("Accept-Encoding: identity");
  }
  for (const auto& [name, values] : cfg_.proxy_connect_header) {
    for (const auto& v : values) p->proxy_headers.Add(fmt::format("{}: {}", name, v));
  }
  p->url = req.url;
  if (parsed.scheme == "https") VIGIL_RETURN_IF_ERROR(SetTLS(parsed, p));
  return Status::OK();
}

Status CurlClient::SetTLS(const ParsedURL& parsed, Prepared* p) {
  const auto& tls = cfg_.tls_config;
  p->ca = tls.ca;
  if (!tls.ca_file.empty()) {
    auto ca = fs::ReadFile(tls.ca_file);
    if (!ca.ok()) {
      return Status::IOError(fmt::format("unable to load specified CA cert {}: {}", tls.ca_file,
                                         ca.status().message()));
    }
    p->ca = std::move(ca).value();
  }
  p->cert = tls.cert;
  p->key = tls.key.value;
  if (!tls.cert_file.empty() || !tls.key_file.empty()) {
    auto fail = [&](const Status& s) {
      return Status::IOError(fmt::format("unable to read specified client cert ({}) & key ({}): {}",
                                         tls.cert_file, tls.key_file, s.message()));
    };
    if (!tls.cert_file.empty()) {
      auto c = fs::ReadFile(tls.cert_file);
      if (!c.ok()) return fail(c.status());
      p->cert = std::move(c).value();
    }
    if (!tls.key_file.empty()) {
      auto k = fs::ReadFile(tls.key_file);
      if (!k.ok()) return fail(k.status());
      p->key = std::move(k).value();
    }
  }
  // curl has no option to send another SNI name than the URL's host, so the
  // URL names server_name (used for SNI and certificate checks, as Go's
  // tls.Config.ServerName) while CONNECT_TO sends the connection to the real
  // host and the Host header keeps naming it.
  std::string host_plain = parsed.host;
  if (host_plain.size() > 2 && host_plain.front() == '[') {
    host_plain = host_plain.substr(1, host_plain.size() - 2);
  }
  if (!tls.server_name.empty() && tls.server_name != host_plain) {
    VIGIL_ASSIGN_OR_RETURN(p->url, ReplaceHost(p->url, tls.server_name));
    std::string sni_host = tls.server_name;
    if (sni_host.find(':') != std::string::npos) sni_host = "[" + sni_host + "]";
    p->connect_to.Add(fmt::format("{}:{}:{}:{}", sni_host, parsed.port, parsed.host, parsed.port));
    bool default_port = parsed.port == "443";
    p->headers.Add(default_port ? fmt::format("Host: {}", parsed.host)
                                : fmt::format("Host: {}:{}", parsed.host, parsed.port));
  }
  return Status::OK();
}

Status CurlClient::ErrorFor(const Request& req, const ParsedURL& parsed, CURLcode rc,
                            const char* errbuf, const WriteState& ws) {
  std::string prefix = fmt::format("{} {}: ", GoMethod(req.method), GoQuote(req.url));
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  long os_errno = 0;
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(prefix + fmt::format("context deadline exceeded (timeout {})",
                                                           FormatPromDuration(req.timeout_ms)));
    case CURLE_WRITE_ERROR:
      if (ws.limit_hit) {
        return Status::ResourceExhausted(
            fmt::format("body size limit exceeded (limit {} bytes)", req.max_body_bytes));
      }
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      return Status::Unavailable(prefix + "stopped after 10 redirects");
    case CURLE_COULDNT_CONNECT:
      if (os_errno != 0) {
        return Status::Unavailable(prefix + fmt::format("dial tcp {}:{}: connect: {}", parsed.host,
                                                        parsed.port, ErrnoText(os_errno)));
      }
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      return Status::Unavailable(prefix +
                                 fmt::format("dial tcp: lookup {}: no such host", parsed.host));
    case CURLE_GOT_NOTHING:
      return Status::Unavailable(prefix + "EOF");
    case CURLE_PARTIAL_FILE:
      return Status::Unavailable(prefix + "unexpected EOF");
    case CURLE_PEER_FAILED_VERIFICATION:
      return Status::Unavailable(prefix + "tls: failed to verify certificate: " + detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(
          prefix + fmt::format("unsupported protocol scheme {}", GoQuote(parsed.scheme)));
    default:
      break;
  }
  return Status::Unavailable(prefix + detail);
}

Result<Response> CurlClient::Do(const Request& req) {
  std::string prefix = fmt::format("{} {}: ", GoMethod(req.method), GoQuote(req.url));
  if (cancelled_.load()) return Status::Cancelled(prefix + "context canceled");
  auto parsed = ParseURL(req.url);
  if (!parsed.ok()) return Status::InvalidArgument(prefix + parsed.status().message());
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return Status::InvalidArgument(
        prefix + fmt::format("unsupported protocol scheme {}", GoQuote(parsed->scheme)));
  }
  Prepared p;
  Status st = Prepare(req, *parsed, &p);
  if (!st.ok()) return st.WithContext(fmt::format("{} {}", GoMethod(req.method), GoQuote(req.url)));

  Response resp;
  if (last_body_size_ > 0) {
    size_t want = last_body_size_ + last_body_size_ / 8;
    if (req.max_body_bytes != 0) want = std::min<size_t>(want, req.max_body_bytes);
    resp.body.reserve(want);
  }
  WriteState ws{&resp.body, req.max_body_bytes};
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = '\0';

  CURL* h = easy_;
  curl_easy_reset(h);  // keeps the connection and DNS caches
  curl_easy_setopt(h, CURLOPT_URL, p.url.c_str());
  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    if (req.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, cfg_.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirectsFollowed);
  if (req.timeout_ms > 0)
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ws);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "Vigil/" VIGIL_VERSION_STRING);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                   cfg_.enable_http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  if (p.headers.get() != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, p.headers.get());
  if (cfg_.basic_auth) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, p.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, p.password.c_str());
  }
  // Proxy: an empty CURLOPT_PROXY stops curl from reading http_proxy & co,
  // which only proxy_from_environment allows.
  if (!cfg_.proxy_url.empty()) {
    curl_easy_setopt(h, CURLOPT_PROXY, cfg_.proxy_url.c_str());
    if (!cfg_.no_proxy.empty()) curl_easy_setopt(h, CURLOPT_NOPROXY, cfg_.no_proxy.c_str());
    if (p.proxy_headers.get() != nullptr) {
      curl_easy_setopt(h, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
      curl_easy_setopt(h, CURLOPT_PROXYHEADER, p.proxy_headers.get());
    }
  } else if (!cfg_.proxy_from_environment) {
    curl_easy_setopt(h, CURLOPT_PROXY, "");
  }
  // TLS.
  const auto& tls = cfg_.tls_config;
  curl_easy_setopt(h, CURLOPT_SSLVERSION,
                   TLSVersionMin(tls.min_version) | TLSVersionMax(tls.max_version));
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_blob ca_blob{p.ca.data(), p.ca.size(), CURL_BLOB_NOCOPY};
  curl_blob cert_blob{p.cert.data(), p.cert.size(), CURL_BLOB_NOCOPY};
  curl_blob key_blob{p.key.data(), p.key.size(), CURL_BLOB_NOCOPY};
  if (!p.ca.empty()) curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca_blob);
  if (!p.cert.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!p.key.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key_blob);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (p.connect_to.get() != nullptr) curl_easy_setopt(h, CURLOPT_CONNECT_TO, p.connect_to.get());

  // Run the transfer on the multi handle so that Cancel can interrupt the poll.
  curl_multi_add_handle(multi_, h);
  bool cancelled = false;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi_, &running) != CURLM_OK || running == 0) break;
    if (cancelled_.load()) {
      cancelled = true;
      break;
    }
    if (curl_multi_poll(multi_, nullptr, 0, 1000, nullptr) != CURLM_OK) break;
  }
  CURLcode rc = CURLE_OK;
  bool done = false;
  int queued = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &queued)) {
    if (m->msg == CURLMSG_DONE && m->easy_handle == h) {
      rc = m->data.result;
      done = true;
    }
  }
  if (!done && !cancelled && cancelled_.load()) cancelled = true;
  Status err;
  if (cancelled) {
    err = Status::Cancelled(prefix + "context canceled");
  } else if (!done) {
    err = Status::Internal(prefix + "curl transfer did not complete");
  } else if (rc != CURLE_OK) {
    err = ErrorFor(req, *parsed, rc, errbuf, ws);
  } else {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    resp.status_code = static_cast<int>(code);
    char* ct = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != nullptr) {
      resp.content_type = ct;
    }
    curl_off_t wire = 0;
    if (curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &wire) == CURLE_OK && wire > 0) {
      resp.wire_bytes = static_cast<uint64_t>(wire);
    }
  }
  curl_multi_remove_handle(multi_, h);
  // Drop pointers into `p`, `ws` and errbuf, which die with this frame.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_PROXYHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, nullptr);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, nullptr);
  if (!err.ok()) return err;
  last_body_size_ = resp.body.size();
  return resp;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::New(const config::HTTPClientConfig& cfg) {
  GlobalInitOnce();
  const auto& tls = cfg.tls_config;
  if (!KnownTLSVersion(tls.min_version)) {
    return Status::InvalidArgument(fmt::format("unknown TLS version: {}", tls.min_version));
  }
  if (!KnownTLSVersion(tls.max_version)) {
    return Status::InvalidArgument(fmt::format("unknown TLS version: {}", tls.max_version));
  }
  // Like Prometheus, a CA file that cannot be read fails the client at once
  // (it is re-read on every request afterwards).
  if (!tls.ca_file.empty()) {
    auto ca = fs::ReadFile(tls.ca_file);
    if (!ca.ok()) {
      return Status::InvalidArgument(fmt::format("unable to load specified CA cert {}: {}",
                                                 tls.ca_file, ca.status().message()));
    }
  }
  if (!cfg.proxy_url.empty()) {
    auto p = ParseURL(cfg.proxy_url);
    if (!p.ok())
      return Status::InvalidArgument(fmt::format("invalid proxy_url: {}", cfg.proxy_url));
  }
  auto c = std::make_unique<CurlClient>(cfg);
  if (!c->ok()) return Status::Internal("curl_easy_init failed");
  return std::unique_ptr<Client>(std::move(c));
}

// Go's net/http status texts.
constexpr std::pair<int, std::string_view> kStatusTexts[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};

std::string Response::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

std::string StatusText(int code) {
  for (const auto& [c, text] : kStatusTexts) {
    if (c == code) return fmt::format("{} {}", code, text);
  }
  // Go prints "599 " for a code it has no text for; the trailing space helps no one.
  return std::to_string(code);
}

}  // namespace vigil::httpclient
