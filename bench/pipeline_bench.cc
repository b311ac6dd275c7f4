// Records/s through pipeline steps: [json, labels] and [logfmt, redact] as
// the task asks, plus the empty pipeline (the router's own cost), routing
// and a Lua step. Each iteration hands one 1024-record batch to the
// pipeline; building the batch (copying prepared records, what a source
// does anyway) is measured apart in BM_BatchCopyOnly.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "process/pipeline/pipeline.h"

namespace {

using namespace vigil;

class NullSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    records += batch.records.size();
    return {};
  }
  size_t records = 0;
};

constexpr int kBatch = 1024;

std::vector<model::LogRecord> MakeRecords(bool json) {
  std::vector<model::LogRecord> out;
  const char* levels[] = {"info", "warn", "error", "debug"};
  for (int i = 0; i < kBatch; ++i) {
    model::LogRecord r;
    r.observed_time_ns = 1700000000000000000LL + i;
    r.stream = model::Labels::FromStrings({"host", "web-1", "job", "api"});
    if (json) {
      r.body = fmt::format(
          R"({{"ts":"2023-11-14T22:13:20.{:03}Z","level":"{}","msg":"request served","method":"GET","path":"/api/v1/users/{}","status":200,"duration_ms":{}}})",
          i % 1000, levels[i % 4], i, i % 250);
    } else {
      r.body = fmt::format(
          "ts=2023-11-14T22:13:20.{:03}Z level={} msg=\"request served\" method=GET "
          "path=/api/v1/users/{} status=200 user=user{}@example.com duration_ms={}",
          i % 1000, levels[i % 4], i, i % 7, i % 250);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void Run(benchmark::State& state, const std::vector<config::LogStepConfig>& steps,
         std::vector<config::LogRouteConfig> routes, bool json) {
  config::LogsConfig cfg;
  config::LogPipelineConfig p;
  p.name = "bench";
  p.steps = steps;
  p.routes = std::move(routes);
  cfg.pipelines = {p};
  NullSink store, other;
  metrics::Registry registry;
  pipeline::RouterOptions o;
  o.config = &cfg;
  o.sinks = {{"store", &store}, {"other", &other}};
  o.registry = &registry;
  auto router = pipeline::Router::Make(o);
  if (!router.ok()) {
    state.SkipWithError(router.status().ToString().c_str());
    return;
  }
  model::LogSink* sink = (*router)->Source("bench");
  const auto records = MakeRecords(json);
  for (auto _ : state) {
    model::LogBatch batch;
    batch.records = records;
    auto r = sink->Consume(batch);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_BatchCopyOnly(benchmark::State& state) {
  const auto records = MakeRecords(true);
  for (auto _ : state) {
    model::LogBatch batch;
    batch.records = records;
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_BatchCopyOnly);

void BM_EmptyPipeline(benchmark::State& state) { Run(state, {}, {}, true); }
BENCHMARK(BM_EmptyPipeline);

config::LogStepConfig Step(std::string type) {
  config::LogStepConfig s;
  s.type = std::move(type);
  return s;
}

void BM_JsonLabels(benchmark::State& state) {
  auto labels = Step("labels");
  labels.add = {{"env", "prod"}};
  labels.from_fields = {{"level", "level"}};
  Run(state, {Step("json"), labels}, {}, true);
}
BENCHMARK(BM_JsonLabels);

void BM_LogfmtRedact(benchmark::State& state) {
  auto redact = Step("redact");
  redact.patterns = {"email", "bearer_token", "credit_card"};
  redact.keys = {"password"};
  Run(state, {Step("logfmt"), redact}, {}, false);
}
BENCHMARK(BM_LogfmtRedact);

void BM_JsonOnly(benchmark::State& state) { Run(state, {Step("json")}, {}, true); }
BENCHMARK(BM_JsonOnly);

void BM_LogfmtOnly(benchmark::State& state) { Run(state, {Step("logfmt")}, {}, false); }
BENCHMARK(BM_LogfmtOnly);

void BM_LabelsOnly(benchmark::State& state) {
  auto labels = Step("labels");
  labels.add = {{"env", "prod"}};
  Run(state, {labels}, {}, true);
}
BENCHMARK(BM_LabelsOnly);

void BM_RoutesAndDrop(benchmark::State& state) {
  auto drop = Step("drop");
  drop.when = R"(body =~ "\"level\":\"debug\"")";
  Run(state, {drop},
      {{R"(body =~ "\"level\":\"error\"")", {"other"}, true},
       {R"(labels.job == "api" and body =~ "warn")", {"other", "store"}, true}},
      true);
}
BENCHMARK(BM_RoutesAndDrop);

void BM_Lua(benchmark::State& state) {
  auto lua = Step("lua");
  lua.lua_code = R"(
    function process(r)
      r.labels.env = "prod"
      if r.body:find("error", 1, true) then r.severity_number = 17 end
      return r
    end)";
  Run(state, {lua}, {}, true);
}
BENCHMARK(BM_Lua);

}  // namespace
