// WAL throughput: Log of remote_write-sized samples records (2000 samples of
// distinct series at one timestamp) with and without snappy, reading them
// back, and the samples record codec (ns/sample = 1e9 / items_per_second).
//
//   build/release/bench/vigil_bench_wal --benchmark_min_time=0.5
//
// Files go to a temporary directory under /tmp, removed at the end; Log
// benchmarks do not fsync (Log hands data to the kernel; see BM_LogAndSync
// for the cost of fdatasync per batch).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <random>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/logging.h"
#include "storage/tsdb/wal/reader.h"
#include "storage/tsdb/wal/records.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::tsdb::wal {
namespace {

// Segment deletions are logged at info; keep the benchmark output readable.
const bool kQuietLogs = vigil::log::Init("warn", "logfmt").ok();

constexpr int kSamplesPerRecord = 2000;
constexpr int kDistinctRecords = 64;

using TempDir = fs::TempDir;

// Successive scrapes of 2000 series: refs in creation order, one timestamp
// per record 15 s apart; half counters (integers growing at random rates),
// half gauges (values with three decimals).
std::vector<std::vector<RefSample>> MakeBatches() {
  std::mt19937_64 rng(1);
  std::vector<double> counter(kSamplesPerRecord), rate(kSamplesPerRecord);
  for (int i = 0; i < kSamplesPerRecord; ++i) {
    counter[i] = static_cast<double>(rng() % 1000000);
    rate[i] = static_cast<double>(rng() % 100);
  }
  std::vector<std::vector<RefSample>> out;
  for (int r = 0; r < kDistinctRecords; ++r) {
    std::vector<RefSample> batch;
    const int64_t t = 1700000000000 + r * 15000;
    for (int i = 0; i < kSamplesPerRecord; ++i) {
      double v;
      if (i % 2 == 0) {
        counter[i] += rate[i];
        v = counter[i];
      } else {
        v = static_cast<double>(rng() % 1000000) / 1000.0;
      }
      batch.push_back(RefSample{static_cast<uint64_t>(1000 + i), t, v});
    }
    out.push_back(std::move(batch));
  }
  return out;
}

const std::vector<std::vector<RefSample>>& Batches() {
  static const auto* b = new std::vector<std::vector<RefSample>>(MakeBatches());
  return *b;
}

const std::vector<std::string>& Records() {
  static const auto* recs = [] {
    auto* out = new std::vector<std::string>();
    for (const auto& b : Batches()) {
      out->emplace_back();
      EncodeSamples(b, &out->back());
    }
    return out;
  }();
  return *recs;
}

void BM_LogSamplesRecord(benchmark::State& state) {
  TempDir tmp;
  WalOptions o;
  o.compression = state.range(0) != 0;
  o.segment_size = 64 << 20;
  auto wal = std::move(Wal::Open(tmp.path(), o)).value();
  const auto& recs = Records();
  size_t i = 0;
  int64_t bytes = 0;
  int last_segment = wal->CurrentSegment();
  for (auto _ : state) {
    const std::string& r = recs[i++ % recs.size()];
    if (!wal->Log(r).ok()) state.SkipWithError("Log failed");
    bytes += static_cast<int64_t>(r.size());
    if (wal->CurrentSegment() != last_segment) {  // keep the disk footprint small
      last_segment = wal->CurrentSegment();
      (void)wal->TruncateBefore(last_segment);
    }
  }
  metrics::Registry* reg = wal->registry();
  const double disk = reg->Get("vigil_tsdb_wal_bytes_written_total");
  (void)wal->Close();
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());  // records
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kSamplesPerRecord, benchmark::Counter::kIsRate);
  state.counters["disk_B/sample"] =
      disk / (static_cast<double>(state.iterations()) * kSamplesPerRecord);
  state.counters["record_B/sample"] =
      static_cast<double>(bytes) / (static_cast<double>(state.iterations()) * kSamplesPerRecord);
}
BENCHMARK(BM_LogSamplesRecord)->ArgName("snappy")->Arg(0)->Arg(1);

// Ten records per Log call, as a head commit of several appenders might.
void BM_LogBatchOf10(benchmark::State& state) {
  TempDir tmp;
  WalOptions o;
  o.compression = state.range(0) != 0;
  o.segment_size = 64 << 20;
  auto wal = std::move(Wal::Open(tmp.path(), o)).value();
  const auto& recs = Records();
  std::vector<std::string_view> batch(recs.begin(), recs.begin() + 10);
  int64_t bytes = 0;
  for (auto r : batch) bytes += static_cast<int64_t>(r.size());
  int last_segment = wal->CurrentSegment();
  for (auto _ : state) {
    if (!wal->Log(batch).ok()) state.SkipWithError("Log failed");
    if (wal->CurrentSegment() != last_segment) {
      last_segment = wal->CurrentSegment();
      (void)wal->TruncateBefore(last_segment);
    }
  }
  (void)wal->Close();
  state.SetBytesProcessed(bytes * state.iterations());
  state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_LogBatchOf10)->ArgName("snappy")->Arg(0)->Arg(1);

// Log followed by Sync: the latency of a durable commit on this disk.
void BM_LogAndSync(benchmark::State& state) {
  TempDir tmp;
  auto wal = std::move(Wal::Open(tmp.path())).value();
  const auto& recs = Records();
  size_t i = 0;
  for (auto _ : state) {
    if (!wal->Log(recs[i++ % recs.size()]).ok() || !wal->Sync().ok()) {
      state.SkipWithError("Log/Sync failed");
    }
  }
  (void)wal->Close();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LogAndSync)->UseRealTime();

// Reading back 64 MiB-ish of samples records (mmap, checksum, snappy).
void BM_ReadSamplesRecords(benchmark::State& state) {
  TempDir tmp;
  WalOptions o;
  o.compression = state.range(0) != 0;
  {
    auto wal = std::move(Wal::Open(tmp.path(), o)).value();
    for (int k = 0; k < 20; ++k) {
      for (const auto& r : Records()) (void)wal->Log(r);
    }
  }
  auto segs = std::move(ListSegments(tmp.path())).value();
  int64_t bytes = 0, records = 0;
  for (auto _ : state) {
    auto reader = Reader::Open(segs);
    while (reader->Next()) {
      bytes += static_cast<int64_t>(reader->record().size());
      ++records;
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_ReadSamplesRecords)->ArgName("snappy")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_EncodeSamples(benchmark::State& state) {
  const auto& batches = Batches();
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    EncodeSamples(batches[i++ % batches.size()], &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerRecord);
  state.counters["B/sample"] = static_cast<double>(out.size()) / kSamplesPerRecord;
}
BENCHMARK(BM_EncodeSamples);

void BM_DecodeSamples(benchmark::State& state) {
  const auto& recs = Records();
  std::vector<RefSample> out;
  size_t i = 0;
  for (auto _ : state) {
    if (!DecodeSamples(recs[i++ % recs.size()], &out).ok()) state.SkipWithError("decode");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerRecord);
}
BENCHMARK(BM_DecodeSamples);

}  // namespace
}  // namespace vigil::tsdb::wal
