// remote_write ingest hot path: snappy + protobuf decode, and the whole
// RemoteWriteHandler::Handle into an Appendable that does nothing.
//
// The request looks like what Prometheus sends for the shared bench workload
// (/work/shared/bench/README.md): 2000 series x 1 sample, labels sorted, 8-10
// labels each (__name__, cluster, container, instance, job, namespace, node,
// pod, plus per-metric ones such as handler/code or le), counters and gauges.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "api/remote/proto/remote.pb.h"
#include "api/remote/remote_write.h"
#include "api/remote/snappy_block.h"
#include "api/remote/write_request_decoder.h"

namespace vigil::remote {
namespace {

constexpr int kSeries = 2000;

wire::WriteRequest MakeRequest() {
  std::mt19937_64 rng(1);
  static const char* const kMetrics[] = {"http_requests_total",
                                         "http_request_duration_seconds_bucket",
                                         "process_resident_memory_bytes",
                                         "go_goroutines",
                                         "container_cpu_usage_seconds_total",
                                         "process_cpu_seconds_total",
                                         "go_memstats_alloc_bytes",
                                         "http_request_size_bytes_sum"};
  static const char* const kHandlers[] = {"/api/v1/query", "/api/v1/write", "/metrics", "/"};
  static const char* const kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                    "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  wire::WriteRequest req;
  for (int s = 0; s < kSeries; ++s) {
    int pod = s / 75;
    const char* metric = kMetrics[s % std::size(kMetrics)];
    std::vector<std::pair<std::string, std::string>> labels = {
        {"__name__", metric},
        {"cluster", "prod-eu-west-" + std::to_string(pod % 3)},
        {"container", "app-" + std::to_string(pod % 17)},
        {"instance",
         "10.12." + std::to_string(pod % 250) + "." + std::to_string(pod % 7) + ":8080"},
        {"job", "kubernetes-pods"},
        {"namespace", "team-" + std::to_string(pod % 11)},
        {"node", "ip-10-12-" + std::to_string(pod % 61) + ".eu-west-1.compute.internal"},
        {"pod", "app-" + std::to_string(pod % 17) + "-7d9f8c6b5-" + std::to_string(10000 + pod)},
    };
    if (s % std::size(kMetrics) == 0) {
      labels.push_back({"code", "200"});
      labels.push_back({"handler", kHandlers[s % std::size(kHandlers)]});
    } else if (s % std::size(kMetrics) == 1) {
      labels.push_back({"le", kLe[s % std::size(kLe)]});
    }
    std::sort(labels.begin(), labels.end());
    wire::TimeSeries* ts = req.add_timeseries();
    for (const auto& [n, v] : labels) {
      wire::Label* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    wire::Sample* sample = ts->add_samples();
    sample->set_timestamp(1'700'000'000'000 + static_cast<int64_t>(s % 15) * 1000);
    sample->set_value(s % 3 == 0 ? static_cast<double>(rng() % 100000)
                                 : static_cast<double>(rng() % 1000000) / 100.0);
  }
  return req;
}

size_t DecodedSize() {
  static const size_t n = MakeRequest().ByteSizeLong();
  return n;
}

const std::string& CompressedRequest() {
  static const std::string body = [] {
    std::string out;
    SnappyCompress(MakeRequest().SerializeAsString(), &out);
    return out;
  }();
  return body;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(CompressedRequest().size()));
  state.counters["body_bytes"] = static_cast<double>(CompressedRequest().size());
  state.counters["decoded_bytes"] = static_cast<double>(DecodedSize());
}

void BM_SnappyOnly(benchmark::State& state) {
  const std::string& body = CompressedRequest();
  DecodeBuffer buf;
  for (auto _ : state) {
    SnappyResult r = SnappyUncompress(body, size_t{64} << 20, &buf);
    benchmark::DoNotOptimize(r.data.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_SnappyOnly);

// Snappy + the hand-written decoder: the decode cost of the ingest path.
void BM_DecodeSnappyAndProtobuf(benchmark::State& state) {
  const std::string& body = CompressedRequest();
  DecodeBuffer buf;
  WriteRequestDecoder dec;
  for (auto _ : state) {
    SnappyResult r = SnappyUncompress(body, size_t{64} << 20, &buf);
    Status s = dec.Decode(r.data);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(dec.total_samples());
  }
  SetCounters(state);
}
BENCHMARK(BM_DecodeSnappyAndProtobuf);

// The same with the protoc-generated parser (arena-free), for comparison.
void BM_DecodeSnappyAndGeneratedParser(benchmark::State& state) {
  const std::string& body = CompressedRequest();
  DecodeBuffer buf;
  wire::WriteRequest req;
  for (auto _ : state) {
    SnappyResult r = SnappyUncompress(body, size_t{64} << 20, &buf);
    req.Clear();
    bool ok = req.ParseFromArray(r.data.data(), static_cast<int>(r.data.size()));
    benchmark::DoNotOptimize(ok);
  }
  SetCounters(state);
}
BENCHMARK(BM_DecodeSnappyAndGeneratedParser);

class NoopAppender : public storage::Appender {
 public:
  storage::AppendResult Append(storage::SeriesRef ref, model::LabelsView labels, int64_t,
                               double) override {
    storage::AppendResult r;
    r.ref = ref != 0 ? ref : labels.size();
    return r;
  }
  void UpdateMetadata(std::string_view, const storage::MetricMetadata&) override {}
  Status Commit() override { return Status::OK(); }
  void Rollback() override {}
};

class NoopAppendable : public storage::Appendable {
 public:
  std::unique_ptr<storage::Appender> NewAppender() override {
    return std::make_unique<NoopAppender>();
  }
};

// Headers, snappy, decode, Append per sample, Commit, metrics (the no-op storage validates
// nothing).
void BM_HandleWriteIntoNoopAppender(benchmark::State& state) {
  const std::string& body = CompressedRequest();
  metrics::Registry registry;
  WriteOptions options;
  options.registry = &registry;
  RemoteWriteHandler handler(options);
  NoopAppendable db;
  for (auto _ : state) {
    WriteOutcome out = handler.Handle("snappy", "application/x-protobuf", body, &db);
    if (out.status != 204) state.SkipWithError(out.body.c_str());
  }
  SetCounters(state);
}
BENCHMARK(BM_HandleWriteIntoNoopAppender)->ThreadRange(1, 2)->UseRealTime();

}  // namespace
}  // namespace vigil::remote
