// The cloud collectors end to end: `vigil serve` polls AWS, Azure and GCP as
// served by `vigil cloudsim`, and the series it stores are checked through
// the query API: documented names and labels, the simulator's values at the
// CloudWatch timestamps, collector health in /api/v1/targets, recovery from
// throttling, and a clear error (never a crash) with bad credentials.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "collect/cloud/aws/sigv4.h"
#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
// POST /sim/faults changes only the keys it names.
constexpr const char* kNoFaults =
    R"({"throttle_rate":0,"error_rate":0,"latency_ms":0,"expire_tokens":false,"partial_rate":0})";

std::string Escape(const std::string& q) { return FormEncode({{"query", q}}).substr(6); }

struct Element {
  std::map<std::string, std::string> labels;
  double t = 0;  // seconds
  double v = 0;
};

std::vector<Element> Query(const std::string& base, const std::string& q) {
  HttpResult r = HttpGet(base + "/api/v1/query?query=" + Escape(q));
  std::vector<Element> out;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (r.status != 200 || p.parse(r.body).get(doc)) return out;
  for (simdjson::dom::element e : doc["data"]["result"].get_array()) {
    Element el;
    for (auto f : e["metric"].get_object()) {
      el.labels[std::string(f.key)] = std::string(f.value.get_string().value());
    }
    simdjson::dom::array val = e["value"].get_array();
    el.t = val.at(0).get_double().value();
    el.v = std::stod(std::string(val.at(1).get_string().value()));
    out.push_back(std::move(el));
  }
  return out;
}

