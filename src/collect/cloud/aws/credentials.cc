#include "collect/cloud/aws/credentials.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/logging.h"
#include "base/time.h"
#include "collect/httpclient/http_client.h"

extern char** environ;  // NOLINT: POSIX

namespace vigil::aws {
namespace {

constexpr char kDefaultImdsEndpoint[] = "http://169.254.169.254";
constexpr char kDefaultSessionName[] = "vigil";
constexpr int kMaxProfileChain = 5;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string StripTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("open {}: no such file or not readable", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// scheme://authority/path -> authority and path ("/" when none).
struct UrlParts {
  std::string scheme, authority, host, path;
};
Result<UrlParts> SplitUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return Status::InvalidArgument(fmt::format("bad URL {:?}", url));
  UrlParts u;
  u.scheme = ToLower(url.substr(0, sep));
  size_t start = sep + 3;
  size_t slash = url.find_first_of("/?", start);
  u.authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  u.path = slash == std::string::npos ? "/" : url.substr(slash);
  if (u.path.empty() || u.path[0] != '/') u.path = "/" + u.path;
  if (!u.authority.empty() && u.authority[0] == '[') {
    u.host = u.authority.substr(0, u.authority.find(']') + 1);
  } else {
    u.host = u.authority.substr(0, u.authority.find(':'));
  }
  if (u.authority.empty()) return Status::InvalidArgument(fmt::format("bad URL {:?}", url));
  return u;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() > 1 && ent[0] == '#') {
      unsigned long cp = ent[1] == 'x'
                             ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                             : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xE0 | ((cp >> 12) & 0x0F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      out.push_back(s[i]);
      continue;
    }
    i = semi;
  }
  return out;
}

// The text of the first <tag>...</tag> inside `xml`, unescaped; nullopt if absent.
std::optional<std::string> XmlText(std::string_view xml, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  size_t a = xml.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  size_t b = xml.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  return XmlUnescape(Trim(xml.substr(a, b - a)));
}

std::string FormEncode(std::string_view s) { return UriEncode(s, true); }

Result<std::unique_ptr<httpclient::Client>> NewHttpClient(const ChainEnv& env) {
  config::HTTPClientConfig cfg;
  cfg.tls_config.ca_file = env.ca_file;
  cfg.follow_redirects = false;
  return httpclient::Client::New(cfg);
}

// A short description of an HTTP error answer, for Status messages.
std::string ErrorBodySnippet(std::string_view body) {
  body = Trim(body);
  if (body.size() > 200) body = body.substr(0, 200);
  return std::string(body);
}

// ---- Providers ---------------------------------------------------------------

class StaticProvider : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : creds_(std::move(c)) {}
  Result<Credentials> Get(int64_t) override { return creds_; }
  std::string Name() const override { return creds_.source; }

 private:
  const Credentials creds_;
};

// Caches the last credentials and fetches new ones kCredentialsRefreshWindowMs
// before they expire. While cached keys are still valid, a fetch is tried at
// most every kMinFetchIntervalMs (a server handing out keys already inside
// the window, or one that is down, is not asked on every Get).
class CachingProvider : public CredentialsProvider {
 public:
  Result<Credentials> Get(int64_t now_ms) final {
    if (now_ms == 0) now_ms = NowMillis();
    std::lock_guard<std::mutex> l(mu_);
    if (cached_ &&
        (cached_->expiration_ms == 0 ||
         now_ms < cached_->expiration_ms - kCredentialsRefreshWindowMs ||
         (now_ms < cached_->expiration_ms && now_ms - last_fetch_ms_ < kMinFetchIntervalMs))) {
      return *cached_;
    }
    last_fetch_ms_ = now_ms;
    Result<Credentials> fresh = Fetch(now_ms);
    if (fresh.ok()) {
      cached_ = *fresh;
      return fresh;
    }
    if (cached_ && now_ms < cached_->expiration_ms) {
      log::Get("aws")->warn(
          "refreshing AWS credentials from {} failed, using the cached ones "
          "until they expire at {}: {}",
          Name(), FormatRFC3339(cached_->expiration_ms), fresh.status().ToString());
      return *cached_;
    }
    return fresh.status();
  }

