// The clouds' official clients against `vigil cloudsim`: Debian's awscli and
// python3-boto3, the AWS SDK for JavaScript v3 (in its default JSON 1.0
// protocol and forced to query and RPCv2 CBOR), the Azure SDKs for
// JavaScript over the simulator's HTTPS listener, @google-cloud/monitoring
// (REST) and Debian's python3-google-auth. Each client must accept the
// simulator's answers, and get the error it would get from the real cloud
// when it is wrong (bad secret, throttling).
//
// The JavaScript clients live in tests/clients (installed by scripts/setup.sh
// with `npm ci`).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

const char* kClientsDir = VIGIL_SOURCE_DIR "/tests/clients";
constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
// POST /sim/faults changes only the keys it names.
constexpr const char* kNoFaults =
    R"({"throttle_rate":0,"error_rate":0,"latency_ms":0,"expire_tokens":false,"partial_rate":0})";

// The port of a URL line "KEY=http://127.0.0.1:PORT" in endpoints.env, or 0.
int EndpointPort(const std::string& env, const std::string& key) {
  size_t at = env.find(key + "=");
  if (at == std::string::npos) return 0;
  size_t end = env.find('\n', at);
  std::string url = env.substr(at, end == std::string::npos ? std::string::npos : end - at);
  size_t colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

class CloudClientsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("vigil-cloudsim-clients");
    const char* bin = std::getenv("VIGIL_BINARY");
    ASSERT_NE(bin, nullptr);
    // Ephemeral ports: the simulator writes the bound ones to endpoints.env.
    sim_ = Process::Spawn({bin, "cloudsim", "--listen", "127.0.0.1:0", "--tls-listen",
                           "127.0.0.1:0", "--state-dir", dir_->path() + "/state",
                           "--write-credentials", dir_->path() + "/creds"},
                          dir_->path() + "/cloudsim.log")
               .release();
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
    ASSERT_TRUE(WaitForHttp200(Http("/sim/stats"), 20000)) << sim_->Log();
  }
  static void TearDownTestSuite() {
    if (sim_ != nullptr) sim_->Terminate(10000);
    delete sim_;
    delete dir_;
    sim_ = nullptr;
    dir_ = nullptr;
  }
  static std::string Http(const std::string& path = "") {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }
  static std::string Https() { return "https://127.0.0.1:" + std::to_string(https_port_); }
  static std::string Creds(const std::string& f) { return dir_->path() + "/creds/" + f; }

  void SetUp() override { SetFaults(kNoFaults); }

  static void SetFaults(const std::string& json) {
    HttpResult r = HttpPost(Http("/sim/faults"), json, {"Content-Type: application/json"});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Runs a client with env vars; returns exit code and output.
  static int Run(const std::vector<std::string>& env, std::vector<std::string> argv,
                 std::string* out, int timeout_ms = 90000) {
    std::vector<std::string> full = {"/usr/bin/env", "HOME=" + dir_->path(), "PATH=/usr/bin:/bin",
                                     "AWS_EC2_METADATA_DISABLED=true"};
    full.insert(full.end(), env.begin(), env.end());
    full.insert(full.end(), argv.begin(), argv.end());
    return RunCommand(full, out, timeout_ms);
  }
  static std::vector<std::string> AwsEnv(const std::string& secret = kAwsSecret) {
    return {"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=" + secret,
            "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER="};
  }
  static int Node(const std::string& script, std::vector<std::string> args, std::string* out,
                  std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {"/usr/bin/node", std::string(kClientsDir) + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("NODE_PATH=" + std::string(kClientsDir) + "/node_modules");
    return Run(env, argv, out);
  }
  static int Python(const std::string& script, std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {"/usr/bin/python3", std::string(kClientsDir) + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run({}, argv, out);
  }

  static TempDir* dir_;
  static Process* sim_;
  static int http_port_, https_port_;
};

TempDir* CloudClientsTest::dir_ = nullptr;
Process* CloudClientsTest::sim_ = nullptr;
int CloudClientsTest::http_port_ = 0;
int CloudClientsTest::https_port_ = 0;

// {"ok": true, "result": ...} from the client scripts.
bool Ok(const std::string& out) { return out.find("\"ok\": true") != std::string::npos; }

TEST_F(CloudClientsTest, AwsCliListsMetricsAndFetchesTheirData) {
  std::string out;
  ASSERT_EQ(Run(AwsEnv(),
                {"/usr/bin/aws", "cloudwatch", "list-metrics", "--namespace", "AWS/EC2",
                 "--endpoint-url", Http(), "--output", "json"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("CPUUtilization"), std::string::npos) << out;
  EXPECT_NE(out.find("InstanceId"), std::string::npos) << out;

  int64_t end = time(nullptr) / 60 * 60;
  std::string queries =
      R"([{"Id":"cpu","MetricStat":{"Metric":{"Namespace":"AWS/EC2","MetricName":"CPUUtilization"},"Period":300,"Stat":"SampleCount"}}])";
  ASSERT_EQ(Run(AwsEnv(),
                {"/usr/bin/aws", "cloudwatch", "get-metric-data", "--endpoint-url", Http(),
                 "--output", "json", "--metric-data-queries", queries, "--start-time",
                 std::to_string(end - 3600), "--end-time", std::to_string(end)},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("\"Id\": \"cpu\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"StatusCode\": \"Complete\""), std::string::npos) << out;
}

TEST_F(CloudClientsTest, AwsCliTaggingLogsAndSts) {
  std::string out;
  ASSERT_EQ(
      Run(AwsEnv(),
          {"/usr/bin/aws", "resourcegroupstaggingapi", "get-resources", "--resource-type-filters",
           "ec2:instance", "--endpoint-url", Http(), "--output", "json"},
          &out),
      0)
      << out;
  EXPECT_NE(out.find("arn:aws:ec2:us-east-1:123456789012:instance/"), std::string::npos) << out;
  int64_t end_ms = time(nullptr) * 1000;
  ASSERT_EQ(
      Run(AwsEnv(),
          {"/usr/bin/aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/checkout",
           "--start-time", std::to_string(end_ms - 3600000), "--end-time", std::to_string(end_ms),
           "--endpoint-url", Http(), "--output", "json", "--max-items", "50"},
          &out),
      0)
      << out;
  EXPECT_NE(out.find("\"message\""), std::string::npos) << out;
  ASSERT_EQ(Run(AwsEnv(),
                {"/usr/bin/aws", "sts", "get-caller-identity", "--endpoint-url", Http(), "--output",
                 "json"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("123456789012"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, AwsCliWithAWrongSecretGetsSignatureDoesNotMatch) {
  std::string out;
  EXPECT_NE(Run(AwsEnv("not-the-secret"),
                {"/usr/bin/aws", "cloudwatch", "list-metrics", "--endpoint-url", Http(), "--output",
                 "json"},
                &out),
            0);
  EXPECT_NE(out.find("SignatureDoesNotMatch"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, AwsCliIsThrottledAndRetries) {
  SetFaults(R"({"throttle_rate": 1})");
  std::string out;
  EXPECT_NE(Run(AwsEnv(),
                {"/usr/bin/aws", "cloudwatch", "list-metrics", "--endpoint-url", Http(), "--output",
                 "json"},
                &out),
            0);
  EXPECT_NE(out.find("Throttling"), std::string::npos) << out;
  SetFaults(kNoFaults);
}

TEST_F(CloudClientsTest, Boto3FromDebianSpeaksQueryToEveryApi) {
  for (std::string op : {"ListMetrics", "GetMetricData", "GetMetricStatistics", "GetResources",
                         "FilterLogEvents", "GetCallerIdentity"}) {
    std::string out;
    EXPECT_EQ(Python("aws_boto3.py", {"--endpoint", Http(), "--op", op}, &out), 0)
        << op << ": " << out;
    EXPECT_TRUE(Ok(out)) << op << ": " << out;
  }
  std::string out;
  EXPECT_NE(
      Python("aws_boto3.py", {"--endpoint", Http(), "--op", "ListMetrics", "--secret", "x"}, &out),
      0);
  EXPECT_NE(out.find("SignatureDoesNotMatch"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, AwsJsSdkInJsonQueryAndCbor) {
  for (std::string protocol : {"json", "query", "cbor"}) {
    for (std::string op : {"ListMetrics", "GetMetricData", "PutMetricData"}) {
      std::string out;
      EXPECT_EQ(
          Node("aws_js.mjs", {"--endpoint", Http(), "--op", op, "--protocol", protocol}, &out), 0)
          << protocol << " " << op << ": " << out;
      EXPECT_TRUE(Ok(out)) << protocol << " " << op << ": " << out;
    }
  }
  for (std::string op : {"GetResources", "FilterLogEvents"}) {
    std::string out;
    EXPECT_EQ(Node("aws_js.mjs", {"--endpoint", Http(), "--op", op}, &out), 0) << op << ": " << out;
    EXPECT_TRUE(Ok(out)) << op << ": " << out;
  }
  std::string out;
  EXPECT_NE(
      Node("aws_js.mjs", {"--endpoint", Http(), "--op", "ListMetrics", "--secret", "x"}, &out), 0);
  EXPECT_NE(out.find("SignatureDoesNotMatch"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, AzureJsSdksOverHttps) {
  std::vector<std::string> env = {"NODE_EXTRA_CA_CERTS=" + Creds("ca.pem")};
  std::string out;
  EXPECT_EQ(Node("azure_js.mjs", {"--endpoint", Https(), "--op", "resources"}, &out, env), 0)
      << out;
  EXPECT_TRUE(Ok(out)) << out;
  EXPECT_NE(out.find("Microsoft.Compute/virtualMachines"), std::string::npos) << out;
  EXPECT_EQ(Node("azure_js.mjs", {"--endpoint", Https(), "--op", "metrics"}, &out, env), 0) << out;
  EXPECT_TRUE(Ok(out)) << out;
  EXPECT_NE(out.find("Percentage CPU"), std::string::npos) << out;
  EXPECT_NE(Node("azure_js.mjs", {"--endpoint", Https(), "--op", "resources", "--secret", "x"},
                 &out, env),
            0);
  EXPECT_NE(out.find("AADSTS7000215"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, GoogleMonitoringNodeClientWithASelfSignedJwt) {
  std::string out;
  EXPECT_EQ(Node("gcp_js.mjs",
                 {"--host", "127.0.0.1", "--port", std::to_string(http_port_), "--key",
                  Creds("gcp-service-account.json")},
                 &out),
            0)
      << out;
  EXPECT_TRUE(Ok(out)) << out;
  EXPECT_NE(out.find("gce_instance"), std::string::npos) << out;
}

TEST_F(CloudClientsTest, GoogleAuthPythonExchangesTheServiceAccountKey) {
  std::string out;
  EXPECT_EQ(Python("gcp_google_auth.py", {"--key", Creds("gcp-service-account.json")}, &out), 0)
      << out;
  EXPECT_TRUE(Ok(out)) << out;
}

}  // namespace
}  // namespace vigil::itest
