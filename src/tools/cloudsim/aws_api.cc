// ServeAws: one POST / endpoint (plus the RPCv2 CBOR path) for CloudWatch in
// three protocols, Tagging, Logs and STS, as the AWS SDKs see them.
#include <fmt/format.h>
#include <openssl/rand.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include "base/file.h"
#include "collect/cloud/aws/sigv4.h"
#include "tools/cloudsim/aws_internal.h"

namespace vigil::cloudsim {
namespace awssim {
namespace {

// GetMetricData's Id rule: a lower-case letter, then letters, digits, '_'.
bool IsMetricDataQueryId(std::string_view id) {
  if (id.empty() || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

constexpr const char* kCborPathPrefix = "/service/GraniteServiceVersion20100801/operation/";
constexpr size_t kMaxInflatedBytes = 64 << 20;
constexpr size_t kListMetricsPage = 500;
constexpr size_t kMaxQueries = 500;
constexpr int64_t kDefaultMaxDatapoints = 100'800;
constexpr int64_t kMaxStatisticsDatapoints = 1'440;
constexpr int64_t kMaxPeriodsExamined = 1'000'000;
constexpr size_t kMaxUserMetrics = 50'000;

// ---- state registry ---------------------------------------------------------

std::mutex registry_mu;
std::map<const SimState*, std::unique_ptr<AwsState>>& Registry() {
  static auto* r = new std::map<const SimState*, std::unique_ptr<AwsState>>();
  return *r;
}

}  // namespace

AwsState& StateFor(const SimState* s) {
  std::lock_guard<std::mutex> l(registry_mu);
  auto& slot = Registry()[s];
  if (!slot) slot = std::make_unique<AwsState>();
  return *slot;
}

void ForgetState(const SimState* s) {
  std::lock_guard<std::mutex> l(registry_mu);
  Registry().erase(s);
}

namespace {

// ---- small helpers -----------------------------------------------------------

std::string RequestId(AwsState& st) {
  unsigned char r[8] = {};
  if (RAND_bytes(r, sizeof(r)) != 1) std::fill(std::begin(r), std::end(r), 0x5a);
  uint64_t n;
  {
    std::lock_guard<std::mutex> l(st.mu);
    n = ++st.next_request;
  }
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-4{:03x}-8{:03x}-{:012x}", r[0], r[1],
                     r[2], r[3], r[4], r[5], (r[6] << 4 | r[7]) & 0xfff, (n >> 48) & 0xfff,
                     n & 0xffffffffffffULL);
}

std::string HttpDate(int64_t now_ms) {
  time_t t = static_cast<time_t>(now_ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

Result<std::string> Gunzip(std::string_view in) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::InvalidArgument("malformed gzip body");
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > kMaxInflatedBytes) {
      inflateEnd(&zs);
      return Status::InvalidArgument("gzip body too large");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::InvalidArgument("truncated gzip body");
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- protocol ----------------------------------------------------------------

enum class Service { kCloudWatch, kLogs, kTagging, kSts, kUnknown };

const char* SigningName(Service s) {
  switch (s) {
    case Service::kCloudWatch:
      return "monitoring";
    case Service::kLogs:
      return "logs";
    case Service::kTagging:
      return "tagging";
    case Service::kSts:
      return "sts";
    case Service::kUnknown:
      break;
  }
  return "";
}

bool IsStsAction(std::string_view a) {
  return a == "GetCallerIdentity" || a == "AssumeRole" || a == "AssumeRoleWithWebIdentity" ||
         a == "GetSessionToken";
}

// The JSON __type of an error code, for the service answering.
std::string JsonType(Service svc, Protocol proto, const std::string& code) {
  struct Entry {
    const char* code;
    const char* query_compatible;  // CloudWatch JSON 1.0 / CBOR
    const char* json11;            // Logs / Tagging
  };
  static const Entry kTable[] = {
      {"Throttling", "com.amazon.coral.availability#ThrottlingException",
       "com.amazon.coral.availability#ThrottlingException"},
      {"SignatureDoesNotMatch", "com.amazon.coral.service#InvalidSignatureException",
       "com.amazon.coral.service#InvalidSignatureException"},
      {"RequestExpired", "com.amazon.coral.service#InvalidSignatureException",
       "com.amazon.coral.service#InvalidSignatureException"},
      {"IncompleteSignature", "com.amazon.coral.service#IncompleteSignatureException",
       "com.amazon.coral.service#IncompleteSignatureException"},
      {"MissingAuthenticationToken", "com.amazon.coral.service#MissingAuthenticationTokenException",
       "com.amazon.coral.service#MissingAuthenticationTokenException"},
      {"InvalidClientTokenId", "com.amazon.coral.service#UnrecognizedClientException",
       "com.amazon.coral.service#UnrecognizedClientException"},
      {"ExpiredToken", "com.amazon.coral.service#ExpiredTokenException",
       "com.amazon.coral.service#ExpiredTokenException"},
      {"SerializationException", "com.amazon.coral.service#SerializationException",
       "com.amazon.coral.service#SerializationException"},
      {"UnknownOperationException", "com.amazon.coral.service#UnknownOperationException",
       "com.amazon.coral.service#UnknownOperationException"},
      {"ValidationError", "com.amazon.coral.validate#ValidationException",
       "com.amazon.coral.validate#ValidationException"},
      {"InternalFailure", "com.amazon.coral.service#InternalFailure", nullptr},
      {"InvalidParameterValue", "com.amazonaws.cloudwatch#InvalidParameterValueException", nullptr},
      {"InvalidParameterCombination",
       "com.amazonaws.cloudwatch#InvalidParameterCombinationException", nullptr},
      {"MissingParameter", "com.amazonaws.cloudwatch#MissingRequiredParameterException", nullptr},
      {"InvalidNextToken", "com.amazonaws.cloudwatch#InvalidNextToken", nullptr},
  };
  const bool json11 = proto == Protocol::kJson11;
  std::string ns =
      svc == Service::kLogs ? "com.amazonaws.logs#" : "com.amazonaws.resourcegroupstaggingapi#";
  for (const Entry& e : kTable) {
    if (code != e.code) continue;
    if (!json11) return e.query_compatible;
    if (e.json11 != nullptr) return e.json11;
    // Service-specific names for the generic CloudWatch-style codes.
    if (code == "InternalFailure") {
      return ns +
             (svc == Service::kLogs ? "ServiceUnavailableException" : "InternalServiceException");
    }
    return ns + "InvalidParameterException";
  }
  return (json11 ? ns : std::string("com.amazonaws.cloudwatch#")) + code;
}

struct Call {
  Protocol proto = Protocol::kQuery;
  Service service = Service::kUnknown;
  std::string op;
  std::string request_id;
};

void WriteError(const Call& call, const AwsError& e, http::Response& resp) {
  resp.status = e.status;
  if (call.proto == Protocol::kQuery) {
    const char* ns = call.service == Service::kSts ? kStsXmlns : kCloudWatchXmlns;
    resp.SetHeader("Content-Type", "text/xml");
    resp.body = QueryXmlError(ns, e, call.request_id);
    return;
  }
  Value body = Value::MakeMap();
  body.Add("__type", Value::Text(JsonType(call.service, call.proto, e.code)));
  body.Add("message", Value::Text(e.message));
  if (call.proto != Protocol::kJson11) {
    resp.SetHeader("x-amzn-query-error",
                   fmt::format("{};{}", e.code, e.receiver ? "Receiver" : "Sender"));
  }
  if (call.proto == Protocol::kCbor) {
    resp.SetHeader("smithy-protocol", "rpc-v2-cbor");
    resp.SetHeader("Content-Type", "application/cbor");
    resp.body = cbor::Encode(body);
  } else {
    resp.SetHeader("Content-Type", call.proto == Protocol::kJson10 ? "application/x-amz-json-1.0"
                                                                   : "application/x-amz-json-1.1");
    resp.body = DocumentToJson(body);
  }
}

void WriteSuccess(const Call& call, const Value& body, http::Response& resp) {
  resp.status = 200;
  switch (call.proto) {
    case Protocol::kQuery: {
      const char* ns = call.service == Service::kSts ? kStsXmlns : kCloudWatchXmlns;
      resp.SetHeader("Content-Type", "text/xml");
      resp.body = QueryXmlResponse(call.op, ns, body, call.op != "PutMetricData", call.request_id);
      break;
    }
    case Protocol::kJson10:
    case Protocol::kJson11:
      resp.SetHeader("Content-Type", call.proto == Protocol::kJson10
                                         ? "application/x-amz-json-1.0"
                                         : "application/x-amz-json-1.1");
      resp.body = DocumentToJson(body);
      break;
    case Protocol::kCbor:
      resp.SetHeader("smithy-protocol", "rpc-v2-cbor");
      resp.SetHeader("Content-Type", "application/cbor");
      resp.body = cbor::Encode(body);
      break;
  }
}

AwsError Err(int status, std::string code, std::string message) {
  return AwsError{status, std::move(code), std::move(message), status >= 500};
}

// "1 validation error detected: ..." as the coral validator words it.
OpResult NotNull(std::string_view member) {
  return OpResult::Error(
      400, "ValidationError",
      fmt::format("1 validation error detected: Value null at '{}' failed to satisfy constraint: "
                  "Member must not be null",
                  member));
}

// ---- the metric catalog --------------------------------------------------------

std::string MetricKey(std::string_view ns, std::string_view name, std::string_view region,
                      const std::vector<std::pair<std::string, std::string>>& dims) {
  std::string k = fmt::format("{}\x1f{}\x1f{}", ns, name, region);
  for (const auto& [n, v] : dims) k += fmt::format("\x1f{}={}", n, v);
  return k;
}

void BuildCatalog(const Fleet& fleet, AwsState& st) {
  std::lock_guard<std::mutex> l(st.mu);
  if (!st.catalog.empty()) return;
  for (const Resource* r : fleet.ByCloud("aws")) {
    for (const MetricDef* m : r->metrics) {
      CatalogEntry e;
      e.ns = r->type;
      e.name = m->name;
      e.region = r->region;
      e.resource = r;
      e.metric = m;
      for (const auto& [k, v] : r->dimensions) {
        if (r->type == "AWS/S3" && k == "StorageType" && m->name == "NumberOfObjects") {
          e.dimensions.emplace_back(k, "AllStorageTypes");
        } else {
          e.dimensions.emplace_back(k, v);
        }
      }
      std::sort(e.dimensions.begin(), e.dimensions.end());
      st.catalog_by_key[MetricKey(e.ns, e.name, e.region, e.dimensions)] = st.catalog.size();
      st.catalog.push_back(std::move(e));
    }
  }
}

std::vector<std::pair<std::string, std::string>> ReadDimensions(const Value& doc,
                                                                std::string_view key) {
  std::vector<std::pair<std::string, std::string>> dims;
  for (const Value& d : GetList(doc, key)) {
    dims.emplace_back(GetString(d, "Name").value_or(""), GetString(d, "Value").value_or(""));
  }
  std::sort(dims.begin(), dims.end());
  return dims;
}

Value DimensionsDoc(const std::vector<std::pair<std::string, std::string>>& dims) {
  Value a = Value::MakeArray();
  for (const auto& [n, v] : dims) {
    Value d = Value::MakeMap();
    d.Add("Name", Value::Text(n));
    d.Add("Value", Value::Text(v));
    a.Push(std::move(d));
  }
  return a;
}

// A metric a query names: a fleet metric, a user metric, or neither.
struct MetricRef {
  const CatalogEntry* fleet = nullptr;
  std::string user_key;
};

MetricRef Lookup(AwsState& st, const std::string& key) {
  MetricRef ref;
  std::lock_guard<std::mutex> l(st.mu);
  auto it = st.catalog_by_key.find(key);
  if (it != st.catalog_by_key.end()) {
    ref.fleet = &st.catalog[it->second];
  } else if (st.user_metrics.count(key)) {
    ref.user_key = key;
  }
  return ref;
}

// Statistics of one period; sample_count == 0 means no datapoint.
Stats PeriodStats(const Fleet& fleet, AwsState& st, const MetricRef& ref, int64_t start_ms,
                  int64_t period_ms) {
  if (ref.fleet != nullptr) {
    return fleet.Aggregate(*ref.fleet->resource, *ref.fleet->metric, start_ms, period_ms);
  }
  Stats s;
  if (ref.user_key.empty()) return s;
  std::lock_guard<std::mutex> l(st.mu);
  const UserMetric& um = st.user_metrics[ref.user_key];
  bool any = false;
  for (auto it = um.points.lower_bound(start_ms);
       it != um.points.end() && it->first < start_ms + period_ms; ++it) {
    const UserDatapoint& p = it->second;
    s.sum += p.sum;
    s.sample_count += p.sample_count;
    s.minimum = any ? std::min(s.minimum, p.minimum) : p.minimum;
    s.maximum = any ? std::max(s.maximum, p.maximum) : p.maximum;
    any = true;
  }
  if (any && s.sample_count > 0) s.average = s.sum / s.sample_count;
  return s;
}

std::string UnitOf(AwsState& st, const MetricRef& ref) {
  if (ref.fleet != nullptr) return ref.fleet->metric->unit;
  std::lock_guard<std::mutex> l(st.mu);
  auto it = st.user_metrics.find(ref.user_key);
  return it == st.user_metrics.end() ? "None" : it->second.unit;
}

// The value of a statistic name ("Average", "p99", ...); false when unknown.
bool StatValue(const Stats& s, std::string_view stat, double* out) {
  if (stat == "Average") {
    *out = s.average;
  } else if (stat == "Sum") {
    *out = s.sum;
  } else if (stat == "Minimum") {
    *out = s.minimum;
  } else if (stat == "Maximum") {
    *out = s.maximum;
  } else if (stat == "SampleCount") {
    *out = s.sample_count;
  } else if (stat.size() > 1 && stat[0] == 'p') {
    double p = 0;
    std::string num(stat.substr(1));
    char* end = nullptr;
    p = std::strtod(num.c_str(), &end);
    if (end == num.c_str() || *end != '\0' || !(p >= 0 && p <= 100)) return false;
    *out = s.Percentile(p);
  } else if (stat == "IQM" || stat.starts_with("tm") || stat.starts_with("wm")) {
    *out = s.average;  // trimmed means: the simulated distribution is symmetric
  } else {
    return false;
  }
  return true;
}

bool ValidPeriod(double p) {
  if (p <= 0 || p != std::floor(p)) return false;
  return p == 1 || p == 5 || p == 10 || p == 20 || p == 30 || std::fmod(p, 60) == 0;
}

int64_t FloorTo(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

// ---- CloudWatch ----------------------------------------------------------------

OpResult ListMetrics(const CallContext& ctx, const Value& req) {
  AwsState& st = StateFor(ctx.sim);
  BuildCatalog(ctx.sim->fleet(), st);
  const auto ns = GetString(req, "Namespace");
  const auto name = GetString(req, "MetricName");
  std::vector<std::pair<std::string, std::optional<std::string>>> dim_filters;
  for (const Value& d : GetList(req, "Dimensions")) {
    auto n = GetString(d, "Name");
    if (!n) return NotNull("dimensions.member.name");
    dim_filters.emplace_back(*n, GetString(d, "Value"));
  }
  if (dim_filters.size() > 10) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The collection Dimensions must not have a size greater than 10.");
  }
  const auto recently = GetString(req, "RecentlyActive");
  if (recently && *recently != "PT3H") {
    return OpResult::Error(
        400, "ValidationError",
        fmt::format("1 validation error detected: Value '{}' at 'recentlyActive' failed to "
                    "satisfy constraint: Member must satisfy enum value set: [PT3H]",
                    *recently));
  }
  size_t offset = 0;
  if (auto tok = GetString(req, "NextToken"); tok && !tok->empty()) {
    if (!tok->starts_with("lm-") ||
        std::from_chars(tok->data() + 3, tok->data() + tok->size(), offset).ec != std::errc()) {
      return OpResult::Error(400, "InvalidNextToken", "The service couldn't process the token.");
    }
  }

  auto matches = [&](const std::string& ens, const std::string& ename,
                     const std::vector<std::pair<std::string, std::string>>& dims) {
    if (ns && *ns != ens) return false;
    if (name && *name != ename) return false;
    for (const auto& [fn, fv] : dim_filters) {
      bool found = false;
      for (const auto& [dn, dv] : dims) {
        if (dn == fn && (!fv || *fv == dv)) found = true;
      }
      if (!found) return false;
    }
    return true;
  };

  Value metrics = Value::MakeArray();
  size_t seen = 0;
  bool more = false;
  auto emit = [&](const std::string& ens, const std::string& ename,
                  const std::vector<std::pair<std::string, std::string>>& dims) {
    if (seen++ < offset) return;
    if (metrics.array().size() >= kListMetricsPage) {
      more = true;
      return;
    }
    Value m = Value::MakeMap();
    m.Add("Namespace", Value::Text(ens));
    m.Add("MetricName", Value::Text(ename));
    m.Add("Dimensions", DimensionsDoc(dims));
    metrics.Push(std::move(m));
  };
  for (const CatalogEntry& e : st.catalog) {
    if (e.region == ctx.region && matches(e.ns, e.name, e.dimensions))
      emit(e.ns, e.name, e.dimensions);
    if (more) break;
  }
  if (!more) {
    std::lock_guard<std::mutex> l(st.mu);
    for (const auto& [key, um] : st.user_metrics) {
      if (um.region != ctx.region) continue;
      if (recently && um.last_put_ms < ctx.now_ms - 3 * 3600'000LL) continue;
      std::vector<std::pair<std::string, std::string>> dims(um.dimensions.begin(),
                                                            um.dimensions.end());
      if (matches(um.ns, um.name, dims)) emit(um.ns, um.name, dims);
      if (more) break;
    }
  }
  OpResult r;
  r.body.Add("Metrics", std::move(metrics));
  if (more) r.body.Add("NextToken", Value::Text(fmt::format("lm-{}", offset + kListMetricsPage)));
  return r;
}

struct DataQuery {
  std::string id, label, stat, unit;
  bool return_data = true;
  int64_t period_ms = 0;
  MetricRef ref;
  bool unit_mismatch = false;
};

OpResult GetMetricData(const CallContext& ctx, const Value& req) {
  AwsState& st = StateFor(ctx.sim);
  const Fleet& fleet = ctx.sim->fleet();
  BuildCatalog(fleet, st);
  const Value* queries_v = Get(req, "MetricDataQueries");
  if (queries_v == nullptr) return NotNull("metricDataQueries");
  const auto& queries = GetList(req, "MetricDataQueries");
  if (queries.size() > kMaxQueries) {
    return OpResult::Error(400, "InvalidParameterValue",
                           fmt::format("The collection MetricDataQueries must not have a size "
                                       "greater than {}.",
                                       kMaxQueries));
  }
  if (queries.empty()) {
    return OpResult::Error(400, "ValidationError",
                           "1 validation error detected: Value '[]' at 'metricDataQueries' failed "
                           "to satisfy constraint: Member must have length greater than or equal "
                           "to 1");
  }
  int64_t start_ms, end_ms;
  if (Get(req, "StartTime") == nullptr) return NotNull("startTime");
  if (Get(req, "EndTime") == nullptr) return NotNull("endTime");
  if (!GetTimeMs(req, "StartTime", &start_ms)) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The parameter StartTime is not a valid timestamp.");
  }
  if (!GetTimeMs(req, "EndTime", &end_ms)) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The parameter EndTime is not a valid timestamp.");
  }
  if (start_ms >= end_ms) {
    return OpResult::Error(400, "ValidationError",
                           "The parameter StartTime must be less than the parameter EndTime.");
  }
  const std::string scan_by = GetString(req, "ScanBy").value_or("TimestampDescending");
  if (scan_by != "TimestampDescending" && scan_by != "TimestampAscending") {
    return OpResult::Error(
        400, "ValidationError",
        fmt::format("1 validation error detected: Value '{}' at 'scanBy' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [TimestampDescending, "
                    "TimestampAscending]",
                    scan_by));
  }
  double max_dp = kDefaultMaxDatapoints;
  if (Get(req, "MaxDatapoints") != nullptr &&
      (!GetNumber(req, "MaxDatapoints", &max_dp) || max_dp < 1)) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The parameter MaxDatapoints must be greater than 0.");
  }
  // Token: "gmd-<query index>-<period index>" where the previous page stopped.
  size_t tok_query = 0;
  int64_t tok_period = 0;
  if (auto tok = GetString(req, "NextToken"); tok && !tok->empty()) {
    unsigned long long q = 0;
    long long p = 0;
    if (std::sscanf(tok->c_str(), "gmd-%llu-%lld", &q, &p) != 2 || q >= queries.size() || p < 0) {
      return OpResult::Error(400, "InvalidNextToken", "The service couldn't process the token.");
    }
    tok_query = q;
    tok_period = p;
  }

  std::vector<DataQuery> parsed;
  std::set<std::string> ids;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Value& q = queries[i];
    DataQuery dq;
    auto id = GetString(q, "Id");
    if (!id) return NotNull(fmt::format("metricDataQueries.{}.member.id", i + 1));
    if (id->empty() || id->size() > 255 || !IsMetricDataQueryId(*id)) {
      return OpResult::Error(
          400, "ValidationError",
          fmt::format("The value {} for parameter MetricDataQueries.member.{}.Id is not matching "
                      "the expected pattern ^[a-z][a-zA-Z0-9_]*$.",
                      *id, i + 1));
    }
    if (!ids.insert(*id).second) {
      return OpResult::Error(400, "ValidationError",
                             fmt::format("The values for parameter id in MetricDataQueries are not "
                                         "unique. Duplicated value: {}",
                                         *id));
    }
    dq.id = *id;
    dq.return_data = GetBool(q, "ReturnData", true);
    const Value* ms = Get(q, "MetricStat");
    const bool has_expr = Get(q, "Expression") != nullptr;
    if (has_expr && ms == nullptr) {
      return OpResult::Error(
          400, "InvalidParameterValue",
          fmt::format("Metric math expressions are not supported by the simulator "
                      "(MetricDataQueries.member.{}.Expression, Id {}); use MetricStat.",
                      i + 1, dq.id));
    }
    if (ms == nullptr || has_expr) {
      return OpResult::Error(400, "ValidationError",
                             fmt::format("Exactly one element of the metrics list should have "
                                         "either MetricStat or Expression (query {}).",
                                         dq.id));
    }
    const Value* metric = Get(*ms, "Metric");
    if (metric == nullptr) {
      return NotNull(fmt::format("metricDataQueries.{}.member.metricStat.metric", i + 1));
    }
    auto ns = GetString(*metric, "Namespace");
    auto name = GetString(*metric, "MetricName");
    auto stat = GetString(*ms, "Stat");
    double period = 0;
    if (!name)
      return NotNull(
          fmt::format("metricDataQueries.{}.member.metricStat.metric.metricName", i + 1));
    if (!stat) return NotNull(fmt::format("metricDataQueries.{}.member.metricStat.stat", i + 1));
    if (Get(*ms, "Period") == nullptr) {
      return NotNull(fmt::format("metricDataQueries.{}.member.metricStat.period", i + 1));
    }
    if (!GetNumber(*ms, "Period", &period) || !ValidPeriod(period)) {
      return OpResult::Error(
          400, "InvalidParameterValue",
          fmt::format("The parameter MetricDataQueries.member.{}.MetricStat.Period must be 1, 5, "
                      "10, 20, 30, 60, or any multiple of 60.",
                      i + 1));
    }
    Stats probe;
    double dummy;
    if (!StatValue(probe, *stat, &dummy)) {
      return OpResult::Error(
          400, "InvalidParameterValue",
          fmt::format("The value {} for parameter MetricDataQueries.member.{}.MetricStat.Stat is "
                      "not supported.",
                      *stat, i + 1));
    }
    dq.stat = *stat;
    dq.period_ms = static_cast<int64_t>(period) * 1000;
    dq.label = GetString(q, "Label").value_or(*name);
    dq.ref = Lookup(
        st, MetricKey(ns.value_or(""), *name, ctx.region, ReadDimensions(*metric, "Dimensions")));
    if (auto unit = GetString(*ms, "Unit"); unit && !unit->empty()) {
      dq.unit_mismatch = *unit != UnitOf(st, dq.ref);
    }
    parsed.push_back(std::move(dq));
  }

  // Fill pages in query order; each query's periods in scan order.
  int64_t budget = static_cast<int64_t>(max_dp);
  if (ctx.partial_fault) budget = std::max<int64_t>(1, budget / 4);
  const bool descending = scan_by == "TimestampDescending";
  Value results = Value::MakeArray();
  std::string next_token;
  for (size_t qi = tok_query; qi < parsed.size(); ++qi) {
    const DataQuery& dq = parsed[qi];
    if (!dq.return_data) continue;
    int64_t first = FloorTo(start_ms, dq.period_ms);
    int64_t last_end = end_ms;
    // High-resolution periods exist only for the last three hours (older
    // data is kept at one minute and coarser), as CloudWatch answers.
    if (dq.period_ms < 60'000 && start_ms < ctx.now_ms - 3 * 3600'000LL) last_end = first;
    if (dq.ref.fleet == nullptr) {
      // A user metric (or none): only the span of its datapoints can have
      // data. The span is cut on the period grid, so page tokens stay valid.
      int64_t lo = 0, hi = -1;
      if (!dq.ref.user_key.empty()) {
        std::lock_guard<std::mutex> l(st.mu);
        const auto& pts = st.user_metrics[dq.ref.user_key].points;
        if (!pts.empty()) lo = pts.begin()->first, hi = pts.rbegin()->first + 60'000;
      }
      if (hi < lo) {
        last_end = first;
      } else {
        if (lo > first) first += (lo - first) / dq.period_ms * dq.period_ms;
        last_end = std::max(first, std::min(last_end, hi));
      }
    }
    const int64_t n_periods =
        std::max<int64_t>(0, (last_end - first + dq.period_ms - 1) / dq.period_ms);
    Value ts = Value::MakeArray(), vals = Value::MakeArray();
    int64_t pi = qi == tok_query ? tok_period : 0;
    bool cut = false;
    // Partial fault: stop early even when the budget would allow more.
    const int64_t fault_stop = ctx.partial_fault ? std::max<int64_t>(1, (n_periods - pi) / 2) : -1;
    int64_t emitted_here = 0;
    int64_t examined = 0;
    for (; pi < n_periods; ++pi) {
      // The work per call is bounded too: long empty stretches (sparse user
      // metrics) end the page like a full one.
      if (budget <= 0 || (fault_stop >= 0 && emitted_here >= fault_stop) ||
          ++examined > kMaxPeriodsExamined) {
        cut = true;
        break;
      }
      const int64_t idx = descending ? n_periods - 1 - pi : pi;
      const int64_t t = first + idx * dq.period_ms;
      if (dq.unit_mismatch) continue;
      Stats s = PeriodStats(fleet, st, dq.ref, t, dq.period_ms);
      if (s.sample_count <= 0) continue;
      double v = 0;
      StatValue(s, dq.stat, &v);
      ts.Push(Value::Timestamp(static_cast<double>(t / 1000)));
      vals.Push(Value::Float(v));
      --budget;
      ++emitted_here;
    }
    Value r = Value::MakeMap();
    r.Add("Id", Value::Text(dq.id));
    r.Add("Label", Value::Text(dq.label));
    r.Add("Timestamps", std::move(ts));
    r.Add("Values", std::move(vals));
    r.Add("StatusCode", Value::Text(cut ? "PartialData" : "Complete"));
    results.Push(std::move(r));
    if (cut) {
      next_token = fmt::format("gmd-{}-{}", qi, pi);
      break;
    }
  }
  OpResult out;
  out.body.Add("MetricDataResults", std::move(results));
  out.body.Add("Messages", Value::MakeArray());
  if (!next_token.empty()) out.body.Add("NextToken", Value::Text(next_token));
  return out;
}

OpResult GetMetricStatistics(const CallContext& ctx, const Value& req) {
  AwsState& st = StateFor(ctx.sim);
  const Fleet& fleet = ctx.sim->fleet();
  BuildCatalog(fleet, st);
  auto ns = GetString(req, "Namespace");
  auto name = GetString(req, "MetricName");
  if (!ns) return NotNull("namespace");
  if (!name) return NotNull("metricName");
  if (Get(req, "StartTime") == nullptr) return NotNull("startTime");
  if (Get(req, "EndTime") == nullptr) return NotNull("endTime");
  if (Get(req, "Period") == nullptr) return NotNull("period");
  int64_t start_ms, end_ms;
  double period = 0;
  if (!GetTimeMs(req, "StartTime", &start_ms) || !GetTimeMs(req, "EndTime", &end_ms)) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The parameter StartTime or EndTime is not a valid timestamp.");
  }
  if (!GetNumber(req, "Period", &period) || !ValidPeriod(period)) {
    return OpResult::Error(
        400, "InvalidParameterValue",
        "The parameter Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60.");
  }
  if (start_ms >= end_ms) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The parameter StartTime must be less than the parameter EndTime.");
  }
  std::vector<std::string> stats, ext;
  for (const Value& v : GetList(req, "Statistics")) {
    if (v.is_text()) stats.push_back(v.str());
  }
  for (const Value& v : GetList(req, "ExtendedStatistics")) {
    if (v.is_text()) ext.push_back(v.str());
  }
  if (stats.empty() && ext.empty()) {
    return OpResult::Error(400, "InvalidParameterCombination",
                           "Must specify either Statistics or ExtendedStatistics.");
  }
  static const std::set<std::string> kStats = {"SampleCount", "Average", "Sum", "Minimum",
                                               "Maximum"};
  for (const std::string& s : stats) {
    if (!kStats.count(s)) {
      return OpResult::Error(
          400, "ValidationError",
          fmt::format("1 validation error detected: Value '[{}]' at 'statistics' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [Maximum, SampleCount, Sum, "
                      "Minimum, Average]",
                      s));
    }
  }
  double dummy;
  for (const std::string& s : ext) {
    if (s.empty() || s[0] != 'p' || !StatValue(Stats{}, s, &dummy)) {
      return OpResult::Error(400, "InvalidParameterValue",
                             fmt::format("The value {} for parameter ExtendedStatistics is not "
                                         "supported.",
                                         s));
    }
  }
  const int64_t period_ms = static_cast<int64_t>(period) * 1000;
  const int64_t first = FloorTo(start_ms, period_ms);
  const int64_t n = (end_ms - first + period_ms - 1) / period_ms;
  if (n > kMaxStatisticsDatapoints) {
    return OpResult::Error(
        400, "InvalidParameterCombination",
        fmt::format("You have requested up to {} datapoints, which exceeds the limit of {}. You "
                    "may reduce the datapoints requested by increasing Period, or decreasing the "
                    "time range.",
                    n, kMaxStatisticsDatapoints));
  }
  MetricRef ref = Lookup(st, MetricKey(*ns, *name, ctx.region, ReadDimensions(req, "Dimensions")));
  std::string unit = UnitOf(st, ref);
  auto want_unit = GetString(req, "Unit");
  Value points = Value::MakeArray();
  if (!want_unit || want_unit->empty() || *want_unit == unit) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = first + i * period_ms;
      Stats s = PeriodStats(fleet, st, ref, t, period_ms);
      if (s.sample_count <= 0) continue;
      Value p = Value::MakeMap();
      p.Add("Timestamp", Value::Timestamp(static_cast<double>(t / 1000)));
      for (const std::string& stat : stats) {
        double v = 0;
        StatValue(s, stat, &v);
        p.Add(stat, Value::Float(v));
      }
      p.Add("Unit", Value::Text(unit));
      if (!ext.empty()) {
        Value e = Value::MakeMap();
        for (const std::string& stat : ext) {
          double v = 0;
          StatValue(s, stat, &v);
          e.Add(stat, Value::Float(v));
        }
        p.Add("ExtendedStatistics", std::move(e));
      }
      points.Push(std::move(p));
    }
  }
  OpResult r;
  r.body.Add("Label", Value::Text(*name));
  r.body.Add("Datapoints", std::move(points));
  return r;
}