 protected:
  virtual Result<Credentials> Fetch(int64_t now_ms) = 0;

 private:
  static constexpr int64_t kMinFetchIntervalMs = 10'000;
  std::mutex mu_;
  std::optional<Credentials> cached_;
  int64_t last_fetch_ms_ = 0;
};

// STS query-protocol POST (form body, XML answer); signed when creds given.
Result<Credentials> CallSts(httpclient::Client* client, const std::string& endpoint,
                            const std::string& region, const std::string& body,
                            const Credentials* creds, int64_t timeout_ms, std::string_view action) {
  VIGIL_ASSIGN_OR_RETURN(UrlParts url, SplitUrl(endpoint));
  SignableRequest sreq;
  sreq.method = "POST";
  sreq.path = url.path.substr(0, url.path.find('?'));
  sreq.headers = {{"Host", url.authority},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sreq.body = body;
  if (creds != nullptr) {
    SignOptions opts;
    opts.region = region.empty() ? "us-east-1" : region;
    opts.service = "sts";
    VIGIL_ASSIGN_OR_RETURN(SigningParts parts, Sign(&sreq, *creds, opts));
    (void)parts;
  }
  httpclient::Request req;
  req.method = "POST";
  req.url = endpoint;
  req.headers = sreq.headers;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.max_body_bytes = 1 << 20;
  VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp, client->Do(req));
  if (resp.status_code != 200) {
    Result<Credentials> err = ParseStsCredentials(resp.body);
    std::string why = err.ok() ? ErrorBodySnippet(resp.body) : err.status().message();
    return Status::Unavailable(
        fmt::format("sts {} at {}: HTTP {}: {}", action, endpoint, resp.status_code, why));
  }
  Result<Credentials> c = ParseStsCredentials(resp.body);
  if (!c.ok()) {
    return Status::Unavailable(
        fmt::format("sts {} at {}: {}", action, endpoint, c.status().message()));
  }
  return c;
}

class AssumeRoleProvider : public CachingProvider {
 public:
  AssumeRoleProvider(std::unique_ptr<CredentialsProvider> source,
                     std::unique_ptr<httpclient::Client> client, std::string role_arn,
                     std::string session_name, std::string external_id, std::string endpoint,
                     std::string region, int64_t timeout_ms)
      : source_(std::move(source)),
        client_(std::move(client)),
        role_arn_(std::move(role_arn)),
        session_name_(std::move(session_name)),
        external_id_(std::move(external_id)),
        endpoint_(std::move(endpoint)),
        region_(std::move(region)),
        timeout_ms_(timeout_ms) {}
  std::string Name() const override {
    return fmt::format("assume-role {} (from {})", role_arn_, source_->Name());
  }

 protected:
  Result<Credentials> Fetch(int64_t now_ms) override {
    VIGIL_ASSIGN_OR_RETURN(Credentials src, source_->Get(now_ms));
    std::string body =
        fmt::format("Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}",
                    FormEncode(role_arn_), FormEncode(session_name_));
    if (!external_id_.empty()) body += "&ExternalId=" + FormEncode(external_id_);
    VIGIL_ASSIGN_OR_RETURN(Credentials c, CallSts(client_.get(), endpoint_, region_, body, &src,
                                                  timeout_ms_, "AssumeRole"));
    c.source = "assume-role";
    return c;
  }

 private:
  std::unique_ptr<CredentialsProvider> source_;
  std::unique_ptr<httpclient::Client> client_;
  std::string role_arn_, session_name_, external_id_, endpoint_, region_;
  int64_t timeout_ms_;
};

class WebIdentityProvider : public CachingProvider {
 public:
  WebIdentityProvider(std::unique_ptr<httpclient::Client> client, std::string token_file,
                      std::string role_arn, std::string session_name, std::string endpoint,
                      int64_t timeout_ms)
      : client_(std::move(client)),
        token_file_(std::move(token_file)),
        role_arn_(std::move(role_arn)),
        session_name_(std::move(session_name)),
        endpoint_(std::move(endpoint)),
        timeout_ms_(timeout_ms) {}
  std::string Name() const override { return fmt::format("web-identity {}", role_arn_); }

