// The simulator's Google Cloud side: the OAuth token endpoint (JWT-bearer
// grant, RS256 checked against the service-account key keys.cc made),
// Cloud Monitoring v3 timeSeries.list (filter, interval, aggregation with
// aligners and cross-series reducers, view, paging) and
// metricDescriptors.list, and Cloud Logging v2 entries:list (audit log
// entries). Shapes follow what @google-cloud/monitoring and
// python-google-auth accepted (sdk-captures/gcp); values come from the
// Fleet. Bearer tokens are either ours ("ya29." + a SimState token) or a
// self-signed JWT of the service account, which the Node client sends
// instead of exchanging it.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
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

constexpr const char* kCloud = "gcp";
constexpr int64_t kTokenTtlMs = 3600 * 1000;
constexpr int64_t kClockSkewMs = 5 * 60 * 1000;
constexpr const char* kTokenPrefix = "ya29.";
constexpr int64_t kDefaultPageSize = 100000;
constexpr int64_t kMaxPoints = 100000;

// ---- responses -------------------------------------------------------------

void JsonReply(http::Response& resp, int status, std::string body) {
  resp.Json(status, std::move(body));
  resp.SetHeader("Content-Type", "application/json; charset=UTF-8");
  resp.SetHeader("Vary", "Origin, X-Origin, Referer");
}

// Google API errors: {"error":{"code":..,"message":..,"status":..}}.
void GoogleError(http::Response& resp, int code, std::string_view status,
                 std::string_view message) {
  JsonReply(resp, code,
            fmt::format(R"({{"error":{{"code":{},"message":{},"status":"{}"}}}})", code,
                        JsonString(message), status));
}

// OAuth token endpoint errors.
void OAuthError(http::Response& resp, std::string_view error, std::string_view description) {
  JsonReply(
      resp, 400,
      fmt::format(R"({{"error":"{}","error_description":{}}})", error, JsonString(description)));
  resp.SetHeader("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
}

// ---- JWT ---------------------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

bool VerifyRs256(const std::string& public_pem, std::string_view signed_part,
                 std::string_view signature) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

struct Jwt {
  std::string alg, kid;
  std::string iss, aud;
  int64_t iat = 0, exp = 0;  // seconds
  bool has_iat = false, has_exp = false;
};

enum class JwtError { kNone, kMalformed, kSignature };

// Parses a JWT and checks its RS256 signature against our key.
JwtError ParseAndVerify(const SimState& s, std::string_view token, Jwt* out) {
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return JwtError::kMalformed;
  }
  auto header = Base64UrlDecode(token.substr(0, d1));
  auto claims = Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = Base64UrlDecode(token.substr(d2 + 1));
  if (!header || !claims || !signature) return JwtError::kMalformed;
  simdjson::dom::parser parser;
  simdjson::dom::object h;
  if (parser.parse(*header).get(h) != simdjson::SUCCESS) return JwtError::kMalformed;
  std::string_view v;
  if (h["alg"].get(v) == simdjson::SUCCESS) out->alg = std::string(v);
  if (h["kid"].get(v) == simdjson::SUCCESS) out->kid = std::string(v);
  simdjson::dom::object c;
  if (parser.parse(*claims).get(c) != simdjson::SUCCESS) return JwtError::kMalformed;
  if (c["iss"].get(v) == simdjson::SUCCESS) out->iss = std::string(v);
  if (c["aud"].get(v) == simdjson::SUCCESS) out->aud = std::string(v);
  auto number = [&](const char* key, int64_t* dst, bool* has) {
    simdjson::dom::element e;
    if (c[key].get(e) != simdjson::SUCCESS) return;
    int64_t i;
    double d;
    if (e.get(i) == simdjson::SUCCESS) {
      *dst = i;
      *has = true;
    } else if (e.get(d) == simdjson::SUCCESS) {
      *dst = static_cast<int64_t>(d);
      *has = true;
    }
  };
  number("iat", &out->iat, &out->has_iat);
  number("exp", &out->exp, &out->has_exp);
  if (out->alg != "RS256") return JwtError::kSignature;
  if (!out->kid.empty() && out->kid != s.keys().gcp_private_key_id) return JwtError::kSignature;
  if (!VerifyRs256(s.keys().gcp_public_key_pem, token.substr(0, d2), *signature)) {
    return JwtError::kSignature;
  }
  return JwtError::kNone;
}

// "a short-lived token in a reasonable timeframe": exp at most an hour after
// iat, not expired, iat not in the future (with clock skew).
bool TimelyJwt(const Jwt& j, int64_t now_ms) {
  if (!j.has_exp || !j.has_iat) return false;
  int64_t exp_ms = j.exp * 1000, iat_ms = j.iat * 1000;
  return exp_ms > iat_ms && exp_ms - iat_ms <= kTokenTtlMs + 1000 &&
         iat_ms <= now_ms + kClockSkewMs && now_ms < exp_ms + kClockSkewMs;
}

// The token endpoint URL: its path must be /token and its authority ours
// (or Google's, for clients with the URL built in).
bool OurTokenUrl(const SimState& s, const http::Request& req, std::string_view aud) {
  if (aud == "https://oauth2.googleapis.com/token" ||
      aud == "https://www.googleapis.com/oauth2/v4/token") {
    return true;
  }
  size_t scheme = aud.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view rest = aud.substr(scheme + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash) != "/token") return false;
  std::string_view authority = rest.substr(0, slash);
  std::string_view host = authority.substr(0, authority.rfind(':'));
  if (authority.front() == '[') host = authority.substr(0, authority.find(']') + 1);
  auto base_authority = [](const std::string& base) {
    size_t p = base.find("://");
    return p == std::string::npos ? std::string() : base.substr(p + 3);
  };
  return authority == req.Header("host") || authority == base_authority(s.http_base) ||
         authority == base_authority(s.https_base) || host == "127.0.0.1" || host == "localhost" ||
         host == "[::1]";
}

