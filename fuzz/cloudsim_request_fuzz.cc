// Fuzzes the cloud simulator's AWS front door (ServeAws) with arbitrary
// request bodies and headers, without a listener. The first input byte picks
// the protocol and operation (low six bits, modulo the variants), whether the
// body is declared gzip (0x40) and whether it is left unsigned (0x80); the
// rest is the body. Requests are signed with the simulator's test key (so they
// reach the protocol decoders and operations) except in one variant, which
// stays unsigned to exercise the unauthenticated paths. Every request must be
// answered (or declined) without a crash, sanitizer report or leak.
#include <stddef.h>
#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

#include "api/http/http.h"
#include "collect/cloud/aws/sigv4.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"
#include "tools/cloudsim/sim_state.h"

using namespace vigil::cloudsim;  // NOLINT(build/namespaces)

namespace {

constexpr int64_t kNowMs = 1'764'600'000'000;  // fixed, so signatures are reproducible

struct Variant {
  const char* path;
  const char* content_type;
  const char* target;  // X-Amz-Target, or null
  const char* service;
};

const Variant kVariants[] = {
    {"/", "application/x-www-form-urlencoded; charset=utf-8", nullptr, "monitoring"},
    {"/", "application/x-www-form-urlencoded", nullptr, "sts"},
    {"/", "application/x-amz-json-1.0", "GraniteServiceVersion20100801.ListMetrics", "monitoring"},
    {"/", "application/x-amz-json-1.0", "GraniteServiceVersion20100801.GetMetricData",
     "monitoring"},
    {"/", "application/x-amz-json-1.0", "GraniteServiceVersion20100801.GetMetricStatistics",
     "monitoring"},
    {"/", "application/x-amz-json-1.0", "GraniteServiceVersion20100801.PutMetricData",
     "monitoring"},
    {"/", "application/x-amz-json-1.1", "Logs_20140328.FilterLogEvents", "logs"},
    {"/", "application/x-amz-json-1.1", "ResourceGroupsTaggingAPI_20170126.GetResources",
     "tagging"},
    {"/service/GraniteServiceVersion20100801/operation/GetMetricData", "application/cbor", nullptr,
     "monitoring"},
    {"/service/GraniteServiceVersion20100801/operation/ListMetrics", "application/cbor", nullptr,
     "monitoring"},
    {"/service/GraniteServiceVersion20100801/operation/PutMetricData", "application/cbor", nullptr,
     "monitoring"},
};
constexpr size_t kNumVariants = sizeof(kVariants) / sizeof(kVariants[0]);

SimState& State() {
  static Fleet* fleet = new Fleet(FleetOptions{});
  static SimState* state = new SimState(fleet, Keys{}, Faults{});
  return *state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t sel = data[0];
  const Variant& v = kVariants[(sel & 0x3f) % kNumVariants];
  const bool gzip = (sel & 0x40) != 0;
  const bool sign = (sel & 0x80) == 0;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  vigil::aws::SignableRequest sreq;
  sreq.method = "POST";
  sreq.path = v.path;
  sreq.headers.emplace_back("host", "127.0.0.1:9901");
  sreq.headers.emplace_back("content-type", v.content_type);
  if (v.target != nullptr) sreq.headers.emplace_back("x-amz-target", v.target);
  if (gzip) sreq.headers.emplace_back("content-encoding", "gzip");
  if (std::string_view(v.content_type) == "application/cbor") {
    sreq.headers.emplace_back("smithy-protocol", "rpc-v2-cbor");
  }
  sreq.body = body;
  if (sign) {
    vigil::aws::Credentials creds{kAwsAccessKeyId, kAwsSecretAccessKey, "", 0, "fuzz"};
    vigil::aws::SignOptions so;
    so.region = "us-east-1";
    so.service = v.service;
    so.now_ms = kNowMs;
    if (!vigil::aws::Sign(&sreq, creds, so).ok()) return 0;
  }

  vigil::http::Request req;
  req.method = "POST";
  req.target = v.path;
  req.path = v.path;
  for (auto& [name, value] : sreq.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(lower, value);
  }
  req.body = std::move(body);
  vigil::http::Response resp;
  bool served = ServeAws(State(), req, resp, kNowMs);
  if (served && (resp.status < 200 || resp.status > 599)) __builtin_trap();
  return 0;
}
