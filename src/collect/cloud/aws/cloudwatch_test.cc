// Tests of the CloudWatch collector against a fake AWS endpoint (CloudWatch
// JSON 1.0, Tagging JSON 1.1, STS) built on httpclient's test server.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/metrics.h"
#include "collect/cloud/aws/cloudwatch.h"
#include "collect/cloud/aws/collector.h"
#include "collect/cloud/aws/json_protocol.h"
#include "collect/cloud/aws/naming.h"
#include "collect/cloud/aws/sigv4.h"
#include "collect/cloud/aws/tagging.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::aws {
namespace {

using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr int64_t kT0 = 1'704'067'200'000;  // 2024-01-01T00:00:00Z, a multiple of 300 s

class StaticCredentials : public CredentialsProvider {
 public:
  explicit StaticCredentials(int64_t expiration_ms = 0) : expiration_ms_(expiration_ms) {}
  Result<Credentials> Get(int64_t) override {
    Credentials c;
    c.access_key_id = kKeyId;
    c.secret_access_key = kSecret;
    c.expiration_ms = expiration_ms_;
    c.source = "test";
    return c;
  }
  std::string Name() const override { return "test"; }

 private:
  int64_t expiration_ms_;
};

struct FakeMetric {
  std::string ns, name;
  std::vector<Dimension> dims;
};

// A fake of CloudWatch + Tagging + STS at one URL. Values: a query of the
// metric whose first dimension value ends in digits N gets N + bonus(stat)
// at the latest timestamp (end - period) and N - 1 one period earlier.
class FakeAws {
 public:
  FakeAws() : server_([this](const TestRequest& r, TestConn& c) { Handle(r, c); }) {}

  std::string url() const { return server_.URL(""); }

  std::vector<FakeMetric> metrics;
  std::vector<TaggedResource> resources;
  size_t list_page_size = 500;
  size_t tagging_page_size = 100;
  size_t data_page_size = 100000;           // results per GetMetricData page
  std::atomic<int> throttle_data_calls{0};  // next N GetMetricData calls are throttled
  std::atomic<int> throttle_without_header{0};
  std::atomic<bool> expired_token{false};
  std::atomic<bool> bad_data_body{false};
  std::atomic<bool> omit_datapoints{false};
  std::string failing_region;  // every call signed for this region gets a 500

  int Calls(const std::string& api) {
    std::lock_guard<std::mutex> l(mu_);
    return calls_[api];
  }
  std::vector<std::string> Bodies(const std::string& api) {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_[api];
  }
  TestRequest First(const std::string& api) {
    std::lock_guard<std::mutex> l(mu_);
    return first_[api];
  }
  int bad_signatures() const { return bad_signatures_.load(); }

 private:
  static double ValueOf(const std::vector<Dimension>& dims) {
    if (dims.empty()) return 0;
    const std::string& v = dims.front().value;
    size_t i = v.size();
    while (i > 0 && isdigit(static_cast<unsigned char>(v[i - 1]))) --i;
    return i == v.size() ? 0 : std::stod(v.substr(i));
  }
  static double StatBonus(std::string_view stat) {
    if (stat == "Maximum") return 1000;
    if (stat == "Sum") return 2000;
    return 0;
  }

  void Handle(const TestRequest& r, TestConn& c) {
    std::string target = r.Header("x-amz-target");
    std::string api = target.substr(target.find('.') + 1);
    if (target.empty() && r.body.find("Action=GetCallerIdentity") != std::string::npos) {
      api = "GetCallerIdentity";
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (calls_[api]++ == 0) first_[api] = r;
      bodies_[api].push_back(r.body);
    }
    // Check the signature as AWS would.
    SignableRequest sreq;
    sreq.method = r.method;
    sreq.path = r.target;
    for (const auto& [k, v] : r.headers) sreq.headers.emplace_back(k, v);
    sreq.body = r.body;
    VerifyOptions vopts;
    vopts.secret_for = [](std::string_view id) { return id == kKeyId ? std::string(kSecret) : ""; };
    vopts.max_skew_ms = int64_t{365} * 24 * 3600 * 1000 * 100;
    VerifyResult vr = Verify(sreq, vopts);
    if (vr.code != VerifyResult::Code::kOk) {
      bad_signatures_.fetch_add(1);
      c.Write(Reply(403,
                    R"({"__type":"com.amazon.coral.service#SignatureDoesNotMatch","message":")" +
                        vr.message + "\"}",
                    {{"x-amzn-query-error", "SignatureDoesNotMatch;Sender"}}));
      return;
    }
    if (!failing_region.empty() &&
        r.Header("authorization").find("/" + failing_region + "/") != std::string::npos) {
      c.Write(Reply(500, R"({"__type":"InternalServiceError","message":"boom"})",
                    {{"x-amzn-query-error", "InternalServiceError;Receiver"}}));
      return;
    }
    if (expired_token.load()) {
      c.Write(Reply(400,
                    R"({"__type":"com.amazon.coral.service#ExpiredTokenException",)"
                    R"("message":"The security token included in the request is expired"})",
                    {{"x-amzn-query-error", "ExpiredToken;Sender"}}));
      return;
    }
    simdjson::dom::parser parser;
    simdjson::padded_string padded(r.body);
    simdjson::dom::element doc;
    if (api != "GetCallerIdentity" && parser.parse(padded).get(doc)) {
      c.Write(Reply(400, R"({"__type":"SerializationException"})"));
      return;
    }
    std::string json = "application/x-amz-json-1.0";
    if (api == "ListMetrics") {
      c.Write(Reply(200, ListMetrics(doc), {{"Content-Type", json}}));
    } else if (api == "GetMetricData") {
      if (throttle_data_calls.load() > 0) {
        throttle_data_calls.fetch_sub(1);
        c.Write(Reply(400,
                      R"({"__type": "com.amazon.coral.availability#ThrottlingException", )"
                      R"("message": "Rate exceeded"})",
                      {{"x-amzn-query-error", "Throttling;Sender"}}));
        return;
      }
      if (throttle_without_header.load() > 0) {
        throttle_without_header.fetch_sub(1);
        c.Write(Reply(400, R"({"__type": "com.amazon.coral.availability#ThrottlingException", )"
                           R"("message": "Rate exceeded"})"));
        return;
      }
      if (bad_data_body.load()) {
        c.Write(Reply(200, R"({"MetricDataResults": [{"Id": "id_0", "Timestamps": [17040)",
                      {{"Content-Type", json}}));
        return;
      }
      c.Write(Reply(200, GetMetricData(doc), {{"Content-Type", json}}));
    } else if (api == "GetResources") {
      c.Write(Reply(200, GetResources(doc), {{"Content-Type", "application/x-amz-json-1.1"}}));
    } else if (api == "GetCallerIdentity") {
      c.Write(Reply(200,
                    "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>"
                    "123456789012"
                    "</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
                    {{"Content-Type", "text/xml"}}));
    } else {
      c.Write(Reply(400, R"({"__type":"UnknownOperationException"})"));
    }
  }

