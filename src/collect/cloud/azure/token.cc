#include "collect/cloud/azure/token.h"

#include <fmt/format.h>

#include <utility>

#include "base/file.h"
#include "collect/cloud/azure/json_util.h"
#include "collect/cloud/azure/transport.h"

namespace vigil::cloud::azure {

Result<AccessToken> ParseTokenResponse(std::string_view body, int64_t now_ms) {
  std::string error = AzureErrorMessage(body);
  if (!error.empty()) return Status::FailedPrecondition(fmt::format("token refused: {}", error));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  VIGIL_RETURN_IF_ERROR(ParseJsonDocument(parser, body, "token", &doc));
  if (!doc.is_object()) return Status::Corruption("malformed token response: not an object");
  AccessToken tok;
  tok.value = std::string(JsonString(doc, "access_token"));
  if (tok.value.empty()) return Status::Corruption("malformed token response: no access_token");
  if (auto in = JsonNumberField(doc, "expires_in"); in && *in > 0 && *in < 1e9) {
    tok.expires_at_ms = now_ms + static_cast<int64_t>(*in * 1000);
  } else if (auto on = JsonNumberField(doc, "expires_on"); on && *on > 0 && *on < 1e11) {
    tok.expires_at_ms = static_cast<int64_t>(*on * 1000);
  } else {
    // Entra ID always sends expires_in; assume its usual hour otherwise.
    tok.expires_at_ms = now_ms + 3599 * kSecond;
  }
  return tok;
}

namespace {

std::string FirstNonEmpty(const std::string& a, const GetEnvFn& getenv_fn, const char* env) {
  if (!a.empty()) return a;
  const char* v = getenv_fn ? getenv_fn(env) : nullptr;
  return v != nullptr ? std::string(v) : std::string();
}

std::string TrimRight(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

std::string WithoutTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

Result<TokenCredentials> ResolveCredentials(const config::AzureCloudConfig& cfg,
                                            const GetEnvFn& getenv_fn) {
  TokenCredentials c;
  if (cfg.use_managed_identity) {
    c.managed_identity = true;
    c.identity_endpoint = cfg.managed_identity_endpoint.empty()
                              ? "http://169.254.169.254/metadata/identity/oauth2/token"
                              : cfg.managed_identity_endpoint;
    c.identity_client_id = cfg.managed_identity_client_id;
    return c;
  }
  c.authority_host =
      WithoutTrailingSlash(FirstNonEmpty(cfg.authority_host, getenv_fn, "AZURE_AUTHORITY_HOST"));
  if (c.authority_host.empty()) c.authority_host = "https://login.microsoftonline.com";
  c.tenant_id = FirstNonEmpty(cfg.tenant_id, getenv_fn, "AZURE_TENANT_ID");
  c.client_id = FirstNonEmpty(cfg.client_id, getenv_fn, "AZURE_CLIENT_ID");
  c.client_secret_file = cfg.client_secret_file;
  if (c.client_secret_file.empty()) {
    c.client_secret = FirstNonEmpty(cfg.client_secret.value, getenv_fn, "AZURE_CLIENT_SECRET");
  } else {
    c.client_secret = cfg.client_secret.value;  // the loader refuses both; the file wins
  }
  if (c.tenant_id.empty())
    return Status::InvalidArgument("azure: tenant_id not set (config or AZURE_TENANT_ID)");
  if (c.client_id.empty())
    return Status::InvalidArgument("azure: client_id not set (config or AZURE_CLIENT_ID)");
  if (c.client_secret.empty() && c.client_secret_file.empty()) {
    return Status::InvalidArgument(
        "azure: no client secret (client_secret, client_secret_file or AZURE_CLIENT_SECRET) "
        "and use_managed_identity is false");
  }
  return c;
}

namespace {

std::string_view HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  return url.substr(0, url.find_first_of("/:?"));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string ArmScopeFor(std::string_view resource_manager_endpoint) {
  std::string_view host = HostOf(resource_manager_endpoint);
  if (resource_manager_endpoint.rfind("https://", 0) == 0 && host.rfind("management.", 0) == 0 &&
      host != "management.azure.com") {
    return fmt::format("https://{}/.default", host);
  }
  return kArmScope;
}

std::string MetricsScopeFor(std::string_view metrics_endpoint) {
  std::string_view host = HostOf(metrics_endpoint);
  for (std::string_view sovereign : {"metrics.monitor.azure.us", "metrics.monitor.azure.cn"}) {
    if (EndsWith(host, sovereign)) return fmt::format("https://{}/.default", sovereign);
  }
  return kMetricsScope;
}

std::string ScopeToResource(std::string_view scope) {
  constexpr std::string_view kSuffix = ".default";
  if (scope.size() >= kSuffix.size() && scope.substr(scope.size() - kSuffix.size()) == kSuffix)
    scope.remove_suffix(kSuffix.size());
  return std::string(scope);
}

TokenSource::TokenSource(TokenCredentials creds, SendFn send, Clock clock, int64_t timeout_ms)
    : creds_(std::move(creds)),
      send_(std::move(send)),
      clock_(clock ? std::move(clock) : SystemClock()),
      timeout_ms_(timeout_ms) {}

Result<httpclient::Request> TokenSource::BuildRequest(const std::string& scope) const {
  httpclient::Request req;
  req.timeout_ms = timeout_ms_;
  req.max_body_bytes = 1 << 20;
  req.headers.emplace_back("Accept", "application/json");
  if (creds_.managed_identity) {
    req.method = "GET";
    req.url = fmt::format("{}{}api-version=2018-02-01&resource={}", creds_.identity_endpoint,
                          creds_.identity_endpoint.find('?') == std::string::npos ? "?" : "&",
                          PercentEncode(ScopeToResource(scope)));
    if (!creds_.identity_client_id.empty())
      req.url += "&client_id=" + PercentEncode(creds_.identity_client_id);
    req.headers.emplace_back("Metadata", "true");
    return req;
  }
  std::string secret = creds_.client_secret;
  if (!creds_.client_secret_file.empty()) {
    auto contents = fs::ReadFile(creds_.client_secret_file);
    if (!contents.ok()) return contents.status().WithContext("azure: reading client_secret_file");
    secret = TrimRight(std::move(contents).value());
    if (secret.empty())
      return Status::InvalidArgument(
          fmt::format("azure: client_secret_file {} is empty", creds_.client_secret_file));
  }
  req.method = "POST";
  req.url = fmt::format("{}/{}/oauth2/v2.0/token", creds_.authority_host,
                        PercentEncode(creds_.tenant_id));
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded;charset=utf-8");
  req.body =
      fmt::format("client_id={}&scope={}&client_secret={}&grant_type=client_credentials",
                  PercentEncode(creds_.client_id), PercentEncode(scope), PercentEncode(secret));
  return req;
}

Result<std::string> TokenSource::Get(const std::string& scope) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = clock_();
  auto it = cache_.find(scope);
  if (it != cache_.end() && now < it->second.expires_at_ms - kTokenRefreshMarginMs)
    return it->second.value;
  VIGIL_ASSIGN_OR_RETURN(httpclient::Request req, BuildRequest(scope));
  auto resp = send_(std::move(req));
  if (!resp.ok()) return resp.status();
  auto tok = ParseTokenResponse(resp->body, clock_());
  if (!tok.ok()) return tok.status().WithContext("azure token");
  cache_[scope] = *tok;
  return tok->value;
}

void TokenSource::Invalidate(const std::string& scope) {
  std::lock_guard<std::mutex> l(mu_);
  cache_.erase(scope);
}

}  // namespace vigil::cloud::azure
