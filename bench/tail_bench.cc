// File tailer throughput: lines/s from a 100 MB file (already written, or
// appended in 1 MiB writes while it is tailed, as the logs benchmark does)
// into a sink that only counts.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "base/file.h"
#include "collect/logs/tail/tailer.h"

namespace vigil::logs {
namespace {

constexpr size_t kFileBytes = 100 << 20;

class CountingSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    records_.fetch_add(batch.records.size(), std::memory_order_relaxed);
    batch.records.clear();
    return {};
  }
  size_t records() const { return records_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> records_{0};
};

// Lines shaped like the logs benchmark's workload: nginx, JSON, logfmt and
// Java stack frames, 60-300 bytes.
std::string Workload(size_t* lines) {
  const char* kinds[] = {
      "203.0.113.42 - - [25/Nov/2026:18:00:00 +0000] \"GET /api/v1/items/{} HTTP/1.1\" 200 "
      "5123 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"",
      "{\"ts\":\"2026-11-25T18:00:00.123Z\",\"level\":\"info\",\"msg\":\"request done\","
      "\"id\":{},\"user\":\"jörg\",\"latency_ms\":12.5}",
      "ts=2026-11-25T18:00:00.123Z level=warn component=cache msg=\"evicted entries\" n={} "
      "took=3ms",
      "\tat com.example.service.Handler.process(Handler.java:{})",
  };
  std::string out;
  out.reserve(kFileBytes + 512);
  size_t n = 0;
  while (out.size() < kFileBytes) {
    std::string line = kinds[n % 4];
    line.replace(line.find("{}"), 2, std::to_string(n));
    out += line;
    out += '\n';
    ++n;
  }
  *lines = n;
  return out;
}

const std::string& Data(size_t* lines) {
  static size_t n = 0;
  static const std::string data = Workload(&n);
  *lines = n;
  return data;
}

TailerOptions Options(const std::string& path) {
  TailerOptions o;
  o.include = {path};
  o.labels = model::Labels::FromStrings({"job", "logbench"});
  o.poll_interval_ms = 5;
  return o;
}

void WaitForCount(const CountingSink& sink, size_t n) {
  while (sink.records() < n) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

void BM_TailWrittenFile(benchmark::State& state) {
  size_t lines = 0;
  const std::string& data = Data(&lines);
  fs::TempDir dir("vigil-tail-bench");
  std::string path = dir.Join("app.log");
  if (!fs::WriteFileAtomic(path, data).ok()) {
    state.SkipWithError("write failed");
    return;
  }
  for (auto _ : state) {
    CountingSink sink;
    auto t = Tailer::Start(Options(path), &sink);
    if (!t.ok()) {
      state.SkipWithError(t.status().ToString().c_str());
      return;
    }
    WaitForCount(sink, lines);
    (*t)->Stop();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_TailWrittenFile)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The tailer starts on an empty file that a writer then fills in 1 MiB
// writes of whole lines, with a positions file rewritten after every batch.
void BM_TailGrowingFileWithPositions(benchmark::State& state) {
  size_t lines = 0;
  const std::string& data = Data(&lines);
  for (auto _ : state) {
    state.PauseTiming();
    fs::TempDir dir("vigil-tail-bench");
    std::string path = dir.Join("app.log");
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    CountingSink sink;
    auto o = Options(path);
    o.positions_file = dir.Join("positions");
    o.positions_min_interval_ms = static_cast<int>(state.range(0));
    auto t = Tailer::Start(o, &sink);
    if (fd < 0 || !t.ok()) {
      state.SkipWithError("setup failed");
      return;
    }
    state.ResumeTiming();
    size_t pos = 0;
    while (pos < data.size()) {
      size_t end = std::min(data.size(), pos + (1 << 20));
      end = data.rfind('\n', end - 1) + 1;  // whole lines
      if (write(fd, data.data() + pos, end - pos) != static_cast<ssize_t>(end - pos)) {
        state.SkipWithError("write failed");
        break;
      }
      pos = end;
    }
    WaitForCount(sink, lines);
    (*t)->Stop();
    close(fd);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_TailGrowingFileWithPositions)
    ->Arg(0)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

void BM_TailMultiline(benchmark::State& state) {
  size_t lines = 0;
  const std::string& data = Data(&lines);
  fs::TempDir dir("vigil-tail-bench");
  std::string path = dir.Join("app.log");
  if (!fs::WriteFileAtomic(path, data).ok()) {
    state.SkipWithError("write failed");
    return;
  }
  // Stack frames (every 4th line) join the record before them.
  size_t records = lines - lines / 4;
  for (auto _ : state) {
    CountingSink sink;
    auto o = Options(path);
    o.multiline_start = R"(^[^\t])";
    o.multiline_timeout_ms = 10;
    auto t = Tailer::Start(o, &sink);
    if (!t.ok()) {
      state.SkipWithError(t.status().ToString().c_str());
      return;
    }
    WaitForCount(sink, records);
    (*t)->Stop();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_TailMultiline)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace vigil::logs
