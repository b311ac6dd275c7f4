// The simulator's shared state and the seam between its parts: cloudsim.cc
// (listeners, routing, /sim/*, call counters) hands every request to the
// three clouds' handlers in turn; the first that recognises it answers.
//
//   aws_api.cc     CloudWatch (query / JSON 1.0 / CBOR), Tagging, Logs, STS
//   azure_api.cc   Entra ID, ARM, metric definitions, getBatch, activity log
//   gcp_api.cc     OAuth token, timeSeries.list, metricDescriptors, entries:list
//   keys.cc        the CA, the TLS certificate and the GCP service-account key
//
// Thread-safety: SimState's members are thread-safe as documented; handlers
// run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "api/http/http.h"
#include "base/status.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloudsim {

// Key material made (or loaded) at start.
struct Keys {
  std::string ca_cert_pem;
  std::string tls_cert_pem;  // for 127.0.0.1 and localhost, signed by the CA
  std::string tls_key_pem;
  std::string gcp_private_key_pem;  // RSA 2048, PKCS#8
  std::string gcp_public_key_pem;
  std::string gcp_private_key_id;  // hex, the JWT "kid"
};

// Loads the keys from state_dir, or creates and saves them there (mode 0600
// for private keys). keys.cc.
Status LoadOrCreateKeys(const std::string& state_dir, Keys* keys);

class SimState {
 public:
  SimState(const Fleet* fleet, Keys keys, Faults faults)
      : fleet_(fleet), keys_(std::move(keys)), faults_(faults) {}

  const Fleet& fleet() const { return *fleet_; }
  const Keys& keys() const { return keys_; }

  Faults faults() const {
    std::lock_guard<std::mutex> l(mu_);
    return faults_;
  }
  void set_faults(const Faults& f) {
    std::lock_guard<std::mutex> l(mu_);
    faults_ = f;
  }
  // True with probability `rate` (deterministic per call sequence).
  bool Roll(double rate) {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    std::lock_guard<std::mutex> l(mu_);
    return std::uniform_real_distribution<double>(0, 1)(rng_) < rate;
  }

  // Counts one call ("aws", "GetMetricData", result "ok"/"throttled"/"error"/"denied").
  void Count(const std::string& cloud, const std::string& api, const std::string& result) {
    std::lock_guard<std::mutex> l(mu_);
    calls_[cloud + "\t" + api + "\t" + result]++;
  }
  uint64_t Calls(const std::string& cloud, const std::string& api) const {
    std::lock_guard<std::mutex> l(mu_);
    uint64_t n = 0;
    std::string prefix = cloud + "\t" + api + "\t";
    for (const auto& [k, v] : calls_) {
      if (k.compare(0, prefix.size(), prefix) == 0) n += v;
    }
    return n;
  }
  std::map<std::string, uint64_t> AllCalls() const {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }

  // Bearer tokens this simulator issued (Azure, GCP OAuth), with expiry.
  std::string IssueToken(const std::string& cloud, int64_t now_ms, int64_t ttl_ms);
  // "ok", "expired" or "unknown".
  std::string CheckToken(const std::string& token, int64_t now_ms) const;

  // The plain and TLS base URLs ("http://127.0.0.1:9901"), set once listening.
  std::string http_base, https_base;

 private:
  const Fleet* fleet_;
  const Keys keys_;
  mutable std::mutex mu_;
  Faults faults_;
  std::mt19937_64 rng_{12345};
  std::map<std::string, uint64_t> calls_;
  std::map<std::string, std::pair<std::string, int64_t>> tokens_;  // token -> cloud, expiry
};

// Each returns true when it answered the request (any outcome), false when
// the request is not for its cloud. now_ms is the wall clock.
bool ServeAws(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms);
bool ServeAzure(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms);
bool ServeGcp(SimState& s, const http::Request& req, http::Response& resp, int64_t now_ms);

// Files for WriteCredentials: the Azure and GCP parts (azure_api.cc /
// gcp_api.cc) and the AWS part (aws_api.cc).
Status WriteAwsCredentials(const SimState& s, const std::string& dir);
Status WriteAzureCredentials(const SimState& s, const std::string& dir);
Status WriteGcpCredentials(const SimState& s, const std::string& dir);

}  // namespace vigil::cloudsim
