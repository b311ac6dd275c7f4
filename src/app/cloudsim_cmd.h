// `vigil cloudsim`: runs the cloud simulator (src/tools/cloudsim) in the
// foreground until SIGINT/SIGTERM, printing the endpoints and test
// credentials to use; `--write-credentials DIR` also writes them as files
// (an AWS shared credentials file, Azure and GCP credentials, the CA).
//
// Thread-safety: runs on the main thread only.
#pragma once

#include <cstdint>
#include <string>

namespace vigil::app {

struct CloudsimFlags {
  std::string listen = "127.0.0.1:9901";
  std::string tls_listen = "127.0.0.1:9902";
  std::string state_dir;
  std::string write_credentials;
  uint64_t seed = 42;
  int scale = 1;
  double throttle_rate = 0;
  double error_rate = 0;
  int64_t latency_ms = 0;
  bool expire_tokens = false;
  double partial_rate = 0;
};

// Returns the process exit code.
int RunCloudsim(const CloudsimFlags& flags);

}  // namespace vigil::app