 protected:
  Result<Credentials> Fetch(int64_t) override {
    // Re-read each time: the kubelet rotates the projected token.
    Result<std::string> token = ReadWholeFile(token_file_);
    if (!token.ok()) {
      return Status::Unavailable(
          fmt::format("web identity token file: {}", token.status().message()));
    }
    std::string body = fmt::format(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}"
        "&WebIdentityToken={}",
        FormEncode(role_arn_), FormEncode(session_name_), FormEncode(Trim(*token)));
    VIGIL_ASSIGN_OR_RETURN(Credentials c, CallSts(client_.get(), endpoint_, "", body, nullptr,
                                                  timeout_ms_, "AssumeRoleWithWebIdentity"));
    c.source = "web-identity";
    return c;
  }

 private:
  std::unique_ptr<httpclient::Client> client_;
  std::string token_file_, role_arn_, session_name_, endpoint_;
  int64_t timeout_ms_;
};

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} as the ECS/EKS
// endpoints and IMDS answer.
Result<Credentials> ParseJsonCredentials(std::string_view body, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::Unavailable(
        fmt::format("{}: the answer is not a JSON object: {}", what, ErrorBodySnippet(body)));
  }
  auto str = [&](const char* key) -> std::string {
    std::string_view v;
    if (doc[key].get_string().get(v) != simdjson::SUCCESS) return "";
    return std::string(v);
  };
  std::string code = str("Code");
  if (!code.empty() && code != "Success") {
    return Status::Unavailable(fmt::format("{}: Code {:?}: {}", what, code, str("Message")));
  }
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str("Token");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable(
        fmt::format("{}: no AccessKeyId or SecretAccessKey in the answer", what));
  }
  std::string exp = str("Expiration");
  if (!exp.empty()) {
    Result<int64_t> ms = ParseTimestamp(exp);
    if (!ms.ok()) return Status::Unavailable(fmt::format("{}: bad Expiration {:?}", what, exp));
    c.expiration_ms = *ms;
  }
  return c;
}

class ContainerProvider : public CachingProvider {
 public:
  ContainerProvider(std::unique_ptr<httpclient::Client> client, std::string url, std::string token,
                    std::string token_file, int64_t timeout_ms)
      : client_(std::move(client)),
        url_(std::move(url)),
        token_(std::move(token)),
        token_file_(std::move(token_file)),
        timeout_ms_(timeout_ms) {}
  std::string Name() const override { return fmt::format("container {}", url_); }

 protected:
  Result<Credentials> Fetch(int64_t) override {
    httpclient::Request req;
    req.url = url_;
    req.timeout_ms = timeout_ms_;
    req.max_body_bytes = 1 << 20;
    std::string token = token_;
    if (!token_file_.empty()) {  // EKS Pod Identity rotates it: read each time
      Result<std::string> t = ReadWholeFile(token_file_);
      if (!t.ok()) {
        return Status::Unavailable(
            fmt::format("container authorization token file: {}", t.status().message()));
      }
      token = std::string(Trim(*t));
    }
    if (!token.empty()) req.headers.emplace_back("Authorization", token);
    req.headers.emplace_back("Accept", "application/json");
    VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp, client_->Do(req));
    if (resp.status_code != 200) {
      return Status::Unavailable(fmt::format("container credentials {}: HTTP {}: {}", url_,
                                             resp.status_code, ErrorBodySnippet(resp.body)));
    }
    VIGIL_ASSIGN_OR_RETURN(Credentials c,
                           ParseJsonCredentials(resp.body, "container credentials " + url_));
    c.source = "container";
    return c;
  }

 private:
  std::unique_ptr<httpclient::Client> client_;
  std::string url_, token_, token_file_;
  int64_t timeout_ms_;
};

