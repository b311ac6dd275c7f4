// Log store throughput: Consume of 1000-entry batches (~230-byte lines over
// 40 streams) -> entries/s, MB/s and bytes on disk per raw byte; Select scan
// rate over chunks.
//
// Lines come from the log benchmark's workload when it is there
// (VIGIL_LOGSTORE_BENCH_FILE, default /tmp/logstore-bench-workload.txt, made
// by `../shared/bench/logs/build/logload gen --lines 400000 --out FILE`),
// else from a built-in generator of nginx/logfmt-like lines.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>

#include "base/file.h"
#include "base/time.h"
#include "fmt/format.h"
#include "storage/logstore/chunk_file.h"
#include "storage/logstore/entry_block.h"
#include "storage/logstore/logstore.h"

namespace vigil::logstore {
namespace {

constexpr int kStreams = 40;
constexpr int kBatch = 1000;

const std::vector<std::string>& Lines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    const char* env = std::getenv("VIGIL_LOGSTORE_BENCH_FILE");
    std::ifstream in(env != nullptr ? env : "/tmp/logstore-bench-workload.txt");
    std::string line;
    while (out.size() < 400000 && std::getline(in, line)) out.push_back(line);
    if (!out.empty()) return out;
    const char* paths[] = {"/api/v1/orders", "/api/v1/cart",           "/static/app.js",
                           "/login",         "/api/v1/search?q=shoes", "/healthz"};
    const char* agents[] = {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
                            "curl/8.4.0", "Go-http-client/2.0"};
    uint64_t x = 88172645463325252ull;
    auto next = [&] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (int i = 0; i < 200000; ++i) {
      if (i % 3 == 0) {
        out.push_back(fmt::format(
            "ts=2026-01-01T00:{:02}:{:02}.{:03}Z level=info component=db-pool msg=\"query done\" "
            "pool=primary active={} idle={} wait_ms={} duration={}.{}ms trace_id={:016x}",
            i / 60000 % 60, i / 1000 % 60, i % 1000, next() % 20, next() % 20, next() % 500,
            next() % 1000, next() % 10, next()));
      } else {
        out.push_back(fmt::format(
            "10.{}.{}.{} - - [01/Jan/2026:00:{:02}:{:02} +0000] \"GET {} HTTP/1.1\" {} {} \"-\" "
            "\"{}\" rt={}.{:03}",
            next() % 256, next() % 256, next() % 256, i / 60000 % 60, i / 1000 % 60,
            paths[next() % 6], (next() % 10 == 0) ? 500 : 200, next() % 50000, agents[next() % 3],
            next() % 3, next() % 1000));
      }
    }
    return out;
  }();
  return lines;
}

std::vector<model::Labels> StreamLabels() {
  std::vector<model::Labels> out;
  for (int s = 0; s < kStreams; ++s) {
    out.push_back(
        model::Labels::FromStrings({"job", "logbench", "host", fmt::format("gen-{}", s % 4),
                                    "source", fmt::format("s{}", s)}));
  }
  return out;
}

// Batches of kBatch records, the i-th line going to stream i % kStreams.
std::vector<model::LogBatch> MakeBatches(int64_t base_ns, uint64_t* raw_bytes) {
  const auto& lines = Lines();
  auto labels = StreamLabels();
  std::vector<model::LogBatch> batches;
  *raw_bytes = 0;
  for (size_t i = 0; i < lines.size(); i += kBatch) {
    model::LogBatch b;
    for (size_t j = i; j < std::min(lines.size(), i + kBatch); ++j) {
      model::LogRecord r;
      r.time_ns = base_ns + static_cast<int64_t>(j) * 1000;
      r.observed_time_ns = r.time_ns;
      r.body = lines[j];
      r.stream = labels[j % kStreams];
      *raw_bytes += r.body.size() + 1;  // with its newline, as in a log file
      b.records.push_back(std::move(r));
    }
    batches.push_back(std::move(b));
  }
  return batches;
}

LogStoreOptions BenchOptions() {
  LogStoreOptions o;
  o.background_maintenance = false;
  o.reject_future_ms = 0;
  o.retention_ms = 0;
  if (const char* level = std::getenv("VIGIL_LOGSTORE_BENCH_ZSTD_LEVEL"))
    o.zstd_level = std::atoi(level);
  return o;
}

