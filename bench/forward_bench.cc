// Forwarder throughput: records into the disk queue (encode + frame + one
// write(2) per batch, as Forwarder::Consume does) and records out to a
// local receiver answering 204 (Loki snappy protobuf, HTTP JSON), end to end
// through the queue.
//
//   build/release/bench/vigil_bench_forward
#include <benchmark/benchmark.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "base/file.h"
#include "forward/disk_queue.h"
#include "forward/forwarder.h"
#include "forward/record_codec.h"
#include "forward/testing_receiver.h"

namespace vigil::forward {
namespace {

model::LogBatch MakeBatch(int n, int seed) {
  model::LogBatch b;
  b.records.reserve(n);
  for (int i = 0; i < n; ++i) {
    model::LogRecord r;
    r.time_ns = 1700000000000000000 + i;
    r.observed_time_ns = r.time_ns + 1000;
    r.severity_number = 9;
    r.severity_text = "info";
    r.body = fmt::format(
        "{} host=web-{} method=GET path=/api/v1/items/{} status=200 bytes=5120 duration=12ms", seed,
        i % 16, i);
    r.stream = model::Labels::FromStrings({"host", fmt::format("web-{}", i % 16), "job", "bench"});
    r.attributes = {{"syslog.procid", "1234"}};
    b.records.push_back(std::move(r));
  }
  return b;
}

uint64_t BatchBytes(const model::LogBatch& b) {
  uint64_t n = 0;
  for (const auto& r : b.records) n += r.body.size();
  return n;
}

// Encode + Append of 1000-record batches; the reader drains (untimed) so the
// queue stays small.
void BM_QueueConsume(benchmark::State& state) {
  fs::TempDir tmp("fwdbench");
  auto q = DiskQueue::Open(tmp.path(), {}).value();
  model::LogBatch batch = MakeBatch(static_cast<int>(state.range(0)), 1);
  FramedBatch framed;
  uint64_t framed_bytes = 0;
  int since_drain = 0;
  for (auto _ : state) {
    framed.Clear();
    for (const auto& r : batch.records) {
      EncodeLogRecord(r, framed.BeginRecord());
      framed.EndRecord();
    }
    if (!q->Append(framed).ok()) state.SkipWithError("append failed");
    framed_bytes += framed.bytes();
    if (++since_drain == 200) {
      state.PauseTiming();
      QueueRead read;
      while (q->Read(1 << 20, &read).ok() && !read.records.empty()) (void)q->Ack(read);
      since_drain = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(framed_bytes));
  state.counters["bytes_per_record"] =
      static_cast<double>(framed.bytes()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_QueueConsume)->Arg(1000)->UseRealTime();

// Consume -> queue -> sender -> a 204 receiver: 100 batches of 1000 records
// per iteration, timed until all of them were acknowledged. Bytes are the
// record bodies.
void BM_SendToLocal204(benchmark::State& state, const char* type) {
  testing::RestartableHttpServer server([](const testing::HttpRequest&) {
    return testing::HttpReply{204, {}, ""};
  });
  if (!server.Start()) {
    state.SkipWithError("cannot listen");
    return;
  }
  fs::TempDir tmp("fwdbench");
  config::LogForwarderConfig c;
  c.name = "bench";
  c.type = type;
  c.url = server.URL("/push");
  c.batch_wait_ms = 10;
  c.batch_bytes = 1 << 20;
  c.queue_max_bytes = 4ull << 30;
  metrics::Registry reg;
  auto f = Forwarder::Start(c, tmp.path(), &reg).value();
  model::LogBatch batch = MakeBatch(1000, 2);
  uint64_t body_bytes = BatchBytes(batch);
  uint64_t consumed = 0;
  for (auto _ : state) {
    for (int i = 0; i < 100; ++i) {
      model::LogBatch b = batch;
      if (!f->Consume(b).status.ok()) state.SkipWithError("consume failed");
      consumed += 1000;
    }
    while (f->status().sent_records < consumed) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(consumed));
  state.SetBytesProcessed(static_cast<int64_t>(consumed / 1000 * body_bytes));
  f->Stop(1000);
}
BENCHMARK_CAPTURE(BM_SendToLocal204, loki, "loki")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SendToLocal204, http_json, "http")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::forward