  static size_t Offset(simdjson::dom::element doc, const char* key) {
    std::string_view tok;
    if (doc[key].get_string().get(tok) || tok.empty()) return 0;
    return static_cast<size_t>(std::stoul(std::string(tok.substr(5))));  // "page-N"
  }

  std::string ListMetrics(simdjson::dom::element doc) {
    std::string_view ns, name;
    if (doc["Namespace"].get_string().get(ns)) {
    }
    if (doc["MetricName"].get_string().get(name)) {
    }
    std::vector<const FakeMetric*> match;
    for (const auto& m : metrics) {
      if (m.ns == ns && (name.empty() || m.name == name)) match.push_back(&m);
    }
    size_t off = Offset(doc, "NextToken");
    std::string out = "{\"Metrics\": [";
    size_t end = std::min(match.size(), off + list_page_size);
    for (size_t i = off; i < end; ++i) {
      if (i > off) out += ", ";
      out += fmt::format(R"({{"Namespace": "{}", "MetricName": "{}", "Dimensions": [)",
                         match[i]->ns, match[i]->name);
      for (size_t d = 0; d < match[i]->dims.size(); ++d) {
        if (d > 0) out += ", ";
        out += fmt::format(R"({{"Name": "{}", "Value": "{}"}})", match[i]->dims[d].name,
                           match[i]->dims[d].value);
      }
      out += "]}";
    }
    out += "]";
    if (end < match.size()) out += fmt::format(R"(, "NextToken": "page-{}")", end);
    return out + "}";
  }

  std::string GetResources(simdjson::dom::element doc) {
    std::set<std::string> keys;
    simdjson::dom::array filters;
    if (!doc["TagFilters"].get_array().get(filters)) {
      for (auto f : filters) {
        std::string_view k;
        if (!f["Key"].get_string().get(k)) keys.insert(std::string(k));
      }
    }
    std::vector<const TaggedResource*> match;
    for (const auto& r : resources) {
      bool ok = true;
      for (const auto& k : keys) ok = ok && r.Tag(k) != nullptr;
      if (ok) match.push_back(&r);
    }
    size_t off = Offset(doc, "PaginationToken");
    size_t end = std::min(match.size(), off + tagging_page_size);
    std::string out = fmt::format(R"({{"PaginationToken": "{}", "ResourceTagMappingList": [)",
                                  end < match.size() ? fmt::format("page-{}", end) : "");
    for (size_t i = off; i < end; ++i) {
      if (i > off) out += ", ";
      out += fmt::format(R"({{"ResourceARN": "{}", "Tags": [)", match[i]->arn);
      for (size_t t = 0; t < match[i]->tags.size(); ++t) {
        if (t > 0) out += ", ";
        out += fmt::format(R"({{"Key": "{}", "Value": "{}"}})", match[i]->tags[t].first,
                           match[i]->tags[t].second);
      }
      out += "]}";
    }
    return out + "]}";
  }