class ImdsProvider : public CachingProvider {
 public:
  ImdsProvider(std::unique_ptr<httpclient::Client> client, std::string endpoint, int64_t timeout_ms)
      : client_(std::move(client)), endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms) {}
  std::string Name() const override { return fmt::format("imds {}", endpoint_); }

 protected:
  Result<Credentials> Fetch(int64_t) override {
    // IMDSv2: a session token first; an old IMDS without it answers 404/405,
    // then IMDSv1 (no token) is used, as the SDKs do.
    httpclient::Request put;
    put.method = "PUT";
    put.url = endpoint_ + "/latest/api/token";
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    put.timeout_ms = timeout_ms_;
    put.max_body_bytes = 64 << 10;
    VIGIL_ASSIGN_OR_RETURN(httpclient::Response tok, client_->Do(put));
    std::vector<std::pair<std::string, std::string>> headers;
    if (tok.status_code == 200) {
      headers.emplace_back("X-aws-ec2-metadata-token", std::string(Trim(tok.body)));
    } else if (tok.status_code != 404 && tok.status_code != 405) {
      return Status::Unavailable(
          fmt::format("imds {}: token request: HTTP {}", endpoint_, tok.status_code));
    }
    const std::string base = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    VIGIL_ASSIGN_OR_RETURN(httpclient::Response roles, GetPath(base, headers));
    if (roles.status_code == 404) {
      return Status::Unavailable(
          fmt::format("imds {}: no IAM role is attached to this instance", endpoint_));
    }
    if (roles.status_code != 200) {
      return Status::Unavailable(
          fmt::format("imds {}: listing roles: HTTP {}", endpoint_, roles.status_code));
    }
    std::string_view list = Trim(roles.body);
    std::string role(Trim(list.substr(0, list.find('\n'))));
    if (role.empty()) {
      return Status::Unavailable(fmt::format("imds {}: no IAM role in the listing", endpoint_));
    }
    VIGIL_ASSIGN_OR_RETURN(httpclient::Response creds, GetPath(base + role, headers));
    if (creds.status_code != 200) {
      return Status::Unavailable(fmt::format("imds {}: credentials of role {}: HTTP {}", endpoint_,
                                             role, creds.status_code));
    }
    VIGIL_ASSIGN_OR_RETURN(Credentials c, ParseJsonCredentials(creds.body, "imds " + endpoint_));
    c.source = "imds";
    return c;
  }

 private:
  Result<httpclient::Response> GetPath(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers) {
    httpclient::Request req;
    req.url = url;
    req.headers = headers;
    req.timeout_ms = timeout_ms_;
    req.max_body_bytes = 1 << 20;
    return client_->Do(req);
  }

  std::unique_ptr<httpclient::Client> client_;
  std::string endpoint_;
  int64_t timeout_ms_;
};

// One chosen source plus what was looked at before it, for the error text.
class ChainProvider : public CredentialsProvider {
 public:
  ChainProvider(std::unique_ptr<CredentialsProvider> p, std::vector<std::string> notes,
                bool fallback)
      : p_(std::move(p)), notes_(std::move(notes)), fallback_(fallback) {}
  Result<Credentials> Get(int64_t now_ms) override {
    Result<Credentials> c = p_->Get(now_ms);
    if (c.ok()) return c;
    if (!fallback_) {
      return Status::Unavailable(
          fmt::format("AWS credentials from {}: {}", p_->Name(), c.status().message()));
    }
    std::vector<std::string> tried = notes_;
    tried.push_back(fmt::format("{}: {}", p_->Name(), c.status().message()));
    return Status::Unavailable(
        fmt::format("no valid credential sources found: {}", fmt::join(tried, "; ")));
  }
  std::string Name() const override { return p_->Name(); }

 private:
  std::unique_ptr<CredentialsProvider> p_;
  std::vector<std::string> notes_;
  bool fallback_;  // the last resort (IMDS): list every source on failure
};

// ---- Shared files --------------------------------------------------------------

using Section = std::map<std::string, std::string>;
using IniFile = std::map<std::string, Section>;