// POST /token
void Token(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms) {
  const std::string api = "token";
  auto fail = [&](std::string_view error, std::string_view description) {
    s.Count(kCloud, api, error == "invalid_grant" ? "denied" : "error");
    OAuthError(resp, error, description);
  };
  if (req.method != "POST") {
    s.Count(kCloud, api, "error");
    return GoogleError(resp, 405, "INVALID_ARGUMENT", "The token endpoint only accepts POST.");
  }
  std::string_view grant = req.Param("grant_type");
  if (grant != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    return fail("unsupported_grant_type", fmt::format("Invalid grant_type: {}", grant));
  }
  std::string assertion(req.Param("assertion"));
  if (assertion.empty()) return fail("invalid_request", "Missing required parameter: assertion");
  Jwt jwt;
  switch (ParseAndVerify(s, assertion, &jwt)) {
    case JwtError::kMalformed:
      return fail("invalid_grant", "Invalid JWT: the assertion is not a well-formed JWT.");
    case JwtError::kSignature:
      return fail("invalid_grant", "Invalid JWT Signature.");
    case JwtError::kNone:
      break;
  }
  if (jwt.iss != kGcpClientEmail) return fail("invalid_grant", "Invalid grant: account not found");
  if (!OurTokenUrl(s, req, jwt.aud)) {
    return fail("invalid_grant",
                fmt::format("Invalid JWT: Failed audience check. The right audience is {}/token",
                            BaseUrlFor(s, req, /*prefer_tls=*/false)));
  }
  if (!TimelyJwt(jwt, now_ms)) {
    return fail("invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                "timeframe. Check your iat and exp values in the JWT claim.");
  }
  s.Count(kCloud, api, "ok");
  std::string token = kTokenPrefix + s.IssueToken(kCloud, now_ms, kTokenTtlMs);
  JsonReply(resp, 200,
            fmt::format(R"({{"access_token":{},"expires_in":{},"token_type":"Bearer"}})",
                        JsonString(token), kTokenTtlMs / 1000 - 1));
  resp.SetHeader("Content-Type", "application/json; charset=utf-8");
  resp.SetHeader("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
}

bool Authorize(SimState& s, const http::Request& req, http::Response& resp, const std::string& api,
               int64_t now_ms) {
  auto deny = [&](std::string_view message) {
    s.Count(kCloud, api, "denied");
    GoogleError(resp, 401, "UNAUTHENTICATED", message);
    resp.SetHeader("WWW-Authenticate",
                   R"(Bearer realm="https://accounts.google.com/", error="invalid_token")");
    return false;
  };
  constexpr std::string_view kInvalid =
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
      "cookie or other valid authentication credential. See "
      "https://developers.google.com/identity/sign-in/web/devconsole-project.";
  std::string token = BearerToken(req);
  if (token.empty()) {
    return deny(
        "Request is missing required authentication credential. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.");
  }
  if (token.compare(0, 5, kTokenPrefix) == 0) {
    std::string inner = token.substr(5);
    if (inner.compare(0, 8, "sim-gcp-") != 0) return deny(kInvalid);
    std::string state = s.CheckToken(inner, now_ms);
    if (state != "ok") return deny(kInvalid);
    return true;
  }
  // A self-signed service-account JWT.
  Jwt jwt;
  if (ParseAndVerify(s, token, &jwt) != JwtError::kNone || jwt.iss != kGcpClientEmail ||
      !TimelyJwt(jwt, now_ms) || s.faults().expire_tokens) {
    return deny(kInvalid);
  }
  return true;
}

bool InjectFault(SimState& s, http::Response& resp, const std::string& api) {
  Faults f = s.faults();
  if (s.Roll(f.throttle_rate)) {
    s.Count(kCloud, api, "throttled");
    GoogleError(resp, 429, "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Time series queries' and limit 'Time series "
                "queries per minute' of service 'monitoring.googleapis.com' for consumer "
                "'project_number:000000000000'.");
    resp.SetHeader("Retry-After", "1");
    return true;
  }
  if (s.Roll(f.error_rate)) {
    s.Count(kCloud, api, "error");
    GoogleError(resp, 503, "UNAVAILABLE", "The service is currently unavailable.");
    return true;
  }
  return false;
}

// ---- series ------------------------------------------------------------------

enum class Kind { kGauge, kDelta, kCumulative };
enum class ValueType { kDouble, kInt64 };

const char* KindName(Kind k) {
  return k == Kind::kGauge ? "GAUGE" : k == Kind::kDelta ? "DELTA" : "CUMULATIVE";
}
const char* ValueTypeName(ValueType v) { return v == ValueType::kDouble ? "DOUBLE" : "INT64"; }

Kind KindOf(const MetricDef& m) { return m.counter_like ? Kind::kDelta : Kind::kGauge; }
ValueType ValueTypeOf(const MetricDef& m) {
  return m.counter_like ? ValueType::kInt64 : ValueType::kDouble;
}

// The metric labels a simulated series carries.
std::map<std::string, std::string> MetricLabels(const Resource& r, const MetricDef& m) {
  if (r.type == "gce_instance") return {{"instance_name", r.name}};
  if (m.name == "storage.googleapis.com/storage/total_bytes") {
    return {{"storage_class", "STANDARD"}};
  }
  return {};
}

// Enums: a name or its number ($alt=json;enum-encoding=int sends numbers).
struct EnumValue {
  const char* name;
  int number;
};
constexpr EnumValue kAligners[] = {
    {"ALIGN_NONE", 0},           {"ALIGN_DELTA", 1},          {"ALIGN_RATE", 2},
    {"ALIGN_INTERPOLATE", 3},    {"ALIGN_NEXT_OLDER", 4},     {"ALIGN_MIN", 10},
    {"ALIGN_MAX", 11},           {"ALIGN_MEAN", 12},          {"ALIGN_COUNT", 13},
    {"ALIGN_SUM", 14},           {"ALIGN_STDDEV", 15},        {"ALIGN_COUNT_TRUE", 16},
    {"ALIGN_FRACTION_TRUE", 17}, {"ALIGN_PERCENTILE_99", 18}, {"ALIGN_PERCENTILE_95", 19},
    {"ALIGN_PERCENTILE_50", 20}, {"ALIGN_PERCENTILE_05", 21}, {"ALIGN_PERCENT_CHANGE", 23},
    {"ALIGN_COUNT_FALSE", 24},
};
constexpr EnumValue kReducers[] = {
    {"REDUCE_NONE", 0},
    {"REDUCE_MEAN", 1},
    {"REDUCE_MIN", 2},
    {"REDUCE_MAX", 3},
    {"REDUCE_SUM", 4},
    {"REDUCE_STDDEV", 5},
    {"REDUCE_COUNT", 6},
    {"REDUCE_COUNT_TRUE", 7},
    {"REDUCE_FRACTION_TRUE", 8},
    {"REDUCE_PERCENTILE_99", 9},
    {"REDUCE_PERCENTILE_95", 10},
    {"REDUCE_PERCENTILE_50", 11},
    {"REDUCE_PERCENTILE_05", 12},
    {"REDUCE_COUNT_FALSE", 15},
};

template <size_t N>
std::optional<std::string> ParseEnum(std::string_view text, const EnumValue (&values)[N]) {
  if (text.empty()) return std::string(values[0].name);
  bool numeric = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  for (const EnumValue& v : values) {
    if (numeric ? std::to_string(v.number) == text : text == v.name) return std::string(v.name);
  }
  return std::nullopt;
}

// ---- filters -----------------------------------------------------------------

// One restriction of a monitoring filter: `field = "v"`, `field != "v"`,
// `field = starts_with("p")`, `ends_with`, `has_substring`, `one_of("a","b")`.
struct Restriction {
  std::string field;  // "metric.type", "resource.type", "metric.labels.x", "resource.labels.x"
  bool negate = false;
  std::string func;  // "", "starts_with", "ends_with", "has_substring", "one_of"
  std::vector<std::string> values;

  bool Matches(std::string_view v) const {
    bool m = false;
    for (const std::string& want : values) {
      if (func.empty() || func == "one_of") m |= v == want;
      if (func == "starts_with") m |= v.substr(0, want.size()) == want;
      if (func == "ends_with")
        m |= v.size() >= want.size() && v.substr(v.size() - want.size()) == want;
      if (func == "has_substring") m |= v.find(want) != std::string_view::npos;
    }
    return m != negate;
  }
};

// Canonical field names: "metric.label.x" is "metric.labels.x".
std::string CanonicalField(std::string f) {
  for (const char* p :
       {"metric.label.", "resource.label.", "metadata.user_label.", "metadata.system_label."}) {
    std::string prefix = p;
    if (f.compare(0, prefix.size(), prefix) == 0) {
      return prefix.substr(0, prefix.size() - 1) + "s." + f.substr(prefix.size());
    }
  }
  return f;
}

class FilterParser {
 public:
  explicit FilterParser(std::string_view f) : f_(f) {}

  std::optional<std::vector<Restriction>> Parse() {
    std::vector<Restriction> out;
    for (;;) {
      Space();
      if (i_ >= f_.size()) break;
      if (!out.empty()) {
        std::string w = Word();
        if (w != "AND" && w != "and") return std::nullopt;
        Space();
      }
      Restriction r;
      r.field = CanonicalField(Word());
      if (r.field.empty()) return std::nullopt;
      Space();
      if (Take("!=")) {
        r.negate = true;
      } else if (!Take("=")) {
        return std::nullopt;
      }
      Space();
      if (Peek() == '"') {
        auto v = Quoted();
        if (!v) return std::nullopt;
        r.values.push_back(std::move(*v));
      } else {
        r.func = Word();
        if (r.func != "starts_with" && r.func != "ends_with" && r.func != "has_substring" &&
            r.func != "one_of") {
          return std::nullopt;
        }
        Space();
        if (!Take("(")) return std::nullopt;
        for (;;) {
          Space();
          auto v = Quoted();
          if (!v) return std::nullopt;
          r.values.push_back(std::move(*v));
          Space();
          if (Take(")")) break;
          if (!Take(",")) return std::nullopt;
        }
        if (r.func != "one_of" && r.values.size() != 1) return std::nullopt;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  char Peek() const { return i_ < f_.size() ? f_[i_] : '\0'; }
  void Space() {
    while (i_ < f_.size() && (f_[i_] == ' ' || f_[i_] == '\t' || f_[i_] == '\n')) ++i_;
  }
  bool Take(std::string_view t) {
    if (f_.substr(i_, t.size()) != t) return false;
    i_ += t.size();
    return true;
  }
  std::string Word() {
    size_t start = i_;
    while (i_ < f_.size() && (std::isalnum(static_cast<unsigned char>(f_[i_])) || f_[i_] == '.' ||
                              f_[i_] == '_' || f_[i_] == '-' || f_[i_] == '/')) {
      ++i_;
    }
    return std::string(f_.substr(start, i_ - start));
  }
  std::optional<std::string> Quoted() {
    if (!Take("\"")) return std::nullopt;
    std::string v;
    while (i_ < f_.size() && f_[i_] != '"') {
      if (f_[i_] == '\\' && i_ + 1 < f_.size()) ++i_;
      v += f_[i_++];
    }
    if (!Take("\"")) return std::nullopt;
    return v;
  }

  std::string_view f_;
  size_t i_ = 0;
};

// The value of a filter field for one series, or nullopt when it has none.
std::optional<std::string> FieldValue(const Resource& r, const MetricDef& m,
                                      const std::map<std::string, std::string>& metric_labels,
                                      const std::string& field) {
  if (field == "metric.type") return m.name;
  if (field == "resource.type") return r.type;
  if (field == "project") return std::string(kGcpProjectId);
  auto label = [&](const std::map<std::string, std::string>& labels,
                   std::string_view prefix) -> std::optional<std::string> {
    auto it = labels.find(field.substr(prefix.size()));
    if (it == labels.end()) return std::nullopt;
    return it->second;
  };
  if (field.compare(0, 14, "metric.labels.") == 0) return label(metric_labels, "metric.labels.");
  if (field.compare(0, 16, "resource.labels.") == 0) return label(r.dimensions, "resource.labels.");
  if (field.compare(0, 20, "metadata.user_labels.") == 0) {
    return label(r.tags, "metadata.user_labels.");
  }
  return std::nullopt;
}

bool SeriesMatches(const std::vector<Restriction>& filter, const Resource& r, const MetricDef& m,
                   const std::map<std::string, std::string>& metric_labels) {
  for (const Restriction& x : filter) {
    auto v = FieldValue(r, m, metric_labels, x.field);
    if (!v) {
      if (!x.negate) return false;
      continue;
    }
    if (!x.Matches(*v)) return false;
  }
  return true;
}

// ---- timeSeries.list ---------------------------------------------------------

struct Point {
  int64_t start_ms, end_ms;
  double value;
};

struct Series {
  const MetricDef* metric;
  std::map<std::string, std::string> metric_labels;
  std::string resource_type;
  std::map<std::string, std::string> resource_labels;
  Kind kind;
  ValueType value_type;
  std::vector<Point> points;  // newest first
};

double AlignedValue(const std::string& aligner, const Stats& st, const MetricDef& m,
                    int64_t period_ms) {
  if (aligner == "ALIGN_MEAN" || aligner == "ALIGN_INTERPOLATE" || aligner == "ALIGN_NEXT_OLDER") {
    return m.counter_like ? st.sum / std::max(1.0, st.sample_count) : st.average;
  }
  if (aligner == "ALIGN_MIN") return st.minimum;
  if (aligner == "ALIGN_MAX") return st.maximum;
  if (aligner == "ALIGN_SUM" || aligner == "ALIGN_DELTA") return st.sum;
  if (aligner == "ALIGN_COUNT") return st.sample_count;
  if (aligner == "ALIGN_RATE") return st.sum / (static_cast<double>(period_ms) / 1000.0);
  if (aligner == "ALIGN_STDDEV") return (st.maximum - st.minimum) / 4;
  if (aligner == "ALIGN_PERCENTILE_99") return st.Percentile(99);
  if (aligner == "ALIGN_PERCENTILE_95") return st.Percentile(95);
  if (aligner == "ALIGN_PERCENTILE_50") return st.Percentile(50);
  if (aligner == "ALIGN_PERCENTILE_05") return st.Percentile(5);
  return st.average;
}

// Kind and value type after an aligner (Cloud Monitoring's rules).
void AlignedKind(const std::string& aligner, Kind in_kind, ValueType in_type, Kind* kind,
                 ValueType* type) {
  *kind = in_kind;
  *type = in_type;
  if (aligner == "ALIGN_NONE") return;
  if (aligner == "ALIGN_DELTA") {
    *kind = Kind::kDelta;
  } else if (aligner == "ALIGN_SUM") {
    *kind = in_kind == Kind::kGauge ? Kind::kGauge : Kind::kDelta;
  } else if (aligner == "ALIGN_COUNT") {
    *kind = Kind::kGauge;
    *type = ValueType::kInt64;
  } else if (aligner == "ALIGN_MIN" || aligner == "ALIGN_MAX") {
    *kind = Kind::kGauge;
  } else {
    *kind = Kind::kGauge;
    *type = ValueType::kDouble;
  }
}

double Reduce(const std::string& reducer, std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  double mean = sum / static_cast<double>(v.size());
  auto pct = [&](double p) {
    double pos = p / 100 * static_cast<double>(v.size() - 1);
    size_t lo = static_cast<size_t>(pos);
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  if (reducer == "REDUCE_MEAN") return mean;
  if (reducer == "REDUCE_MIN") return v.front();
  if (reducer == "REDUCE_MAX") return v.back();
  if (reducer == "REDUCE_SUM") return sum;
  if (reducer == "REDUCE_COUNT") return static_cast<double>(v.size());
  if (reducer == "REDUCE_STDDEV") {
    double ss = 0;
    for (double x : v) ss += (x - mean) * (x - mean);
    return std::sqrt(ss / static_cast<double>(v.size()));
  }
  if (reducer == "REDUCE_PERCENTILE_99") return pct(99);
  if (reducer == "REDUCE_PERCENTILE_95") return pct(95);
  if (reducer == "REDUCE_PERCENTILE_50") return pct(50);
  if (reducer == "REDUCE_PERCENTILE_05") return pct(5);
  return mean;
}

std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += JsonString(k) + ":" + JsonString(v);
  }
  return out + "}";
}

std::string ValueJson(ValueType t, double v) {
  if (t == ValueType::kInt64) {
    return fmt::format(R"({{"int64Value":"{}"}})", static_cast<int64_t>(std::llround(v)));
  }
  return fmt::format(R"({{"doubleValue":{}}})", JsonNumber(v));
}

std::string SeriesJson(const Series& s, bool headers_only) {
  std::string out = fmt::format(
      R"({{"metric":{{"type":{},"labels":{}}},"resource":{{"type":{},"labels":{}}},)"
      R"("metricKind":"{}","valueType":"{}")",
      JsonString(s.metric->name), LabelsJson(s.metric_labels), JsonString(s.resource_type),
      LabelsJson(s.resource_labels), KindName(s.kind), ValueTypeName(s.value_type));
  if (!headers_only) {
    out += R"(,"points":[)";
    for (size_t i = 0; i < s.points.size(); ++i) {
      const Point& p = s.points[i];
      if (i > 0) out += ',';
      out += fmt::format(R"({{"interval":{{"startTime":"{}","endTime":"{}"}},"value":{}}})",
                         FormatSeconds(p.start_ms), FormatSeconds(p.end_ms),
                         ValueJson(s.value_type, p.value));
    }
    out += ']';
  }
  out += fmt::format(R"(,"unit":{}}})", JsonString(s.metric->unit));
  return out;
}

// A paging token: the index of the next series, with the query's hash so a
// token is not reused for another query.
std::string PageToken(size_t next, uint64_t query_hash) {
  return fmt::format("{:x}-{}", query_hash & 0xffffffff, next);
}
std::optional<size_t> ParsePageToken(std::string_view token, uint64_t query_hash) {
  size_t dash = token.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  if (token.substr(0, dash) != fmt::format("{:x}", query_hash & 0xffffffff)) return std::nullopt;
  std::string n(token.substr(dash + 1));
  if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return static_cast<size_t>(std::strtoull(n.c_str(), nullptr, 10));
}

// The query's parameters but the page token, hashed.
uint64_t QueryHash(const http::Request& req) {
  std::string all;
  for (const auto& [k, v] : req.query) {
    if (k != "pageToken") all += k + "=" + v + "&";
  }
  return StableHash(all);
}

std::optional<int64_t> ParseSecondsDuration(std::string_view s) {
  if (s.size() < 2 || s.back() != 's') return std::nullopt;
  s.remove_suffix(1);
  char* end = nullptr;
  std::string text(s);
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(v >= 0)) return std::nullopt;
  return static_cast<int64_t>(v * 1000);
}

bool CheckProject(SimState& s, std::string_view project, http::Response& resp,
                  const std::string& api, std::string_view permission) {
  if (project == kGcpProjectId) return true;
  s.Count(kCloud, api, "denied");
  GoogleError(resp, 403, "PERMISSION_DENIED",
              fmt::format("Permission {} denied (or the resource may not exist).", permission));
  return false;
}

void TimeSeriesList(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms,
                    const std::string& api) {
  auto bad = [&](std::string message) {
    s.Count(kCloud, api, "error");
    GoogleError(resp, 400, "INVALID_ARGUMENT", message);
  };
  std::string filter_text(req.Param("filter"));
  if (filter_text.empty()) return bad("Field filter had an invalid value: a filter is required.");
  auto filter = FilterParser(filter_text).Parse();
  if (!filter) {
    return bad(
        fmt::format("Field filter had an invalid value of \"{}\": the filter could not "
                    "be parsed.",
                    filter_text));
  }
  int metric_types = 0;
  for (const Restriction& r : *filter) {
    if (r.field == "metric.type" && !r.negate && r.func.empty()) ++metric_types;
  }
  if (metric_types != 1) {
    return bad(
        fmt::format("Field filter had an invalid value of \"{}\": it must select exactly "
                    "one metric type (metric.type = \"...\").",
                    filter_text));
  }
  std::string_view end_text = req.Param("interval.endTime");
  if (end_text.empty()) return bad("Field interval.endTime had an invalid value: it is required.");
  auto end = ParseTime(end_text);
  if (!end) return bad(fmt::format("Invalid value at 'interval.end_time' ({})", end_text));
  int64_t start = *end;
  if (std::string_view st = req.Param("interval.startTime"); !st.empty()) {
    auto t = ParseTime(st);
    if (!t) return bad(fmt::format("Invalid value at 'interval.start_time' ({})", st));
    start = *t;
  }
  if (start > *end) return bad("The start time must be before the end time.");
  auto aligner = ParseEnum(req.Param("aggregation.perSeriesAligner"), kAligners);
  auto reducer = ParseEnum(req.Param("aggregation.crossSeriesReducer"), kReducers);
  if (!aligner) {
    return bad(fmt::format("Invalid value at 'aggregation.per_series_aligner' ({})",
                           req.Param("aggregation.perSeriesAligner")));
  }
  if (!reducer) {
    return bad(fmt::format("Invalid value at 'aggregation.cross_series_reducer' ({})",
                           req.Param("aggregation.crossSeriesReducer")));
  }
  int64_t period_ms = 0;
  if (std::string_view p = req.Param("aggregation.alignmentPeriod"); !p.empty()) {
    auto d = ParseSecondsDuration(p);
    if (!d) return bad(fmt::format("Invalid value at 'aggregation.alignment_period' ({})", p));
    period_ms = *d;
  }
  const bool aligned = *aligner != "ALIGN_NONE";
  if (aligned && period_ms < 60'000) {
    return bad("The alignment period must be at least 60 seconds when an aligner is given.");
  }
  if (*reducer != "REDUCE_NONE" && !aligned) {
    return bad("A cross-series reducer requires a per-series aligner and an alignment period.");
  }
  std::vector<std::string> group_by;
  for (const std::string& g : req.ParamValues("aggregation.groupByFields")) {
    group_by.push_back(CanonicalField(g));
  }
  std::string view(req.Param("view"));
  bool headers_only = view == "HEADERS" || view == "1";
  if (!view.empty() && !headers_only && view != "FULL" && view != "0") {
    return bad(fmt::format("Invalid value at 'view' ({})", view));
  }
  int64_t page_size = kDefaultPageSize;
  if (std::string_view ps = req.Param("pageSize"); !ps.empty()) {
    page_size = std::strtoll(std::string(ps).c_str(), nullptr, 10);
    if (page_size <= 0 || page_size > kDefaultPageSize) page_size = kDefaultPageSize;
  }
  int64_t windows = aligned ? (*end - start + period_ms - 1) / period_ms : 0;
  if (!aligned && (*end - start) / kMinute > kMaxPoints) {
    return bad("The interval holds too many points; use a shorter interval or an aligner.");
  }
  if (aligned && windows == 0) windows = 1;
  if (windows > kMaxPoints) return bad("The interval holds too many alignment periods.");

  // The series, in fleet order.
  std::vector<Series> series;
  for (const Resource* r : s.fleet().ByCloud(kCloud)) {
    for (const MetricDef* m : r->metrics) {
      auto labels = MetricLabels(*r, *m);
      if (!SeriesMatches(*filter, *r, *m, labels)) continue;
      Series out;
      out.metric = m;
      out.metric_labels = labels;
      out.resource_type = r->type;
      out.resource_labels = r->dimensions;
      AlignedKind(*aligner, KindOf(*m), ValueTypeOf(*m), &out.kind, &out.value_type);
      if (aligned && (*aligner == "ALIGN_DELTA" || *aligner == "ALIGN_RATE") &&
          KindOf(*m) == Kind::kGauge) {
        return bad(
            fmt::format("The aligner {} cannot be applied to metrics with kind GAUGE and "
                        "value type {}.",
                        *aligner, ValueTypeName(ValueTypeOf(*m))));
      }
      if (aligned) {
        // Windows end at endTime and step back by the period.
        for (int64_t k = 0; k < windows; ++k) {
          int64_t we = *end - k * period_ms;
          Stats st = s.fleet().Aggregate(*r, *m, we - period_ms, period_ms);
          if (st.sample_count == 0) continue;
          int64_t ps = out.kind == Kind::kGauge ? we : we - period_ms;
          out.points.push_back({ps, we, AlignedValue(*aligner, st, *m, period_ms)});
        }
      } else {
        // Raw 1-minute samples in (start, end], newest first.
        // With startTime = endTime, the latest sample at or before endTime.
        int64_t last = *end / kMinute * kMinute;
        int64_t lo = start == *end ? *end - kMinute : start;
        for (int64_t t = last; t > lo; t -= kMinute) {
          Stats st = s.fleet().Aggregate(*r, *m, t, kMinute);
          if (st.sample_count == 0) continue;
          int64_t ps = out.kind == Kind::kGauge ? t : t - kMinute;
          out.points.push_back({ps, t, st.sum});
        }
      }
      if (out.points.empty() && !headers_only) continue;
      series.push_back(std::move(out));
    }
  }

  if (*reducer != "REDUCE_NONE") {
    // Group by the named fields; each group becomes one series.
    std::map<std::vector<std::string>, std::vector<const Series*>> groups;
    for (const Series& x : series) {
      std::vector<std::string> key;
      for (const std::string& g : group_by) {
        std::string v;
        if (g.compare(0, 14, "metric.labels.") == 0) {
          auto it = x.metric_labels.find(g.substr(14));
          if (it != x.metric_labels.end()) v = it->second;
        } else if (g.compare(0, 16, "resource.labels.") == 0) {
          auto it = x.resource_labels.find(g.substr(16));
          if (it != x.resource_labels.end()) v = it->second;
        } else if (g == "resource.type") {
          v = x.resource_type;
        }
        key.push_back(v);
      }
      groups[key].push_back(&x);
    }
    std::vector<Series> reduced;
    for (const auto& [key, members] : groups) {
      Series out;
      const Series& first = *members.front();
      out.metric = first.metric;
      out.resource_type = first.resource_type;
      out.resource_labels["project_id"] = kGcpProjectId;
      for (size_t i = 0; i < group_by.size(); ++i) {
        const std::string& g = group_by[i];
        if (key[i].empty()) continue;
        if (g.compare(0, 14, "metric.labels.") == 0) out.metric_labels[g.substr(14)] = key[i];
        if (g.compare(0, 16, "resource.labels.") == 0) out.resource_labels[g.substr(16)] = key[i];
      }
      out.kind = first.kind;
      out.value_type =
          *reducer == "REDUCE_COUNT" ? ValueType::kInt64
          : (*reducer == "REDUCE_SUM" || *reducer == "REDUCE_MIN" || *reducer == "REDUCE_MAX")
              ? first.value_type
              : ValueType::kDouble;
      std::map<int64_t, std::pair<int64_t, std::vector<double>>, std::greater<>> by_time;
      for (const Series* m : members) {
        for (const Point& p : m->points) {
          auto& slot = by_time[p.end_ms];
          slot.first = p.start_ms;
          slot.second.push_back(p.value);
        }
      }
      for (auto& [t, slot] : by_time) {
        out.points.push_back({slot.first, t, Reduce(*reducer, std::move(slot.second))});
      }
      reduced.push_back(std::move(out));
    }
    series = std::move(reduced);
  }

  // Paging: whole series per page, up to page_size points (FULL) or series
  // (HEADERS); at least one series per page.
  uint64_t query_hash = QueryHash(req);
  size_t first = 0;
  if (std::string_view token = req.Param("pageToken"); !token.empty()) {
    auto n = ParsePageToken(token, query_hash);
    if (!n || *n > series.size()) {
      return bad(fmt::format("Invalid value at 'page_token' ({})", token));
    }
    first = *n;
  }
  std::string out;
  size_t next = first;
  int64_t used = 0;
  while (next < series.size()) {
    int64_t cost = headers_only ? 1 : static_cast<int64_t>(series[next].points.size());
    if (next > first && used + cost > page_size) break;
    if (!out.empty()) out += ',';
    out += SeriesJson(series[next], headers_only);
    used += cost;
    ++next;
  }
  s.Count(kCloud, api, "ok");
  if (series.empty()) return JsonReply(resp, 200, "{}");
  std::string body = fmt::format(R"({{"timeSeries":[{}])", out);
  if (next < series.size()) {
    body += fmt::format(R"(,"nextPageToken":{})", JsonString(PageToken(next, query_hash)));
  }
  body += fmt::format(R"(,"unit":{}}})", JsonString(series.front().metric->unit));
  JsonReply(resp, 200, std::move(body));
  (void)now_ms;
}

// ---- metricDescriptors.list ----------------------------------------------------

void MetricDescriptors(SimState& s, const http::Request& req, http::Response& resp,
                       const std::string& api) {
  std::string filter_text(req.Param("filter"));
  auto filter = FilterParser(filter_text).Parse();
  if (!filter) {
    s.Count(kCloud, api, "error");
    return GoogleError(resp, 400, "INVALID_ARGUMENT",
                       fmt::format("Field filter had an invalid value of \"{}\".", filter_text));
  }
  // One descriptor per metric type, with the resource types that have it.
  std::vector<std::pair<const MetricDef*, std::string>> descriptors;
  for (const std::string& type : s.fleet().Types(kCloud)) {
    for (const MetricDef& m : s.fleet().MetricsOf(type)) {
      bool ok = true;
      for (const Restriction& r : *filter) {
        if (r.field == "metric.type") ok &= r.Matches(m.name);
        if (r.field == "resource.type") ok &= r.Matches(type);
      }
      if (ok) descriptors.emplace_back(&m, type);
    }
  }
  int64_t page_size = 100;
  if (std::string_view ps = req.Param("pageSize"); !ps.empty()) {
    page_size = std::clamp<int64_t>(std::strtoll(std::string(ps).c_str(), nullptr, 10), 1, 10000);
  }
  uint64_t query_hash = StableHash(filter_text);
  size_t first = 0;
  if (std::string_view token = req.Param("pageToken"); !token.empty()) {
    auto n = ParsePageToken(token, query_hash);
    if (!n || *n > descriptors.size()) {
      s.Count(kCloud, api, "error");
      return GoogleError(resp, 400, "INVALID_ARGUMENT",
                         fmt::format("Invalid value at 'page_token' ({})", token));
    }
    first = *n;
  }
  size_t stop = std::min(descriptors.size(), first + static_cast<size_t>(page_size));
  std::string out;
  for (size_t i = first; i < stop; ++i) {
    const MetricDef& m = *descriptors[i].first;
    const std::string& type = descriptors[i].second;
    std::string labels;
    const Resource* sample = nullptr;
    for (const Resource* r : s.fleet().ByCloud(kCloud)) {
      if (r->type == type) {
        sample = r;
        break;
      }
    }
    if (sample != nullptr) {
      for (const auto& [k, v] : MetricLabels(*sample, m)) {
        if (!labels.empty()) labels += ',';
        labels += fmt::format(R"({{"key":{},"description":{}}})", JsonString(k),
                              JsonString("The " + k + " of the series."));
      }
    }
    if (!out.empty()) out += ',';
    std::string display = m.name.substr(m.name.rfind('/') + 1);
    out += fmt::format(
        R"({{"name":{},"type":{},"labels":[{}],"metricKind":"{}","valueType":"{}","unit":{},)"
        R"("description":{},"displayName":{},"metadata":{{"launchStage":"GA","samplePeriod":"60s",)"
        R"("ingestDelay":"240s"}},"launchStage":"GA","monitoredResourceTypes":[{}]}})",
        JsonString(fmt::format("projects/{}/metricDescriptors/{}", kGcpProjectId, m.name)),
        JsonString(m.name), labels, KindName(KindOf(m)), ValueTypeName(ValueTypeOf(m)),
        JsonString(m.unit), JsonString(m.description), JsonString(display), JsonString(type));
  }
  std::string body = fmt::format(R"({{"metricDescriptors":[{}])", out);
  if (stop < descriptors.size()) {
    body += fmt::format(R"(,"nextPageToken":{})", JsonString(PageToken(stop, query_hash)));
  }
  s.Count(kCloud, api, "ok");
  JsonReply(resp, 200, body + "}");
}

// ---- entries:list ------------------------------------------------------------

struct LogTerm {
  std::string field, op, value;
};

// The Logging query language's simple form: `field op value` joined by AND,
// values quoted or bare ("timestamp>=\"...\" AND resource.type=\"gce_instance\""),
// with parenthesised groups of such terms ("... AND (severity>=ERROR AND ...)"):
// with AND alone, a group means what its terms mean.
std::optional<std::vector<LogTerm>> ParseLogFilter(std::string_view f) {
  std::vector<LogTerm> out;
  size_t i = 0;
  int depth = 0;
  auto space = [&] {
    while (i < f.size() && (f[i] == ' ' || f[i] == '\n' || f[i] == '\t')) ++i;
  };
  for (;;) {
    space();
    if (i >= f.size()) break;
    if (f.substr(i, 4) == "AND " || f.substr(i, 4) == "and ") {
      i += 4;
      continue;
    }
    if (f[i] == '(' || f[i] == ')') {
      depth += f[i] == '(' ? 1 : -1;
      if (depth < 0) return std::nullopt;
      ++i;
      continue;
    }
    LogTerm t;
    size_t start = i;
    while (i < f.size() && f[i] != '=' && f[i] != '!' && f[i] != '<' && f[i] != '>' &&
           f[i] != ':' && f[i] != ' ') {
      ++i;
    }
    t.field = std::string(f.substr(start, i - start));
    space();
    for (const char* op : {">=", "<=", "!=", "=", ">", "<", ":"}) {
      std::string_view o(op);
      if (f.substr(i, o.size()) == o) {
        t.op = std::string(o);
        i += o.size();
        break;
      }
    }
    if (t.field.empty() || t.op.empty()) return std::nullopt;
    space();
    if (i < f.size() && f[i] == '"') {
      ++i;
      while (i < f.size() && f[i] != '"') {
        if (f[i] == '\\' && i + 1 < f.size()) ++i;
        t.value += f[i++];
      }
      if (i >= f.size()) return std::nullopt;
      ++i;
    } else {
      while (i < f.size() && f[i] != ' ' && f[i] != ')') t.value += f[i++];
    }
    out.push_back(std::move(t));
  }
  if (depth != 0) return std::nullopt;
  return out;
}

int SeverityRank(std::string_view s) {
  static constexpr std::pair<const char*, int> kLevels[] = {
      {"DEFAULT", 0}, {"DEBUG", 100},    {"INFO", 200},  {"NOTICE", 300},   {"WARNING", 400},
      {"ERROR", 500}, {"CRITICAL", 600}, {"ALERT", 700}, {"EMERGENCY", 800}};
  for (const auto& [name, rank] : kLevels) {
    if (s == name) return rank;
  }
  return -1;
}

struct AuditEntry {
  int64_t t_ms;
  const Resource* r;
  uint64_t h;
  std::string method, severity, log_name;
};

bool Compare(std::string_view op, int64_t a, int64_t b) {
  if (op == ">=") return a >= b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == "<") return a < b;
  if (op == "!=") return a != b;
  return a == b;
}

void EntriesList(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms,
                 const std::string& api) {
  auto bad = [&](std::string message) {
    s.Count(kCloud, api, "error");
    GoogleError(resp, 400, "INVALID_ARGUMENT", message);
  };
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  std::string_view filter_text, page_token;
  int64_t page_size = 50;
  bool descending = false;
  if (!req.body.empty()) {
    if (parser.parse(req.body).get(body) != simdjson::SUCCESS) {
      return bad("Invalid JSON payload received.");
    }
    // Both optional: absent leaves them empty.
    if (body["filter"].get(filter_text) != simdjson::SUCCESS) filter_text = {};
    if (body["pageToken"].get(page_token) != simdjson::SUCCESS) page_token = {};
    int64_t n;
    if (body["pageSize"].get(n) == simdjson::SUCCESS && n > 0)
      page_size = std::min<int64_t>(n, 1000);
    std::string_view order;
    if (body["orderBy"].get(order) == simdjson::SUCCESS) descending = order == "timestamp desc";
    simdjson::dom::array names;
    if (body["resourceNames"].get(names) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : names) {
        std::string_view name;
        if (e.get(name) != simdjson::SUCCESS) return bad("resourceNames must be strings.");
        if (name != std::string("projects/") + kGcpProjectId) {
          s.Count(kCloud, api, "denied");
          return GoogleError(resp, 403, "PERMISSION_DENIED",
                             fmt::format("The caller does not have permission to read logs of "
                                         "'{}'.",
                                         name));
        }
      }
    }
  }
  auto terms = ParseLogFilter(filter_text);
  if (!terms) return bad(fmt::format("Invalid filter: \"{}\"", filter_text));
  // Without a timestamp restriction, the last 24 hours (as Logging does).
  int64_t from = now_ms - kDay, to = now_ms;
  for (const LogTerm& t : *terms) {
    if (t.field != "timestamp") continue;
    auto v = ParseTime(t.value);
    if (!v) return bad(fmt::format("Invalid timestamp in the filter: \"{}\"", t.value));
    // Entries are at whole milliseconds: strict bounds are one ms inside.
    if (t.op == ">=") from = *v;
    if (t.op == ">") from = *v + 1;
    if (t.op == "<=") to = *v;
    if (t.op == "<") to = *v - 1;
  }
  if (to - from > 31 * kDay) from = to - 31 * kDay;
  static const std::string kActivity =
      std::string("projects/") + kGcpProjectId + "/logs/cloudaudit.googleapis.com%2Factivity";
  std::vector<AuditEntry> entries;
  for (int64_t hour = from / kHour; hour * kHour <= to; ++hour) {
    for (const Resource* r : s.fleet().ByCloud(kCloud)) {
      uint64_t h = StableHash(r->id, static_cast<uint64_t>(hour) * 0x9e3779b97f4a7c15ULL + 7);
      if (h % 6 != 0) continue;
      int64_t t = hour * kHour + static_cast<int64_t>((h >> 8) % 3600) * 1000;
      if (t < from || t > to) continue;
      AuditEntry e{t, r, h, "", "NOTICE", kActivity};
      static constexpr const char* kGce[] = {"v1.compute.instances.start",
                                             "v1.compute.instances.stop",
                                             "v1.compute.instances.setLabels"};
      static constexpr const char* kSql[] = {
          "cloudsql.instances.update", "cloudsql.instances.restart", "cloudsql.backupRuns.create"};
      static constexpr const char* kGcs[] = {"storage.buckets.update", "storage.setIamPermissions",
                                             "storage.buckets.create"};
      size_t k = (h >> 20) % 3;
      e.method = r->type == "gce_instance"        ? kGce[k]
                 : r->type == "cloudsql_database" ? kSql[k]
                                                  : kGcs[k];
      if ((h >> 32) % 8 == 0) e.severity = "ERROR";
      bool keep = true;
      for (const LogTerm& term : *terms) {
        if (term.field == "timestamp") continue;
        if (term.field == "resource.type") {
          keep &= (r->type == term.value) == (term.op != "!=");
        } else if (term.field == "logName") {
          // ":" is the query language's "has": a substring, as in
          // logName:"cloudaudit.googleapis.com".
          keep &= term.op == ":" ? e.log_name.find(term.value) != std::string::npos
                                 : (e.log_name == term.value) == (term.op != "!=");
        } else if (term.field == "protoPayload.methodName") {
          keep &= term.op == ":" ? e.method.find(term.value) != std::string::npos
                                 : (e.method == term.value) == (term.op != "!=");
        } else if (term.field == "severity") {
          int want = SeverityRank(term.value);
          if (want < 0) return bad(fmt::format("Invalid severity: \"{}\"", term.value));
          keep &= Compare(term.op == ":" ? "=" : term.op, SeverityRank(e.severity), want);
        }
      }
      if (keep) entries.push_back(std::move(e));
    }
  }
  std::sort(entries.begin(), entries.end(), [&](const AuditEntry& a, const AuditEntry& b) {
    if (a.t_ms != b.t_ms) return descending ? a.t_ms > b.t_ms : a.t_ms < b.t_ms;
    return a.r->id < b.r->id;
  });
  uint64_t query_hash = StableHash(filter_text, static_cast<uint64_t>(descending));
  size_t first = 0;
  if (!page_token.empty()) {
    auto n = ParsePageToken(page_token, query_hash);
    if (!n || *n > entries.size()) return bad("Invalid page token.");
    first = *n;
  }
  size_t stop = std::min(entries.size(), first + static_cast<size_t>(page_size));
  std::string out;
  for (size_t i = first; i < stop; ++i) {
    const AuditEntry& e = entries[i];
    const Resource& r = *e.r;
    std::string service = r.type == "gce_instance"        ? "compute.googleapis.com"
                          : r.type == "cloudsql_database" ? "cloudsql.googleapis.com"
                                                          : "storage.googleapis.com";
    std::string resource_name = r.id.substr(r.id.find("/projects/") + 1);
    if (!out.empty()) out += ',';
    out += fmt::format(
        R"({{"logName":{},"resource":{{"type":{},"labels":{}}},)"
        R"("protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",)"
        R"("status":{},"authenticationInfo":{{"principalEmail":"{}"}},)"
        R"("requestMetadata":{{"callerIp":"10.0.0.7","callerSuppliedUserAgent":"vigil-cloudsim"}},)"
        R"("serviceName":"{}","methodName":"{}","resourceName":{}}},)"
        R"("insertId":"{:x}","timestamp":"{}","severity":"{}","receiveTimestamp":"{}"}})",
        JsonString(e.log_name), JsonString(r.type), LabelsJson(r.dimensions),
        e.severity == "ERROR" ? R"({"code":9,"message":"FAILED_PRECONDITION"})" : "{}",
        kGcpClientEmail, service, e.method, JsonString(resource_name), e.h, FormatRFC3339(e.t_ms),
        e.severity, FormatRFC3339(e.t_ms + 1500));
  }
  std::string reply = fmt::format(R"({{"entries":[{}])", out);
  if (stop < entries.size()) {
    reply += fmt::format(R"(,"nextPageToken":{})", JsonString(PageToken(stop, query_hash)));
  }
  s.Count(kCloud, api, "ok");
  JsonReply(resp, 200, reply + "}");
}

}  // namespace

bool ServeGcp(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms) {
  const std::string& path = req.path;
  if (path == "/token" || path == "/oauth2/v4/token") {
    Token(s, req, resp, now_ms);
    return true;
  }
  std::string api;
  std::string_view project;
  constexpr std::string_view kV3 = "/v3/projects/";
  if (path.compare(0, kV3.size(), kV3) == 0) {
    std::string_view rest = std::string_view(path).substr(kV3.size());
    size_t slash = rest.find('/');
    project = rest.substr(0, slash);
    std::string_view collection = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (collection == "timeSeries") {
      api = "timeSeries.list";
    } else if (collection == "metricDescriptors") {
      api = "metricDescriptors.list";
    } else {
      s.Count(kCloud, "other", "error");
      GoogleError(resp, 404, "NOT_FOUND",
                  fmt::format("The requested URL {} was not found on this server.", path));
      return true;
    }
    if (req.method != "GET") {
      s.Count(kCloud, api, "error");
      GoogleError(resp, 405, "INVALID_ARGUMENT", fmt::format("Use GET for {}.", api));
      return true;
    }
  } else if (path == "/v2/entries:list") {
    api = "entries.list";
    if (req.method != "POST") {
      s.Count(kCloud, api, "error");
      GoogleError(resp, 405, "INVALID_ARGUMENT", "Use POST for entries:list.");
      return true;
    }
  } else {
    return false;
  }
  if (!Authorize(s, req, resp, api, now_ms)) return true;
  if (api != "entries.list") {
    const char* permission = api == "timeSeries.list" ? "monitoring.timeSeries.list"
                                                      : "monitoring.metricDescriptors.list";
    if (!CheckProject(s, project, resp, api, permission)) return true;
  }
  if (InjectFault(s, resp, api)) return true;
  if (api == "timeSeries.list") {
    TimeSeriesList(s, req, resp, now_ms, api);
  } else if (api == "metricDescriptors.list") {
    MetricDescriptors(s, req, resp, api);
  } else {
    EntriesList(s, req, resp, now_ms, api);
  }
  return true;
}

Status WriteGcpCredentials(const SimState& s, const std::string& dir) {
  const Keys& k = s.keys();
  std::string base = s.http_base.empty() ? s.https_base : s.http_base;
  // 21 digits, like Google's numeric service-account ids.
  std::string client_id =
      fmt::format("10{:019}", StableHash(kGcpClientEmail) % 10000000000000000000ULL);
  std::string json = fmt::format(
      "{{\n"
      "  \"type\": \"service_account\",\n"
      "  \"project_id\": \"{}\",\n"
      "  \"private_key_id\": \"{}\",\n"
      "  \"private_key\": {},\n"
      "  \"client_email\": \"{}\",\n"
      "  \"client_id\": \"{}\",\n"
      "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
      "  \"token_uri\": \"{}/token\",\n"
      "  \"auth_provider_x509_cert_url\": \"https://www.googleapis.com/oauth2/v1/certs\",\n"
      "  \"client_x509_cert_url\": \"{}/robot/v1/metadata/x509/{}\",\n"
      "  \"universe_domain\": \"googleapis.com\"\n"
      "}}\n",
      kGcpProjectId, k.gcp_private_key_id, JsonString(k.gcp_private_key_pem), kGcpClientEmail,
      client_id, base, base, UrlEncode(kGcpClientEmail));
  std::string path = dir + "/gcp-service-account.json";
  if (Status st = fs::WriteFileAtomic(path, json); !st.ok()) return st;
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno("chmod " + path, errno);
  return Status::OK();
}

}  // namespace vigil::cloudsim
