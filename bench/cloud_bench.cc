// CPU per polled datapoint of the cloud collectors: each iteration is one
// poll of an in-process `vigil cloudsim` (loopback HTTP, real signing,
// real JSON), the way `vigil serve` polls a cloud. The CPU time reported is
// the polling thread's (the collector: signing, request building, response
// parsing, naming, the Sink), not the simulator's, which runs on the
// server's threads. items/s is datapoints (samples) per CPU second.
//
//   build/release/bench/vigil_bench_cloud --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <map>
#include <set>

#include "base/file.h"
#include "base/time.h"
#include "collect/cloud/aws/collector.h"
#include "collect/cloud/azure/collector.h"
#include "collect/cloud/gcp/collector.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloud {
namespace {

class CountingSink : public Sink {
 public:
  void Add(const model::Labels&, int64_t, double) override { ++samples; }
  uint64_t samples = 0;
};

struct Sim {
  explicit Sim(int scale) : dir("vigil-bench-cloud") {
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "";
    opts.state_dir = dir.path() + "/state";
    opts.fleet.scale = scale;
    opts.threads = 1;
    auto s = cloudsim::Simulator::Start(opts);
    if (!s.ok()) std::abort();
    sim = std::move(s).value();
    if (!sim->WriteCredentials(dir.path() + "/creds").ok()) std::abort();
    fleet = std::make_unique<cloudsim::Fleet>(opts.fleet);
  }
  ~Sim() { sim->Shutdown(); }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(sim->port()); }

  fs::TempDir dir;
  std::unique_ptr<cloudsim::Simulator> sim;
  std::unique_ptr<cloudsim::Fleet> fleet;
};

// Polls `c` once per iteration at simulated times one interval apart
// (starting a day back, so every window has data and none is repeated).
void RunPolls(benchmark::State& state, Collector* c, int64_t interval_ms) {
  int64_t t = NowMillis() - 24 * 3600 * 1000LL;
  CountingSink warm;
  if (!c->Poll(t, &warm).ok()) {  // discovery and tokens, outside the timing
    state.SkipWithError("first poll failed");
    return;
  }
  uint64_t samples = 0;
  for (auto _ : state) {
    t += interval_ms;
    CountingSink sink;
    Status st = c->Poll(t, &sink);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    samples += sink.samples;
  }
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["datapoints_per_poll"] =
      benchmark::Counter(static_cast<double>(samples) / static_cast<double>(state.iterations()));
}

void BM_AwsPoll(benchmark::State& state) {
  Sim sim(static_cast<int>(state.range(0)));
  std::map<std::string, std::set<std::string>> by_ns;
  std::set<std::string> regions;
  for (const cloudsim::Resource* r : sim.fleet->ByCloud("aws")) {
    regions.insert(r->region);
    for (const cloudsim::MetricDef* m : r->metrics) by_ns[r->type].insert(m->name);
  }
  config::AWSCloudConfig cfg;
  cfg.name = "bench";
  cfg.regions.assign(regions.begin(), regions.end());
  cfg.endpoint = sim.Base();
  cfg.credentials.access_key_id = cloudsim::kAwsAccessKeyId;
  cfg.credentials.secret_access_key.value = cloudsim::kAwsSecretAccessKey;
  for (const auto& [ns, names] : by_ns) {
    config::AWSDiscoveryJob job;
    job.type = ns;
    job.namespace_ = ns;
    job.recently_active_only = false;
    for (const auto& n : names) {
      config::AWSMetricConfig m;
      m.name = n;
      m.statistics = {"Average"};
      m.period_ms = 300'000;
      m.length_ms = 300'000;
      m.delay_ms = 0;
      m.nil_to_zero = false;
      m.add_cloudwatch_timestamp = false;
      job.metrics.push_back(m);
    }
    cfg.discovery.push_back(job);
  }
  metrics::Registry registry;
  aws::AwsCollectorOptions opts;
  opts.discovery_interval_ms = 1LL << 50;  // discovery once, in the warm-up poll
  auto c = aws::NewAwsCollector(cfg, &registry, nullptr, opts);
  if (!c.ok()) {
    state.SkipWithError(c.status().message().c_str());
    return;
  }
  RunPolls(state, c->get(), 300'000);
}
BENCHMARK(BM_AwsPoll)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_AzurePoll(benchmark::State& state) {
  Sim sim(static_cast<int>(state.range(0)));
  config::AzureCloudConfig cfg;
  cfg.name = "bench";
  cfg.subscriptions = {cloudsim::kAzureSubscriptionId};
  cfg.tenant_id = cloudsim::kAzureTenantId;
  cfg.client_id = cloudsim::kAzureClientId;
  cfg.client_secret.value = cloudsim::kAzureClientSecret;
  cfg.authority_host = sim.Base();
  cfg.resource_manager_endpoint = sim.Base();
  cfg.metrics_endpoint = sim.Base();
  cfg.discovery_interval_ms = 1LL << 50;
  config::AzureResourceQuery q;
  q.resource_type = "Microsoft.Compute/virtualMachines";
  q.metric_namespace = q.resource_type;
  q.metrics = {"Percentage CPU", "Network In Total", "Available Memory Bytes"};
  q.aggregations = {"average", "maximum"};
  cfg.resources = {q};
  metrics::Registry registry;
  auto c = NewAzureCollector(cfg, &registry);
  if (!c.ok()) {
    state.SkipWithError(c.status().message().c_str());
    return;
  }
  RunPolls(state, c->get(), 60'000);
}
BENCHMARK(BM_AzurePoll)->Arg(20)->Unit(benchmark::kMillisecond);

void BM_GcpPoll(benchmark::State& state) {
  Sim sim(static_cast<int>(state.range(0)));
  config::GCPCloudConfig cfg;
  cfg.name = "bench";
  cfg.project_ids = {cloudsim::kGcpProjectId};
  cfg.credentials_file = sim.dir.path() + "/creds/gcp-service-account.json";
  cfg.endpoint = sim.Base();
  cfg.poll_interval_ms = 60'000;
  cfg.delay_ms = 0;
  cfg.lookback_ms = 300'000;
  config::GCPMetricQuery q;
  q.type = "compute.googleapis.com/instance/cpu/utilization";
  q.aligner = "ALIGN_MEAN";
  q.alignment_period_ms = 60'000;
  cfg.metrics = {q};
  metrics::Registry registry;
  auto c = gcp::NewGcpCollector(cfg, &registry);
  if (!c.ok()) {
    state.SkipWithError(c.status().message().c_str());
    return;
  }
  RunPolls(state, c->get(), 60'000);
}
BENCHMARK(BM_GcpPoll)->Arg(20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::cloud

BENCHMARK_MAIN();