// The AWS INI dialect: [section], key = value, # and ; comments, indented
// lines belong to a nested block (s3 = ...) and are skipped.
IniFile ParseIni(std::string_view text, bool config_file) {
  IniFile out;
  Section* cur = nullptr;
  bool in_nested = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      in_nested = false;
      size_t close = line.find(']');
      std::string name(
          Trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1)));
      cur = nullptr;
      if (config_file) {
        if (name.rfind("profile ", 0) == 0) {
          name = std::string(Trim(std::string_view(name).substr(8)));
        } else if (name != "default") {
          continue;  // sso-session, services, ...
        }
      }
      cur = &out[name];
      continue;
    }
    if (cur == nullptr) continue;
    if (indented && in_nested) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = ToLower(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    in_nested = value.empty();
    if (!in_nested) (*cur)[key] = std::string(value);
  }
  return out;
}

std::string Lookup(const Section& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? "" : it->second;
}

struct ChainBuilder {
  const config::AWSCredentialsConfig& cfg;
  const std::string& region;
  const ChainEnv& env;
  std::string sts_endpoint;
  IniFile credentials_file, config_file;
  std::string credentials_path, config_path;

  std::string SessionName(const std::string& from_profile = "") const {
    if (!from_profile.empty()) return from_profile;
    if (!cfg.role_session_name.empty()) return cfg.role_session_name;
    return kDefaultSessionName;
  }

  Result<std::unique_ptr<CredentialsProvider>> AssumeRole(
      std::unique_ptr<CredentialsProvider> source, const std::string& role_arn,
      const std::string& session, const std::string& external_id) const {
    VIGIL_ASSIGN_OR_RETURN(auto client, NewHttpClient(env));
    return std::unique_ptr<CredentialsProvider>(std::make_unique<AssumeRoleProvider>(
        std::move(source), std::move(client), role_arn, session, external_id, sts_endpoint, region,
        env.request_timeout_ms));
  }

  Result<std::unique_ptr<CredentialsProvider>> WebIdentity(const std::string& token_file,
                                                           const std::string& role_arn,
                                                           const std::string& session) const {
    VIGIL_ASSIGN_OR_RETURN(auto client, NewHttpClient(env));
    return std::unique_ptr<CredentialsProvider>(std::make_unique<WebIdentityProvider>(
        std::move(client), token_file, role_arn, session, sts_endpoint, env.request_timeout_ms));
  }

  // Environment keys, or nullptr when they are not set.
  std::unique_ptr<CredentialsProvider> EnvironmentKeys() const {
    Credentials c;
    c.access_key_id = env.Get("AWS_ACCESS_KEY_ID");
    c.secret_access_key = env.Get("AWS_SECRET_ACCESS_KEY");
    c.session_token = env.Get("AWS_SESSION_TOKEN");
    c.source = "environment";
    if (c.access_key_id.empty() || c.secret_access_key.empty()) return nullptr;
    return NewStaticProvider(std::move(c));
  }