OpResult PutMetricData(const CallContext& ctx, const Value& req) {
  AwsState& st = StateFor(ctx.sim);
  auto ns = GetString(req, "Namespace");
  if (!ns) return NotNull("namespace");
  if (ns->empty() || ns->starts_with("AWS/")) {
    return OpResult::Error(400, "InvalidParameterValue",
                           fmt::format("The value {} for parameter Namespace is invalid.", *ns));
  }
  const auto& data = GetList(req, "MetricData");
  if (Get(req, "MetricData") == nullptr) return NotNull("metricData");
  if (data.size() > 1000) {
    return OpResult::Error(400, "InvalidParameterValue",
                           "The collection MetricData must not have a size greater than 1000.");
  }
  struct Pending {
    std::string key;
    UserMetric meta;
    int64_t minute;
    UserDatapoint p;
  };
  std::vector<Pending> pending;
  for (size_t i = 0; i < data.size(); ++i) {
    const Value& d = data[i];
    auto name = GetString(d, "MetricName");
    if (!name) return NotNull(fmt::format("metricData.{}.member.metricName", i + 1));
    auto dims = ReadDimensions(d, "Dimensions");
    int64_t t = ctx.now_ms;
    if (Get(d, "Timestamp") != nullptr && !GetTimeMs(d, "Timestamp", &t)) {
      return OpResult::Error(400, "InvalidParameterValue",
                             fmt::format("The parameter MetricData.member.{}.Timestamp is not a "
                                         "valid timestamp.",
                                         i + 1));
    }
    Pending pd;
    pd.key = MetricKey(*ns, *name, ctx.region, dims);
    pd.meta.ns = *ns;
    pd.meta.name = *name;
    pd.meta.region = ctx.region;
    pd.meta.unit = GetString(d, "Unit").value_or("None");
    for (auto& [k, v] : dims) pd.meta.dimensions[k] = v;
    pd.minute = FloorTo(t, 60'000);
    const auto& values = GetList(d, "Values");
    const auto& counts = GetList(d, "Counts");
    double v;
    if (const Value* sv = Get(d, "StatisticValues"); sv != nullptr) {
      double sc, sum, mn, mx;
      if (!GetNumber(*sv, "SampleCount", &sc) || !GetNumber(*sv, "Sum", &sum) ||
          !GetNumber(*sv, "Minimum", &mn) || !GetNumber(*sv, "Maximum", &mx)) {
        return OpResult::Error(400, "MissingParameter",
                               fmt::format("The parameter MetricData.member.{}.StatisticValues "
                                           "must contain SampleCount, Sum, Minimum and Maximum.",
                                           i + 1));
      }
      pd.p = {sum, mn, mx, sc};
    } else if (!values.empty()) {
      if (!counts.empty() && counts.size() != values.size()) {
        return OpResult::Error(400, "InvalidParameterValue",
                               fmt::format("The parameters MetricData.member.{}.Values and "
                                           "MetricData.member.{}.Counts must be of the same size.",
                                           i + 1, i + 1));
      }
      bool any = false;
      for (size_t j = 0; j < values.size(); ++j) {
        Value holder = Value::MakeMap();
        holder.Add("v", values[j]);
        if (!GetNumber(holder, "v", &v)) {
          return OpResult::Error(400, "InvalidParameterValue",
                                 fmt::format("The parameter MetricData.member.{}.Values is "
                                             "invalid.",
                                             i + 1));
        }
        double c = 1;
        if (!counts.empty()) {
          Value ch = Value::MakeMap();
          ch.Add("c", counts[j]);
          if (!GetNumber(ch, "c", &c)) c = 1;
        }
        pd.p.sum += v * c;
        pd.p.sample_count += c;
        pd.p.minimum = any ? std::min(pd.p.minimum, v) : v;
        pd.p.maximum = any ? std::max(pd.p.maximum, v) : v;
        any = true;
      }
    } else if (GetNumber(d, "Value", &v)) {
      pd.p = {v, v, v, 1};
    } else {
      return OpResult::Error(400, "InvalidParameterCombination",
                             fmt::format("The parameters MetricData.member.{}.Value, "
                                         "MetricData.member.{}.StatisticValues and "
                                         "MetricData.member.{}.Values are mutually exclusive and "
                                         "one of them must be specified.",
                                         i + 1, i + 1, i + 1));
    }
    pending.push_back(std::move(pd));
  }
  std::lock_guard<std::mutex> l(st.mu);
  for (Pending& pd : pending) {
    if (st.user_metrics.size() >= kMaxUserMetrics && !st.user_metrics.count(pd.key)) {
      return OpResult::Error(
          400, "LimitExceeded",
          fmt::format("The simulator keeps at most {} user metrics.", kMaxUserMetrics));
    }
    UserMetric& um = st.user_metrics[pd.key];
    if (um.name.empty()) um = pd.meta;
    um.last_put_ms = ctx.now_ms;
    UserDatapoint& p = um.points[pd.minute];
    if (p.sample_count == 0) {
      p = pd.p;
    } else {
      p.sum += pd.p.sum;
      p.sample_count += pd.p.sample_count;
      p.minimum = std::min(p.minimum, pd.p.minimum);
      p.maximum = std::max(p.maximum, pd.p.maximum);
    }
    // Bound memory: keep the newest 100k minutes per metric.
    while (um.points.size() > 100'000) um.points.erase(um.points.begin());
  }
  return OpResult{};
}

// ---- Tagging -----------------------------------------------------------------------

// "ec2:instance" of "arn:aws:ec2:us-east-1:123:instance/i-1"; "s3" for buckets.
std::string ResourceTypeOfArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', pos);
    if (c == std::string_view::npos) return "";
    parts.push_back(arn.substr(pos, c - pos));
    pos = c + 1;
  }
  std::string_view service = parts[2];
  std::string_view res = arn.substr(pos);
  size_t cut = res.find_first_of("/:");
  if (service == "s3" || cut == std::string_view::npos) return std::string(service);
  return fmt::format("{}:{}", service, res.substr(0, cut));
}

