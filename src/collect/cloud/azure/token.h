// Azure access tokens for the collector: Microsoft Entra ID client
// credentials (POST {authority}/{tenant}/oauth2/v2.0/token with client_id,
// scope, client_secret, grant_type=client_credentials) or a managed identity
// (GET {identity endpoint}?api-version=2018-02-01&resource=... with header
// "Metadata: true"). Tokens are cached per scope and fetched again 5 minutes
// before they expire; there is no refresh token in these flows.
//
// The secret comes from the config (client_secret), else client_secret_file
// (re-read at every fetch, so a rotated secret takes effect), else
// $AZURE_CLIENT_SECRET; tenant and client id default to $AZURE_TENANT_ID and
// $AZURE_CLIENT_ID, as the Azure SDKs' EnvironmentCredential.
//
// Thread-safety: TokenSource is internally synchronized; the parsers are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "collect/httpclient/http_client.h"
#include "config/cloud_config.h"

namespace vigil::cloud::azure {

inline constexpr const char* kArmScope = "https://management.azure.com/.default";
inline constexpr const char* kMetricsScope = "https://metrics.monitor.azure.com/.default";
// The token scopes for the configured endpoints: the public cloud's scopes
// above, or those of a sovereign cloud when the endpoint is one of its
// hosts (https://management.usgovcloudapi.net -> its own "/.default";
// *.metrics.monitor.azure.us / .azure.cn). Local endpoints (the simulator,
// tests) get the public scopes.
std::string ArmScopeFor(std::string_view resource_manager_endpoint);
std::string MetricsScopeFor(std::string_view metrics_endpoint);

// Tokens are replaced this long before they expire.
inline constexpr int64_t kTokenRefreshMarginMs = 5 * 60 * 1000;

struct AccessToken {
  std::string value;
  int64_t expires_at_ms = 0;
};

// A token response of Entra ID ({"token_type":"Bearer","expires_in":3599,
// "access_token":"..."}) or of a managed identity endpoint (expires_in as a
// string, plus expires_on). An error body ({"error":"invalid_client",
// "error_description":"AADSTS7000215: ..."}) becomes an error with that text.
Result<AccessToken> ParseTokenResponse(std::string_view body, int64_t now_ms);

// Where tokens come from, resolved from the config and the environment.
struct TokenCredentials {
  bool managed_identity = false;
  std::string authority_host;  // no trailing slash
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;       // inline (config or environment)
  std::string client_secret_file;  // read at every fetch when set
  std::string identity_endpoint;   // managed identity
  std::string identity_client_id;  // user-assigned identity, optional
};

using GetEnvFn = std::function<const char*(const char*)>;
// Errors when client credentials are incomplete ("azure: tenant_id not set
// (config or AZURE_TENANT_ID)").
Result<TokenCredentials> ResolveCredentials(const config::AzureCloudConfig& cfg,
                                            const GetEnvFn& getenv_fn);

// The managed identity `resource` for a scope: the scope without ".default"
// ("https://management.azure.com/").
std::string ScopeToResource(std::string_view scope);

class TokenSource {
 public:
  // send performs one token request (with retries, accounted as API
  // "token"); it returns 2xx responses only, errors otherwise.
  using SendFn = std::function<Result<httpclient::Response>(httpclient::Request)>;
  TokenSource(TokenCredentials creds, SendFn send, Clock clock, int64_t timeout_ms);

  // A valid token for scope, from the cache or fetched now.
  Result<std::string> Get(const std::string& scope);
  // Forgets the cached token of scope (the server said 401).
  void Invalidate(const std::string& scope);
  // The request a fetch for scope sends (for tests and the fuzzers' seeds).
  Result<httpclient::Request> BuildRequest(const std::string& scope) const;

 private:
  TokenCredentials creds_;
  SendFn send_;
  Clock clock_;
  int64_t timeout_ms_;
  std::mutex mu_;
  std::map<std::string, AccessToken> cache_;
};

}  // namespace vigil::cloud::azure