  std::string GetMetricData(simdjson::dom::element doc) {
    int64_t end_s = 0;
    if (doc["EndTime"].get_int64().get(end_s)) {
    }
    simdjson::dom::array queries;
    if (doc["MetricDataQueries"].get_array().get(queries)) return "{}";
    std::vector<std::string> results;
    for (auto q : queries) {
      std::string_view id, stat;
      int64_t period = 0;
      if (q["Id"].get_string().get(id)) {
      }
      if (q["MetricStat"]["Stat"].get_string().get(stat)) {
      }
      if (q["MetricStat"]["Period"].get_int64().get(period)) {
      }
      std::vector<Dimension> dims;
      simdjson::dom::array darr;
      if (!q["MetricStat"]["Metric"]["Dimensions"].get_array().get(darr)) {
        for (auto d : darr) {
          std::string_view n, v;
          if (d["Name"].get_string().get(n)) {
          }
          if (d["Value"].get_string().get(v)) {
          }
          dims.push_back({std::string(n), std::string(v)});
        }
      }
      double v = ValueOf(dims) + StatBonus(stat);
      if (omit_datapoints.load()) {
        results.push_back(fmt::format(
            R"({{"Id": "{}", "Label": "l", "Timestamps": [], "Values": [], "StatusCode": "Complete"}})",
            id));
      } else {
        results.push_back(fmt::format(
            R"({{"Id": "{}", "Label": "l", "Timestamps": [{}, {}], "Values": [{}, {}], )"
            R"("StatusCode": "Complete"}})",
            id, end_s - period, end_s - 2 * period, v, v - 1));
      }
    }
    size_t off = Offset(doc, "NextToken");
    size_t end = std::min(results.size(), off + data_page_size);
    std::string out = "{\"MetricDataResults\": [";
    for (size_t i = off; i < end; ++i) {
      if (i > off) out += ", ";
      out += results[i];
    }
    out += "], \"Messages\": []";
    if (end < results.size()) out += fmt::format(R"(, "NextToken": "page-{}")", end);
    return out + "}";
  }

  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::vector<std::string>> bodies_;
  std::map<std::string, TestRequest> first_;
  std::atomic<int> bad_signatures_{0};
  TestServer server_;  // last: stops before the state it uses goes away
};

struct Sample {
  model::Labels labels;
  int64_t t;
  double v;
};

class VectorSink : public cloud::Sink {
 public:
  void Add(const model::Labels& labels, int64_t t_ms, double v) override {
    samples.push_back({labels, t_ms, v});
  }
  std::vector<Sample> Named(std::string_view name) const {
    std::vector<Sample> out;
    for (const auto& s : samples) {
      if (s.labels.MetricName() == name) out.push_back(s);
    }
    return out;
  }
  const Sample* Find(std::string_view name, std::string_view label, std::string_view value) const {
    for (const auto& s : samples) {
      if (s.labels.MetricName() == name && s.labels.Get(label) == value) return &s;
    }
    return nullptr;
  }
  std::vector<Sample> samples;
};

config::AWSCloudConfig Ec2Config(const std::string& endpoint) {
  config::AWSCloudConfig cfg;
  cfg.name = "aws-test";
  cfg.regions = {"us-east-1"};
  cfg.endpoint = endpoint;
  cfg.request_timeout_ms = 5000;
  config::AWSDiscoveryJob job;
  job.type = "ec2";
  job.namespace_ = "AWS/EC2";
  job.statistics = {"Average"};
  config::AWSMetricConfig m;
  m.name = "CPUUtilization";
  job.metrics.push_back(m);
  cfg.discovery.push_back(job);
  return cfg;
}

std::string InstanceArn(int i) {
  return fmt::format("arn:aws:ec2:us-east-1:123456789012:instance/i-{}", i);
}

void AddInstances(FakeAws* fake, int n, bool tagged = true) {
  for (int i = 1; i <= n; ++i) {
    fake->metrics.push_back(
        {"AWS/EC2", "CPUUtilization", {{"InstanceId", fmt::format("i-{}", i)}}});
    if (tagged) {
      TaggedResource r;
      r.arn = InstanceArn(i);
      r.tags = {{"env", i % 2 == 0 ? "prod" : "dev"}, {"Name", fmt::format("web-{}", i)}};
      fake->resources.push_back(r);
    }
  }
}

struct Harness {
  explicit Harness(config::AWSCloudConfig c, AwsCollectorOptions opts = {},
                   std::unique_ptr<CredentialsProvider> creds = nullptr)
      : cfg(std::move(c)) {
    opts.backoff_seed = 7;
    opts.sleep = [this](int64_t ms) {
      sleeps.push_back(ms);
      return true;
    };
    if (creds == nullptr) creds = std::make_unique<StaticCredentials>();
    auto r = NewAwsCollector(cfg, &registry, std::move(creds), opts);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) collector = std::move(r).value();
  }
  config::AWSCloudConfig cfg;
  metrics::Registry registry;
  std::vector<int64_t> sleeps;
  std::unique_ptr<cloud::Collector> collector;
};

// ---- naming -----------------------------------------------------------------

TEST(AwsNaming, ReadmeExamplesMatchYace) {
  EXPECT_EQ(MetricName("AWS/EC2", "CPUUtilization", "Maximum"), "aws_ec2_cpuutilization_maximum");
  EXPECT_EQ(MetricName("AWS/EC2", "CPUUtilization", "Average"), "aws_ec2_cpuutilization_average");
  EXPECT_EQ(MetricName("AWS/ELB", "RequestCount", "Sum"), "aws_elb_request_count_sum");
  EXPECT_EQ(MetricName("AWS/ELB", "HTTPCode_Backend_4XX", "Sum"),
            "aws_elb_httpcode_backend_4_xx_sum");
  EXPECT_EQ(MetricName("AWS/ES", "FreeStorageSpace", "Minimum"),
            "aws_es_free_storage_space_minimum");
}

TEST(AwsNaming, SnakeCaseSpecialCharactersAndPercentiles) {
  EXPECT_EQ(SnakeCase("CPUUtilization"), "cpuutilization");
  EXPECT_EQ(SnakeCase("DiskReadBytes"), "disk_read_bytes");
  EXPECT_EQ(SnakeCase("Memory %"), "memory__percent");
  EXPECT_EQ(SnakeCase("a.b-c:d=e@f<g>h(i)j,k/l\\m"), "a_b_c_d_e_f_g_h_i_j_k_l_m");
  EXPECT_EQ(MetricName("AWS/EC2", "CPUUtilization", "p99.9"), "aws_ec2_cpuutilization_p99_9");
  EXPECT_EQ(MetricName("AWS/Lambda", "Duration", "p95"), "aws_lambda_duration_p95");
  EXPECT_EQ(MetricName("AWS/ApplicationELB", "TargetResponseTime", "Average"),
            "aws_applicationelb_target_response_time_average");
}

TEST(AwsNaming, NamespacePrefixAndLeadingSlashAreHandled) {
  EXPECT_EQ(MetricName("AWS/Glue", "glue.driver.aggregate.bytesRead", "Sum"),
            "aws_glue_driver_aggregate_bytes_read_sum");
  EXPECT_EQ(MetricName("/aws/sagemaker/TrainingJobs", "CPUUtilization", "Average"),
            "aws_sagemaker_trainingjobs_cpuutilization_average");
  EXPECT_EQ(MetricName("ContainerInsights", "node_cpu_utilization", "Average"),
            "aws_containerinsights_node_cpu_utilization_average");
  EXPECT_EQ(InfoMetricName("AWS/EC2"), "aws_ec2_info");
  EXPECT_EQ(DimensionLabel("InstanceId"), "dimension_InstanceId");
  EXPECT_EQ(TagLabel("aws:cloudformation:stack-name"), "tag_aws_cloudformation_stack_name");
}

