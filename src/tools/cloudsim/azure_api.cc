// The simulator's Azure side: Microsoft Entra ID (OpenID configuration,
// client-credentials token, the managed-identity endpoint of IMDS), ARM
// (subscriptions, resource groups, the resources list with $filter and
// nextLink paging, metric definitions, per-resource metrics), the metrics
// data plane (metrics:getBatch) and the activity log. Shapes follow the
// responses the official SDKs accepted (sdk-captures/azure); values come from
// the Fleet.
//
// Access tokens are JWT-shaped (the SDKs treat them as opaque):
// base64url(header).base64url(claims).<SimState token>, so the audience the
// token was issued for travels with it and is checked per API.
#include <simdjson.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "tools/cloudsim/azgcp_internal.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

using namespace internal;

constexpr int64_t kTokenTtlMs = 3600 * 1000;
constexpr size_t kArmPageSize = 5;
constexpr size_t kEventsPageSize = 10;
constexpr size_t kMaxBatchResources = 50;
constexpr int64_t kMaxBuckets = 10000;
constexpr const char* kManagementAudience = "https://management.azure.com";
constexpr const char* kMetricsAudience = "https://metrics.monitor.azure.com";
constexpr const char* kCloud = "azure";

// ---- responses -------------------------------------------------------------

void JsonReply(http::Response& resp, int status, std::string body) {
  resp.Json(status, std::move(body));
  resp.SetHeader("Content-Type", "application/json; charset=utf-8");
}

// ARM and data-plane errors: {"error":{"code":...,"message":...}}.
void ArmError(http::Response& resp, int status, std::string_view code, std::string_view message) {
  JsonReply(resp, status,
            fmt::format(R"({{"error":{{"code":{},"message":{}}}}})", JsonString(code),
                        JsonString(message)));
}

// Entra ID errors: {"error":..., "error_description":..., "error_codes":[...], ...}.
void EntraError(http::Response& resp, int status, std::string_view error, int code,
                std::string_view description, int64_t now_ms) {
  std::string trace =
      fmt::format("{:016x}", StableHash(description, static_cast<uint64_t>(now_ms)));
  std::string full = fmt::format("AADSTS{}: {} Trace ID: {} Correlation ID: {} Timestamp: {}", code,
                                 description, trace, trace, FormatSeconds(now_ms));
  JsonReply(
      resp, status,
      fmt::format(R"({{"error":{},"error_description":{},"error_codes":[{}],)"
                  R"("timestamp":{},"trace_id":{},"correlation_id":{},)"
                  R"("error_uri":"https://login.microsoftonline.com/error?code={}"}})",
                  JsonString(error), JsonString(full), code, JsonString(FormatRFC3339(now_ms)),
                  JsonString(trace), JsonString(trace), code));
  resp.SetHeader("Cache-Control", "no-store, no-cache");
  resp.SetHeader("Pragma", "no-cache");
}

// ---- tokens ----------------------------------------------------------------

// The audience of a scope or resource: "https://management.azure.com/.default"
// and "https://management.azure.com/" are both "https://management.azure.com".
std::string AudienceOf(std::string_view scope) {
  std::string s(scope);
  // Several scopes: the first names the resource.
  if (size_t sp = s.find(' '); sp != std::string::npos) s.resize(sp);
  if (s.size() >= 9 && s.compare(s.size() - 9, 9, "/.default") == 0) s.resize(s.size() - 9);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string IssueAccessToken(SimState& s, const std::string& audience, int64_t now_ms) {
  std::string header = R"({"typ":"JWT","alg":"RS256","kid":"vigil-cloudsim"})";
  int64_t now = now_ms / 1000;
  std::string claims =
      fmt::format(R"({{"aud":{},"iss":"https://sts.windows.net/{}/","iat":{},"nbf":{},"exp":{},)"
                  R"("appid":"{}","tid":"{}","sub":"{}"}})",
                  JsonString(audience), kAzureTenantId, now, now, now + kTokenTtlMs / 1000,
                  kAzureClientId, kAzureTenantId, kAzureClientId);
  std::string t = s.IssueToken(kCloud, now_ms, kTokenTtlMs);
  return Base64UrlEncode(header) + "." + Base64UrlEncode(claims) + "." + t;
}

enum class Api { kArm, kMetricsDataPlane };

// Checks the bearer token; on failure answers 401 and returns false.
bool Authorize(SimState& s, const http::Request& req, http::Response& resp, Api api,
               const std::string& api_name, int64_t now_ms) {
  auto deny = [&](std::string_view code, std::string_view message) {
    s.Count(kCloud, api_name, "denied");
    ArmError(resp, 401, code, message);
    resp.SetHeader(
        "WWW-Authenticate",
        fmt::format(R"(Bearer authorization_uri="https://login.microsoftonline.com/{}", )"
                    R"(error="invalid_token", error_description="{}")",
                    kAzureTenantId, message));
    return false;
  };
  std::string token = BearerToken(req);
  if (token.empty()) {
    return deny("InvalidAuthenticationToken",
                "The access token is missing: the request has no 'Authorization: Bearer' header.");
  }
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string::npos) {
    return deny("InvalidAuthenticationToken", "The access token is invalid.");
  }
  std::string state = s.CheckToken(token.substr(d2 + 1), now_ms);
  if (state == "unknown") {
    return deny("InvalidAuthenticationToken",
                "The access token is invalid: it was not issued by this simulator.");
  }
  if (state == "expired" || s.faults().expire_tokens) {
    return deny("ExpiredAuthenticationToken",
                fmt::format("The access token expiry UTC time is earlier than current UTC time "
                            "'{}'.",
                            FormatSeconds(now_ms)));
  }
  std::string audience;
  if (auto claims = Base64UrlDecode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1))) {
    simdjson::dom::parser parser;
    std::string_view aud;
    if (parser.parse(*claims)["aud"].get(aud) == simdjson::SUCCESS) audience = std::string(aud);
  }
  bool ok = audience == kManagementAudience || audience == "https://management.core.windows.net";
  if (api == Api::kMetricsDataPlane) ok = ok || audience == kMetricsAudience;
  if (!ok) {
    return deny("InvalidAuthenticationToken",
                fmt::format("The access token has been obtained for wrong audience or resource "
                            "'{}'. It should exactly match with one of the allowed audiences "
                            "'{}'{}.",
                            audience, kManagementAudience,
                            api == Api::kMetricsDataPlane ? fmt::format(", '{}'", kMetricsAudience)
                                                          : std::string()));
  }
  return true;
}

// Throttling and server errors of the fault settings; true when one answered.
bool InjectFault(SimState& s, http::Response& resp, const std::string& api_name) {
  Faults f = s.faults();
  if (s.Roll(f.throttle_rate)) {
    s.Count(kCloud, api_name, "throttled");
    ArmError(resp, 429, "TooManyRequests",
             "The request was throttled: too many requests for this subscription. Retry after "
             "the interval in the Retry-After header.");
    resp.SetHeader("Retry-After", "1");
    return true;
  }
  if (s.Roll(f.error_rate)) {
    s.Count(kCloud, api_name, "error");
    ArmError(resp, 503, "ServiceUnavailable",
             "The service is temporarily unavailable. Please retry the request.");
    resp.SetHeader("Retry-After", "1");
    return true;
  }
  return false;
}

