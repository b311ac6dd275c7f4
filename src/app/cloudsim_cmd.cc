#include "app/cloudsim_cmd.h"

#include <signal.h>

#include <cstdio>

#include <fmt/format.h>

#include "base/logging.h"
#include "tools/cloudsim/cloudsim.h"

namespace vigil::app {

int RunCloudsim(const CloudsimFlags& flags) {
  auto log = log::Get("cloudsim");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  cloudsim::SimOptions opts;
  opts.listen = flags.listen;
  opts.tls_listen = flags.tls_listen;
  opts.state_dir = flags.state_dir;
  opts.fleet.seed = flags.seed;
  opts.fleet.scale = flags.scale;
  opts.faults.throttle_rate = flags.throttle_rate;
  opts.faults.error_rate = flags.error_rate;
  opts.faults.latency_ms = flags.latency_ms;
  opts.faults.expire_tokens = flags.expire_tokens;
  opts.faults.partial_rate = flags.partial_rate;
  auto sim = cloudsim::Simulator::Start(opts);
  if (!sim.ok()) {
    std::fprintf(stderr, "vigil cloudsim: %s\n", sim.status().message().c_str());
    return 1;
  }
  if (!flags.write_credentials.empty()) {
    Status s = (*sim)->WriteCredentials(flags.write_credentials);
    if (!s.ok()) {
      std::fprintf(stderr, "vigil cloudsim: %s\n", s.message().c_str());
      return 1;
    }
    log->info("credentials written to {}", flags.write_credentials);
  }
  std::string http = fmt::format("http://127.0.0.1:{}", (*sim)->port());
  log->info("AWS (CloudWatch, Tagging, Logs, STS) and GCP at {}", http);
  if ((*sim)->tls_port() != 0) {
    log->info("Azure (and everything else over TLS) at https://127.0.0.1:{}", (*sim)->tls_port());
  }
  log->info("AWS keys {} / {}; GCP project {}; Azure tenant {} client {}",
            cloudsim::kAwsAccessKeyId, cloudsim::kAwsSecretAccessKey, cloudsim::kGcpProjectId,
            cloudsim::kAzureTenantId, cloudsim::kAzureClientId);
  log->info(
      "try: AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} aws cloudwatch list-metrics "
      "--region us-east-1 --endpoint-url {}",
      cloudsim::kAwsAccessKeyId, cloudsim::kAwsSecretAccessKey, http);
  int sig = 0;
  sigwait(&signals, &sig);
  log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*sim)->Shutdown();
  return 0;
}

}  // namespace vigil::app
