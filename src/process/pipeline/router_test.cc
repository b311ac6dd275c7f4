#include "process/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <thread>

#include <fmt/format.h>

#include "process/pipeline/test_util.h"

namespace vigil::pipeline {
namespace {

using testing::FakeSink;
using testing::Rec;

class RouterTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Router>> MakeRouter() {
    RouterOptions o;
    o.config = &config_;
    o.sinks = {{"store", &store_}, {"loki", &loki_}, {"archive", &archive_}};
    o.registry = &registry_;
    return Router::Make(o);
  }
  std::unique_ptr<Router> MustMake() {
    auto r = MakeRouter();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  double Records(const std::string& pipeline, const std::string& result) {
    return registry_.Get("vigil_pipeline_records_total",
                         {{"pipeline", pipeline}, {"result", result}});
  }
  model::LogBatch BatchOf(std::vector<std::string> bodies) {
    model::LogBatch b;
    for (auto& body : bodies) b.records.push_back(Rec(std::move(body)));
    return b;
  }

  config::LogsConfig config_;
  FakeSink store_, loki_, archive_;
  metrics::Registry registry_;
};

TEST_F(RouterTest, DefaultPipelineExistsAndStores) {
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->Source("nope"), nullptr);
  auto* sink = router->Source("");
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink, router->Source("default"));
  auto batch = BatchOf({"a", "b"});
  auto r = sink->Consume(batch);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(store_.Bodies(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Records("default", "in"), 2);
  EXPECT_EQ(Records("default", "out"), 2);
}

TEST_F(RouterTest, RoutesFirstMatchUnlessStopFalseThenDefaultSinks) {
  config::LogPipelineConfig p;
  p.name = "app";
  p.routes = {{R"(body =~ "^audit")", {"archive"}, false},
              {R"(body =~ "error")", {"loki"}, true},
              {R"(body =~ "error|audit")", {"store"}, true}};
  p.sinks = {"store"};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  auto batch = BatchOf({"plain", "an error", "audit error", "audit ok"});
  auto r = router->Source("app")->Consume(batch);
  ASSERT_TRUE(r.status.ok());
  // "audit error": archive (no stop) then loki (stop); "audit ok": archive then store.
  EXPECT_EQ(archive_.Bodies(), (std::vector<std::string>{"audit error", "audit ok"}));
  EXPECT_EQ(loki_.Bodies(), (std::vector<std::string>{"an error", "audit error"}));
  EXPECT_EQ(store_.Bodies(), (std::vector<std::string>{"plain", "audit ok"}));
  EXPECT_EQ(registry_.Get("vigil_pipeline_sink_records_total",
                          {{"pipeline", "app"}, {"sink", "loki"}, {"result", "sent"}}),
            2);
}

TEST_F(RouterTest, RejectionsMapBackToSourceIndexesAfterDrops) {
  config::LogPipelineConfig p;
  p.name = "app";
  config::LogStepConfig drop;
  drop.type = "drop";
  drop.when = R"(body == "noise")";
  p.steps = {drop};
  p.sinks = {"store", "loki"};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  store_.reject_bodies = {"huge"};
  loki_.reject_bodies = {"huge"};
  auto batch = BatchOf({"noise", "ok", "noise", "huge"});
  auto r = router->Source("app")->Consume(batch);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rejected.size(), 1u);  // one per source record, though both sinks refused it
  EXPECT_EQ(r.rejected[0].index, 3u);
  EXPECT_EQ(r.rejected[0].reason, "line_too_long");
  EXPECT_EQ(store_.Bodies(), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(loki_.Bodies(), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(Records("app", "dropped"), 2);
}

TEST_F(RouterTest, BatchIsOkOnlyIfEverySinkTookIt) {
  config::LogPipelineConfig p;
  p.name = "app";
  p.sinks = {"store", "loki"};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  loki_.fail = Status::Unavailable("queue full");
  auto batch = BatchOf({"a"});
  auto r = router->Source("app")->Consume(batch);
  EXPECT_TRUE(r.status.IsUnavailable());
  EXPECT_NE(r.status.message().find("loki"), std::string::npos);
  EXPECT_EQ(registry_.Get("vigil_pipeline_sink_records_total",
                          {{"pipeline", "app"}, {"sink", "loki"}, {"result", "failed"}}),
            1);
}

TEST_F(RouterTest, OffsetsReachTheSinksEvenWhenEverythingWasDropped) {
  config::LogPipelineConfig p;
  p.name = "app";
  config::LogStepConfig drop;
  drop.type = "drop";
  drop.when = R"(body =~ ".")";
  p.steps = {drop};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  auto batch = BatchOf({"a", "b"});
  batch.offsets.push_back({"file:/var/log/x", "42"});
  auto r = router->Source("app")->Consume(batch);
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(store_.records.empty());
  ASSERT_EQ(store_.offsets.size(), 1u);
  EXPECT_EQ(store_.offsets[0].state, "42");
}

TEST_F(RouterTest, MakeErrorsNameThePipelineAndStepLine) {
  config::LogPipelineConfig p;
  p.name = "web";
  config::LogStepConfig ok;
  ok.type = "labels";
  ok.add = {{"env", "prod"}};
  config::LogStepConfig bad;
  bad.type = "drop";
  bad.when = "body =~ \"(\"";
  bad.line = 17;
  p.steps = {ok, bad};
  config_.pipelines = {p};
  auto r = MakeRouter();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("pipeline \"web\": step 2 (drop, line 17)"),
            std::string::npos)
      << r.status().message();
}

TEST_F(RouterTest, UnknownSinksPipelinesAndDuplicatesAreRefused) {
  config::LogPipelineConfig p;
  p.name = "web";
  p.sinks = {"kafka"};
  config_.pipelines = {p};
  auto r = MakeRouter();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown sink \"kafka\""), std::string::npos);

  p.sinks = {"store"};
  p.routes = {{"body == x", {"nowhere"}, true}};
  config_.pipelines = {p};
  r = MakeRouter();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("route 1"), std::string::npos);

  p.routes.clear();
  config_.pipelines = {p, p};
  EXPECT_FALSE(MakeRouter().ok());

  config_.pipelines = {p};
  config::LogSourceConfig src;
  src.name = "files";
  src.pipeline = "missing";
  config_.sources = {src};
  r = MakeRouter();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing"), std::string::npos);
}

