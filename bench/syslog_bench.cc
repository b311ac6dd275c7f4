// Syslog parsing: ns per message for the bench harness's RFC 5424 lines
// (~260 bytes) and for RFC 3164 lines.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "collect/logs/syslog/syslog.h"
#include "collect/logs/syslog/syslog_framing.h"

namespace {

std::vector<std::string> Rfc5424Lines() {
  std::vector<std::string> lines;
  const char* kinds[] = {"nginx", "app", "logfmt", "java"};
  for (int i = 0; i < 1024; ++i) {
    std::string line = "<134>1 2026-11-25T18:00:00." + std::to_string(100000 + i) + "Z gen-" +
                       std::to_string(i % 4) + " logbench - " + kinds[i % 4] + " - ";
    line += "10.1.2." + std::to_string(i % 250) +
            " - - [25/Nov/2026:18:00:00 +0000] \"GET /api/v1/orders/" + std::to_string(i * 7919) +
            "?page=2&sort=desc HTTP/1.1\" 200 5124 \"https://example.com/checkout\" "
            "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\" rt=0.012";
    lines.push_back(line);
  }
  return lines;
}

void BM_ParseRfc5424(benchmark::State& state) {
  std::vector<std::string> lines = Rfc5424Lines();
  vigil::logs::SyslogParseOptions opts;
  opts.observed_time_ns = 1;
  opts.now_ns = 1796126400LL * 1000000000;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    vigil::model::LogRecord rec;
    ParseSyslog(lines[i & 1023], opts, &rec);
    bytes += lines[i & 1023].size();
    benchmark::DoNotOptimize(rec);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseRfc5424);

void BM_ParseRfc3164(benchmark::State& state) {
  std::vector<std::string> lines;
  for (int i = 0; i < 1024; ++i) {
    lines.push_back("<13>Dec  1 21:33:54 web-" + std::to_string(i % 8) + " myapp[" +
                    std::to_string(1000 + i) +
                    "]: user=alice action=login result=ok duration_ms=12 request_id=" +
                    std::to_string(i * 31337));
  }
  vigil::logs::SyslogParseOptions opts;
  opts.now_ns = 1796126400LL * 1000000000;
  size_t i = 0;
  for (auto _ : state) {
    vigil::model::LogRecord rec;
    ParseSyslog(lines[i++ & 1023], opts, &rec);
    benchmark::DoNotOptimize(rec);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseRfc3164);

// Framing plus parsing into a reused batch, as the TCP server does.
void BM_FrameAndParseBatch(benchmark::State& state) {
  std::vector<std::string> lines = Rfc5424Lines();
  std::string stream;
  for (const std::string& l : lines) stream += l + "\n";
  vigil::logs::SyslogParseOptions opts;
  opts.now_ns = 1796126400LL * 1000000000;
  std::vector<vigil::model::LogRecord> batch;
  batch.reserve(1024);
  for (auto _ : state) {
    batch.clear();
    vigil::logs::SyslogFramer framer(vigil::logs::SyslogFraming::kAuto, 64 << 10);
    framer.Split(stream, [&](std::string_view frame, bool) {
      ParseSyslog(frame, opts, &batch.emplace_back());
    });
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(state.iterations() * 1024);
  state.SetBytesProcessed(state.iterations() * stream.size());
}
BENCHMARK(BM_FrameAndParseBatch);

}  // namespace
