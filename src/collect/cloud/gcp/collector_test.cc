#include "collect/cloud/gcp/collector.h"

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/time.h"
#include "collect/cloud/gcp/test_util.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::gcp {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

struct Seen {
  std::string path;
  std::map<std::string, std::string> query;  // decoded, last value wins
  std::string authorization;
};

// Google's token and monitoring endpoints on one host, as the simulator
// serves them. Tests script the monitoring answers with `respond`.
class FakeGoogle {
 public:
  using Responder = std::function<std::string(const Seen&, int call)>;

  FakeGoogle() : server_([this](const TestRequest& r, TestConn& c) { Handle(r, c); }) {}

  std::string base() const { return server_.URL(""); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }
  std::vector<Seen> seen_path(std::string_view needle) {
    std::vector<Seen> out;
    for (auto& s : seen()) {
      if (s.path.find(needle) != std::string::npos) out.push_back(s);
    }
    return out;
  }
  int tokens_issued() const { return tokens_.load(); }

  Responder respond;
  std::atomic<int> reject_token_number{0};  // 401 for requests with ya29.token-<n>

 private:
  void Handle(const TestRequest& req, TestConn& conn) {
    size_t q = req.target.find('?');
    Seen s;
    s.path = req.target.substr(0, q);
    s.authorization = req.Header("authorization");
    if (q != std::string::npos) s.query = testing::ParseForm(req.target.substr(q + 1));
    if (s.path == "/token") {
      auto form = testing::ParseForm(req.body);
      if (!VerifyJwtRS256(form["assertion"], testing::TestKey().public_key_pem, nullptr, nullptr)
               .ok()) {
        conn.Write(Reply(400, R"({"error":"invalid_grant"})"));
        return;
      }
      int n = tokens_.fetch_add(1) + 1;
      conn.Write(Reply(200,
                       fmt::format(R"({{"access_token":"ya29.token-{}","expires_in":3599}})", n),
                       {{"Content-Type", "application/json"}}));
      return;
    }
    int call;
    {
      std::lock_guard<std::mutex> l(mu_);
      seen_.push_back(s);
      call = static_cast<int>(seen_.size());
    }
    if (reject_token_number.load() > 0 &&
        s.authorization == fmt::format("Bearer ya29.token-{}", reject_token_number.load())) {
      conn.Write(Reply(
          401,
          R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}})"));
      return;
    }
    std::string raw = respond ? respond(s, call) : Reply(404, "{}");
    conn.Write(raw);
  }

  TestServer server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::atomic<int> tokens_{0};
};

std::string Ok(std::string_view body) {
  return Reply(200, body, {{"Content-Type", "application/json; charset=UTF-8"}});
}

std::string GaugeSeries(std::string_view vm, double value,
                        std::string_view end = "2024-01-01T00:05:00Z") {
  return fmt::format(
      R"({{"metric": {{"type": "compute.googleapis.com/instance/cpu/utilization", "labels": {{"instance_name": "{}"}}}}, "resource": {{"type": "gce_instance", "labels": {{"project_id": "example-project", "zone": "us-central1-a", "instance_id": "1"}}}}, "metricKind": "GAUGE", "valueType": "DOUBLE", "points": [{{"interval": {{"startTime": "{}", "endTime": "{}"}}, "value": {{"doubleValue": {}}}}}, {{"interval": {{"startTime": "2024-01-01T00:00:00Z", "endTime": "2024-01-01T00:00:00Z"}}, "value": {{"doubleValue": 99}}}}], "unit": "10^2.%"}})",
      vm, end, end, value);
}

class RecordingSink : public cloud::Sink {
 public:
  void Add(const model::Labels& labels, int64_t t_ms, double v) override {
    samples.push_back(fmt::format("{} {} @{}", labels.ToString(), v, t_ms));
  }
  std::vector<std::string> samples;
};

constexpr int64_t kNow = 1'704'070'800'000;  // 2024-01-01T01:00:00Z