void BM_Consume(benchmark::State& state) {
  uint64_t raw_bytes = 0;
  const int64_t base = NowMillis() * 1000000 - 3600ll * 1000000000;
  const auto batches = MakeBatches(base, &raw_bytes);
  uint64_t entries = 0, bytes = 0, disk = 0, raw = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::TempDir dir("logstore-bench");
    auto copy = batches;
    auto store = LogStore::Open(dir.path(), BenchOptions(), nullptr);
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    state.ResumeTiming();
    for (auto& b : copy) {
      entries += b.records.size();
      for (const auto& r : b.records) bytes += r.body.size();
      auto res = (*store)->Consume(b);
      if (!res.status.ok()) state.SkipWithError(res.status.ToString().c_str());
    }
    // Close writes every head out: its compression is part of the cost.
    if (!(*store)->Close().ok()) state.SkipWithError("close failed");
    state.PauseTiming();
    disk += *fs::DirSize(dir.path());
    raw += raw_bytes;
    store->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["disk_per_raw"] = static_cast<double>(disk) / static_cast<double>(raw);
}
BENCHMARK(BM_Consume)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// Consume alone (no Close): what a source waits for per batch.
void BM_ConsumeOnly(benchmark::State& state) {
  uint64_t raw_bytes = 0;
  const int64_t base = NowMillis() * 1000000 - 3600ll * 1000000000;
  auto batches = MakeBatches(base, &raw_bytes);
  fs::TempDir dir("logstore-bench");
  auto store = LogStore::Open(dir.path(), BenchOptions(), nullptr);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  size_t i = 0;
  int64_t shift = 0;
  uint64_t entries = 0, bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    model::LogBatch b = batches[i];
    for (auto& r : b.records) r.time_ns += shift;
    if (++i == batches.size()) {
      i = 0;
      shift += static_cast<int64_t>(Lines().size()) * 1000;
    }
    state.ResumeTiming();
    entries += b.records.size();
    for (const auto& r : b.records) bytes += r.body.size();
    auto res = (*store)->Consume(b);
    if (!res.status.ok()) state.SkipWithError(res.status.ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  // Peak RSS of the process (includes the pre-built batches, ~200 MB): it
  // must not grow with the number of entries consumed.
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
  state.counters["entries_total"] = static_cast<double>(entries);
  (void)(*store)->Close();
}
BENCHMARK(BM_ConsumeOnly)->UseRealTime();
BENCHMARK(BM_ConsumeOnly)->UseRealTime()->Iterations(6000);

void BM_SelectScan(benchmark::State& state) {
  uint64_t raw_bytes = 0;
  const int64_t base = NowMillis() * 1000000 - 3600ll * 1000000000;
  auto batches = MakeBatches(base, &raw_bytes);
  fs::TempDir dir("logstore-bench");
  auto store = LogStore::Open(dir.path(), BenchOptions(), nullptr);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  for (auto& b : batches) (void)(*store)->Consume(b);
  (void)(*store)->Maintain(NowMillis());  // write cut chunks; the rest stays in heads
  SelectParams p;
  p.matchers = {model::Matcher::Equal("job", "logbench")};
  p.start_ns = 0;
  p.end_ns = INT64_MAX;
  p.direction = state.range(0) == 0 ? Direction::kForward : Direction::kBackward;
  uint64_t entries = 0, bytes = 0;
  for (auto _ : state) {
    auto set = (*store)->Select(p);
    while ((*set)->Next()) {
      auto it = (*set)->Entries();
      while (it->Next()) {
        ++entries;
        bytes += it->At().line.size();
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  (void)(*store)->Close();
}
BENCHMARK(BM_SelectScan)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Cutting one ~1 MiB chunk of one stream: columnar encoding + zstd at the
// level given, CPU time per raw byte (the ratio as a counter).
void BM_CompressChunk(benchmark::State& state) {
  const auto& lines = Lines();
  EntryBlock block;
  int64_t t = 0;
  for (size_t i = 0; block.line_bytes() < (1u << 20); i = (i + kStreams) % lines.size()) {
    block.Append(t += 1000, lines[i], "");
  }
  std::string data;
  uint64_t raw_len = 0;
  for (auto _ : state) {
    data.clear();
    if (!CompressBlock(block, static_cast<int>(state.range(0)), &data, &raw_len).ok()) {
      state.SkipWithError("compress failed");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * block.line_bytes()));
  state.counters["ratio"] =
      static_cast<double>(data.size()) / static_cast<double>(block.line_bytes());
}
BENCHMARK(BM_CompressChunk)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::logstore