OpResult GetResources(const CallContext& ctx, const Value& req) {
  std::vector<std::string> type_filters;
  for (const Value& v : GetList(req, "ResourceTypeFilters")) {
    if (v.is_text()) type_filters.push_back(v.str());
  }
  struct TagFilter {
    std::string key;
    std::vector<std::string> values;
  };
  std::vector<TagFilter> tag_filters;
  for (const Value& f : GetList(req, "TagFilters")) {
    TagFilter tf;
    tf.key = GetString(f, "Key").value_or("");
    for (const Value& v : GetList(f, "Values")) {
      if (v.is_text()) tf.values.push_back(v.str());
    }
    tag_filters.push_back(std::move(tf));
  }
  double per_page = 50;
  if (Get(req, "ResourcesPerPage") != nullptr &&
      (!GetNumber(req, "ResourcesPerPage", &per_page) || per_page < 1 || per_page > 100)) {
    return OpResult::Error(400, "InvalidParameterException",
                           "ResourcesPerPage must be between 1 and 100.");
  }
  size_t offset = 0;
  if (auto tok = GetString(req, "PaginationToken"); tok && !tok->empty()) {
    if (!tok->starts_with("tg-") ||
        std::from_chars(tok->data() + 3, tok->data() + tok->size(), offset).ec != std::errc()) {
      return OpResult::Error(400, "PaginationTokenExpiredException",
                             "The pagination token is not valid.");
    }
  }
  std::vector<const Resource*> matched;
  for (const Resource* r : ctx.sim->fleet().ByCloud("aws")) {
    if (r->region != ctx.region) continue;
    if (!type_filters.empty()) {
      const std::string type = ResourceTypeOfArn(r->id);
      bool ok = false;
      for (const std::string& f : type_filters) {
        if (f == type || (f.find(':') == std::string::npos && type.starts_with(f) &&
                          (type.size() == f.size() || type[f.size()] == ':'))) {
          ok = true;
        }
      }
      if (!ok) continue;
    }
    bool ok = true;
    for (const TagFilter& tf : tag_filters) {
      auto it = r->tags.find(tf.key);
      if (it == r->tags.end() ||
          (!tf.values.empty() &&
           std::find(tf.values.begin(), tf.values.end(), it->second) == tf.values.end())) {
        ok = false;
      }
    }
    if (ok) matched.push_back(r);
  }
  Value list = Value::MakeArray();
  const size_t end = std::min(matched.size(), offset + static_cast<size_t>(per_page));
  for (size_t i = offset; i < end; ++i) {
    Value m = Value::MakeMap();
    m.Add("ResourceARN", Value::Text(matched[i]->id));
    Value tags = Value::MakeArray();
    for (const auto& [k, v] : matched[i]->tags) {
      Value t = Value::MakeMap();
      t.Add("Key", Value::Text(k));
      t.Add("Value", Value::Text(v));
      tags.Push(std::move(t));
    }
    m.Add("Tags", std::move(tags));
    list.Push(std::move(m));
  }
  OpResult r;
  r.body.Add("PaginationToken", Value::Text(end < matched.size() ? fmt::format("tg-{}", end) : ""));
  r.body.Add("ResourceTagMappingList", std::move(list));
  return r;
}