class GcpCollectorTest : public ::testing::Test {
 protected:
  config::GCPCloudConfig Config() {
    config::GCPCloudConfig cfg;
    cfg.name = "gcp-prod";
    cfg.project_ids = {"example-project"};
    cfg.credentials_file =
        testing::WriteKeyFile(dir_, testing::TestServiceAccount(google_.base() + "/token"));
    cfg.endpoint = google_.base();
    cfg.poll_interval_ms = 60'000;
    cfg.delay_ms = 60'000;
    cfg.lookback_ms = 300'000;
    cfg.request_timeout_ms = 5'000;
    config::GCPMetricQuery q;
    q.type = "compute.googleapis.com/instance/cpu/utilization";
    q.filter = R"(resource.type = "gce_instance")";
    cfg.metrics = {q};
    return cfg;
  }
  std::unique_ptr<cloud::Collector> New(const config::GCPCloudConfig& cfg) {
    GcpCollectorOptions opts;
    opts.backoff_base_ms = 1;
    opts.backoff_max_ms = 5;
    opts.backoff_seed = 7;
    auto c = NewGcpCollector(cfg, &registry_, opts);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  testing::TempDir dir_;
  FakeGoogle google_;
  metrics::Registry registry_;
};

TEST_F(GcpCollectorTest, FollowsPagesAndWritesStackdriverNamedSeries) {
  google_.respond = [](const Seen& s, int) {
    if (s.query.count("pageToken") == 0) {
      return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-1", 0.25) +
                R"(], "nextPageToken": "p2", "unit": "10^2.%"})");
    }
    return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-2", 0.5) + R"(], "unit": "10^2.%"})");
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const std::string name =
      "stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization";
  EXPECT_EQ(
      sink.samples,
      (std::vector<std::string>{
          "{__name__=\"" + name +
              "\", instance_id=\"1\", instance_name=\"vm-1\", project_id=\"example-project\", "
              "unit=\"10^2.%\", zone=\"us-central1-a\"} 0.25 @1704067500000",
          "{__name__=\"" + name +
              "\", instance_id=\"1\", instance_name=\"vm-2\", project_id=\"example-project\", "
              "unit=\"10^2.%\", zone=\"us-central1-a\"} 0.5 @1704067500000",
      }));
  auto seen = google_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/v3/projects/example-project/timeSeries");
  EXPECT_EQ(seen[0].authorization, "Bearer ya29.token-1");
  EXPECT_EQ(
      seen[0].query["filter"],
      R"(metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance")");
  EXPECT_EQ(seen[0].query["interval.startTime"],
            "2024-01-01T00:54:00.000Z");  // now - delay - lookback
  EXPECT_EQ(seen[0].query["interval.endTime"], "2024-01-01T00:59:00.000Z");  // now - delay
  EXPECT_EQ(seen[0].query.count("aggregation.perSeriesAligner"), 0u);
  EXPECT_EQ(seen[1].query["pageToken"], "p2");
  EXPECT_EQ(google_.tokens_issued(), 1);

  cloud::CollectorHealth h = c->Health();
  EXPECT_EQ(h.state, cloud::CollectorHealth::State::kUp);
  EXPECT_EQ(h.series_last_poll, 2u);
  EXPECT_EQ(h.api_calls, 3u);  // token + 2 pages
  EXPECT_EQ(h.metrics_requested, 2u);
  EXPECT_DOUBLE_EQ(h.estimated_cost_usd, 2 * 0.50 / 1e6);
  EXPECT_EQ(registry_.Get("vigil_cloud_api_calls_total", {{"provider", "gcp"},
                                                          {"collector", "gcp-prod"},
                                                          {"api", "timeSeries.list"},
                                                          {"region", "global"},
                                                          {"result", "success"}}),
            2);
  EXPECT_EQ(c->Provider(), "gcp");
  EXPECT_EQ(c->Name(), "gcp-prod");
}

TEST_F(GcpCollectorTest, LaterPollsContinueFromTheLastEnd) {
  google_.respond = [](const Seen&, int) { return Ok(R"({"timeSeries": []})"); };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  ASSERT_TRUE(c->Poll(kNow, &sink).ok());
  ASSERT_TRUE(c->Poll(kNow + 60'000, &sink).ok());
  auto seen = google_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].query["interval.startTime"], "2024-01-01T00:59:00.000Z");
  EXPECT_EQ(seen[1].query["interval.endTime"], "2024-01-01T01:00:00.000Z");
  EXPECT_EQ(google_.tokens_issued(), 1);  // cached
}

TEST_F(GcpCollectorTest, AggregationIsSentWithNamedEnums) {
  google_.respond = [](const Seen&, int) { return Ok("{}"); };
  config::GCPCloudConfig cfg = Config();
  cfg.metrics[0].aligner = "ALIGN_MEAN";
  cfg.metrics[0].reducer = "REDUCE_MEAN";
  cfg.metrics[0].group_by_fields = {"resource.label.zone"};
  auto c = New(cfg);
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  ASSERT_TRUE(c->Poll(kNow, &sink).ok());
  auto seen = google_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].query["aggregation.alignmentPeriod"], "60s");  // the poll interval
  EXPECT_EQ(seen[0].query["aggregation.perSeriesAligner"], "ALIGN_MEAN");
  EXPECT_EQ(seen[0].query["aggregation.crossSeriesReducer"], "REDUCE_MEAN");
  EXPECT_EQ(seen[0].query["aggregation.groupByFields"], "resource.label.zone");
}