  // Container credentials, nullptr when the variables are not set.
  Result<std::unique_ptr<CredentialsProvider>> Container() const {
    std::string relative = env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    std::string full = env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    std::string url;
    if (!relative.empty()) {
      url = StripTrailingSlash(env.container_endpoint) +
            (relative.front() == '/' ? relative : "/" + relative);
    } else if (!full.empty()) {
      VIGIL_ASSIGN_OR_RETURN(UrlParts u, SplitUrl(full));
      // As the SDKs: plain http only to the machine itself or the ECS/EKS agents.
      static const char* const kAllowed[] = {"localhost", "[::1]", "169.254.170.2",
                                             "169.254.170.23", "[fd00:ec2::23]"};
      bool allowed =
          u.scheme == "https" || u.host.rfind("127.", 0) == 0 ||
          std::find(std::begin(kAllowed), std::end(kAllowed), u.host) != std::end(kAllowed);
      if (!allowed) {
        return Status::InvalidArgument(fmt::format(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI {:?}: plain http is allowed only to a loopback "
            "address or the ECS/EKS credential agents",
            full));
      }
      url = full;
    } else {
      return std::unique_ptr<CredentialsProvider>();
    }
    VIGIL_ASSIGN_OR_RETURN(auto client, NewHttpClient(env));
    return std::unique_ptr<CredentialsProvider>(std::make_unique<ContainerProvider>(
        std::move(client), url, env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), env.request_timeout_ms));
  }

  std::string ImdsEndpoint() const {
    if (!cfg.imds_endpoint.empty()) return StripTrailingSlash(cfg.imds_endpoint);
    std::string e = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    return StripTrailingSlash(e.empty() ? kDefaultImdsEndpoint : e);
  }

  Result<std::unique_ptr<CredentialsProvider>> Imds() const {
    VIGIL_ASSIGN_OR_RETURN(auto client, NewHttpClient(env));
    return std::unique_ptr<CredentialsProvider>(
        std::make_unique<ImdsProvider>(std::move(client), ImdsEndpoint(), env.imds_timeout_ms));
  }

  bool HasProfile(const std::string& name) const {
    return credentials_file.count(name) != 0 || config_file.count(name) != 0;
  }

  // The config file's section with the credentials file's keys over it.
  Section MergedProfile(const std::string& name) const {
    Section s;
    if (auto it = config_file.find(name); it != config_file.end()) s = it->second;
    if (auto it = credentials_file.find(name); it != credentials_file.end()) {
      for (const auto& [k, v] : it->second) s[k] = v;
    }
    return s;
  }

  Result<std::unique_ptr<CredentialsProvider>> Profile(const std::string& name, int depth) const {
    if (depth > kMaxProfileChain) {
      return Status::InvalidArgument(
          fmt::format("profile {:?}: source_profile chain longer than {}", name, kMaxProfileChain));
    }
    if (!HasProfile(name)) {
      return Status::NotFound(fmt::format("failed to get shared config profile, {}", name));
    }
    Section p = MergedProfile(name);
    Credentials keys;
    keys.access_key_id = Lookup(p, "aws_access_key_id");
    keys.secret_access_key = Lookup(p, "aws_secret_access_key");
    keys.session_token = Lookup(p, "aws_session_token");
    keys.source = fmt::format("profile {}", name);
    bool has_keys = !keys.access_key_id.empty() && !keys.secret_access_key.empty();
    std::string role_arn = Lookup(p, "role_arn");
    if (role_arn.empty() || (depth > 0 && has_keys && Lookup(p, "source_profile").empty())) {
      if (has_keys) return NewStaticProvider(std::move(keys));
      for (const char* unsupported : {"credential_process", "sso_session", "sso_start_url"}) {
        if (!Lookup(p, unsupported).empty()) {
          return Status::InvalidArgument(
              fmt::format("profile {:?}: {} is not supported by Vigil", name, unsupported));
        }
      }
      return Status::InvalidArgument(fmt::format(
          "profile {:?} has no aws_access_key_id/aws_secret_access_key or role_arn", name));
    }
    std::string session = SessionName(Lookup(p, "role_session_name"));
    std::string source_profile = Lookup(p, "source_profile");
    std::string credential_source = Lookup(p, "credential_source");
    std::string token_file = Lookup(p, "web_identity_token_file");
    std::unique_ptr<CredentialsProvider> source;
    if (!source_profile.empty()) {
      if (source_profile == name) {
        if (!has_keys) {
          return Status::InvalidArgument(
              fmt::format("profile {:?} is its own source_profile but has no keys", name));
        }
        source = NewStaticProvider(std::move(keys));
      } else {
        VIGIL_ASSIGN_OR_RETURN(source, Profile(source_profile, depth + 1));
      }
    } else if (!credential_source.empty()) {
      if (credential_source == "Environment") {
        source = EnvironmentKeys();
        if (source == nullptr) {
          return Status::InvalidArgument(
              fmt::format("profile {:?}: credential_source Environment but AWS_ACCESS_KEY_ID/"
                          "AWS_SECRET_ACCESS_KEY are not set",
                          name));
        }
      } else if (credential_source == "Ec2InstanceMetadata") {
        VIGIL_ASSIGN_OR_RETURN(source, Imds());
      } else if (credential_source == "EcsContainer") {
        VIGIL_ASSIGN_OR_RETURN(source, Container());
        if (source == nullptr) {
          return Status::InvalidArgument(fmt::format(
              "profile {:?}: credential_source EcsContainer but no container credentials "
              "variables are set",
              name));
        }
      } else {
        return Status::InvalidArgument(
            fmt::format("profile {:?}: unknown credential_source {:?}", name, credential_source));
      }
    } else if (!token_file.empty()) {
      return WebIdentity(token_file, role_arn, session);
    } else {
      return Status::InvalidArgument(
          fmt::format("profile {:?}: role_arn needs source_profile, credential_source or "
                      "web_identity_token_file",
                      name));
    }
    return AssumeRole(std::move(source), role_arn, session, Lookup(p, "external_id"));
  }

  // Reads one shared file; a missing default file is fine, a missing
  // configured one is not.
  Status LoadFile(const std::string& configured, const char* env_var, const char* home_rel,
                  bool config, IniFile* out, std::string* path) {
    std::string explicit_path = !configured.empty() ? configured : env.Get(env_var);
    *path = !explicit_path.empty() ? explicit_path
            : env.home.empty()     ? std::string()
                                   : env.home + home_rel;
    if (path->empty()) return Status::OK();
    Result<std::string> text = ReadWholeFile(*path);
    if (!text.ok()) {
      if (!configured.empty()) return text.status();
      return Status::OK();
    }
    *out = ParseIni(*text, config);
    return Status::OK();
  }

  Result<std::unique_ptr<CredentialsProvider>> Build() {
    std::vector<std::string> notes;
    auto done = [&](std::unique_ptr<CredentialsProvider> p, bool fallback = false) {
      return std::unique_ptr<CredentialsProvider>(
          std::make_unique<ChainProvider>(std::move(p), std::move(notes), fallback));
    };
    std::unique_ptr<CredentialsProvider> found;

    // 1. Keys in the config.
    if (!cfg.access_key_id.empty() || !cfg.secret_access_key.value.empty()) {
      if (cfg.access_key_id.empty() || cfg.secret_access_key.value.empty()) {
        return Status::InvalidArgument(
            "aws credentials: access_key_id and secret_access_key must be set together");
      }
      Credentials c;
      c.access_key_id = cfg.access_key_id;
      c.secret_access_key = cfg.secret_access_key.value;
      c.session_token = cfg.session_token.value;
      c.source = "config";
      found = NewStaticProvider(std::move(c));
    }
    if (found == nullptr) notes.push_back("config: no access_key_id");

    // 2. Environment keys.
    if (found == nullptr) {
      found = EnvironmentKeys();
      if (found == nullptr)
        notes.push_back("environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
    }

    // 3. Web identity (then role_arn belongs to it, not to a second AssumeRole).
    bool role_used = false;
    if (found == nullptr) {
      if (!cfg.web_identity_token_file.empty()) {
        if (cfg.role_arn.empty()) {
          return Status::InvalidArgument("aws credentials: web_identity_token_file needs role_arn");
        }
        VIGIL_ASSIGN_OR_RETURN(
            found, WebIdentity(cfg.web_identity_token_file, cfg.role_arn, SessionName()));
        role_used = true;
      } else if (!env.Get("AWS_WEB_IDENTITY_TOKEN_FILE").empty() &&
                 !env.Get("AWS_ROLE_ARN").empty()) {
        VIGIL_ASSIGN_OR_RETURN(
            found, WebIdentity(env.Get("AWS_WEB_IDENTITY_TOKEN_FILE"), env.Get("AWS_ROLE_ARN"),
                               SessionName(env.Get("AWS_ROLE_SESSION_NAME"))));
      } else {
        notes.push_back("web identity: AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE not set");
      }
    }

    // 4. Shared credentials and config files.
    if (found == nullptr) {
      VIGIL_RETURN_IF_ERROR(LoadFile(cfg.shared_credentials_file, "AWS_SHARED_CREDENTIALS_FILE",
                                     "/.aws/credentials", false, &credentials_file,
                                     &credentials_path));
      VIGIL_RETURN_IF_ERROR(LoadFile(cfg.shared_config_file, "AWS_CONFIG_FILE", "/.aws/config",
                                     true, &config_file, &config_path));
      std::string profile = cfg.profile;
      if (profile.empty()) profile = env.Get("AWS_PROFILE");
      bool named = !profile.empty();
      if (!named) profile = "default";
      if (HasProfile(profile)) {
        VIGIL_ASSIGN_OR_RETURN(found, Profile(profile, 0));
      } else if (named) {
        return Status::NotFound(fmt::format(
            "aws credentials: failed to get shared config profile, {} (looked in {:?} and {:?})",
            profile, credentials_path, config_path));
      } else {
        notes.push_back(fmt::format("shared files: no profile {:?} in {:?} or {:?}", profile,
                                    credentials_path, config_path));
      }
    }

    // 5. ECS/EKS container endpoint.
    if (found == nullptr) {
      VIGIL_ASSIGN_OR_RETURN(found, Container());
      if (found == nullptr) {
        notes.push_back(
            "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/AWS_CONTAINER_CREDENTIALS_FULL_URI "
            "not set");
      }
    }

    // 6. EC2 instance metadata, the last resort.
    bool fallback = false;
    if (found == nullptr) {
      bool disabled = cfg.imds_disabled || ToLower(env.Get("AWS_EC2_METADATA_DISABLED")) == "true";
      if (disabled) {
        notes.push_back("imds: disabled");
        return Status::NotFound(
            fmt::format("no valid credential sources found: {}", fmt::join(notes, "; ")));
      }
      VIGIL_ASSIGN_OR_RETURN(found, Imds());
      fallback = true;
    }

    std::unique_ptr<CredentialsProvider> chain = done(std::move(found), fallback);
    if (!cfg.role_arn.empty() && !role_used) {
      return AssumeRole(std::move(chain), cfg.role_arn, SessionName(), cfg.external_id);
    }
    return chain;
  }
};

}  // namespace