TEST(AwsNaming, TypesStatisticsAndArns) {
  EXPECT_EQ(NamespaceForType("ec2"), "AWS/EC2");
  EXPECT_EQ(NamespaceForType("alb"), "AWS/ApplicationELB");
  EXPECT_EQ(NamespaceForType("AWS/Custom"), "AWS/Custom");
  EXPECT_EQ(ResourceTypeFilters("AWS/RDS"), (std::vector<std::string>{"rds:db", "rds:cluster"}));
  EXPECT_TRUE(IsValidStatistic("p99"));
  EXPECT_TRUE(IsValidStatistic("p99.99"));
  EXPECT_TRUE(IsValidStatistic("SampleCount"));
  EXPECT_FALSE(IsValidStatistic("p"));
  EXPECT_FALSE(IsValidStatistic("p101"));
  EXPECT_FALSE(IsValidStatistic("average"));

  Arn arn;
  ASSERT_TRUE(ParseArn("arn:aws:s3:::my-bucket", &arn));
  const auto& s3 = DimensionRules("AWS/S3");
  ASSERT_EQ(s3.size(), 1u);
  std::string v;
  ASSERT_TRUE(DimensionOfArn(s3[0], arn, &v));
  EXPECT_EQ(v, "my-bucket");
  EXPECT_EQ(ArnOfDimension(s3[0], "aws", "us-east-1", "1", "b"), "arn:aws:s3:::b");
  const auto& alb = DimensionRules("AWS/ApplicationELB");
  ASSERT_TRUE(ParseArn("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/50dc", &arn));
  EXPECT_FALSE(DimensionOfArn(alb[0], arn, &v));  // not a target group
  ASSERT_TRUE(DimensionOfArn(alb[1], arn, &v));
  EXPECT_EQ(v, "app/web/50dc");
  ASSERT_TRUE(ParseArn("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/73e2", &arn));
  ASSERT_TRUE(DimensionOfArn(alb[0], arn, &v));
  EXPECT_EQ(v, "targetgroup/tg/73e2");
  EXPECT_EQ(ArnOfDimension(DimensionRules("AWS/RDS")[0], "aws", "eu-west-1", "1", "db1"),
            "arn:aws:rds:eu-west-1:1:db:db1");
  EXPECT_FALSE(ParseArn("arn:aws:s3", &arn));
}

// ---- window, bodies, parsers ------------------------------------------------