TEST_F(GcpCollectorTest, TypePrefixIsExpandedOnceWithDescriptorsAndTheirUnits) {
  google_.respond = [](const Seen& s, int) {
    if (s.path.find("metricDescriptors") != std::string::npos) {
      if (s.query.count("pageToken") == 0) {
        return Ok(
            R"({"metricDescriptors": [{"type": "compute.googleapis.com/instance/cpu/usage_time", "metricKind": "CUMULATIVE", "valueType": "DOUBLE", "unit": "s{CPU}"}], "nextPageToken": "d2"})");
      }
      return Ok(
          R"({"metricDescriptors": [{"type": "compute.googleapis.com/instance/uptime", "metricKind": "DELTA", "valueType": "INT64", "unit": "s"}]})");
    }
    std::string type = s.query.at("filter");
    std::string kind = type.find("usage_time") != std::string::npos ? "CUMULATIVE" : "DELTA";
    std::string metric = type.find("usage_time") != std::string::npos
                             ? "compute.googleapis.com/instance/cpu/usage_time"
                             : "compute.googleapis.com/instance/uptime";
    return Ok(fmt::format(
        R"({{"timeSeries": [{{"metric": {{"type": "{}"}}, "resource": {{"type": "gce_instance", "labels": {{"instance_id": "1"}}}}, "metricKind": "{}", "valueType": "INT64", "points": [{{"interval": {{"startTime": "2024-01-01T00:00:00Z", "endTime": "2024-01-01T00:58:00Z"}}, "value": {{"int64Value": "120"}}}}]}}]}})",
        metric, kind));
  };
  config::GCPCloudConfig cfg = Config();
  cfg.metrics[0].type = "";
  cfg.metrics[0].type_prefix = "compute.googleapis.com/instance/";
  cfg.metrics[0].filter = "";
  auto c = New(cfg);
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(
      sink.samples,
      (std::vector<std::string>{
          "{__name__=\"stackdriver_gce_instance_compute_googleapis_com_instance_cpu_usage_time\", "
          "instance_id=\"1\", project_id=\"example-project\", unit=\"s{CPU}\"} 120 @1704070680000",
          "{__name__=\"stackdriver_gce_instance_compute_googleapis_com_instance_uptime\", "
          "instance_id=\"1\", project_id=\"example-project\", unit=\"s\"} 120 @1704070680000",
      }));
  auto d = google_.seen_path("metricDescriptors");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].query["filter"],
            R"(metric.type = starts_with("compute.googleapis.com/instance/"))");
  ASSERT_TRUE(c->Poll(kNow + 60'000, &sink).ok());
  EXPECT_EQ(google_.seen_path("metricDescriptors").size(), 2u);  // cached
  EXPECT_EQ(google_.seen_path("timeSeries").size(), 4u);
}

TEST_F(GcpCollectorTest, FailedDescriptorRefreshKeepsTheListedTypes) {
  std::atomic<bool> descriptors_down{false};
  google_.respond = [&descriptors_down](const Seen& s, int) {
    if (s.path.find("metricDescriptors") != std::string::npos) {
      if (descriptors_down.load())
        return Reply(403, R"({"error":{"code":403,"status":"PERMISSION_DENIED"}})");
      return Ok(
          R"({"metricDescriptors": [{"type": "compute.googleapis.com/instance/cpu/utilization", "unit": "1"}]})");
    }
    return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-1", 1) + "]}");
  };
  config::GCPCloudConfig cfg = Config();
  cfg.metrics[0].type = "";
  cfg.metrics[0].type_prefix = "compute.googleapis.com/";
  GcpCollectorOptions opts;
  opts.backoff_base_ms = 1;
  opts.backoff_max_ms = 5;
  opts.descriptor_ttl_ms = 1;
  auto c = NewGcpCollector(cfg, &registry_, opts);
  ASSERT_TRUE(c.ok());
  RecordingSink sink;
  ASSERT_TRUE((*c)->Poll(kNow, &sink).ok());
  descriptors_down = true;
  Status st = (*c)->Poll(kNow + 60'000, &sink);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(google_.seen_path("metricDescriptors").size(), 2u);
  EXPECT_EQ(google_.seen_path("timeSeries").size(), 2u);
}

TEST_F(GcpCollectorTest, ThrottlingAndUnavailableAreRetried) {
  google_.respond = [](const Seen&, int call) {
    if (call == 1) {
      return Reply(
          429,
          R"({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}})",
          {{"Retry-After", "0"}});
    }
    if (call == 2) return Reply(503, R"({"error": {"code": 503, "status": "UNAVAILABLE"}})");
    if (call == 3) {
      return Reply(
          400, R"({"error": {"code": 400, "message": "busy", "status": "RESOURCE_EXHAUSTED"}})");
    }
    return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-1", 1) + "]}");
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(sink.samples.size(), 1u);
  EXPECT_EQ(google_.seen().size(), 4u);
  auto calls = [&](const char* result) {
    return registry_.Get("vigil_cloud_api_calls_total", {{"provider", "gcp"},
                                                         {"collector", "gcp-prod"},
                                                         {"api", "timeSeries.list"},
                                                         {"region", "global"},
                                                         {"result", result}});
  };
  EXPECT_EQ(calls("throttled"), 2);
  EXPECT_EQ(calls("error"), 1);
  EXPECT_EQ(calls("success"), 1);
  EXPECT_EQ(
      registry_.Get("vigil_cloud_api_retries_total",
                    {{"provider", "gcp"}, {"collector", "gcp-prod"}, {"api", "timeSeries.list"}}),
      3);
}

