#include <gtest/gtest.h>

#include "process/pipeline/metric_step.h"
#include "process/pipeline/pipeline.h"
#include "process/pipeline/test_util.h"

namespace vigil::pipeline {
namespace {

using testing::FakeAppendable;
using testing::FakeSink;
using testing::Rec;

constexpr int64_t kSec = 1000000000LL;
constexpr int64_t kT0 = 1700000010LL * kSec;  // a multiple of 15 s

class MetricStepTest : public ::testing::Test {
 protected:
  std::unique_ptr<Router> MakeRouter(config::LogStepConfig step) {
    config::LogPipelineConfig p;
    p.name = "app";
    p.steps = {std::move(step)};
    config_.pipelines = {p};
    RouterOptions o;
    o.config = &config_;
    o.sinks = {{"store", &store_}};
    o.metrics_out = &tsdb_;
    o.derived_metrics_interval_ms = 0;  // no background flusher: the test flushes
    o.registry = &registry_;
    o.clock = [this] { return now_ms_; };
    auto r = Router::Make(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  void Send(Router* router, std::vector<model::LogRecord> records) {
    model::LogBatch b;
    b.records = std::move(records);
    ASSERT_TRUE(router->Source("app")->Consume(b).status.ok());
  }
  static model::LogRecord At(int64_t t_ns, std::string level, std::string duration = "") {
    auto r = Rec("line");
    r.time_ns = t_ns;
    r.attributes.push_back({"level", std::move(level)});
    if (!duration.empty()) r.attributes.push_back({"duration", std::move(duration)});
    return r;
  }
  std::map<std::string, std::vector<std::pair<int64_t, double>>> Samples() {
    std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
    for (const auto& s : tsdb_.samples) out[s.labels].emplace_back(s.t, s.v);
    return out;
  }

  int64_t now_ms_ = kT0 / 1000000 + 60'000;
  config::LogsConfig config_;
  FakeSink store_;
  FakeAppendable tsdb_;
  metrics::Registry registry_;
};

TEST_F(MetricStepTest, CounterIsCumulativeOneSamplePerSeriesPerInterval) {
  config::LogStepConfig c;
  c.type = "metric";
  c.metric_name = "app_log_lines";
  c.label_fields = {"level", "labels.job"};
  auto router = MakeRouter(c);
  ASSERT_NE(router, nullptr);
  Send(router.get(), {At(kT0 + 1 * kSec, "info"), At(kT0 + 2 * kSec, "info"),
                      At(kT0 + 3 * kSec, "error"), At(kT0 + 16 * kSec, "info")});
  router->Flush();
  Send(router.get(), {At(kT0 + 17 * kSec, "info")});
  // Late record: older than the last appended interval, counts in the next one.
  Send(router.get(), {At(kT0 + 1 * kSec, "error")});
  router->Flush();
  auto s = Samples();
  const int64_t t0 = kT0 / 1000000, t15 = t0 + 15000, t30 = t0 + 30000;
  EXPECT_EQ(s[R"({__name__="app_log_lines_total", job="app", level="info"})"],
            (std::vector<std::pair<int64_t, double>>{{t0, 2}, {t15, 3}, {t15 + 15000, 4}}));
  EXPECT_EQ(s[R"({__name__="app_log_lines_total", job="app", level="error"})"],
            (std::vector<std::pair<int64_t, double>>{{t0, 1}, {t15, 2}}));
  (void)t30;
  EXPECT_EQ(tsdb_.metadata["app_log_lines_total"], storage::MetricMetadata::Type::kCounter);
  EXPECT_EQ(store_.records.size(), 6u);  // metric steps do not consume records
}

TEST_F(MetricStepTest, ARecordOlderThanHalfAnHourCountsAtThatAge) {
  config::LogStepConfig c;
  c.type = "metric";
  c.metric_name = "backlog_lines";
  auto router = MakeRouter(c);
  ASSERT_NE(router, nullptr);
  now_ms_ = kT0 / 1000000 + 3 * 3'600'000;  // three hours after the first records
  // A backlog read from a file's start: two hours old, then 20 minutes old.
  Send(router.get(), {At(kT0, "info"), At(kT0 + 1 * kSec, "info"),
                      At(kT0 + (3 * 3600 - 20 * 60) * kSec, "info")});
  router->Flush();
  auto s = Samples();
  const int64_t cutoff = now_ms_ - kMaxDerivedLagMs;  // 2.5 hours after kT0: a 15 s multiple
  EXPECT_EQ(s[R"({__name__="backlog_lines_total"})"],
            (std::vector<std::pair<int64_t, double>>{{cutoff, 2}, {now_ms_ - 20 * 60'000, 3}}));
  EXPECT_EQ(registry_.Get("vigil_pipeline_derived_late_records_total", {}), 2);
}

TEST_F(MetricStepTest, HistogramBucketsSumCount) {
  config::LogStepConfig c;
  c.type = "metric";
  c.metric_name = "req_duration_seconds";
  c.metric_type = "histogram";
  c.value_field = "duration";
  c.buckets = {0.1, 1};
  auto router = MakeRouter(c);
  ASSERT_NE(router, nullptr);
  Send(router.get(), {At(kT0, "info", "0.05"), At(kT0, "info", "0.5"), At(kT0, "info", "5"),
                      At(kT0, "info", "slow")});
  router->Flush();
  auto s = Samples();
  const int64_t t0 = kT0 / 1000000;
  using V = std::vector<std::pair<int64_t, double>>;
  EXPECT_EQ(s[R"({__name__="req_duration_seconds_bucket", le="0.1"})"], (V{{t0, 1}}));
  EXPECT_EQ(s[R"({__name__="req_duration_seconds_bucket", le="1"})"], (V{{t0, 2}}));
  EXPECT_EQ(s[R"({__name__="req_duration_seconds_bucket", le="+Inf"})"], (V{{t0, 3}}));
  EXPECT_EQ(s[R"({__name__="req_duration_seconds_sum"})"], (V{{t0, 5.55}}));
  EXPECT_EQ(s[R"({__name__="req_duration_seconds_count"})"], (V{{t0, 3}}));
  EXPECT_EQ(registry_.Get("vigil_pipeline_step_errors_total",
                          {{"pipeline", "app"}, {"step", "metric"}, {"reason", "bad_value"}}),
            1);
}

TEST_F(MetricStepTest, CounterSumsValueFieldAndHonoursWhen) {
  config::LogStepConfig c;
  c.type = "metric";
  c.metric_name = "bytes_total";
  c.value_field = "duration";
  c.when = R"(level == "info")";
  auto router = MakeRouter(c);
  ASSERT_NE(router, nullptr);
  Send(router.get(), {At(kT0, "info", "10"), At(kT0, "error", "100"), At(kT0, "info", "5")});
  router->Flush();
  auto s = Samples();
  EXPECT_EQ(s[R"({__name__="bytes_total"})"],
            (std::vector<std::pair<int64_t, double>>{{kT0 / 1000000, 15}}));
}

TEST_F(MetricStepTest, BadMetricConfigIsRefused) {
  config::LogStepConfig c;
  c.type = "metric";
  c.metric_name = "bad-name";
  config::LogPipelineConfig p;
  p.name = "app";
  p.steps = {c};
  config_.pipelines = {p};
  RouterOptions o;
  o.config = &config_;
  o.sinks = {{"store", &store_}};
  o.metrics_out = &tsdb_;
  EXPECT_FALSE(Router::Make(o).ok());
  config_.pipelines[0].steps[0].metric_name = "ok_name";
  config_.pipelines[0].steps[0].metric_type = "histogram";  // needs value_field
  EXPECT_FALSE(Router::Make(o).ok());
  config_.pipelines[0].steps[0].value_field = "d";
  config_.pipelines[0].steps[0].buckets = {1, 0.5};
  EXPECT_FALSE(Router::Make(o).ok());
  config_.pipelines[0].steps[0].buckets = {};
  config_.pipelines[0].steps[0].label_fields = {"le"};
  EXPECT_FALSE(Router::Make(o).ok());
  o.metrics_out = nullptr;
  config_.pipelines[0].steps[0].label_fields = {};
  EXPECT_FALSE(Router::Make(o).ok());
}

}  // namespace
}  // namespace vigil::pipeline