TEST(AwsWindow, RoundsLikeYace) {
  // now - period/2 rounded to the period; the window ends there (minus delay).
  MetricWindow w = ComputeWindow(kT0 + 123'000, 300'000, 300'000, 0);
  EXPECT_EQ(w.start_ms, kT0 - 300'000);
  EXPECT_EQ(w.end_ms, kT0);
  w = ComputeWindow(kT0 + 299'999, 300'000, 300'000, 0);
  EXPECT_EQ(w.end_ms, kT0);
  w = ComputeWindow(kT0 + 300'000, 300'000, 300'000, 0);  // a half rounds up
  EXPECT_EQ(w.end_ms, kT0 + 300'000);
  w = ComputeWindow(kT0 + 10'000, 60'000, 600'000, 120'000);
  EXPECT_EQ(w.end_ms, kT0 - 120'000);
  EXPECT_EQ(w.start_ms, kT0 - 720'000);
  // A period that does not divide the time since year 1 evenly from the Unix
  // epoch rounds on Go's grid: a week-long period lands on kT0 (a Monday),
  // not on a Thursday as rounding from 1970 would.
  w = ComputeWindow(kT0, 604'800'000, 604'800'000, 0);
  EXPECT_EQ(w.end_ms, kT0);
}

TEST(AwsRequests, BodiesUseBotocoreMemberNames) {
  EXPECT_EQ(
      ListMetricsRequest("AWS/EC2", "CPUUtilization", true, ""),
      R"({"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "RecentlyActive": "PT3H"})");
  EXPECT_EQ(ListMetricsRequest("AWS/EC2", "", false, "tok\"1"),
            R"({"Namespace": "AWS/EC2", "NextToken": "tok\"1"})");
  MetricDataQuery q;
  q.id = "id_0";
  q.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  q.stat = "p99";
  EXPECT_EQ(GetMetricDataRequest({q}, kT0 - 300'000, kT0, ""),
            R"({"MetricDataQueries": [{"Id": "id_0", "MetricStat": {"Metric": {"Namespace": )"
            R"("AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", )"
            R"("Value": "i-1"}]}, "Period": 300, "Stat": "p99"}, "ReturnData": true}], )"
            R"("StartTime": 1704066900, "EndTime": 1704067200, "ScanBy": "TimestampDescending"})");
  EXPECT_EQ(GetResourcesRequest({"ec2:instance"}, {"env"}, "p2"),
            R"({"ResourceTypeFilters": ["ec2:instance"], "TagFilters": [{"Key": "env"}], )"
            R"("PaginationToken": "p2"})");
}

TEST(AwsParsers, AcceptCapturedResponses) {
  auto data = ParseGetMetricDataResponse(
      R"({"MetricDataResults": [{"Id": "m1", "Label": "label-m1", "Timestamps": [1704067500, )"
      R"(1704067200.5], "Values": [10.5, 7], "StatusCode": "Complete"}], "Messages": []})");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->results.size(), 1u);
  EXPECT_EQ(data->results[0].timestamps_ms, (std::vector<int64_t>{1704067500000, 1704067200500}));
  EXPECT_EQ(data->results[0].values, (std::vector<double>{10.5, 7}));
  auto list = ParseListMetricsResponse(
      R"({"Metrics": [{"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": )"
      R"([{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}]}], "NextToken": "page-2-token"})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->next_token, "page-2-token");
  ASSERT_EQ(list->metrics.size(), 1u);
  EXPECT_EQ(list->metrics[0].dimensions[0].value, "i-0123456789abcdef0");
  auto res = ParseGetResourcesResponse(
      R"({"PaginationToken": "", "ResourceTagMappingList": [{"ResourceARN": "arn:aws:ec2:us-east-1:)"
      R"(123456789012:instance/i-0", "Tags": [{"Key": "env", "Value": "prod"}]}]})");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->pagination_token, "");
  ASSERT_EQ(res->resources.size(), 1u);
  EXPECT_EQ(*res->resources[0].Tag("env"), "prod");
}

TEST(AwsParsers, MalformedBodiesAreErrorsNotCrashes) {
  for (std::string_view body :
       {"", "{", "[]", "null", R"({"MetricDataResults": {}})",
        R"({"MetricDataResults": [{"Id": 3}]})",
        R"({"MetricDataResults": [{"Id": "a", "Timestamps": [1, 2], "Values": [1]}]})",
        R"({"MetricDataResults": [{"Id": "a", "Timestamps": ["x"], "Values": [1]}]})",
        R"({"MetricDataResults": [{"Id": "a", "Timestamps": [1], "Values": [1]}], "NextToken": 5})",
        "{\"MetricDataResults\": [{\"Id\": \"id_0\", \"Timestamps\": [17040"}) {
    auto r = ParseGetMetricDataResponse(body);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_TRUE(r.status().IsCorruption()) << body;
  }
  EXPECT_FALSE(ParseListMetricsResponse(R"({"Metrics": [{"Dimensions": [1]}]})").ok());
  EXPECT_FALSE(ParseGetResourcesResponse(R"({"ResourceTagMappingList": [{"Tags": {}}]})").ok());
  // Huge and odd numbers do not overflow.
  auto r = ParseGetMetricDataResponse(
      R"({"MetricDataResults": [{"Id": "a", "Timestamps": [1e300, -1e300], "Values": [1, 2]}]})");
  ASSERT_TRUE(r.ok());
}

TEST(AwsErrors, CodesAreReadAsTheSdksDo) {
  AwsError e = ParseAwsError(
      400,
      R"({"__type": "com.amazon.coral.availability#ThrottlingException", "message": "Rate exceeded"})",
      "Throttling;Sender");
  EXPECT_EQ(e.code, "Throttling");
  EXPECT_EQ(e.type, "Sender");
  EXPECT_EQ(e.message, "Rate exceeded");
  EXPECT_TRUE(IsThrottled(e));
  EXPECT_EQ(DescribeAwsError(e), "Throttling: Rate exceeded");

  e = ParseAwsError(400, R"({"__type": "com.amazon.coral.availability#ThrottlingException"})", "");
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_TRUE(IsThrottled(e));
  e = ParseAwsError(400,
                    R"({"__type": "InvalidSignatureException:http://internal.amazon.com/", )"
                    R"("Message": "bad sig"})",
                    "");
  EXPECT_EQ(e.code, "InvalidSignatureException");
  EXPECT_EQ(e.message, "bad sig");
  EXPECT_FALSE(IsRetryable(e));
  e = ParseAwsError(400,
                    "<ErrorResponse><Error><Type>Sender</"
                    "Type><Code>Throttling</Code><Message>Rate exceeded"
                    "</Message></Error></ErrorResponse>",
                    "");
  EXPECT_EQ(e.code, "Throttling");
  EXPECT_EQ(e.message, "Rate exceeded");
  e = ParseAwsError(502, "<html>bad gateway</html>", "");
  EXPECT_EQ(e.code, "");
  EXPECT_TRUE(IsRetryable(e));
  EXPECT_FALSE(IsThrottled(e));
  e = ParseAwsError(429, "", "");
  EXPECT_TRUE(IsThrottled(e));
  e = ParseAwsError(503, "{}", "");
  EXPECT_TRUE(IsThrottled(e));
  EXPECT_TRUE(IsThrottlingCode("RequestLimitExceeded"));
  EXPECT_TRUE(IsThrottlingCode("TooManyRequestsException"));
  EXPECT_FALSE(IsThrottlingCode("AccessDenied"));
}

// ---- the collector against the fake -----------------------------------------

TEST(AwsCollector, PollsEc2MetricsWithYaceNamesAndLabels) {
  FakeAws fake;
  AddInstances(&fake, 3);
  auto cfg = Ec2Config(fake.url());
  cfg.discovery[0].exported_tags = {"Name"};
  cfg.discovery[0].statistics = {"Average", "Maximum"};
  Harness h(cfg);
  ASSERT_NE(h.collector, nullptr);
  VectorSink sink;
  int64_t now = kT0 + 123'000;
  ASSERT_TRUE(h.collector->Poll(now, &sink).ok());
  EXPECT_EQ(fake.bad_signatures(), 0);

  auto avg = sink.Named("aws_ec2_cpuutilization_average");
  ASSERT_EQ(avg.size(), 3u);
  const Sample* s = sink.Find("aws_ec2_cpuutilization_average", "name", InstanceArn(2));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->labels.ToString(),
            fmt::format("{{__name__=\"aws_ec2_cpuutilization_average\", "
                        "account_id=\"123456789012\", "
                        "dimension_InstanceId=\"i-2\", name=\"{}\", region=\"us-east-1\", "
                        "tag_Name=\"web-2\"}}",
                        InstanceArn(2)));
  EXPECT_EQ(s->v, 2);
  EXPECT_EQ(s->t, now);  // the poll time unless add_cloudwatch_timestamp
  s = sink.Find("aws_ec2_cpuutilization_maximum", "name", InstanceArn(3));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->v, 1003);

  auto info = sink.Named("aws_ec2_info");
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info[0].v, 0);
  EXPECT_EQ(info[0].labels.ToString(),
            fmt::format("{{__name__=\"aws_ec2_info\", name=\"{}\", tag_Name=\"web-1\"}}",
                        InstanceArn(1)));

  // The requests look like botocore's.
  TestRequest first = fake.First("GetMetricData");
  EXPECT_EQ(first.Header("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(first.Header("x-amz-target"), "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(first.Header("x-amzn-query-mode"), "true");
  EXPECT_EQ(first.Header("accept-encoding"), "identity");
  EXPECT_EQ(first.Header("amz-sdk-request"), "attempt=1; max=5");
  EXPECT_NE(first.Header("user-agent").find("Vigil/"), std::string::npos);
  EXPECT_NE(first.Header("authorization")
                .find("/us-east-1/monitoring/aws4_request, "
                      "SignedHeaders=content-type;host;"
                      "x-amz-date;x-amz-target;x-amzn-query-mode, Signature="),
            std::string::npos)
      << first.Header("authorization");
  TestRequest tagging = fake.First("GetResources");
  EXPECT_EQ(tagging.Header("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(tagging.Header("x-amzn-query-mode"), "");
  EXPECT_NE(tagging.Header("authorization")
                .find("/tagging/aws4_request, "
                      "SignedHeaders=content-type;host;x-amz-date;x-amz-target,"),
            std::string::npos);
  EXPECT_NE(fake.Bodies("ListMetrics")[0].find(R"("RecentlyActive": "PT3H")"), std::string::npos);
  EXPECT_NE(
      fake.Bodies("GetMetricData")[0].find(
          R"("StartTime": 1704066900, "EndTime": 1704067200, "ScanBy": "TimestampDescending")"),
      std::string::npos);

  cloud::CollectorHealth health = h.collector->Health();
  EXPECT_EQ(health.state, cloud::CollectorHealth::State::kUp);
  EXPECT_EQ(health.last_error, "");
  EXPECT_EQ(health.api_calls, 3u);  // GetResources, ListMetrics, GetMetricData
  EXPECT_EQ(health.metrics_requested, 6u);
  EXPECT_DOUBLE_EQ(health.estimated_cost_usd, 6 * 0.01 / 1000);
  EXPECT_EQ(health.series_last_poll, 9u);
}

TEST(AwsCollector, BatchesTwelveHundredQueriesIntoThreeCalls) {
  FakeAws fake;
  AddInstances(&fake, 1200);
  fake.list_page_size = 500;  // ListMetrics pages: 500, 500, 200
  fake.tagging_page_size = 100;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  EXPECT_EQ(fake.Calls("GetMetricData"), 3);
  EXPECT_EQ(fake.Calls("ListMetrics"), 3);
  EXPECT_EQ(fake.Calls("GetResources"), 12);
  auto bodies = fake.Bodies("GetMetricData");
  ASSERT_EQ(bodies.size(), 3u);
  std::vector<size_t> per_call;
  for (const auto& b : bodies) {
    size_t n = 0;
    for (size_t p = b.find("\"Id\""); p != std::string::npos; p = b.find("\"Id\"", p + 1)) ++n;
    per_call.push_back(n);
  }
  EXPECT_EQ(per_call, (std::vector<size_t>{500, 500, 200}));
  EXPECT_NE(bodies[0].find(R"("Id": "id_499")"), std::string::npos);
  auto avg = sink.Named("aws_ec2_cpuutilization_average");
  ASSERT_EQ(avg.size(), 1200u);
  for (const auto& s : avg) {
    std::string_view id = s.labels.Get("dimension_InstanceId");
    EXPECT_EQ(s.v, std::stod(std::string(id.substr(2)))) << s.labels.ToString();
  }
  EXPECT_EQ(h.collector->Health().metrics_requested, 1200u);
}

TEST(AwsCollector, JobsOfARegionShareGetMetricDataCalls) {
  FakeAws fake;
  AddInstances(&fake, 3);
  fake.metrics.push_back({"AWS/RDS", "CPUUtilization", {{"DBInstanceIdentifier", "db-7"}}});
  auto cfg = Ec2Config(fake.url());
  config::AWSDiscoveryJob rds = cfg.discovery[0];
  rds.type = "rds";
  rds.namespace_ = "AWS/RDS";
  cfg.discovery.push_back(rds);
  Harness h(cfg);
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  EXPECT_EQ(fake.Calls("GetMetricData"), 1);
  EXPECT_EQ(fake.Calls("ListMetrics"), 2);
  EXPECT_EQ(sink.Named("aws_ec2_cpuutilization_average").size(), 3u);
  const Sample* s =
      sink.Find("aws_rds_cpuutilization_average", "dimension_DBInstanceIdentifier", "db-7");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->v, 7);
  EXPECT_EQ(s->labels.Get("name"), "arn:aws:rds:us-east-1:123456789012:db:db-7");
}

TEST(AwsCollector, FollowsGetMetricDataNextToken) {
  FakeAws fake;
  AddInstances(&fake, 5);
  fake.data_page_size = 2;
  fake.list_page_size = 2;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  EXPECT_EQ(fake.Calls("GetMetricData"), 3);
  EXPECT_EQ(fake.Calls("ListMetrics"), 3);
  EXPECT_NE(fake.Bodies("GetMetricData")[1].find(R"("NextToken": "page-2")"), std::string::npos);
  EXPECT_EQ(sink.Named("aws_ec2_cpuutilization_average").size(), 5u);
  EXPECT_EQ(h.collector->Health().metrics_requested,
            5u);  // billed once per batch
}

TEST(AwsCollector, ThrottlingIsRetriedWithBackoffAndNoDataIsLost) {
  FakeAws fake;
  AddInstances(&fake, 4);
  fake.throttle_data_calls = 2;
  fake.throttle_without_header = 1;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(fake.Calls("GetMetricData"), 4);
  ASSERT_EQ(h.sleeps.size(), 3u);
  // Full jitter within the doubling caps (200, 400, 800 ms).
  EXPECT_LE(h.sleeps[0], 200);
  EXPECT_LE(h.sleeps[1], 400);
  EXPECT_LE(h.sleeps[2], 800);
  EXPECT_EQ(sink.Named("aws_ec2_cpuutilization_average").size(), 4u);
  auto bodies = fake.Bodies("GetMetricData");
  EXPECT_EQ(bodies[0], bodies[3]);  // the same request again
  EXPECT_EQ(h.collector->Health().metrics_requested, 4u);
  EXPECT_EQ(h.collector->Health().api_calls, 6u);
}

TEST(AwsCollector, PersistentThrottlingFailsThePollButKeepsTheRest) {
  FakeAws fake;
  AddInstances(&fake, 2);
  fake.throttle_data_calls = 100;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsUnavailable());
  EXPECT_EQ(st.message(), "GetMetricData us-east-1: Throttling: Rate exceeded (after 5 attempts)");
  EXPECT_EQ(fake.Calls("GetMetricData"), 5);
  EXPECT_EQ(h.sleeps.size(), 4u);
  cloud::CollectorHealth health = h.collector->Health();
  EXPECT_EQ(health.state, cloud::CollectorHealth::State::kDown);
  EXPECT_EQ(health.last_error, st.message());
  EXPECT_EQ(health.metrics_requested, 0u);
  EXPECT_EQ(sink.Named("aws_ec2_info").size(), 2u);  // discovery still reported
  EXPECT_TRUE(sink.Named("aws_ec2_cpuutilization_average").empty());

  // Once the API lets calls through again, the next poll has everything.
  fake.throttle_data_calls = 0;
  VectorSink sink2;
  ASSERT_TRUE(h.collector->Poll(kT0 + 300'000, &sink2).ok());
  EXPECT_EQ(sink2.Named("aws_ec2_cpuutilization_average").size(), 2u);
  EXPECT_EQ(h.collector->Health().state, cloud::CollectorHealth::State::kUp);
}

TEST(AwsCollector, TruncatedResponseIsAnErrorNotACrash) {
  FakeAws fake;
  AddInstances(&fake, 2);
  fake.bad_data_body = true;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("GetMetricData us-east-1: GetMetricData response: invalid JSON"),
            std::string::npos)
      << st.ToString();
  EXPECT_EQ(fake.Calls("GetMetricData"), 1);
  EXPECT_TRUE(sink.Named("aws_ec2_cpuutilization_average").empty());
}

TEST(AwsCollector, ExpiredTokenIsReportedWithoutRetries) {
  FakeAws fake;
  AddInstances(&fake, 2);
  fake.expired_token = true;
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "GetResources us-east-1: ExpiredToken: The security "
            "token included in the request is "
            "expired");
  EXPECT_EQ(fake.Calls("GetResources"), 1);
  EXPECT_TRUE(h.sleeps.empty());
  EXPECT_EQ(h.collector->Health().state, cloud::CollectorHealth::State::kDown);
}

TEST(AwsCollector, ExpiredCredentialsFromTheProviderAreRefusedBeforeSending) {
  FakeAws fake;
  AddInstances(&fake, 1);
  Harness h(Ec2Config(fake.url()), {}, std::make_unique<StaticCredentials>(kT0));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("credentials from test expired at"), std::string::npos)
      << st.ToString();
  EXPECT_EQ(fake.Calls("GetResources"), 0);
}

TEST(AwsCollector, SearchTagsDropMetricsOfOtherResources) {
  FakeAws fake;
  AddInstances(&fake, 6);
  fake.metrics.push_back({"AWS/EC2", "CPUUtilization", {}});  // an aggregate: name="global"
  auto cfg = Ec2Config(fake.url());
  cfg.discovery[0].search_tags = {{"env", "pro.*"}};
  cfg.discovery[0].exported_tags = {"env"};
  Harness h(cfg);
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  auto avg = sink.Named("aws_ec2_cpuutilization_average");
  ASSERT_EQ(avg.size(), 4u);  // i-2, i-4, i-6 and the global one
  for (const auto& s : avg) {
    if (s.labels.Get("name") == "global") {
      EXPECT_FALSE(s.labels.Has("dimension_InstanceId"));
      continue;
    }
    EXPECT_EQ(s.labels.Get("tag_env"), "prod") << s.labels.ToString();
  }
  EXPECT_EQ(sink.Named("aws_ec2_info").size(), 3u);
  EXPECT_NE(fake.First("GetResources").body.find(R"("TagFilters": [{"Key": "env"}])"),
            std::string::npos);
}

TEST(AwsCollector, UntaggedResourcesGetAnArnFromTheirDimension) {
  FakeAws fake;
  AddInstances(&fake, 2, /*tagged=*/false);
  Harness h(Ec2Config(fake.url()));
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  EXPECT_EQ(fake.Calls("GetCallerIdentity"), 1);  // the account from STS
  const Sample* s = sink.Find("aws_ec2_cpuutilization_average", "dimension_InstanceId", "i-2");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->labels.Get("name"), InstanceArn(2));
  EXPECT_EQ(s->labels.Get("account_id"), "123456789012");
  EXPECT_TRUE(sink.Named("aws_ec2_info").empty());
}