TEST_F(GcpCollectorTest, PersistentThrottlingFailsThePollAfterFiveAttempts) {
  google_.respond = [](const Seen&, int) {
    return Reply(429, R"({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})");
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("RESOURCE_EXHAUSTED"), std::string::npos) << st.ToString();
  EXPECT_EQ(google_.seen().size(), 5u);
  EXPECT_EQ(c->Health().state, cloud::CollectorHealth::State::kDown);
}

TEST_F(GcpCollectorTest, UnauthorizedGetsOneFreshTokenAndRetry) {
  google_.reject_token_number = 1;
  google_.respond = [](const Seen&, int) {
    return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-1", 1) + "]}");
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(google_.tokens_issued(), 2);
  auto seen = google_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].authorization, "Bearer ya29.token-2");
  EXPECT_EQ(sink.samples.size(), 1u);
}

TEST_F(GcpCollectorTest, UnauthorizedTwiceIsAnError) {
  google_.respond = [](const Seen&, int) {
    return Reply(401, R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})");
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("UNAUTHENTICATED"), std::string::npos);
  EXPECT_EQ(google_.tokens_issued(), 2);
  EXPECT_EQ(google_.seen().size(), 2u);
}

TEST_F(GcpCollectorTest, MalformedResponseFailsThePollAndTheWindowIsAskedAgain) {
  std::atomic<bool> broken{true};
  google_.respond = [&broken](const Seen&, int) {
    std::string body = R"({"timeSeries": [)" + GaugeSeries("vm-1", 1) + "]}";
    return Ok(broken.load() ? body.substr(0, body.size() / 2) : body);
  };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("invalid JSON"), std::string::npos) << st.ToString();
  EXPECT_TRUE(sink.samples.empty());
  cloud::CollectorHealth h = c->Health();
  EXPECT_EQ(h.state, cloud::CollectorHealth::State::kDown);
  EXPECT_NE(h.last_error.find("timeSeries.list response"), std::string::npos);
  broken = false;
  ASSERT_TRUE(c->Poll(kNow + 60'000, &sink).ok());
  auto seen = google_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].query["interval.startTime"], "2024-01-01T00:54:00.000Z");  // not advanced
  EXPECT_EQ(sink.samples.size(), 1u);
}

TEST_F(GcpCollectorTest, OneFailingMetricKeepsTheOthers) {
  google_.respond = [](const Seen& s, int) {
    if (s.query.at("filter").find("denied") != std::string::npos) {
      return Reply(
          403,
          R"({"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}})");
    }
    return Ok(R"({"timeSeries": [)" + GaugeSeries("vm-1", 1) + "]}");
  };
  config::GCPCloudConfig cfg = Config();
  config::GCPMetricQuery denied;
  denied.type = "denied.googleapis.com/x";
  cfg.metrics.insert(cfg.metrics.begin(), denied);
  auto c = New(cfg);
  ASSERT_NE(c, nullptr);
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("1 of 2 requests failed"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("PERMISSION_DENIED"), std::string::npos);
  EXPECT_EQ(sink.samples.size(), 1u);
}

TEST_F(GcpCollectorTest, CancelledCollectorStopsPolling) {
  google_.respond = [](const Seen&, int) { return Ok("{}"); };
  auto c = New(Config());
  ASSERT_NE(c, nullptr);
  c->Cancel();
  RecordingSink sink;
  Status st = c->Poll(kNow, &sink);
  EXPECT_TRUE(st.IsCancelled()) << st.ToString();
  EXPECT_TRUE(google_.seen().empty());
}

TEST_F(GcpCollectorTest, ConfigurationErrorsFailConstruction) {
  config::GCPCloudConfig cfg = Config();
  cfg.credentials_file = dir_.path() + "/missing.json";
  EXPECT_FALSE(NewGcpCollector(cfg, &registry_).ok());
  cfg = Config();
  cfg.project_ids.clear();
  EXPECT_FALSE(NewGcpCollector(cfg, &registry_).ok());
  cfg = Config();
  cfg.metrics[0].type_prefix = "also";
  EXPECT_FALSE(NewGcpCollector(cfg, &registry_).ok());
}

}  // namespace
}  // namespace vigil::gcp