// ---- OData $filter -----------------------------------------------------------

struct FilterTerm {
  std::string field;  // lower case
  std::string op;     // "eq", "ge", "le", "gt", "lt", "ne"
  std::string value;
};

// "a eq 'x' and b ge 'y'" (only `and`; quotes doubled inside a value).
std::optional<std::vector<FilterTerm>> ParseFilter(std::string_view f) {
  std::vector<FilterTerm> out;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < f.size() && f[i] == ' ') ++i;
  };
  auto word = [&] {
    skip_spaces();
    size_t start = i;
    while (i < f.size() && f[i] != ' ' && f[i] != '\'') ++i;
    return std::string(f.substr(start, i - start));
  };
  for (;;) {
    skip_spaces();
    if (i >= f.size()) break;
    if (!out.empty()) {
      if (Lower(word()) != "and") return std::nullopt;
    }
    FilterTerm t;
    t.field = Lower(word());
    t.op = Lower(word());
    skip_spaces();
    if (t.field.empty() || t.op.empty() || i >= f.size() || f[i] != '\'') return std::nullopt;
    ++i;
    for (;;) {
      if (i >= f.size()) return std::nullopt;
      if (f[i] == '\'') {
        if (i + 1 < f.size() && f[i + 1] == '\'') {
          t.value += '\'';
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      t.value += f[i++];
    }
    out.push_back(std::move(t));
  }
  return out;
}

// ---- fleet helpers -----------------------------------------------------------

const Resource* FindAzure(const Fleet& fleet, std::string_view id) {
  for (const Resource* r : fleet.ByCloud(kCloud)) {
    if (EqualsIgnoreCase(r->id, id)) return r;
  }
  return nullptr;
}

// The ARM name of a resource: the names after its provider namespace joined
// by '/' ("sql-main/db01" for a database of server sql-main).
std::string ArmName(const Resource& r) {
  size_t p = r.id.rfind("/providers/");
  if (p == std::string::npos) return r.name;
  std::string_view rest = std::string_view(r.id).substr(p + 11);
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string name;
  for (size_t k = 2; k < parts.size(); k += 2) {
    if (!name.empty()) name += '/';
    name += parts[k];
  }
  return name.empty() ? r.name : name;
}

std::string TagsJson(const std::map<std::string, std::string>& tags) {
  std::string out = "{";
  for (const auto& [k, v] : tags) {
    if (out.size() > 1) out += ',';
    out += JsonString(k) + ":" + JsonString(v);
  }
  return out + "}";
}

std::string ResourceJson(const Resource& r) {
  return fmt::format(R"({{"id":{},"name":{},"type":{},"location":{},"tags":{}}})", JsonString(r.id),
                     JsonString(ArmName(r)), JsonString(r.type), JsonString(r.region),
                     TagsJson(r.tags));
}

bool IsCounter(const MetricDef& m) { return m.counter_like; }

std::string PrimaryAggregation(const MetricDef& m) { return IsCounter(m) ? "Total" : "Average"; }

const MetricDef* FindMetric(const Resource& r, std::string_view name) {
  for (const MetricDef* m : r.metrics) {
    if (EqualsIgnoreCase(m->name, name)) return m;
  }
  return nullptr;
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t c = s.find(',');
    std::string_view part = s.substr(0, c);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

// ---- metrics -----------------------------------------------------------------

struct MetricQuery {
  int64_t start_ms = 0, end_ms = 0;
  int64_t interval_ms = 0;
  std::string interval_text;              // as answered ("PT1M", "FULL")
  std::vector<std::string> names;         // as asked
  std::vector<std::string> aggregations;  // lower case; empty: each metric's primary
};

// Reads interval, aggregation and metricnames; the window is set by the
// caller. Answers 400 and returns false on bad input.
bool ParseMetricParams(const http::Request& req, MetricQuery* q, http::Response& resp) {
  std::string interval(req.Param("interval"));
  if (interval.empty()) interval = "PT1M";
  if (EqualsIgnoreCase(interval, "FULL")) {
    q->interval_ms = q->end_ms - q->start_ms;
    q->interval_text = "FULL";
  } else {
    auto ms = ParseIsoDuration(interval);
    if (!ms || *ms < kMinute) {
      ArmError(resp, 400, "BadRequest",
               fmt::format("Invalid interval '{}': use an ISO 8601 duration of at least PT1M "
                           "(PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D) or FULL.",
                           interval));
      return false;
    }
    q->interval_ms = *ms;
    q->interval_text = Lower(interval);
    for (char& c : q->interval_text) c = static_cast<char>(std::toupper(c));
  }
  if (q->end_ms <= q->start_ms) {
    ArmError(resp, 400, "BadRequest", "The start time must be before the end time.");
    return false;
  }
  if (q->interval_ms <= 0 || (q->end_ms - q->start_ms) / q->interval_ms > kMaxBuckets) {
    ArmError(resp, 400, "BadRequest",
             fmt::format("The time range holds more than {} intervals; use a larger interval.",
                         kMaxBuckets));
    return false;
  }
  q->names = SplitComma(req.Param("metricnames"));
  for (const std::string& a : SplitComma(req.Param("aggregation"))) {
    std::string l = Lower(a);
    if (l != "average" && l != "minimum" && l != "maximum" && l != "total" && l != "count" &&
        l != "none") {
      ArmError(resp, 400, "BadRequest",
               fmt::format("Invalid aggregation '{}'. Valid aggregations: Average, Count, "
                           "Minimum, Maximum, Total.",
                           a));
      return false;
    }
    if (l != "none") q->aggregations.push_back(l);
  }
  return true;
}

// The metrics of r asked for (all of them when none are named), or a 400.
bool ResolveMetrics(const Resource& r, const MetricQuery& q, std::vector<const MetricDef*>* out,
                    http::Response& resp) {
  if (q.names.empty()) {
    *out = r.metrics;
    return true;
  }
  for (const std::string& n : q.names) {
    const MetricDef* m = FindMetric(r, n);
    if (m == nullptr) {
      std::string valid;
      for (const MetricDef* d : r.metrics) valid += (valid.empty() ? "" : ", ") + d->name;
      size_t slash = r.type.find('/');
      ArmError(resp, 400, "BadRequest",
               fmt::format("Failed to find metric configuration for provider: {}, resource "
                           "Type: {}, metric: {}, Valid metrics: {}",
                           r.type.substr(0, slash), r.type.substr(slash + 1), n, valid));
      return false;
    }
    out->push_back(m);
  }
  return true;
}

// The "data" array of one resource's metric over the query's window.
std::string DataJson(const Fleet& fleet, const Resource& r, const MetricDef& m,
                     const MetricQuery& q) {
  std::vector<std::string> aggs = q.aggregations;
  if (aggs.empty()) aggs.push_back(Lower(PrimaryAggregation(m)));
  std::string data;
  int64_t first =
      q.interval_text == "FULL" ? q.start_ms : q.start_ms / q.interval_ms * q.interval_ms;
  for (int64_t t = first; t < q.end_ms; t += q.interval_ms) {
    if (!data.empty()) data += ',';
    data += fmt::format(R"({{"timeStamp":{})", JsonString(FormatSeconds(t)));
    Stats st = fleet.Aggregate(r, m, t, q.interval_ms);
    if (st.sample_count > 0) {
      for (const std::string& a : aggs) {
        double v = a == "average"   ? st.average
                   : a == "minimum" ? st.minimum
                   : a == "maximum" ? st.maximum
                   : a == "total"   ? st.sum
                                    : st.sample_count;
        data += fmt::format(R"(,"{}":{})", a, JsonNumber(v));
      }
    }
    data += '}';
  }
  return "[" + data + "]";
}

// One Metric object of a response; `timeseries` is the JSON array.
std::string MetricEnvelope(const std::string& scope, const MetricDef& m,
                           const std::string& timeseries) {
  return fmt::format(
      R"({{"id":{},"type":"Microsoft.Insights/metrics","name":{{"value":{},"localizedValue":{}}},)"
      R"("displayDescription":{},"unit":{},"timeseries":{},"errorCode":"Success"}})",
      JsonString(scope + "/providers/Microsoft.Insights/metrics/" + m.name), JsonString(m.name),
      JsonString(m.name), JsonString(m.description), JsonString(m.unit), timeseries);
}

std::string MetricJson(const Fleet& fleet, const Resource& r, const MetricDef& m,
                       const MetricQuery& q) {
  return MetricEnvelope(
      r.id, m, fmt::format(R"([{{"metadatavalues":[],"data":{}}}])", DataJson(fleet, r, m, q)));
}

// The window of the ARM metrics APIs: timespan "<start>/<end>",
// "<start>/<duration>" or "<duration>" (ending now); the last hour by default.
bool ParseTimespan(const http::Request& req, int64_t now_ms, MetricQuery* q, http::Response& resp) {
  q->end_ms = now_ms;
  q->start_ms = now_ms - kHour;
  std::string timespan(req.Param("timespan"));
  if (timespan.empty()) return true;
  size_t slash = timespan.find('/');
  std::optional<int64_t> a, b;
  if (slash == std::string::npos) {
    if (auto d = ParseIsoDuration(timespan)) a = now_ms - *d, b = now_ms;
  } else {
    std::string first = timespan.substr(0, slash), second = timespan.substr(slash + 1);
    a = ParseTime(first);
    b = ParseTime(second);
    if (a && !b) {
      if (auto d = ParseIsoDuration(second)) b = *a + *d;
    }
  }
  if (!a || !b) {
    ArmError(resp, 400, "BadRequest",
             fmt::format("Invalid timespan '{}': use <start>/<end> or <start>/<duration> "
                         "(ISO 8601).",
                         timespan));
    return false;
  }
  q->start_ms = *a;
  q->end_ms = *b;
  return true;
}

// ---- handlers ----------------------------------------------------------------

void OpenIdConfiguration(SimState& s, const http::Request& req, http::Response& resp,
                         std::string_view tenant) {
  std::string base = BaseUrlFor(s, req, /*prefer_tls=*/true);
  std::string t(tenant);
  JsonReply(
      resp, 200,
      fmt::format(
          R"({{"token_endpoint":"{0}/{1}/oauth2/v2.0/token",)"
          R"("token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt","client_secret_basic"],)"
          R"("jwks_uri":"{0}/{1}/discovery/v2.0/keys",)"
          R"("response_modes_supported":["query","fragment","form_post"],)"
          R"("subject_types_supported":["pairwise"],)"
          R"("id_token_signing_alg_values_supported":["RS256"],)"
          R"("response_types_supported":["code","id_token","code id_token","id_token token"],)"
          R"("scopes_supported":["openid","profile","email","offline_access"],)"
          R"("issuer":"{0}/{1}/v2.0","request_uri_parameter_supported":false,)"
          R"("userinfo_endpoint":"{0}/oidc/userinfo",)"
          R"("authorization_endpoint":"{0}/{1}/oauth2/v2.0/authorize",)"
          R"("device_authorization_endpoint":"{0}/{1}/oauth2/v2.0/devicecode",)"
          R"("http_logout_supported":true,"frontchannel_logout_supported":true,)"
          R"("claims_supported":["sub","iss","aud","exp","iat","tid"],)"
          R"("tenant_region_scope":"NA","cloud_instance_name":"microsoftonline.com",)"
          R"("cloud_graph_host_name":"graph.windows.net","msgraph_host":"graph.microsoft.com"}})",
          base, t));
}

void Token(SimState& s, const http::Request& req, http::Response& resp, std::string_view tenant,
           int64_t now_ms) {
  const std::string api = "token";
  auto fail = [&](int status, std::string_view error, int code, std::string_view description) {
    s.Count(kCloud, api, status == 401 ? "denied" : "error");
    EntraError(resp, status, error, code, description, now_ms);
  };
  if (tenant != kAzureTenantId) {
    return fail(400, "invalid_tenant", 90002,
                fmt::format("Tenant '{}' not found. Check to make sure you have the correct "
                            "tenant ID and are signing into the correct cloud.",
                            tenant));
  }
  std::string_view grant = req.Param("grant_type");
  if (grant != "client_credentials") {
    return fail(400, "unsupported_grant_type", 70003,
                fmt::format("The app requested an unsupported grant type '{}'.", grant));
  }
  std::string_view client = req.Param("client_id");
  if (client != kAzureClientId) {
    return fail(400, "unauthorized_client", 700016,
                fmt::format("Application with identifier '{}' was not found in the directory "
                            "'{}'.",
                            client, tenant));
  }
  if (req.Param("client_secret") != kAzureClientSecret) {
    return fail(401, "invalid_client", 7000215,
                fmt::format("Invalid client secret provided. Ensure the secret being sent in "
                            "the request is the client secret value, not the client secret ID, "
                            "for a secret added to app '{}'.",
                            kAzureClientId));
  }
  std::string_view scope = req.Param("scope");
  std::string audience = AudienceOf(scope);
  if (scope.find("/.default") == std::string_view::npos || audience.empty()) {
    return fail(400, "invalid_scope", 1002012,
                fmt::format("The provided value for scope {} is not valid. Client credential "
                            "flows must have a scope value with /.default suffixed to the "
                            "resource identifier (application ID URI).",
                            scope));
  }
  s.Count(kCloud, api, "ok");
  JsonReply(resp, 200,
            fmt::format(R"({{"token_type":"Bearer","expires_in":{},"ext_expires_in":{},)"
                        R"("access_token":{}}})",
                        kTokenTtlMs / 1000 - 1, kTokenTtlMs / 1000 - 1,
                        JsonString(IssueAccessToken(s, audience, now_ms))));
  resp.SetHeader("Cache-Control", "no-store, no-cache");
  resp.SetHeader("Pragma", "no-cache");
}

// IMDS: GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
void ManagedIdentityToken(SimState& s, const http::Request& req, http::Response& resp,
                          int64_t now_ms) {
  const std::string api = "managedIdentityToken";
  auto fail = [&](std::string_view description) {
    s.Count(kCloud, api, "error");
    JsonReply(resp, 400,
              fmt::format(R"({{"error":"invalid_request","error_description":{}}})",
                          JsonString(description)));
  };
  if (!EqualsIgnoreCase(req.Header("metadata"), "true")) {
    return fail("Required metadata header not specified");
  }
  if (req.Param("api-version").empty())
    return fail("Required query variable 'api-version' is missing");
  std::string resource(req.Param("resource"));
  if (resource.empty()) return fail("Required query variable 'resource' is missing");
  std::string audience = AudienceOf(resource);
  s.Count(kCloud, api, "ok");
  int64_t now = now_ms / 1000;
  int64_t ttl = kTokenTtlMs / 1000;
  JsonReply(resp, 200,
            fmt::format(R"({{"access_token":{},"client_id":"{}","expires_in":"{}",)"
                        R"("expires_on":"{}","ext_expires_in":"{}","not_before":"{}",)"
                        R"("resource":{},"token_type":"Bearer"}})",
                        JsonString(IssueAccessToken(s, audience, now_ms)), kAzureClientId, ttl - 1,
                        now + ttl, ttl - 1, now, JsonString(resource)));
}

bool CheckSubscription(SimState& s, std::string_view sub, http::Response& resp,
                       const std::string& api) {
  if (EqualsIgnoreCase(sub, kAzureSubscriptionId)) return true;
  s.Count(kCloud, api, "error");
  ArmError(resp, 404, "SubscriptionNotFound",
           fmt::format("The subscription '{}' could not be found.", sub));
  return false;
}

bool CheckApiVersion(SimState& s, const http::Request& req, http::Response& resp,
                     const std::string& api) {
  if (!req.Param("api-version").empty()) return true;
  s.Count(kCloud, api, "error");
  ArmError(resp, 400, "MissingApiVersionParameter",
           "The api-version query parameter (?api-version=) is required for all requests.");
  return false;
}

void ArmOk(http::Response& resp, std::string body) {
  JsonReply(resp, 200, std::move(body));
  resp.SetHeader("x-ms-ratelimit-remaining-subscription-reads", "11999");
}

std::string SubscriptionJson() {
  return fmt::format(R"({{"id":"/subscriptions/{0}","subscriptionId":"{0}","tenantId":"{1}",)"
                     R"("displayName":"Vigil cloudsim","state":"Enabled"}})",
                     kAzureSubscriptionId, kAzureTenantId);
}

void ResourceGroups(SimState& s, http::Response& resp, const std::string& api) {
  std::vector<std::pair<std::string, std::string>> groups;  // name, location
  for (const Resource* r : s.fleet().ByCloud(kCloud)) {
    bool seen = false;
    for (const auto& g : groups) seen |= g.first == r->group;
    if (!seen) groups.emplace_back(r->group, r->region);
  }
  std::string out;
  for (const auto& [name, location] : groups) {
    if (!out.empty()) out += ',';
    out += fmt::format(R"({{"id":"/subscriptions/{}/resourceGroups/{}","name":{},)"
                       R"("type":"Microsoft.Resources/resourceGroups","location":{},)"
                       R"("properties":{{"provisioningState":"Succeeded"}}}})",
                       kAzureSubscriptionId, name, JsonString(name), JsonString(location));
  }
  s.Count(kCloud, api, "ok");
  ArmOk(resp, fmt::format(R"({{"value":[{}]}})", out));
}

// GET /subscriptions/{sub}[/resourceGroups/{rg}]/resources
void Resources(SimState& s, const http::Request& req, http::Response& resp, std::string_view group,
               const std::string& api) {
  std::string filter(req.Param("$filter"));
  auto terms = ParseFilter(filter);
  if (!terms) {
    s.Count(kCloud, api, "error");
    return ArmError(resp, 400, "InvalidFilterInQueryString",
                    fmt::format("The $filter '{}' is invalid.", filter));
  }
  std::string tag_name, tag_value;
  for (const FilterTerm& t : *terms) {
    bool known = t.field == "resourcetype" || t.field == "resourcegroup" || t.field == "location" ||
                 t.field == "name" || t.field == "tagname" || t.field == "tagvalue";
    if (!known || t.op != "eq") {
      s.Count(kCloud, api, "error");
      return ArmError(resp, 400, "InvalidFilterInQueryString",
                      fmt::format("The $filter '{}' is invalid: '{} {}' is not supported.", filter,
                                  t.field, t.op));
    }
    if (t.field == "tagname") tag_name = t.value;
    if (t.field == "tagvalue") tag_value = t.value;
  }
  std::vector<const Resource*> matched;
  for (const Resource* r : s.fleet().ByCloud(kCloud)) {
    if (!group.empty() && !EqualsIgnoreCase(r->group, group)) continue;
    bool ok = true;
    for (const FilterTerm& t : *terms) {
      if (t.field == "resourcetype") ok &= EqualsIgnoreCase(r->type, t.value);
      if (t.field == "resourcegroup") ok &= EqualsIgnoreCase(r->group, t.value);
      if (t.field == "location") ok &= EqualsIgnoreCase(r->region, t.value);
      if (t.field == "name") ok &= EqualsIgnoreCase(ArmName(*r), t.value);
    }
    if (!tag_name.empty()) {
      auto it = r->tags.find(tag_name);
      ok &= it != r->tags.end() && (tag_value.empty() || it->second == tag_value);
    }
    if (ok) matched.push_back(r);
  }
  size_t offset = 0;
  if (std::string_view skip = req.Param("$skiptoken"); !skip.empty()) {
    offset = static_cast<size_t>(std::strtoull(std::string(skip).c_str(), nullptr, 10));
  }
  size_t page = kArmPageSize;
  if (std::string_view top = req.Param("$top"); !top.empty()) {
    size_t n = static_cast<size_t>(std::strtoull(std::string(top).c_str(), nullptr, 10));
    if (n > 0 && n < page) page = n;
  }
  std::string out;
  size_t end = std::min(matched.size(), offset + page);
  for (size_t i = offset; i < end; ++i) {
    if (!out.empty()) out += ',';
    out += ResourceJson(*matched[i]);
  }
  std::string body = fmt::format(R"({{"value":[{}])", out);
  if (end < matched.size()) {
    std::string next =
        fmt::format("{}{}?api-version={}&%24skiptoken={}", BaseUrlFor(s, req, /*prefer_tls=*/false),
                    req.path, UrlEncode(req.Param("api-version")), end);
    if (!filter.empty()) next += "&%24filter=" + UrlEncode(filter);
    if (std::string_view top = req.Param("$top"); !top.empty()) next += "&%24top=" + UrlEncode(top);
    body += fmt::format(R"(,"nextLink":{})", JsonString(next));
  }
  s.Count(kCloud, api, "ok");
  ArmOk(resp, body + "}");
}

void MetricDefinitions(SimState& s, const Resource& r, http::Response& resp,
                       const std::string& api) {
  std::string out;
  for (const MetricDef* m : r.metrics) {
    if (!out.empty()) out += ',';
    out += fmt::format(
        R"({{"id":{},"resourceId":{},"namespace":{},"name":{{"value":{},"localizedValue":{}}},)"
        R"("displayDescription":{},"category":"Capacity","isDimensionRequired":false,)"
        R"("unit":{},"primaryAggregationType":"{}",)"
        R"("supportedAggregationTypes":["None","Average","Minimum","Maximum","Total","Count"],)"
        R"("metricAvailabilities":[{{"timeGrain":"PT1M","retention":"P93D"}},)"
        R"({{"timeGrain":"PT5M","retention":"P93D"}},{{"timeGrain":"PT15M","retention":"P93D"}},)"
        R"({{"timeGrain":"PT30M","retention":"P93D"}},{{"timeGrain":"PT1H","retention":"P93D"}},)"
        R"({{"timeGrain":"PT6H","retention":"P93D"}},{{"timeGrain":"PT12H","retention":"P93D"}},)"
        R"({{"timeGrain":"P1D","retention":"P93D"}}]}})",
        JsonString(r.id + "/providers/microsoft.insights/metricdefinitions/" + m->name),
        JsonString(r.id), JsonString(r.type), JsonString(m->name), JsonString(m->name),
        JsonString(m->description), JsonString(m->unit), PrimaryAggregation(*m));
  }
  s.Count(kCloud, api, "ok");
  ArmOk(resp, fmt::format(R"({{"value":[{}]}})", out));
}

// The metricnamespace parameter, when given, must name the resources' type.
bool CheckNamespace(const http::Request& req, const Resource& r, http::Response& resp) {
  std::string_view ns = req.Param("metricnamespace");
  if (ns.empty() || EqualsIgnoreCase(ns, r.type)) return true;
  ArmError(resp, 400, "BadRequest",
           fmt::format("Metric namespace '{}' is not valid for resource type '{}'.", ns, r.type));
  return false;
}

// GET {resourceId}/providers/Microsoft.Insights/metrics (the ARM API).
void ResourceMetrics(SimState& s, const http::Request& req, const Resource& r, http::Response& resp,
                     int64_t now_ms, const std::string& api) {
  MetricQuery q;
  if (!ParseTimespan(req, now_ms, &q, resp)) {
    s.Count(kCloud, api, "error");
    return;
  }
  std::vector<const MetricDef*> metrics;
  if (!CheckNamespace(req, r, resp) || !ParseMetricParams(req, &q, resp) ||
      !ResolveMetrics(r, q, &metrics, resp)) {
    if (resp.status == 400) s.Count(kCloud, api, "error");
    return;
  }
  std::string out;
  for (const MetricDef* m : metrics) {
    if (!out.empty()) out += ',';
    out += MetricJson(s.fleet(), r, *m, q);
  }
  s.Count(kCloud, api, "ok");
  int64_t cost = static_cast<int64_t>(metrics.size()) * ((q.end_ms - q.start_ms) / q.interval_ms);
  ArmOk(resp, fmt::format(R"({{"cost":{},"timespan":"{}/{}","interval":"{}","value":[{}],)"
                          R"("namespace":{},"resourceregion":{}}})",
                          cost, FormatSeconds(q.start_ms), FormatSeconds(q.end_ms), q.interval_text,
                          out, JsonString(r.type), JsonString(r.region)));
}

// GET /subscriptions/{sub}/providers/Microsoft.Insights/metrics?region=...
// (the subscription-scope API, azure-metrics-exporter's /probe/metrics):
// every resource of metricnamespace in region. With a $filter on
// Microsoft.ResourceId the answer is split per resource (metadatavalues
// name the resource; at most `top`, 10 by default); without, one series
// aggregates them all.
void SubscriptionMetrics(SimState& s, const http::Request& req, http::Response& resp,
                         int64_t now_ms, const std::string& api) {
  auto bad = [&](std::string message) {
    s.Count(kCloud, api, "error");
    ArmError(resp, 400, "BadRequest", message);
  };
  std::string region(req.Param("region"));
  std::string ns(req.Param("metricnamespace"));
  if (region.empty()) return bad("The region query parameter is required at subscription scope.");
  if (ns.empty())
    return bad("The metricnamespace query parameter is required at subscription scope.");
  MetricQuery q;
  if (!ParseTimespan(req, now_ms, &q, resp) || !ParseMetricParams(req, &q, resp)) {
    s.Count(kCloud, api, "error");
    return;
  }
  std::vector<const Resource*> resources;
  for (const Resource* r : s.fleet().ByCloud(kCloud)) {
    if (EqualsIgnoreCase(r->type, ns) && EqualsIgnoreCase(r->region, region)) {
      resources.push_back(r);
    }
  }
  // "Microsoft.ResourceId eq '*'" splits; "... eq '<id>'" selects one.
  bool split = false;
  std::string filter(req.Param("$filter"));
  if (!filter.empty()) {
    auto terms = ParseFilter(filter);
    if (!terms) return bad(fmt::format("Invalid $filter '{}'.", filter));
    for (const FilterTerm& t : *terms) {
      if (t.field != "microsoft.resourceid") continue;
      split = true;
      if (t.value == "*") continue;
      std::erase_if(resources,
                    [&](const Resource* r) { return !EqualsIgnoreCase(r->id, t.value); });
    }
  }
  size_t top = 10;
  if (std::string_view t = req.Param("top"); !t.empty()) {
    top = static_cast<size_t>(std::strtoull(std::string(t).c_str(), nullptr, 10));
  }
  if (split && resources.size() > top) resources.resize(top);
  std::string scope = std::string("/subscriptions/") + kAzureSubscriptionId;
  std::vector<const MetricDef*> metrics;
  if (!resources.empty() && !ResolveMetrics(*resources.front(), q, &metrics, resp)) {
    s.Count(kCloud, api, "error");
    return;
  }
  std::string out;
  for (const MetricDef* m : metrics) {
    std::string series;
    if (split) {
      for (const Resource* r : resources) {
        if (!series.empty()) series += ',';
        series +=
            fmt::format(R"({{"metadatavalues":[{{"name":{{"value":"Microsoft.ResourceId",)"
                        R"("localizedValue":"Microsoft.ResourceId"}},"value":{}}}],"data":{}}})",
                        JsonString(r->id), DataJson(s.fleet(), *r, *m, q));
      }
    } else if (!resources.empty()) {
      // One series over all the resources: each interval's statistics
      // combined (mean of the averages, sums of totals and counts).
      std::vector<std::string> aggs = q.aggregations;
      if (aggs.empty()) aggs.push_back(Lower(PrimaryAggregation(*m)));
      std::string data;
      int64_t first =
          q.interval_text == "FULL" ? q.start_ms : q.start_ms / q.interval_ms * q.interval_ms;
      for (int64_t t = first; t < q.end_ms; t += q.interval_ms) {
        Stats all;
        int with_data = 0;
        for (const Resource* r : resources) {
          Stats st = s.fleet().Aggregate(*r, *m, t, q.interval_ms);
          if (st.sample_count == 0) continue;
          all.minimum = with_data == 0 ? st.minimum : std::min(all.minimum, st.minimum);
          all.maximum = with_data == 0 ? st.maximum : std::max(all.maximum, st.maximum);
          all.sum += st.sum;
          all.sample_count += st.sample_count;
          all.average += st.average;
          ++with_data;
        }
        if (!data.empty()) data += ',';
        data += fmt::format(R"({{"timeStamp":{})", JsonString(FormatSeconds(t)));
        if (with_data > 0) {
          all.average /= with_data;
          for (const std::string& a : aggs) {
            double v = a == "average"   ? all.average
                       : a == "minimum" ? all.minimum
                       : a == "maximum" ? all.maximum
                       : a == "total"   ? all.sum
                                        : all.sample_count;
            data += fmt::format(R"(,"{}":{})", a, JsonNumber(v));
          }
        }
        data += '}';
      }
      series = fmt::format(R"({{"metadatavalues":[],"data":[{}]}})", data);
    }
    if (!out.empty()) out += ',';
    out += MetricEnvelope(scope, *m, "[" + series + "]");
  }
  s.Count(kCloud, api, "ok");
  ArmOk(resp, fmt::format(R"({{"cost":0,"timespan":"{}/{}","interval":"{}","value":[{}],)"
                          R"("namespace":{},"resourceregion":{}}})",
                          FormatSeconds(q.start_ms), FormatSeconds(q.end_ms), q.interval_text, out,
                          JsonString(ns), JsonString(region)));
}

// POST /subscriptions/{sub}/metrics:getBatch
void GetBatch(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms,
              const std::string& api) {
  auto bad = [&](std::string_view code, std::string_view message) {
    s.Count(kCloud, api, "error");
    ArmError(resp, 400, code, message);
  };
  simdjson::dom::parser parser;
  simdjson::dom::array ids;
  if (parser.parse(req.body)["resourceids"].get(ids) != simdjson::SUCCESS) {
    return bad("BadRequest",
               "The request body must be a JSON object with a \"resourceids\" array.");
  }
  std::vector<std::string> resource_ids;
  for (simdjson::dom::element e : ids) {
    std::string_view id;
    if (e.get(id) != simdjson::SUCCESS) return bad("BadRequest", "resourceids must be strings.");
    resource_ids.emplace_back(id);
  }
  if (resource_ids.empty()) return bad("BadRequest", "resourceids must not be empty.");
  if (resource_ids.size() > kMaxBatchResources) {
    return bad("BadRequest",
               fmt::format("The number of resource IDs in the request ({}) exceeds the maximum "
                           "of {} per call.",
                           resource_ids.size(), kMaxBatchResources));
  }
  std::string ns(req.Param("metricnamespace"));
  if (ns.empty()) {
    return bad("BadRequest", "The metricnamespace query parameter is required.");
  }
  if (req.Param("metricnames").empty()) {
    return bad("BadRequest", "The metricnames query parameter is required.");
  }
  MetricQuery q;
  q.end_ms = now_ms;
  q.start_ms = now_ms - kHour;
  if (std::string_view st = req.Param("starttime"); !st.empty()) {
    auto t = ParseTime(st);
    if (!t) return bad("BadRequest", fmt::format("Invalid starttime '{}'.", st));
    q.start_ms = *t;
  }
  if (std::string_view et = req.Param("endtime"); !et.empty()) {
    auto t = ParseTime(et);
    if (!t) return bad("BadRequest", fmt::format("Invalid endtime '{}'.", et));
    q.end_ms = *t;
  }
  if (!ParseMetricParams(req, &q, resp)) {
    s.Count(kCloud, api, "error");
    return;
  }
  std::vector<const Resource*> resources;
  for (const std::string& id : resource_ids) resources.push_back(FindAzure(s.fleet(), id));
  const Resource* first = nullptr;
  for (const Resource* r : resources) {
    if (r == nullptr) continue;
    if (first == nullptr) first = r;
    if (!EqualsIgnoreCase(r->region, first->region) || !EqualsIgnoreCase(r->type, first->type)) {
      return bad("BadRequest",
                 "All resources in a batch must be in the same subscription, region and of "
                 "the same resource type.");
    }
    if (!EqualsIgnoreCase(r->type, ns)) {
      return bad("BadRequest", fmt::format("Metric namespace '{}' is not valid for resource "
                                           "type '{}'.",
                                           ns, r->type));
    }
  }
  std::string values;
  for (size_t i = 0; i < resources.size(); ++i) {
    const Resource* r = resources[i];
    if (!values.empty()) values += ',';
    std::string metrics_json;
    std::string region;
    if (r != nullptr) {
      std::vector<const MetricDef*> metrics;
      if (!ResolveMetrics(*r, q, &metrics, resp)) {
        s.Count(kCloud, api, "error");
        return;
      }
      for (const MetricDef* m : metrics) {
        if (!metrics_json.empty()) metrics_json += ',';
        metrics_json += MetricJson(s.fleet(), *r, *m, q);
      }
      region = r->region;
    }
    values += fmt::format(R"({{"starttime":"{}","endtime":"{}","interval":"{}","value":[{}],)"
                          R"("namespace":{},"resourceregion":{},"resourceid":{}}})",
                          FormatRFC3339(q.start_ms), FormatRFC3339(q.end_ms), q.interval_text,
                          metrics_json, JsonString(Lower(ns)), JsonString(region),
                          JsonString(resource_ids[i]));
  }
  s.Count(kCloud, api, "ok");
  JsonReply(resp, 200, fmt::format(R"({{"values":[{}]}})", values));
}

// One simulated activity-log event.
struct Event {
  int64_t t_ms;
  const Resource* r;
  uint64_t h;
};

// GET /subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values
void ActivityLog(SimState& s, const http::Request& req, http::Response& resp,
                 const std::string& api) {
  std::string filter(req.Param("$filter"));
  auto terms = ParseFilter(filter);
  std::optional<int64_t> from, to;
  std::string group, resource_uri, provider;
  bool ok = terms.has_value();
  if (ok) {
    for (const FilterTerm& t : *terms) {
      if (t.field == "eventtimestamp" && (t.op == "ge" || t.op == "gt")) {
        from = ParseTime(t.value);
        ok &= from.has_value();
      } else if (t.field == "eventtimestamp" && (t.op == "le" || t.op == "lt")) {
        to = ParseTime(t.value);
        ok &= to.has_value();
      } else if (t.field == "resourcegroupname" && t.op == "eq") {
        group = t.value;
      } else if ((t.field == "resourceuri" || t.field == "resourceid") && t.op == "eq") {
        resource_uri = t.value;
      } else if (t.field == "resourceprovider" && t.op == "eq") {
        provider = t.value;
      } else {
        ok = false;
      }
    }
  }
  if (!ok || !from) {
    s.Count(kCloud, api, "error");
    return ArmError(resp, 400, "BadRequest",
                    fmt::format("The $filter '{}' is invalid: it must hold \"eventTimestamp ge "
                                "'<time>'\" (and optionally \"eventTimestamp le '<time>'\", "
                                "resourceGroupName, resourceUri or resourceProvider eq).",
                                filter));
  }
  int64_t end = to ? *to : *from + kDay;
  if (end - *from > 90 * kDay) {
    s.Count(kCloud, api, "error");
    return ArmError(resp, 400, "BadRequest", "The time range of the query exceeds 90 days.");
  }
  // About one event per resource every six hours, at a stable time per hour.
  std::vector<Event> events;
  for (int64_t hour = *from / kHour; hour * kHour <= end; ++hour) {
    for (const Resource* r : s.fleet().ByCloud(kCloud)) {
      uint64_t h = StableHash(r->id, static_cast<uint64_t>(hour) * 0x9e3779b97f4a7c15ULL);
      if (h % 6 != 0) continue;
      int64_t t = hour * kHour + static_cast<int64_t>((h >> 8) % 3600) * 1000;
      if (t < *from || t > end) continue;
      if (!group.empty() && !EqualsIgnoreCase(r->group, group)) continue;
      if (!resource_uri.empty() && !EqualsIgnoreCase(r->id, resource_uri)) continue;
      if (!provider.empty() && !EqualsIgnoreCase(r->type.substr(0, r->type.find('/')), provider)) {
        continue;
      }
      events.push_back({t, r, h});
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.t_ms != b.t_ms ? a.t_ms > b.t_ms : a.r->id < b.r->id;
  });
  size_t offset = 0;
  if (std::string_view skip = req.Param("$skiptoken"); !skip.empty()) {
    offset = static_cast<size_t>(std::strtoull(std::string(skip).c_str(), nullptr, 10));
  }
  size_t stop = std::min(events.size(), offset + kEventsPageSize);
  std::string out;
  for (size_t i = offset; i < stop; ++i) {
    const Event& e = events[i];
    const Resource& r = *e.r;
    std::string provider_ns = r.type.substr(0, r.type.find('/'));
    std::string operation;
    switch ((e.h >> 20) % 3) {
      case 0:
        operation = r.type + "/write";
        break;
      case 1:
        operation = "Microsoft.Resources/tags/write";
        break;
      default:
        operation = r.type == "Microsoft.Compute/virtualMachines"
                        ? "Microsoft.Compute/virtualMachines/restart/action"
                        : r.type + "/listKeys/action";
    }
    bool failed = (e.h >> 32) % 8 == 0;
    std::string id = fmt::format("{:016x}", e.h);
    std::string uuid = fmt::format("{}-{}-{}-{}-{}{:04x}", id.substr(0, 8), id.substr(8, 4),
                                   id.substr(12, 4), "8000", id.substr(0, 8), e.h & 0xffff);
    if (!out.empty()) out += ',';
    out += fmt::format(
        R"({{"authorization":{{"action":{op},"scope":{rid}}},"caller":"{client}",)"
        R"("channels":"Operation","claims":{{"appid":"{client}"}},"correlationId":"{uuid}",)"
        R"("description":"","eventDataId":"{uuid}",)"
        R"("eventName":{{"value":"EndRequest","localizedValue":"End request"}},)"
        R"("category":{{"value":"Administrative","localizedValue":"Administrative"}},)"
        R"("id":{evid},"level":"{level}","operationId":"{uuid}",)"
        R"("operationName":{{"value":{op},"localizedValue":{op}}},)"
        R"("resourceGroupName":{rg},"resourceProviderName":{{"value":{prov},"localizedValue":{prov}}},)"
        R"("resourceType":{{"value":{type},"localizedValue":{type}}},"resourceId":{rid},)"
        R"("status":{{"value":"{status}","localizedValue":"{status}"}},)"
        R"("subStatus":{{"value":"{sub_status}","localizedValue":"{sub_status}"}},)"
        R"("eventTimestamp":"{ts}","submissionTimestamp":"{sts}",)"
        R"("subscriptionId":"{sub}","tenantId":"{tenant}","properties":{{"statusCode":"{code}"}}}})",
        fmt::arg("op", JsonString(operation)), fmt::arg("rid", JsonString(r.id)),
        fmt::arg("client", kAzureClientId), fmt::arg("uuid", uuid),
        fmt::arg("evid", JsonString(fmt::format("{}/events/{}/ticks/{}", r.id, uuid,
                                                e.t_ms * 10000 + 621355968000000000LL))),
        fmt::arg("level", failed ? "Error" : "Informational"), fmt::arg("rg", JsonString(r.group)),
        fmt::arg("prov", JsonString(provider_ns)), fmt::arg("type", JsonString(r.type)),
        fmt::arg("status", failed ? "Failed" : "Succeeded"),
        fmt::arg("sub_status", failed ? "Conflict" : "OK"), fmt::arg("ts", FormatRFC3339(e.t_ms)),
        fmt::arg("sts", FormatRFC3339(e.t_ms + 15000)), fmt::arg("sub", kAzureSubscriptionId),
        fmt::arg("tenant", kAzureTenantId), fmt::arg("code", failed ? "Conflict" : "OK"));
  }
  std::string body = fmt::format(R"({{"value":[{}])", out);
  if (stop < events.size()) {
    std::string next = fmt::format("{}{}?api-version={}&%24filter={}&%24skiptoken={}",
                                   BaseUrlFor(s, req, /*prefer_tls=*/false), req.path,
                                   UrlEncode(req.Param("api-version")), UrlEncode(filter), stop);
    body += fmt::format(R"(,"nextLink":{})", JsonString(next));
  }
  s.Count(kCloud, api, "ok");
  ArmOk(resp, body + "}");
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// Everything under /subscriptions: ARM, getBatch, activity log.
void Subscriptions(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms) {
  const std::string& path = req.path;
  std::vector<std::string_view> seg = Segments(path);
  // Which API, from the path alone, so even refused calls are counted under it.
  std::string api;
  const std::string insights = "/providers/microsoft.insights/";
  std::string lower = Lower(path);
  size_t ins = lower.rfind(insights);
  std::string op = ins == std::string::npos ? "" : lower.substr(ins + insights.size());
  bool get_batch = seg.size() == 3 && Lower(seg[2]) == "metrics:getbatch";
  if (get_batch) {
    api = "getBatch";
  } else if (op == "eventtypes/management/values") {
    api = "activityLog";
  } else if (op == "metricdefinitions") {
    api = "metricDefinitions";
  } else if (op == "metrics") {
    api = "metrics";
  } else if (op.empty() &&
             (lower.size() > 10 && lower.compare(lower.size() - 10, 10, "/resources") == 0)) {
    api = "resources";
  } else if (op.empty() && seg.size() == 3 && Lower(seg[2]) == "resourcegroups") {
    api = "resourceGroups";
  } else if (op.empty() && seg.size() <= 2) {
    api = "subscriptions";
  } else {
    s.Count(kCloud, "other", "error");
    return ArmError(resp, 404, "InvalidResourceType",
                    fmt::format("The resource type could not be found for path '{}'.", path));
  }
  bool post = req.method == "POST";
  if (post != get_batch) {
    s.Count(kCloud, api, "error");
    return ArmError(resp, 405, "MethodNotAllowed",
                    fmt::format("The method '{}' is not allowed for '{}'.", req.method, path));
  }
  if (!Authorize(s, req, resp, get_batch ? Api::kMetricsDataPlane : Api::kArm, api, now_ms)) {
    return;
  }
  if (!CheckApiVersion(s, req, resp, api)) return;
  if (InjectFault(s, resp, api)) return;

  if (api == "subscriptions") {
    if (seg.size() == 1) {
      s.Count(kCloud, api, "ok");
      return ArmOk(resp, fmt::format(R"({{"value":[{}]}})", SubscriptionJson()));
    }
    if (!CheckSubscription(s, seg[1], resp, api)) return;
    s.Count(kCloud, api, "ok");
    return ArmOk(resp, SubscriptionJson());
  }
  std::string_view sub = seg[1];
  if (!CheckSubscription(s, sub, resp, api)) return;
  if (api == "getBatch") return GetBatch(s, req, resp, now_ms, api);
  if (api == "resourceGroups") return ResourceGroups(s, resp, api);
  if (api == "resources") {
    // /subscriptions/{sub}/resources or /subscriptions/{sub}/resourceGroups/{rg}/resources
    if (seg.size() == 3) return Resources(s, req, resp, "", api);
    if (seg.size() == 5 && EqualsIgnoreCase(seg[2], "resourceGroups")) {
      return Resources(s, req, resp, seg[3], api);
    }
    s.Count(kCloud, api, "error");
    return ArmError(resp, 404, "InvalidResourceType",
                    fmt::format("The resource type could not be found for path '{}'.", path));
  }
  std::string scope = path.substr(0, ins);
  if (api == "activityLog") {
    if (Segments(scope).size() != 2) {
      s.Count(kCloud, api, "error");
      return ArmError(resp, 404, "InvalidResourceType",
                      "The activity log is served at subscription scope.");
    }
    return ActivityLog(s, req, resp, api);
  }
  if (api == "metrics" && Segments(scope).size() == 2) {
    return SubscriptionMetrics(s, req, resp, now_ms, api);
  }
  const Resource* r = FindAzure(s.fleet(), scope);
  if (r == nullptr) {
    s.Count(kCloud, api, "error");
    return ArmError(resp, 404, "ResourceNotFound",
                    fmt::format("The Resource '{}' was not found.", scope));
  }
  if (api == "metricDefinitions") return MetricDefinitions(s, *r, resp, api);
  return ResourceMetrics(s, req, *r, resp, now_ms, api);
}

}  // namespace

bool ServeAzure(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms) {
  std::vector<std::string_view> seg = Segments(req.path);
  if (seg.empty()) return false;
  if (EqualsIgnoreCase(seg[0], "subscriptions")) {
    Subscriptions(s, req, resp, now_ms);
    return true;
  }
  // IMDS managed identity.
  if (req.path == "/metadata/identity/oauth2/token") {
    if (req.method != "GET") {
      ArmError(resp, 405, "MethodNotAllowed", "Use GET.");
      return true;
    }
    ManagedIdentityToken(s, req, resp, now_ms);
    return true;
  }
  // Entra ID: /{tenant}/v2.0/.well-known/openid-configuration,
  // /{tenant}/oauth2/v2.0/token, /{tenant}/discovery/v2.0/keys.
  if (seg.size() == 4 && seg[1] == "v2.0" && seg[2] == ".well-known" &&
      seg[3] == "openid-configuration") {
    s.Count(kCloud, "openidConfiguration", "ok");
    OpenIdConfiguration(s, req, resp, seg[0]);
    return true;
  }
  if (seg.size() == 4 && seg[1] == "oauth2" && seg[2] == "v2.0" && seg[3] == "token") {
    if (req.method != "POST") {
      EntraError(resp, 405, "invalid_request", 900561, "The endpoint only accepts POST requests.",
                 now_ms);
      return true;
    }
    Token(s, req, resp, seg[0], now_ms);
    return true;
  }
  if (seg.size() == 4 && seg[1] == "discovery" && seg[2] == "v2.0" && seg[3] == "keys") {
    s.Count(kCloud, "keys", "ok");
    JsonReply(resp, 200, R"({"keys":[]})");
    return true;
  }
  return false;
}

Status WriteAzureCredentials(const SimState& s, const std::string& dir) {
  std::string authority = s.https_base.empty() ? s.http_base : s.https_base;
  std::string env = fmt::format(
      "# Azure credentials for vigil cloudsim (source this file, or use it as a docker\n"
      "# --env-file). The Azure SDKs need https: trust ca.pem (NODE_EXTRA_CA_CERTS,\n"
      "# REQUESTS_CA_BUNDLE, SSL_CERT_FILE) and pass disableInstanceDiscovery.\n"
      "AZURE_TENANT_ID={}\n"
      "AZURE_CLIENT_ID={}\n"
      "AZURE_CLIENT_SECRET={}\n"
      "AZURE_AUTHORITY_HOST={}\n"
      "AZURE_SUBSCRIPTION_ID={}\n"
      "AZURE_RESOURCE_MANAGER_ENDPOINT={}\n"
      "AZURE_METRICS_ENDPOINT={}\n",
      kAzureTenantId, kAzureClientId, kAzureClientSecret, authority, kAzureSubscriptionId,
      authority, authority);
  // The `az ad sp create-for-rbac --sdk-auth` shape.
  std::string json = fmt::format(
      "{{\n"
      "  \"clientId\": \"{}\",\n"
      "  \"clientSecret\": \"{}\",\n"
      "  \"subscriptionId\": \"{}\",\n"
      "  \"tenantId\": \"{}\",\n"
      "  \"activeDirectoryEndpointUrl\": \"{}\",\n"
      "  \"resourceManagerEndpointUrl\": \"{}/\",\n"
      "  \"activeDirectoryGraphResourceId\": \"https://graph.windows.net/\",\n"
      "  \"sqlManagementEndpointUrl\": \"https://management.core.windows.net:8443/\",\n"
      "  \"galleryEndpointUrl\": \"https://gallery.azure.com/\",\n"
      "  \"managementEndpointUrl\": \"https://management.core.windows.net/\"\n"
      "}}\n",
      kAzureClientId, kAzureClientSecret, kAzureSubscriptionId, kAzureTenantId, authority,
      authority);
  for (const auto& [name, data] :
       {std::pair<std::string, std::string>{"azure.env", env}, {"azure-credentials.json", json}}) {
    std::string path = dir + "/" + name;
    if (Status st = fs::WriteFileAtomic(path, data); !st.ok()) return st;
    if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno("chmod " + path, errno);
  }
  return Status::OK();
}

}  // namespace vigil::cloudsim
