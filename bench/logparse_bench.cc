// Benchmarks of the log line parsers on lines shaped like the logs benchmark
// workload (../shared/bench/logs: nginx combined, nested JSON, logfmt).
// Reports ns per line (Time / iterations), lines/s and MB/s.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

const std::vector<std::string>& NginxLines() {
  static const std::vector<std::string> lines = {
      R"x(10.5.58.141 - - [01/Jan/2026:00:00:00 +0000] "GET /cart/items/4493 HTTP/1.1" 499 27262 "https://news.example.org/deals" "curl/7.88.1")x",
      R"x(192.168.13.7 - alice [01/Jan/2026:00:00:01 +0000] "POST /api/v2/orders?id=88 HTTP/2.0" 201 512 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")x",
      R"x(172.16.0.201 - - [01/Jan/2026:00:00:02 +0000] "GET /static/img/logo.png HTTP/1.1" 304 0 "https://shop.example.com/" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)")x",
  };
  return lines;
}

const std::vector<std::string>& JsonLines() {
  static const std::vector<std::string> lines = {
      R"x({"ts":"2026-01-01T00:00:00.003Z","level":"info","logger":"search.api","msg":"stock reserved","trace_id":"e8ac3f0b9d2a4c1e8f7a6b5c4d3e2f10","http":{"method":"POST","path":"/api/stock/reserve","status":200,"duration_ms":12.7},"user":{"id":85017,"name":"Łukasz","premium":true},"k8s":{"namespace":"shop","pod":"search-api-7d9f8c6b5-x2x4q","node":"node-3"}})x",
      R"x({"ts":"2026-01-01T00:00:00.019Z","level":"error","logger":"payment.gateway","msg":"card \"declined\" by issuer","trace_id":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","http":{"method":"GET","path":"/api/pay","status":502,"duration_ms":1534.2},"user":{"id":100,"name":"Zoë"},"error":{"type":"GatewayTimeout","message":"upstream timed out","retries":3},"k8s":{"namespace":"pay","pod":"gw-1","node":"node-1"}})x",
  };
  return lines;
}

const std::vector<std::string>& LogfmtLines() {
  static const std::vector<std::string> lines = {
      R"x(ts=2026-01-01T00:00:00.002Z level=info caller=cache/worker.go:391 component=cache msg="evicted entries" evicted=3821 size_bytes=732081817 duration=39.6ms)x",
      R"x(ts=2026-01-01T00:00:00.010Z level=warn caller=http/server.go:88 component=http msg="slow request \"GET /x\"" path=/api/items status=200 duration=812.3ms retry)x",
  };
  return lines;
}

template <typename Fn>
void RunParser(benchmark::State& state, const std::vector<std::string>& lines, Fn parse) {
  Fields out;
  size_t bytes = 0;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    out.clear();
    benchmark::DoNotOptimize(parse(line, &out));
    benchmark::DoNotOptimize(out.data());
    bytes += line.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseJson(benchmark::State& state) {
  RunParser(state, JsonLines(), [](const std::string& l, Fields* o) { return ParseJson(l, o); });
}
BENCHMARK(BM_ParseJson);

void BM_ParseLogfmt(benchmark::State& state) {
  RunParser(state, LogfmtLines(),
            [](const std::string& l, Fields* o) { return ParseLogfmt(l, o); });
}
BENCHMARK(BM_ParseLogfmt);

void BM_ParseCombinedAccessLog(benchmark::State& state) {
  RunParser(state, NginxLines(),
            [](const std::string& l, Fields* o) { return ParseCombinedAccessLog(l, o); });
}
BENCHMARK(BM_ParseCombinedAccessLog);

void BM_PatternParserNginx(benchmark::State& state) {
  auto parser = PatternParser::Make(
      R"x(<remote_addr> - <remote_user> [<time_local>] "<method> <path> <protocol>" <status> <bytes> "<referer>" "<agent>")x");
  const PatternParser& p = **parser;
  RunParser(state, NginxLines(), [&p](const std::string& l, Fields* o) { return p.Parse(l, o); });
}
BENCHMARK(BM_PatternParserNginx);

void BM_RegexpParserNginx(benchmark::State& state) {
  auto parser = RegexpParser::Make(
      R"x(^(?P<remote_addr>\S+) \S+ (?P<remote_user>\S+) \[(?P<time_local>[^\]]*)\] "(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]*)" (?P<status>\d+) (?P<bytes>\S+))x");
  const RegexpParser& p = **parser;
  RunParser(state, NginxLines(), [&p](const std::string& l, Fields* o) { return p.Parse(l, o); });
}
BENCHMARK(BM_RegexpParserNginx);

void BM_JsonPathExtract(benchmark::State& state) {
  auto path = JsonPath::Make("http.status");
  const JsonPath& p = **path;
  RunParser(state, JsonLines(), [&p](const std::string& l, Fields* o) {
    auto v = p.Extract(l);
    if (v.ok()) o->emplace_back("status", std::move(v).value());
    return v.ok();
  });
}
BENCHMARK(BM_JsonPathExtract);

void BM_TemplateLineFormat(benchmark::State& state) {
  auto tmpl = Template::Make(
      R"x({{ .method | upper }} {{ .path }} -> {{ .status }}{{ if eq .status "499" }} (client gone){{ end }})x");
  const Template& t = **tmpl;
  Fields labels;
  ParseCombinedAccessLog(NginxLines()[0], &labels);
  Template::Context ctx;
  ctx.labels = &labels;
  ctx.line = NginxLines()[0];
  size_t bytes = 0;
  for (auto _ : state) {
    auto r = t.Execute(ctx);
    benchmark::DoNotOptimize(r);
    bytes += ctx.line.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateLineFormat);

}  // namespace
}  // namespace vigil::logparse
