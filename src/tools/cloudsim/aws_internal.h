// The AWS side of the simulator, private to its files:
//
//   aws_api.cc    ServeAws: routing, SigV4, faults, errors, CloudWatch
//                 (ListMetrics, GetMetricData, GetMetricStatistics,
//                 PutMetricData) and Tagging GetResources
//   aws_query.cc  the wire codecs: query forms and JSON into a cbor::Value
//                 document, a document out as XML (query protocol) or JSON
//   aws_logs.cc   CloudWatch Logs FilterLogEvents over simulated log groups
//   aws_sts.cc    STS GetCallerIdentity / AssumeRole /
//                 AssumeRoleWithWebIdentity and the temporary credentials
//
// Every operation works on one protocol-neutral document (cbor::Value) and
// answers a document or an AwsError; the protocol layer turns those into
// the exact wire shape of the client's protocol. Query forms carry only
// text, so readers of a document go through the Get* helpers below, which
// accept a number or a timestamp in any of the three encodings.
//
// Owner: simaws. Thread-safety: AwsState is locked internally; the rest is
// pure.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tools/cloudsim/cbor.h"
#include "tools/cloudsim/fleet.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim::awssim {

using cbor::Value;

inline constexpr const char* kAccountId = "123456789012";
inline constexpr const char* kCloudWatchXmlns = "http://monitoring.amazonaws.com/doc/2010-08-01/";
inline constexpr const char* kStsXmlns = "https://sts.amazonaws.com/doc/2011-06-15/";

enum class Protocol { kQuery, kJson10, kJson11, kCbor };

// An error in the query protocol's terms (code as awsQueryError names it);
// the protocol layer maps it to the JSON __type names.
struct AwsError {
  int status = 400;
  std::string code;  // "Throttling", "InvalidParameterValue", "ResourceNotFoundException", ...
  std::string message;
  bool receiver = false;  // the fault is the service's (5xx)
};

// What a handler returns.
struct OpResult {
  std::optional<AwsError> error;
  Value body = Value::MakeMap();
  static OpResult Error(int status, std::string code, std::string message) {
    OpResult r;
    r.error = AwsError{status, std::move(code), std::move(message), status >= 500};
    return r;
  }
};

// The context of one authenticated call.
struct CallContext {
  SimState* sim = nullptr;
  std::string region = "us-east-1";  // from the credential scope
  std::string access_key_id;
  int64_t now_ms = 0;
  bool partial_fault = false;  // the partial-results fault fired for this call
};

// --- aws_query.cc: codecs ---------------------------------------------------

// A query-protocol form ("Action=..&A.member.1.B=x") as a document:
// "X.member.N" becomes an array at X (ordered by N), dots nest maps, every
// leaf is text.
Value FormToDocument(const http::Params& form);
Result<Value> JsonToDocument(std::string_view json);
// JSON with timestamps as epoch seconds (what the JSON protocols send).
std::string DocumentToJson(const Value& v);
// The query protocol's XML answer for operation `op` (no <OpResult> when
// `body` is an empty map and `with_result` is false).
std::string QueryXmlResponse(std::string_view op, std::string_view xmlns, const Value& body,
                             bool with_result, std::string_view request_id);
std::string QueryXmlError(std::string_view xmlns, const AwsError& e, std::string_view request_id);
std::string XmlEscape(std::string_view s);
// Timestamps as AWS prints them: 2024-01-01T00:00:00Z (fraction only when present).
std::string IsoTime(int64_t ms);

// Readers that accept each protocol's encoding.
const Value* Get(const Value& doc, std::string_view key);
std::optional<std::string> GetString(const Value& doc, std::string_view key);
// Numbers: JSON/CBOR numbers or numeric text; false when absent or not a number.
bool GetNumber(const Value& doc, std::string_view key, double* out);
// Timestamps: CBOR tag 1, epoch seconds (number or numeric text), ISO 8601.
// false when absent or malformed.
bool GetTimeMs(const Value& doc, std::string_view key, int64_t* out);
bool GetBool(const Value& doc, std::string_view key, bool default_value);
// An array member; a missing one is empty.
const std::vector<Value>& GetList(const Value& doc, std::string_view key);

// --- aws_api.cc ---------------------------------------------------------------

// Per-simulator AWS state (user metrics, temporary credentials), found by
// the SimState's address.
struct TempCredentials {
  std::string secret_access_key, session_token, role_arn, session_name;
  int64_t expiration_ms = 0;
};
struct UserDatapoint {
  double sum = 0, minimum = 0, maximum = 0, sample_count = 0;
};
struct UserMetric {
  std::string ns, name, unit, region;
  std::map<std::string, std::string> dimensions;
  std::map<int64_t, UserDatapoint> points;  // by minute start (ms)
  int64_t last_put_ms = 0;
};
// One CloudWatch metric of the simulated fleet (or a user metric).
struct CatalogEntry {
  std::string ns, name, region;
  std::vector<std::pair<std::string, std::string>> dimensions;  // sorted by name
  const Resource* resource = nullptr;
  const MetricDef* metric = nullptr;
};
class AwsState {
 public:
  std::mutex mu;
  std::vector<CatalogEntry> catalog;                        // fleet metrics, built once
  std::map<std::string, size_t> catalog_by_key;             // MetricKey -> index
  std::map<std::string, TempCredentials> temp_credentials;  // by access key id
  std::map<std::string, UserMetric> user_metrics;           // by metric key
  uint64_t next_request = 0;
};
AwsState& StateFor(const SimState* s);
// Drops the state of a simulator being shut down.
void ForgetState(const SimState* s);

// --- aws_logs.cc --------------------------------------------------------------
OpResult FilterLogEvents(const CallContext& ctx, const Value& req);

// --- aws_sts.cc ---------------------------------------------------------------
OpResult StsOperation(const CallContext& ctx, std::string_view action, const Value& req);
// Whether an STS action is called without a signature.
bool StsUnsigned(std::string_view action);

}  // namespace vigil::cloudsim::awssim