TEST(AwsCollector, NilToZeroAndCloudwatchTimestamps) {
  FakeAws fake;
  AddInstances(&fake, 1);
  auto cfg = Ec2Config(fake.url());
  config::AWSMetricConfig other;
  other.name = "NetworkIn";
  other.nil_to_zero = true;
  cfg.discovery[0].metrics.push_back(other);
  cfg.discovery[0].add_cloudwatch_timestamp = true;
  fake.metrics.push_back({"AWS/EC2", "NetworkIn", {{"InstanceId", "i-1"}}});
  Harness h(cfg);
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0 + 123'000, &sink).ok());
  const Sample* s = sink.Find("aws_ec2_cpuutilization_average", "name", InstanceArn(1));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->t, kT0 - 300'000);  // the latest datapoint's own timestamp
  EXPECT_EQ(s->v, 1);

  fake.omit_datapoints = true;
  VectorSink sink2;
  ASSERT_TRUE(h.collector->Poll(kT0 + 300'000, &sink2).ok());
  EXPECT_TRUE(sink2.Named("aws_ec2_cpuutilization_average").empty());  // no data: no sample
  auto zero = sink2.Named("aws_ec2_network_in_average");
  ASSERT_EQ(zero.size(), 1u);  // nil_to_zero: 0 at the poll time
  EXPECT_EQ(zero[0].v, 0);
  EXPECT_EQ(zero[0].t, kT0 + 300'000);
}

TEST(AwsCollector, DiscoveryIsCachedForTheInterval) {
  FakeAws fake;
  AddInstances(&fake, 2);
  AwsCollectorOptions opts;
  opts.discovery_interval_ms = 600'000;
  Harness h(Ec2Config(fake.url()), opts);
  VectorSink sink;
  ASSERT_TRUE(h.collector->Poll(kT0, &sink).ok());
  ASSERT_TRUE(h.collector->Poll(kT0 + 300'000, &sink).ok());
  EXPECT_EQ(fake.Calls("ListMetrics"), 1);
  EXPECT_EQ(fake.Calls("GetResources"), 1);
  EXPECT_EQ(fake.Calls("GetMetricData"), 2);
  ASSERT_TRUE(h.collector->Poll(kT0 + 600'000, &sink).ok());
  EXPECT_EQ(fake.Calls("ListMetrics"), 2);
}

TEST(AwsCollector, WrongSecretIsASignatureErrorWithoutRetries) {
  FakeAws fake;
  AddInstances(&fake, 1);
  Credentials wrong;
  wrong.access_key_id = kKeyId;
  wrong.secret_access_key = "not-the-secret";
  Harness h(Ec2Config(fake.url()), {}, NewStaticProvider(wrong));
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("GetResources us-east-1: SignatureDoesNotMatch", 0), 0u)
      << st.ToString();
  EXPECT_EQ(fake.bad_signatures(), 1);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(AwsCollector, OneFailingRegionDoesNotStopTheOthers) {
  FakeAws fake;
  AddInstances(&fake, 2);
  fake.failing_region = "eu-west-1";
  auto cfg = Ec2Config(fake.url());
  cfg.regions = {"eu-west-1", "us-east-1"};
  AwsCollectorOptions opts;
  opts.max_attempts = 2;
  Harness h(cfg, opts);
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "GetResources eu-west-1: InternalServiceError: boom (after 2 attempts)");
  EXPECT_EQ(sink.Named("aws_ec2_cpuutilization_average").size(), 2u);
  for (const auto& s : sink.samples) EXPECT_NE(s.labels.Get("region"), "eu-west-1");
}

TEST(AwsCollector, CancelStopsAPollWaitingForARetry) {
  FakeAws fake;
  AddInstances(&fake, 1);
  fake.throttle_data_calls = 100;
  metrics::Registry registry;
  AwsCollectorOptions opts;
  opts.backoff_base_ms = 60'000;  // would wait a minute
  opts.backoff_max_ms = 60'000;
  opts.backoff_seed = 1;
  auto c = NewAwsCollector(Ec2Config(fake.url()), &registry, std::make_unique<StaticCredentials>(),
                           opts);
  ASSERT_TRUE(c.ok());
  std::unique_ptr<cloud::Collector> collector = std::move(c).value();
  std::thread canceller([&] {
    while (fake.Calls("GetMetricData") == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    collector->Cancel();
  });
  VectorSink sink;
  auto start = std::chrono::steady_clock::now();
  Status st = collector->Poll(kT0, &sink);
  canceller.join();
  EXPECT_TRUE(st.IsCancelled()) << st.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(fake.Calls("GetMetricData"), 1);
}

TEST(AwsCollector, InvalidConfigIsRefused) {
  metrics::Registry registry;
  auto cfg = Ec2Config("http://127.0.0.1:1");
  cfg.discovery[0].statistics = {"Median"};
  auto r = NewAwsCollector(cfg, &registry, std::make_unique<StaticCredentials>());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown statistic \"Median\""), std::string::npos);
  cfg = Ec2Config("http://127.0.0.1:1");
  cfg.discovery[0].search_tags = {{"env", "("}};
  EXPECT_FALSE(NewAwsCollector(cfg, &registry, std::make_unique<StaticCredentials>()).ok());
  cfg = Ec2Config("http://127.0.0.1:1");
  cfg.regions.clear();
  EXPECT_FALSE(NewAwsCollector(cfg, &registry, std::make_unique<StaticCredentials>()).ok());
}

TEST(AwsCollector, UnreachableEndpointIsRetriedThenReported) {
  auto cfg = Ec2Config("http://127.0.0.1:1");
  AwsCollectorOptions opts;
  opts.max_attempts = 2;
  Harness h(cfg, opts);
  VectorSink sink;
  Status st = h.collector->Poll(kT0, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("GetResources us-east-1: "), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("(after 2 attempts)"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace vigil::aws