ChainEnv ChainEnv::FromProcess() {
  ChainEnv env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.vars.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  env.home = env.Get("HOME");
  return env;
}

std::string ChainEnv::Get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? "" : it->second;
}

std::unique_ptr<CredentialsProvider> NewStaticProvider(Credentials creds) {
  return std::make_unique<StaticProvider>(std::move(creds));
}

std::string StsEndpoint(const config::AWSCredentialsConfig& cfg, const std::string& region,
                        const std::string& endpoint_override) {
  if (!cfg.sts_endpoint.empty()) return cfg.sts_endpoint;
  if (!endpoint_override.empty()) return endpoint_override;
  return fmt::format("https://sts.{}.amazonaws.com", region.empty() ? "us-east-1" : region);
}

Result<Credentials> ParseStsCredentials(std::string_view xml) {
  size_t err = xml.find("<Error>");
  if (err != std::string_view::npos) {
    std::string code = XmlText(xml.substr(err), "Code").value_or("UnknownError");
    std::string message = XmlText(xml.substr(err), "Message").value_or("");
    return Status::Unavailable(fmt::format("{}: {}", code, message));
  }
  size_t at = xml.find("<Credentials>");
  if (at == std::string_view::npos) {
    return Status::Unavailable(
        fmt::format("no <Credentials> in the STS answer: {}", ErrorBodySnippet(xml)));
  }
  std::string_view block = xml.substr(at);
  block = block.substr(0, block.find("</Credentials>"));
  Credentials c;
  c.access_key_id = XmlText(block, "AccessKeyId").value_or("");
  c.secret_access_key = XmlText(block, "SecretAccessKey").value_or("");
  c.session_token = XmlText(block, "SessionToken").value_or("");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable("the STS answer has no AccessKeyId or SecretAccessKey");
  }
  std::string exp = XmlText(block, "Expiration").value_or("");
  if (!exp.empty()) {
    Result<int64_t> ms = ParseTimestamp(exp);
    if (!ms.ok()) return Status::Unavailable(fmt::format("bad Expiration {:?} from STS", exp));
    c.expiration_ms = *ms;
  }
  return c;
}

Result<std::unique_ptr<CredentialsProvider>> NewDefaultChain(
    const config::AWSCredentialsConfig& cfg, const std::string& region,
    const std::string& endpoint_override, const ChainEnv& env) {
  ChainBuilder b{cfg, region, env, StsEndpoint(cfg, region, endpoint_override), {}, {}, {}, {}};
  return b.Build();
}

}  // namespace vigil::aws
