// Relabeling benchmarks: a typical Kubernetes-style target relabeling (five
// rules over twenty discovered labels) and a metric_relabel drop rule applied
// to a scrape's worth of series (1000).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "process/relabel/relabel.h"

namespace {

using vigil::model::Label;
using vigil::model::Labels;
using vigil::relabel::Action;
using vigil::relabel::RelabelConfig;
using vigil::relabel::Relabeler;

RelabelConfig Rule(Action action, std::vector<std::string> sources, std::string regex,
                   std::string target, std::string replacement = "$1") {
  RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(sources);
  c.source_labels_set = !c.source_labels.empty();
  if (!regex.empty()) c.regex = std::move(regex), c.regex_set = true;
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  return c;
}

Labels DiscoveredPod(int i) {
  std::string n = std::to_string(i);
  return Labels({
      {"__address__", "10.1.2." + n + ":8080"},
      {"__meta_kubernetes_namespace", "shop"},
      {"__meta_kubernetes_pod_name", "checkout-7f9c6d-" + n},
      {"__meta_kubernetes_pod_ip", "10.1.2." + n},
      {"__meta_kubernetes_pod_node_name", "node-3"},
      {"__meta_kubernetes_pod_uid", "4f6e2c1a-0000-4000-8000-00000000000" + n},
      {"__meta_kubernetes_pod_phase", "Running"},
      {"__meta_kubernetes_pod_ready", "true"},
      {"__meta_kubernetes_pod_container_name", "app"},
      {"__meta_kubernetes_pod_container_port_name", "metrics"},
      {"__meta_kubernetes_pod_container_port_number", "8080"},
      {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"},
      {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"},
      {"__meta_kubernetes_pod_label_app", "checkout"},
      {"__meta_kubernetes_pod_label_tier", "backend"},
      {"__meta_kubernetes_pod_label_version", "v2"},
      {"__metrics_path__", "/metrics"},
      {"__scheme__", "http"},
      {"__scrape_interval__", "15s"},
      {"job", "kubernetes-pods"},
  });
}

std::shared_ptr<const Relabeler> TargetRules() {
  auto r = Relabeler::Compile({
      Rule(Action::kKeep, {"__meta_kubernetes_pod_annotation_prometheus_io_scrape"}, "true", ""),
      Rule(Action::kReplace, {"__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"},
           "([^:]+)(?::\\d+)?;(\\d+)", "__address__", "$1:$2"),
      Rule(Action::kLabelMap, {}, "__meta_kubernetes_pod_label_(.+)", ""),
      Rule(Action::kReplace, {"__meta_kubernetes_namespace"}, "", "namespace"),
      Rule(Action::kReplace, {"__meta_kubernetes_pod_name"}, "", "pod"),
  });
  if (!r.ok()) std::abort();
  return *r;
}

void BM_TargetRelabel(benchmark::State& state) {
  auto rules = TargetRules();
  Labels pod = DiscoveredPod(7);
  for (auto _ : state) {
    Labels out = rules->Process(pod);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TargetRelabel);

void BM_TargetRelabelBuilder(benchmark::State& state) {
  auto rules = TargetRules();
  Labels pod = DiscoveredPod(7);
  vigil::model::LabelsBuilder b;
  for (auto _ : state) {
    b.Reset(pod);
    bool kept = rules->Process(&b);
    benchmark::DoNotOptimize(kept);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TargetRelabelBuilder);

// A scrape of 1000 series, a fifth of them matching the drop rule.
std::vector<Labels> ScrapeSeries() {
  const char* names[] = {"http_requests_total", "http_request_duration_seconds_bucket",
                         "go_gc_duration_seconds", "node_cpu_seconds_total", "app_queue_depth"};
  std::vector<Labels> out;
  for (int i = 0; i < 1000; ++i) {
    out.push_back(Labels({{"__name__", names[i % 5]},
                          {"instance", "10.1.2.7:9102"},
                          {"job", "kubernetes-pods"},
                          {"code", std::to_string(200 + i % 7)},
                          {"le", std::to_string(i % 13)}}));
  }
  return out;
}

void RunMetricRelabel(benchmark::State& state, const RelabelConfig& rule) {
  auto r = Relabeler::Compile({rule});
  if (!r.ok()) std::abort();
  std::vector<Labels> series = ScrapeSeries();
  size_t kept = 0;
  for (auto _ : state) {
    for (const Labels& s : series) {
      Labels out = (*r)->Process(s);
      kept += !out.empty();
      benchmark::DoNotOptimize(out);
    }
  }
  benchmark::DoNotOptimize(kept);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(series.size()));
}

void BM_MetricRelabelDrop1000(benchmark::State& state) {
  RunMetricRelabel(state, Rule(Action::kDrop, {"__name__"}, "go_.*|process_.*", ""));
}
BENCHMARK(BM_MetricRelabelDrop1000);

void BM_MetricRelabelLabelDrop1000(benchmark::State& state) {
  RunMetricRelabel(state, Rule(Action::kLabelDrop, {}, "le|code", ""));
}
BENCHMARK(BM_MetricRelabelLabelDrop1000);

void BM_HashMod(benchmark::State& state) {
  RelabelConfig c = Rule(Action::kHashMod, {"__address__"}, "", "__tmp_hash");
  c.modulus = 16;
  auto r = Relabeler::Compile({c});
  if (!r.ok()) std::abort();
  Labels pod = DiscoveredPod(7);
  for (auto _ : state) {
    Labels out = (*r)->Process(pod);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_HashMod);

}  // namespace