TEST_F(RouterTest, StepErrorsAreCountedAndRecordsKept) {
  config::LogPipelineConfig p;
  p.name = "app";
  config::LogStepConfig norm;
  norm.type = "normalize";
  norm.timestamp_field = "ts";
  norm.timestamp_format = "unix";
  p.steps = {norm};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  model::LogBatch batch;
  batch.records.push_back(Rec("a"));
  batch.records.back().attributes = {{"ts", "soon"}};
  auto r = router->Source("app")->Consume(batch);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(store_.records.size(), 1u);
  EXPECT_EQ(Records("app", "error"), 1);
  EXPECT_EQ(
      registry_.Get("vigil_pipeline_step_errors_total",
                    {{"pipeline", "app"}, {"step", "normalize"}, {"reason", "bad_timestamp"}}),
      1);
}

TEST_F(RouterTest, ConcurrentConsumeFromManySources) {
  config::LogPipelineConfig p;
  p.name = "app";
  config::LogStepConfig labels;
  labels.type = "labels";
  labels.add = {{"env", "prod"}};
  p.steps = {labels};
  p.routes = {{R"(body =~ "7$")", {"loki"}, true}};
  config_.pipelines = {p};
  auto router = MustMake();
  ASSERT_NE(router, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        model::LogBatch b;
        for (int k = 0; k < 10; ++k) b.records.push_back(Rec(fmt::format("{}-{}-{}", t, i, k)));
        auto r = router->Source("app")->Consume(b);
        EXPECT_TRUE(r.status.ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_.records.size() + loki_.records.size(), 2000u);
  EXPECT_EQ(loki_.records.size(), 200u);
  EXPECT_EQ(Records("app", "in"), 2000);
  EXPECT_EQ(store_.records[0].stream.Get("env"), "prod");
}

}  // namespace
}  // namespace vigil::pipeline