// ---- dispatch ------------------------------------------------------------------------

OpResult Dispatch(const Call& call, const CallContext& ctx, const Value& doc) {
  switch (call.service) {
    case Service::kCloudWatch:
      if (call.op == "ListMetrics") return ListMetrics(ctx, doc);
      if (call.op == "GetMetricData") return GetMetricData(ctx, doc);
      if (call.op == "GetMetricStatistics") return GetMetricStatistics(ctx, doc);
      if (call.op == "PutMetricData") return PutMetricData(ctx, doc);
      break;
    case Service::kTagging:
      if (call.op == "GetResources") return GetResources(ctx, doc);
      break;
    case Service::kLogs:
      if (call.op == "FilterLogEvents") return FilterLogEvents(ctx, doc);
      break;
    case Service::kSts:
      return StsOperation(ctx, call.op, doc);
    case Service::kUnknown:
      break;
  }
  if (call.proto == Protocol::kQuery) {
    return OpResult::Error(
        400, "InvalidAction",
        fmt::format("The action {} is not valid for this web service.", call.op));
  }
  return OpResult::Error(
      400, "UnknownOperationException",
      fmt::format("The operation {} is not supported by the simulator.", call.op));
}

std::string AuthMessage(aws::VerifyResult::Code code) {
  using C = aws::VerifyResult::Code;
  switch (code) {
    case C::kMissingAuthenticationToken:
      return "Request is missing Authentication Token";
    case C::kIncompleteSignature:
      return "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
             "parameters.";
    case C::kInvalidClientTokenId:
      return "The security token included in the request is invalid.";
    case C::kSignatureDoesNotMatch:
      return "The request signature we calculated does not match the signature you provided. "
             "Check your AWS Secret Access Key and signing method. Consult the service "
             "documentation for details.";
    case C::kRequestExpired:
      return "Signature expired.";
    case C::kExpiredToken:
      return "The security token included in the request is expired";
    case C::kOk:
      break;
  }
  return "";
}

