// `vigil cloudsim`: one server that speaks the APIs of AWS (CloudWatch in the
// query, JSON 1.0 and RPCv2 CBOR protocols, Resource Groups Tagging,
// CloudWatch Logs, STS), Azure (Entra ID token + OpenID configuration, ARM,
// metric definitions, metrics:getBatch, activity log) and Google Cloud (OAuth
// token, timeSeries.list, metricDescriptors.list, entries:list) for the
// simulated fleet of fleet.h, so collectors and the clouds' official clients
// can be run and tested with no cloud account. docs/cloudsim.md is the user's
// guide (credentials, endpoints, faults).
//
// One plain-HTTP listener serves everything (AWS and GCP clients accept
// http endpoints); a second, TLS listener serves the same routes for the
// Azure SDKs, which refuse plain HTTP. The TLS certificate is issued by a CA
// the simulator creates in state_dir (kept across restarts, so a written CA
// file stays valid); the same goes for the GCP service-account key.
//
// Faults (throttling rate, 5xx rate, latency, expired tokens, partial
// results) come from SimOptions and can be changed at run time with
// POST /sim/faults (JSON, see docs/cloudsim.md). GET /sim/stats returns the
// call counters per cloud and API; /metrics exposes them in Prometheus form.
//
// Thread-safety: Start/Shutdown from one thread; requests are served
// concurrently on the server's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/status.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloudsim {

struct Faults {
  double throttle_rate = 0;    // fraction of API calls answered with the cloud's throttling error
  double error_rate = 0;       // fraction answered with a 5xx (InternalFailure / 500 / 503)
  int64_t latency_ms = 0;      // added to every answer
  bool expire_tokens = false;  // bearer/session tokens are refused as expired
  double partial_rate = 0;     // fraction of GetMetricData results PartialData with a NextToken
};

struct SimOptions {
  std::string listen = "127.0.0.1:9901";      // plain HTTP; port 0 picks one
  std::string tls_listen = "127.0.0.1:9902";  // HTTPS; "" disables
  std::string state_dir;  // CA, TLS key, GCP key; "" = a temp dir removed at Shutdown
  FleetOptions fleet;
  Faults faults;
  int threads = 2;
};

// The known test credentials (also in docs/cloudsim.md).
inline constexpr const char* kAwsAccessKeyId = "AKIDEXAMPLE";
inline constexpr const char* kAwsSecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr const char* kAzureTenantId = "00000000-0000-0000-0000-000000000000";
inline constexpr const char* kAzureClientId = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kAzureClientSecret = "vigil~cloudsim~client~secret";
inline constexpr const char* kAzureSubscriptionId = "00000000-0000-0000-0000-0000000000aa";
inline constexpr const char* kGcpProjectId = "example-project";
inline constexpr const char* kGcpClientEmail = "vigil-sim@example-project.iam.gserviceaccount.com";

class Simulator {
 public:
  static Result<std::unique_ptr<Simulator>> Start(const SimOptions& opts);
  virtual ~Simulator() = default;

  virtual uint16_t port() const = 0;      // plain HTTP
  virtual uint16_t tls_port() const = 0;  // 0 when disabled
  // Writes into dir: aws-credentials (shared credentials file, profile
  // default and cloudsim), aws-config, azure.env (AZURE_TENANT_ID, ...),
  // azure-credentials.json, gcp-service-account.json (token_uri pointing at
  // this simulator), ca.pem, and endpoints.env (the URLs to use).
  virtual Status WriteCredentials(const std::string& dir) const = 0;
  virtual void SetFaults(const Faults& f) = 0;
  // Total API calls served for one cloud and API ("aws", "GetMetricData").
  virtual uint64_t Calls(const std::string& cloud, const std::string& api) const = 0;
  virtual void Shutdown() = 0;
};

}  // namespace vigil::cloudsim