// The sum of a metric's samples on Vigil's own /metrics page whose line
// contains every one of `parts` (-1 when there is none).
double SelfMetric(const std::string& base, const std::string& name,
                  const std::vector<std::string>& parts) {
  HttpResult r = HttpGet(base + "/metrics");
  double sum = -1;
  size_t pos = 0;
  while (pos < r.body.size()) {
    size_t end = r.body.find('\n', pos);
    if (end == std::string::npos) end = r.body.size();
    std::string line = r.body.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind(name, 0) != 0 ||
        (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (!all) continue;
    sum = std::max(sum, 0.0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// Waits until the query returns at least one element.
std::vector<Element> WaitFor(const std::string& base, const std::string& q, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto r = Query(base, q);
    if (!r.empty() || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// The port of a URL line "KEY=http://127.0.0.1:PORT" in endpoints.env, or 0.
int EndpointPort(const std::string& env, const std::string& key) {
  size_t at = env.find(key + "=");
  if (at == std::string::npos) return 0;
  size_t end = env.find('\n', at);
  std::string url = env.substr(at, end == std::string::npos ? std::string::npos : end - at);
  size_t colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

class CloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("vigil-cloud-e2e");
    const char* bin = std::getenv("VIGIL_BINARY");
    ASSERT_NE(bin, nullptr);
    // Ephemeral ports: the simulator writes the bound ones to endpoints.env.
    sim_ = Process::Spawn(
        {bin, "cloudsim", "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--state-dir",
         dir_->path() + "/state", "--write-credentials", dir_->path() + "/creds"},
        dir_->path() + "/cloudsim.log");
    std::string env;
    for (int i = 0; i < 400; ++i) {
      env = ReadFileOrEmpty(Creds("endpoints.env"));
      if (EndpointPort(env, "VIGIL_CLOUDSIM_HTTPS") != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    http_port_ = EndpointPort(env, "VIGIL_CLOUDSIM_HTTP");
    https_port_ = EndpointPort(env, "VIGIL_CLOUDSIM_HTTPS");
    ASSERT_NE(http_port_, 0) << sim_->Log();
    ASSERT_NE(https_port_, 0) << sim_->Log();
    ASSERT_TRUE(WaitForHttp200(SimUrl("/sim/stats"), 20000)) << sim_->Log();
  }
  void TearDown() override {
    vigil_.reset();
    if (sim_) sim_->Terminate(10000);
  }

  std::string SimUrl(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }
  std::string SimTls() const { return "https://127.0.0.1:" + std::to_string(https_port_); }
  std::string Creds(const std::string& f) const { return dir_->path() + "/creds/" + f; }

  std::string AwsConfig(const std::string& secret) const {
    return "  aws:\n"
           "    - name: aws-sim\n"
           "      regions: [us-east-1]\n"
           "      endpoint: " +
           SimUrl() +
           "\n"
           "      credentials:\n"
           "        access_key_id: AKIDEXAMPLE\n"
           "        secret_access_key: " +
           secret +
           "\n"
           "      poll_interval: 2s\n"
           "      discovery:\n"
           "        - type: ec2\n"
           "          period: 1m\n"
           "          length: 5m\n"
           "          add_cloudwatch_timestamp: true\n"
           "          exported_tags: [Name]\n"
           "          metrics:\n"
           "            - name: CPUUtilization\n"
           "              statistics: [Average, Maximum]\n";
  }
  std::string AzureConfig() const {
    return "  azure:\n"
           "    - name: azure-sim\n"
           "      subscriptions: [00000000-0000-0000-0000-0000000000aa]\n"
           "      tenant_id: 00000000-0000-0000-0000-000000000000\n"
           "      client_id: 11111111-2222-3333-4444-555555555555\n"
           "      client_secret: vigil~cloudsim~client~secret\n"
           "      authority_host: " +
           SimTls() + "\n      resource_manager_endpoint: " + SimTls() +
           "\n      metrics_endpoint: " + SimTls() + "\n      ca_file: " + Creds("ca.pem") +
           "\n"
           "      poll_interval: 2s\n"
           "      resources:\n"
           "        - resource_type: Microsoft.Compute/virtualMachines\n"
           "          metrics: [Percentage CPU]\n"
           "          aggregations: [average]\n";
  }
  std::string GcpConfig() const {
    return "  gcp:\n"
           "    - name: gcp-sim\n"
           "      project_ids: [example-project]\n"
           "      credentials_file: " +
           Creds("gcp-service-account.json") + "\n      endpoint: " + SimUrl() +
           "\n"
           "      poll_interval: 2s\n"
           "      delay: 0s\n"
           "      metrics:\n"
           "        - type: compute.googleapis.com/instance/cpu/utilization\n"
           "          aligner: ALIGN_MEAN\n"
           "          alignment_period: 1m\n";
  }

  void StartVigil(const std::string& cloud_yaml, const std::string& logs_yaml = "") {
    std::string path = dir_->path() + "/vigil.yml";
    std::ofstream(path) << "global:\n  scrape_interval: 15s\ncloud_configs:\n"
                        << cloud_yaml << logs_yaml;
    vigil_ = Vigil::Start(dir_->path() + "/data", {"--config", path, "--no-host.enabled"});
    ASSERT_NE(vigil_, nullptr);
  }

  // The three clouds as entries that poll no metrics: they lend their
  // credentials to the log sources below.
  std::string CloudLogEntries(const std::string& aws_secret) const {
    auto cut = [](std::string yaml, const std::string& from) {
      return yaml.substr(0, yaml.find(from));
    };
    std::string aws = cut(AwsConfig(aws_secret), "      discovery:\n");
    std::string azure = cut(AzureConfig(), "      resources:\n");
    std::string gcp = cut(GcpConfig(), "      metrics:\n");
    return aws + azure + gcp;
  }
  static std::string CloudLogSources() {
    return "logs:\n"
           "  sources:\n"
           "    - name: cw\n"
           "      type: cloudwatch_logs\n"
           "      labels: {env: sim}\n"
           "      cloudwatch_logs:\n"
           "        cloud: aws-sim\n"
           "        log_group_names: [/vigil/sim/app, aws-cloudtrail-logs-vigil-sim, "
           "/aws/events/vigil-sim]\n"
           "        poll_interval: 1s\n"
           "        delay: 0s\n"
           "        lookback: 30m\n"
           "        max_window: 10m\n"
           "    - name: activity\n"
           "      type: azure_activity_log\n"
           "      azure_activity_log: {cloud: azure-sim, poll_interval: 1s, delay: 0s, lookback: "
           "12h}\n"
           "    - name: audit\n"
           "      type: gcp_logging\n"
           "      gcp_logging: {cloud: gcp-sim, poll_interval: 1s, delay: 0s, lookback: 12h}\n";
  }

  // GetMetricData straight from the simulator, signed as the SDKs sign.
  double SimCloudWatchValue(const std::string& instance, const std::string& stat, int64_t ts) {
    std::string body = fmt::format(
        R"({{"MetricDataQueries":[{{"Id":"q","MetricStat":{{"Metric":{{"Namespace":"AWS/EC2","MetricName":"CPUUtilization","Dimensions":[{{"Name":"InstanceId","Value":"{}"}}]}},"Period":60,"Stat":"{}"}}}}],"StartTime":{},"EndTime":{}}})",
        instance, stat, ts, ts + 60);
    aws::SignableRequest req;
    req.method = "POST";
    req.path = "/";
    req.headers = {{"Host", "127.0.0.1:" + std::to_string(http_port_)},
                   {"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"},
                   {"x-amzn-query-mode", "true"}};
    req.body = body;
    aws::Credentials creds{"AKIDEXAMPLE", kAwsSecret, "", 0, "test"};
    aws::SignOptions so;
    so.region = "us-east-1";
    so.service = "monitoring";
    if (!aws::Sign(&req, creds, so).ok()) return NAN;
    std::vector<std::string> headers;
    for (const auto& [k, v] : req.headers) {
      if (k != "Host") headers.push_back(k + ": " + v);
    }
    HttpResult r = HttpPost(SimUrl("/"), body, headers);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (r.status != 200 || p.parse(r.body).get(doc)) return NAN;
    simdjson::dom::array values = doc["MetricDataResults"].at(0)["Values"].get_array();
    if (values.size() == 0) return NAN;
    return values.at(0).get_double().value();
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Process> sim_;
  std::unique_ptr<Vigil> vigil_;
  int http_port_ = 0, https_port_ = 0;
};

TEST_F(CloudTest, AwsSeriesHaveYaceNamesLabelsAndTheSimulatorsValues) {
  StartVigil(AwsConfig(kAwsSecret));
  std::string base = vigil_->Url("");
  auto avg = WaitFor(base, "aws_ec2_cpuutilization_average", 30000);
  ASSERT_FALSE(avg.empty()) << vigil_->process().Log();
  // With add_cloudwatch_timestamp each sample sits at its datapoint's time.
  std::map<std::string, double> stamps;
  for (const auto& e : Query(base, "timestamp(aws_ec2_cpuutilization_average)")) {
    stamps[e.labels.at("dimension_InstanceId")] = e.v;
  }
  for (const auto& e : avg) {
    EXPECT_EQ(e.labels.at("job"), "aws-sim");
    EXPECT_EQ(e.labels.at("region"), "us-east-1");
    EXPECT_EQ(e.labels.at("account_id"), "123456789012");
    EXPECT_EQ(e.labels.at("name").rfind("arn:aws:ec2:us-east-1:123456789012:instance/", 0), 0u)
        << e.labels.at("name");
    ASSERT_TRUE(e.labels.count("dimension_InstanceId"));
    const std::string& id = e.labels.at("dimension_InstanceId");
    ASSERT_TRUE(stamps.count(id));
    int64_t ts = static_cast<int64_t>(stamps[id]);
    EXPECT_EQ(ts % 60, 0) << "a CloudWatch period starts on the minute";
    EXPECT_LE(ts, static_cast<int64_t>(e.t));
    EXPECT_GE(ts, static_cast<int64_t>(e.t) - 10 * 60);
    // The value is what the simulator answers for that period.
    double want = SimCloudWatchValue(id, "Average", ts);
    EXPECT_NEAR(e.v, want, 1e-9) << id << " at " << ts;
  }
  EXPECT_FALSE(Query(base, "aws_ec2_cpuutilization_maximum").empty());
  auto info = Query(base, "aws_ec2_info");
  ASSERT_FALSE(info.empty());
  EXPECT_TRUE(info[0].labels.count("tag_Name")) << "info series without the exported tag";
  auto up = Query(base, "up{job=\"aws-sim\"}");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].v, 1);

  // Health next to the scrape targets.
  HttpResult t = HttpGet(base + "/api/v1/targets");
  EXPECT_NE(t.body.find("aws-sim"), std::string::npos) << t.body;
  EXPECT_NE(t.body.find("\"health\":\"up\""), std::string::npos) << t.body;
  // API accounting, on Vigil's own /metrics.
  EXPECT_GT(SelfMetric(base, "vigil_cloud_api_calls_total",
                       {"collector=\"aws-sim\"", "api=\"GetMetricData\"", "result=\"success\""}),
            0);
  EXPECT_GT(SelfMetric(base, "vigil_cloud_metrics_requested_total", {"collector=\"aws-sim\""}), 0);
  EXPECT_GT(SelfMetric(base, "vigil_cloud_estimated_cost_dollars_total", {"collector=\"aws-sim\""}),
            0);
}

TEST_F(CloudTest, BadAwsCredentialsGiveAClearErrorAndUpZero) {
  StartVigil(AwsConfig("not-the-secret"));
  std::string base = vigil_->Url("");
  auto up = WaitFor(base, "up{job=\"aws-sim\"} == 0", 30000);
  ASSERT_EQ(up.size(), 1u) << vigil_->process().Log();
  HttpResult t = HttpGet(base + "/api/v1/targets");
  EXPECT_NE(t.body.find("does not match the signature you provided"), std::string::npos) << t.body;
  EXPECT_NE(t.body.find("\"health\":\"down\""), std::string::npos) << t.body;
  EXPECT_TRUE(vigil_->process().Running());
}

TEST_F(CloudTest, ThrottlingIsRetriedWithBackoffAndLeavesNoLastingGap) {
  ASSERT_EQ(HttpPost(SimUrl("/sim/faults"), R"({"throttle_rate": 0.5})",
                     {"Content-Type: application/json"})
                .status,
            200);
  StartVigil(AwsConfig(kAwsSecret));
  std::string base = vigil_->Url("");
  ASSERT_FALSE(WaitFor(base, "aws_ec2_cpuutilization_average", 60000).empty())
      << vigil_->process().Log();
  EXPECT_GT(SelfMetric(base, "vigil_cloud_api_calls_total",
                       {"collector=\"aws-sim\"", "result=\"throttled\""}),
            0);
  EXPECT_GT(SelfMetric(base, "vigil_cloud_api_retries_total", {"collector=\"aws-sim\""}), 0);
  // Once the API lets calls through, every poll succeeds again.
  ASSERT_EQ(HttpPost(SimUrl("/sim/faults"), kNoFaults, {"Content-Type: application/json"}).status,
            200);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  auto up = Query(base, "min_over_time(up{job=\"aws-sim\"}[3s])");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].v, 1);
}

TEST_F(CloudTest, AzureAndGcpSeriesWithTheirExportersNames) {
  StartVigil(AzureConfig() + GcpConfig());
  std::string base = vigil_->Url("");
  auto az = WaitFor(base, "{job=\"azure-sim\",__name__!~\"up|vigil_.*|scrape_.*\"}", 30000);
  ASSERT_FALSE(az.empty()) << vigil_->process().Log();
  bool saw_cpu = false;
  for (const auto& e : az) {
    if (e.labels.count("metric") && e.labels.at("metric") == "Percentage CPU") {
      saw_cpu = true;
      EXPECT_EQ(e.labels.at("__name__"), "azurerm_resource_metric");
      EXPECT_EQ(e.labels.at("aggregation"), "average");
      EXPECT_GE(e.v, 0);
      EXPECT_LE(e.v, 100);
    }
  }
  EXPECT_TRUE(saw_cpu);
  auto gcp = WaitFor(
      base, "stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization", 30000);
  ASSERT_FALSE(gcp.empty()) << vigil_->process().Log();
  EXPECT_EQ(gcp[0].labels.at("project_id"), "example-project");
  EXPECT_TRUE(gcp[0].labels.count("instance_id"));
  auto up = Query(base, "up{job=~\"azure-sim|gcp-sim\"}");
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].v + up[1].v, 2);
}

// Every line of the streams at most once: cloud events carry their ids
// (eventID, eventDataId, insertId) in their JSON bodies, so a line seen twice
// is an event stored twice.
void ExpectNoDuplicates(const std::vector<StreamLines>& streams, const std::string& what) {
  std::set<std::string> seen;
  for (const auto& s : streams) {
    for (const auto& l : s.lines) EXPECT_TRUE(seen.insert(l).second) << what << ": twice: " << l;
  }
}

TEST_F(CloudTest, CloudLogSourcesReadAwsAzureAndGcpLogsThroughTheirCredentials) {
  StartVigil(CloudLogEntries(kAwsSecret), CloudLogSources());
  const Vigil& v = *vigil_;
  // CloudWatch Logs: plain application lines.
  auto app = WaitForLines(v, R"({log_group="/vigil/sim/app"})", 10, 30000);
  ASSERT_GE(CountLines(app), 10u) << vigil_->process().Log();
  EXPECT_EQ(app[0].labels.at("cloud_provider"), "aws");
  EXPECT_EQ(app[0].labels.at("cloud_region"), "us-east-1");
  EXPECT_EQ(app[0].labels.at("env"), "sim");
  // CloudTrail records as events: the attributes come back as structured
  // metadata, the record's JSON as the line.
  auto trail = WaitForLines(v, R"({log_group="aws-cloudtrail-logs-vigil-sim"})", 1, 30000);
  ASSERT_GE(CountLines(trail), 1u) << vigil_->process().Log();
  EXPECT_TRUE(trail[0].labels.count("event_type")) << "no event.type";
  EXPECT_EQ(trail[0].labels.at("cloud_account_id"), "123456789012");
  EXPECT_NE(trail[0].lines[0].find("\"eventVersion\""), std::string::npos) << trail[0].lines[0];
  // ... and `| json` reaches every field of it: every record parses and has
  // its eventSource. (Each count is one query: the source keeps reading
  // while the test runs.)
  const std::string trail_q = R"({log_group="aws-cloudtrail-logs-vigil-sim"} | json)";
  EXPECT_EQ(CountLines(QueryLogs(v, trail_q + R"( | __error__ != "")")), 0u);
  EXPECT_EQ(CountLines(QueryLogs(v, trail_q + R"( | eventSource = "")")), 0u);
  EXPECT_GE(CountLines(QueryLogs(v, trail_q + R"( | eventSource != "")")), 1u);
  auto bridge = WaitForLines(v, R"({log_group="/aws/events/vigil-sim"})", 1, 30000);
  ASSERT_GE(CountLines(bridge), 1u) << vigil_->process().Log();
  EXPECT_TRUE(bridge[0].labels.count("event_source"));
  // The Azure Activity Log and GCP audit logs.
  auto azure = WaitForLines(v, R"({cloud_provider="azure"})", 1, 30000);
  ASSERT_GE(CountLines(azure), 1u) << vigil_->process().Log();
  EXPECT_EQ(azure[0].labels.at("subscription_id"), "00000000-0000-0000-0000-0000000000aa");
  EXPECT_TRUE(azure[0].labels.count("event_type"));
  auto gcp = WaitForLines(v, R"({cloud_provider="gcp"})", 1, 30000);
  ASSERT_GE(CountLines(gcp), 1u) << vigil_->process().Log();
  EXPECT_EQ(gcp[0].labels.at("project_id"), "example-project");
  EXPECT_TRUE(gcp[0].labels.count("event_type"));

  std::string base = vigil_->Url("");
  EXPECT_GT(SelfMetric(base, "vigil_cloud_log_records_total", {"source=\"cw\""}), 0);
  EXPECT_GT(SelfMetric(base, "vigil_cloud_api_calls_total",
                       {"collector=\"cw\"", "api=\"FilterLogEvents\"", "result=\"success\""}),
            0);
  // Entries that poll no metrics are no scrape targets.
  HttpResult t = HttpGet(base + "/api/v1/targets");
  EXPECT_EQ(t.body.find("aws-sim"), std::string::npos) << t.body;
  // (The application lines repeat themselves; the events do not.)
  for (const auto* s : {&trail, &bridge, &azure, &gcp}) ExpectNoDuplicates(*s, "first run");
}

TEST_F(CloudTest, CloudLogSourcesResumeAfterKill9WithoutLosingOrRepeatingEvents) {
  StartVigil(CloudLogEntries(kAwsSecret), CloudLogSources());
  ASSERT_GE(CountLines(WaitForLines(*vigil_, R"({cloud_provider="gcp"})", 1, 30000)), 1u)
      << vigil_->process().Log();
  const std::string q = R"({log_group=~"aws-cloudtrail-logs-vigil-sim|/aws/events/vigil-sim"})";
  size_t before = CountLines(QueryLogs(*vigil_, q));
  size_t azure_before = CountLines(QueryLogs(*vigil_, R"({cloud_provider="azure"})"));
  vigil_->process().Kill9();
  vigil_.reset();
  std::string path = dir_->path() + "/vigil.yml";
  vigil_ = Vigil::Start(dir_->path() + "/data", {"--config", path, "--no-host.enabled"});
  ASSERT_NE(vigil_, nullptr);
  // A few polls after the restart.
  std::string base = vigil_->Url("");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (SelfMetric(base, "vigil_cloud_log_polls_total", {"source=\"audit\"", "success"}) < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto after = QueryLogs(*vigil_, q);
  EXPECT_GE(CountLines(after), before);
  ExpectNoDuplicates(after, "after kill -9");
  auto azure = QueryLogs(*vigil_, R"({cloud_provider="azure"})");
  EXPECT_GE(CountLines(azure), azure_before);
  ExpectNoDuplicates(azure, "azure after kill -9");
  ExpectNoDuplicates(QueryLogs(*vigil_, R"({cloud_provider="gcp"})"), "gcp after kill -9");
}

TEST_F(CloudTest, CloudLogSourceWithBadCredentialsFailsItsPollsAndVigilStaysUp) {
  StartVigil(CloudLogEntries("not-the-secret"), CloudLogSources());
  std::string base = vigil_->Url("");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (SelfMetric(base, "vigil_cloud_log_polls_total", {"source=\"cw\"", "error"}) < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(SelfMetric(base, "vigil_cloud_log_polls_total", {"source=\"cw\"", "error"}), 1);
  EXPECT_EQ(CountLines(QueryLogs(*vigil_, R"({cloud_provider="aws"})")), 0u);
  // The other clouds' credentials are fine.
  EXPECT_GE(CountLines(WaitForLines(*vigil_, R"({cloud_provider="gcp"})", 1, 30000)), 1u);
  EXPECT_TRUE(vigil_->process().Running());
}

}  // namespace
}  // namespace vigil::itest