AwsError AuthError(const aws::VerifyResult& vr) {
  using C = aws::VerifyResult::Code;
  std::string msg = vr.message.empty() ? AuthMessage(vr.code) : vr.message;
  switch (vr.code) {
    case C::kMissingAuthenticationToken:
      return Err(403, "MissingAuthenticationToken", msg);
    case C::kIncompleteSignature:
      return Err(400, "IncompleteSignature", msg);
    case C::kInvalidClientTokenId:
      return Err(403, "InvalidClientTokenId", msg);
    case C::kSignatureDoesNotMatch:
      return Err(403, "SignatureDoesNotMatch", msg);
    case C::kRequestExpired:
      return Err(400, "RequestExpired", msg);
    case C::kExpiredToken:
      return Err(400, "ExpiredToken", msg);
    case C::kOk:
      break;
  }
  return Err(500, "InternalFailure", "unexpected verifier result");
}

// Splits "a=1&b=2" form bodies; the server's own form parsing is not used
// because the body may have been gzip-compressed.
http::Params ParseForm(std::string_view body) { return http::ParseQueryString(body); }

}  // namespace
}  // namespace awssim

bool ServeAws(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms) {
  using namespace awssim;
  const std::string_view path = req.path;
  const bool cbor_path = path.starts_with(kCborPathPrefix);
  if (req.method != "POST" || (path != "/" && !cbor_path)) return false;
  const std::string_view target = req.Header("x-amz-target");
  const std::string_view authz = req.Header("authorization");
  const std::string ctype = Lower(req.Header("content-type"));
  const bool form = ctype.starts_with("application/x-www-form-urlencoded");
  if (!cbor_path && target.empty() && !authz.starts_with("AWS4-") && !form) return false;

  AwsState& st = StateFor(&s);
  Call call;
  call.request_id = RequestId(st);
  resp.SetHeader("x-amzn-RequestId", call.request_id);
  resp.SetHeader("Date", HttpDate(now_ms));

  // The protocol and (when the headers tell) the operation.
  if (cbor_path) {
    call.proto = Protocol::kCbor;
    call.service = Service::kCloudWatch;
    call.op = std::string(path.substr(std::string_view(kCborPathPrefix).size()));
  } else if (!target.empty()) {
    size_t dot = target.find('.');
    std::string_view prefix = target.substr(0, dot);
    call.op = dot == std::string_view::npos ? "" : std::string(target.substr(dot + 1));
    if (prefix == "GraniteServiceVersion20100801") {
      call.proto = Protocol::kJson10;
      call.service = Service::kCloudWatch;
    } else {
      call.proto = Protocol::kJson11;
      call.service = prefix == "Logs_20140328"                       ? Service::kLogs
                     : prefix == "ResourceGroupsTaggingAPI_20170126" ? Service::kTagging
                                                                     : Service::kUnknown;
    }
  } else {
    call.proto = Protocol::kQuery;
  }

  // The signature covers the body as sent (compressed or not).
  std::optional<aws::VerifyResult> verified;
  if (!authz.empty()) {
    aws::SignableRequest sreq;
    sreq.method = req.method;
    const size_t q = req.target.find('?');
    sreq.path = req.target.substr(0, q);
    if (q != std::string::npos) sreq.query = req.target.substr(q + 1);
    sreq.headers.assign(req.headers.begin(), req.headers.end());
    sreq.body = req.body;
    aws::VerifyOptions vo;
    vo.now_ms = now_ms;
    vo.secret_for = [&](std::string_view akid) -> std::string {
      if (akid == kAwsAccessKeyId) return kAwsSecretAccessKey;
      std::lock_guard<std::mutex> l(st.mu);
      auto it = st.temp_credentials.find(std::string(akid));
      return it == st.temp_credentials.end() ? "" : it->second.secret_access_key;
    };
    const bool expire_all = s.faults().expire_tokens;
    vo.check_session_token = [&](std::string_view akid,
                                 std::string_view token) -> aws::VerifyResult::Code {
      if (akid == kAwsAccessKeyId) return aws::VerifyResult::Code::kOk;
      std::lock_guard<std::mutex> l(st.mu);
      auto it = st.temp_credentials.find(std::string(akid));
      if (it == st.temp_credentials.end() || token != it->second.session_token) {
        return aws::VerifyResult::Code::kInvalidClientTokenId;
      }
      if (expire_all || now_ms >= it->second.expiration_ms) {
        return aws::VerifyResult::Code::kExpiredToken;
      }
      return aws::VerifyResult::Code::kOk;
    };
    verified = aws::Verify(sreq, vo);
  }

  // The body, decompressed after the signature check.
  std::string inflated;
  std::string_view body = req.body;
  std::optional<AwsError> early;
  if (Lower(req.Header("content-encoding")).find("gzip") != std::string::npos) {
    auto r = Gunzip(req.body);
    if (!r.ok()) {
      early = Err(400, "SerializationException", std::string(r.status().message()));
    } else {
      inflated = std::move(*r);
      body = inflated;
    }
  }

  Value doc = Value::MakeMap();
  if (!early && call.proto == Protocol::kQuery) {
    http::Params params = ParseForm(body);
    doc = FormToDocument(params);
    auto action = GetString(doc, "Action");
    if (!action || action->empty()) {
      if (!verified) return false;  // neither signed nor an AWS form
      early = Err(400, "MissingAction", "Missing Action");
    } else {
      call.op = *action;
      call.service = IsStsAction(call.op) ? Service::kSts : Service::kCloudWatch;
    }
  }
  if (call.service == Service::kUnknown && verified && verified->service == "sts") {
    call.service = Service::kSts;
  }
  const std::string api = call.op.empty() ? "unknown" : call.op;

  auto fail = [&](const AwsError& e, const char* result) {
    WriteError(call, e, resp);
    s.Count("aws", api, result);
    return true;
  };

  // Authentication.
  CallContext ctx;
  ctx.sim = &s;
  ctx.now_ms = now_ms;
  if (!verified) {
    if (!(call.service == Service::kSts && StsUnsigned(call.op))) {
      return fail(Err(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
                  "denied");
    }
  } else {
    if (verified->code != aws::VerifyResult::Code::kOk) return fail(AuthError(*verified), "denied");
    if (call.service != Service::kUnknown && verified->service != SigningName(call.service)) {
      return fail(Err(403, "SignatureDoesNotMatch",
                      fmt::format("Credential should be scoped to correct service: '{}'. ",
                                  SigningName(call.service))),
                  "denied");
    }
    ctx.region = verified->region;
    ctx.access_key_id = verified->access_key_id;
  }
  if (early) return fail(*early, "error");

  // Faults, after authentication as AWS does.
  const Faults faults = s.faults();
  if (s.Roll(faults.throttle_rate))
    return fail(Err(400, "Throttling", "Rate exceeded"), "throttled");
  if (s.Roll(faults.error_rate)) {
    return fail(Err(500, "InternalFailure",
                    "The request processing has failed because of an unknown error, exception or "
                    "failure."),
                "error");
  }
  if (call.op == "GetMetricData") ctx.partial_fault = s.Roll(faults.partial_rate);

  // The document, for JSON and CBOR.
  if (call.proto == Protocol::kJson10 || call.proto == Protocol::kJson11) {
    if (body.empty()) {
      doc = Value::MakeMap();
    } else {
      auto r = JsonToDocument(body);
      if (!r.ok() || !r->is_map()) {
        return fail(Err(400, "SerializationException",
                        r.ok() ? "Start of structure or map found where not expected."
                               : fmt::format("Malformed JSON body: {}", r.status().message())),
                    "error");
      }
      doc = std::move(*r);
    }
  } else if (call.proto == Protocol::kCbor) {
    if (!body.empty()) {
      auto r = cbor::Decode(body);
      if (!r.ok() || !r->is_map()) {
        return fail(Err(400, "SerializationException",
                        r.ok() ? "Expected a CBOR map as the request body."
                               : std::string(r.status().message())),
                    "error");
      }
      doc = std::move(*r);
    }
  }

  OpResult out = Dispatch(call, ctx, doc);
  if (out.error) return fail(*out.error, out.error->status >= 500 ? "error" : "invalid");
  WriteSuccess(call, out.body, resp);
  s.Count("aws", api, "ok");
  return true;
}

Status WriteAwsCredentials(const SimState& s, const std::string& dir) {
  std::string creds = fmt::format(
      "[default]\naws_access_key_id = {0}\naws_secret_access_key = {1}\n\n"
      "[cloudsim]\naws_access_key_id = {0}\naws_secret_access_key = {1}\n",
      kAwsAccessKeyId, kAwsSecretAccessKey);
  Status st = fs::WriteFileAtomic(dir + "/aws-credentials", creds);
  if (!st.ok()) return st;
  std::string config = fmt::format(
      "[default]\nregion = us-east-1\nendpoint_url = {0}\n\n"
      "[profile cloudsim]\nregion = us-east-1\nendpoint_url = {0}\n",
      s.http_base);
  return fs::WriteFileAtomic(dir + "/aws-config", config);
}

}  // namespace vigil::cloudsim
