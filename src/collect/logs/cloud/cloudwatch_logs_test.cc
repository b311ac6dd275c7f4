// CloudWatch Logs FilterLogEvents as a CloudLogApi, end to end against
// `vigil cloudsim` started in-process (SigV4 with the simulator's static
// keys, the simulated log groups and their one-event-a-minute cadence), and
// against a small fake server for what the simulator never does (the same
// nextToken forever, an STS that refuses).
#include "collect/logs/cloud/cloudwatch_logs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/http/server.h"
#include "base/file.h"
#include "collect/logs/cloud/cloud_log_apis.h"
#include "tools/cloudsim/cloudsim.h"
#include "tools/cloudsim/fleet.h"

namespace vigil::cloudlogs {
namespace {

constexpr int64_t kT0 = 1704067200'000;  // 2024-01-01T00:00:00Z
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 3600'000;
constexpr const char* kAccount = "123456789012";
constexpr const char* kAppGroup = "/vigil/sim/app";
constexpr const char* kTrailGroup = "aws-cloudtrail-logs-vigil-sim";
constexpr const char* kBusGroup = "/aws/events/vigil-sim";

std::string Attr(const std::vector<model::LogAttribute>& attrs, std::string_view key) {
  for (const auto& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "";
}
bool HasAttr(const std::vector<model::LogAttribute>& attrs, std::string_view key) {
  return std::any_of(attrs.begin(), attrs.end(), [&](const auto& a) { return a.key == key; });
}

// The records of one Read, and how many pages brought them.
struct ReadResult {
  Status status;
  std::vector<model::LogRecord> records;
  int pages = 0;
};

ReadResult ReadAll(CloudLogApi* api, int64_t start, int64_t end) {
  ReadResult r;
  r.status = api->Read(start, end, [&](std::vector<model::LogRecord>& page) {
    ++r.pages;
    for (auto& rec : page) r.records.push_back(std::move(rec));
    return Status::OK();
  });
  return r;
}

// What identifies an event across reads: its CloudWatch event id (the
// CloudTrail eventID moves it to aws.log.event_id) and time.
std::vector<std::string> Ids(const std::vector<model::LogRecord>& recs) {
  std::vector<std::string> out;
  for (const auto& r : recs) {
    std::string id = Attr(r.attributes, "aws.log.event_id");
    if (id.empty()) id = Attr(r.attributes, "event.id");
    out.push_back(fmt::format("{}/{}", r.time_ns, id));
  }
  return out;
}

class CloudWatchLogsTest : public ::testing::Test {
 protected:
  // The simulator's keys are made once (the first start is the slow one);
  // every test gets a fresh simulator (its own call counters and faults).
  static void SetUpTestSuite() { dir_ = new fs::TempDir("vigil-cwlogs"); }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    cloudsim::SimOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.tls_listen = "";
    opts.state_dir = dir_->path() + "/state";
    auto sim = cloudsim::Simulator::Start(opts);
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(sim).value();
    fleet_ = std::make_unique<cloudsim::Fleet>(opts.fleet);
  }
  void TearDown() override {
    if (sim_) sim_->Shutdown();
  }

  config::AWSCloudConfig Cloud(const std::string& secret = cloudsim::kAwsSecretAccessKey) const {
    config::AWSCloudConfig c;
    c.name = "aws-sim";
    c.regions = {"us-east-1", "eu-west-1"};
    c.endpoint = fmt::format("http://127.0.0.1:{}", sim_->port());
    c.credentials.access_key_id = cloudsim::kAwsAccessKeyId;
    c.credentials.secret_access_key.value = secret;
    c.credentials.imds_disabled = true;
    return c;
  }
  static config::CloudLogSourceConfig Source(std::vector<std::string> groups,
                                             std::vector<std::string> regions = {"us-east-1"}) {
    config::CloudLogSourceConfig s;
    s.cloud = "aws-sim";
    s.log_group_names = std::move(groups);
    s.regions = std::move(regions);
    return s;
  }
  CloudLogApiDeps Deps() {
    CloudLogApiDeps d;
    d.source_name = "cw";
    d.registry = &registry_;
    d.sleep = [this](int64_t ms) {
      std::function<void()> hook;
      {
        std::lock_guard<std::mutex> l(mu_);
        sleeps_.push_back(ms);
        hook = on_sleep_;
      }
      if (hook) hook();
      return true;
    };
    return d;
  }
  // The one API of a one-group, one-region source.
  std::unique_ptr<CloudLogApi> One(const config::CloudLogSourceConfig& src,
                                   const CloudWatchLogsOptions& opts = {},
                                   const config::AWSCloudConfig* cloud = nullptr) {
    const config::AWSCloudConfig c = cloud != nullptr ? *cloud : Cloud();
    auto apis = NewCloudWatchLogsApis(src, c, Deps(), opts);
    EXPECT_TRUE(apis.ok()) << apis.status().ToString();
    if (!apis.ok() || apis->size() != 1) {
      ADD_FAILURE() << "expected one API";
      return nullptr;
    }
    return std::move((*apis)[0]);
  }
  // The streams of /vigil/sim/app in a region: one per EC2 instance, at most four.
  size_t AppStreams(const std::string& region) const {
    size_t n = 0;
    for (const cloudsim::Resource* r : fleet_->ByCloud("aws")) {
      n += r->type == "AWS/EC2" && r->region == region;
    }
    return std::min<size_t>(n, 4);
  }

  static fs::TempDir* dir_;
  std::unique_ptr<cloudsim::Simulator> sim_;
  std::unique_ptr<cloudsim::Fleet> fleet_;
  metrics::Registry registry_;
  std::mutex mu_;
  std::vector<int64_t> sleeps_;
  std::function<void()> on_sleep_;
};

fs::TempDir* CloudWatchLogsTest::dir_ = nullptr;

TEST_F(CloudWatchLogsTest, ReadsAnHourOfTheAppGroupAtTheSimulatorsCadence) {
  auto api = One(Source({kAppGroup}));
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->Key(), "cloudwatch:us-east-1:/vigil/sim/app");
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  // One event a minute in each stream, all on one page.
  ASSERT_EQ(AppStreams("us-east-1"), 4u);
  EXPECT_EQ(r.records.size(), 60 * AppStreams("us-east-1"));
  EXPECT_EQ(r.pages, 1);
  EXPECT_EQ(sim_->Calls("aws", "FilterLogEvents"), 1u);
  std::set<std::string> streams;
  int64_t last = 0;
  for (const auto& rec : r.records) {
    EXPECT_GE(rec.time_ns, kT0 * 1'000'000);
    EXPECT_LT(rec.time_ns, (kT0 + kHour) * 1'000'000);
    EXPECT_GE(rec.time_ns, last);  // the simulator's (time, stream) order
    last = rec.time_ns;
    EXPECT_GT(rec.observed_time_ns, 0);
    EXPECT_TRUE(rec.body.starts_with("INFO") || rec.body.starts_with("WARN") ||
                rec.body.starts_with("ERROR"))
        << rec.body;
    EXPECT_EQ(rec.stream.Get("cloud_provider"), "aws");
    EXPECT_EQ(rec.stream.Get("cloud_region"), "us-east-1");
    EXPECT_EQ(rec.stream.Get("log_group"), kAppGroup);
    EXPECT_EQ(Attr(rec.resource, "cloud.account.id"), kAccount);  // from STS
    EXPECT_EQ(Attr(rec.resource, "cloud.region"), "us-east-1");
    EXPECT_FALSE(Attr(rec.attributes, "event.id").empty());
    streams.insert(Attr(rec.attributes, "aws.log.stream.names"));
  }
  EXPECT_EQ(streams.size(), AppStreams("us-east-1"));
  // The account is asked once per session, not per read.
  ReadResult again = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(Ids(again.records), Ids(r.records));
  EXPECT_EQ(sim_->Calls("aws", "GetCallerIdentity"), 1u);
  EXPECT_EQ(registry_.Get("vigil_cloud_api_calls_total", {{"provider", "aws"},
                                                          {"collector", "cw"},
                                                          {"api", "FilterLogEvents"},
                                                          {"region", "us-east-1"},
                                                          {"result", "success"}}),
            2);
}

TEST_F(CloudWatchLogsTest, AdjacentWindowsGiveExactlyTheEventsOfTheirUnion) {
  auto api = One(Source({kAppGroup}));
  ASSERT_NE(api, nullptr);
  const int64_t a = kT0 + 17'123, c = kT0 + 40 * kMinute + 250;
  ReadResult whole = ReadAll(api.get(), a, c);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_GT(whole.records.size(), 100u);
  // b is exactly the time of an event: it belongs to [b, c), not [a, b)
  // (FilterLogEvents' endTime is inclusive, so the client asks b - 1).
  const size_t mid = whole.records.size() / 2;
  const int64_t b = whole.records[mid].time_ns / 1'000'000;
  ASSERT_NE(whole.records[mid - 1].time_ns, whole.records[mid].time_ns);
  ReadResult first = ReadAll(api.get(), a, b);
  ReadResult second = ReadAll(api.get(), b, c);
  ASSERT_TRUE(first.status.ok() && second.status.ok());
  EXPECT_EQ(first.records.size(), mid);
  ASSERT_FALSE(second.records.empty());
  EXPECT_EQ(second.records.front().time_ns, b * 1'000'000);
  std::vector<std::string> joined = Ids(first.records);
  for (const std::string& id : Ids(second.records)) joined.push_back(id);
  EXPECT_EQ(joined, Ids(whole.records));
  for (const auto& rec : first.records) EXPECT_LT(rec.time_ns, b * 1'000'000);
  // A window of one millisecond holds exactly the event at that instant.
  ReadResult point = ReadAll(api.get(), b, b + 1);
  ASSERT_TRUE(point.status.ok());
  ASSERT_EQ(point.records.size(), 1u);
  EXPECT_EQ(point.records[0].time_ns, b * 1'000'000);
  // An empty window asks nothing.
  const uint64_t calls = sim_->Calls("aws", "FilterLogEvents");
  ReadResult empty = ReadAll(api.get(), b, b);
  EXPECT_TRUE(empty.status.ok());
  EXPECT_TRUE(empty.records.empty());
  EXPECT_EQ(sim_->Calls("aws", "FilterLogEvents"), calls);
}

TEST_F(CloudWatchLogsTest, CloudTrailRecordsComeOutMapped) {
  auto api = One(Source({kTrailGroup}));
  ASSERT_NE(api, nullptr);
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 60u);  // one stream, one record a minute
  int denied = 0;
  std::set<std::string> types, ids;
  for (const auto& rec : r.records) {
    EXPECT_EQ(rec.time_ns % 1'000'000'000, 0);  // eventTime has whole seconds
    EXPECT_GE(rec.time_ns, kT0 * 1'000'000);
    EXPECT_LT(rec.time_ns, (kT0 + kHour) * 1'000'000);
    EXPECT_TRUE(rec.body.starts_with("{\"eventVersion\":\"1.09\"")) << rec.body;
    EXPECT_EQ(rec.stream.Get("log_group"), kTrailGroup);
    EXPECT_EQ(Attr(rec.resource, "cloud.account.id"), kAccount);
    EXPECT_EQ(Attr(rec.resource, "cloud.region"), "us-east-1");
    EXPECT_EQ(Attr(rec.resource, "cloud.provider"), "aws");
    EXPECT_EQ(Attr(rec.attributes, "aws.cloudtrail.event_type"), "AwsApiCall");
    EXPECT_TRUE(Attr(rec.attributes, "event.source").ends_with(".amazonaws.com"));
    EXPECT_TRUE(Attr(rec.attributes, "enduser.id").starts_with("arn:aws:"));
    EXPECT_EQ(Attr(rec.attributes, "aws.log.stream.names"), "123456789012_CloudTrail_us-east-1");
    EXPECT_FALSE(Attr(rec.attributes, "aws.log.event_id").empty());
    const std::string id = Attr(rec.attributes, "event.id");
    EXPECT_EQ(id.size(), 36u);
    EXPECT_TRUE(ids.insert(id).second);
    types.insert(Attr(rec.attributes, "event.type"));
    if (HasAttr(rec.attributes, "error.type")) {
      EXPECT_EQ(Attr(rec.attributes, "error.type"), "AccessDenied");
      EXPECT_EQ(rec.severity_number, 17);
      ++denied;
    } else {
      EXPECT_EQ(rec.severity_number, 9);
    }
  }
  EXPECT_GT(denied, 0);
  EXPECT_GE(types.size(), 4u);
  EXPECT_TRUE(types.count("DescribeInstances")) << fmt::format("{}", fmt::join(types, ","));

  // Without parse_envelopes the same events are plain lines.
  config::CloudLogSourceConfig plain = Source({kTrailGroup});
  plain.parse_envelopes = false;
  auto plain_api = One(plain);
  ASSERT_NE(plain_api, nullptr);
  ReadResult p = ReadAll(plain_api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(p.status.ok());
  ASSERT_EQ(p.records.size(), 60u);
  EXPECT_FALSE(HasAttr(p.records[0].attributes, "event.type"));
  EXPECT_EQ(p.records[0].body, r.records[0].body);
}

TEST_F(CloudWatchLogsTest, EventBridgeEventsComeOutMapped) {
  std::set<std::string> instance_arns;
  for (const cloudsim::Resource* r : fleet_->ByCloud("aws")) {
    if (r->type == "AWS/EC2" && r->region == "eu-west-1") instance_arns.insert(r->id);
  }
  auto api = One(Source({kBusGroup}, {"eu-west-1"}));
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->Key(), "cloudwatch:eu-west-1:/aws/events/vigil-sim");
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 60u);
  int state_changes = 0, api_calls = 0;
  for (const auto& rec : r.records) {
    EXPECT_TRUE(rec.body.starts_with("{\"version\":\"0\"")) << rec.body;
    EXPECT_EQ(rec.stream.Get("cloud_region"), "eu-west-1");
    EXPECT_EQ(Attr(rec.resource, "cloud.account.id"), kAccount);
    EXPECT_EQ(Attr(rec.resource, "cloud.region"), "eu-west-1");
    EXPECT_EQ(rec.time_ns % 1'000'000'000, 0);
    if (Attr(rec.attributes, "event.type") == "EC2 Instance State-change Notification") {
      ++state_changes;
      EXPECT_EQ(Attr(rec.attributes, "event.source"), "aws.ec2");
      EXPECT_TRUE(instance_arns.count(Attr(rec.attributes, "cloud.resource_id")))
          << Attr(rec.attributes, "cloud.resource_id");
      EXPECT_EQ(rec.severity_number, 9);
    } else {
      // An "AWS API Call via CloudTrail": the record in detail is the event.
      ++api_calls;
      EXPECT_FALSE(Attr(rec.attributes, "aws.eventbridge.id").empty());
      EXPECT_TRUE(Attr(rec.attributes, "event.source").ends_with(".amazonaws.com"));
      EXPECT_EQ(Attr(rec.attributes, "aws.cloudtrail.event_type"), "AwsApiCall");
    }
  }
  EXPECT_GT(state_changes, 0);
  EXPECT_GT(api_calls, 0);
}

TEST_F(CloudWatchLogsTest, SmallPagesFollowNextTokenToTheEnd) {
  CloudWatchLogsOptions small;
  small.page_limit = 7;
  auto paged = One(Source({kAppGroup}), small);
  auto whole = One(Source({kAppGroup}));
  ASSERT_NE(paged, nullptr);
  ASSERT_NE(whole, nullptr);
  ReadResult w = ReadAll(whole.get(), kT0, kT0 + kHour);
  const uint64_t before = sim_->Calls("aws", "FilterLogEvents");
  ReadResult p = ReadAll(paged.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  const int want_pages = static_cast<int>((w.records.size() + 6) / 7);
  EXPECT_EQ(p.pages, want_pages);
  EXPECT_EQ(sim_->Calls("aws", "FilterLogEvents") - before, static_cast<uint64_t>(want_pages));
  EXPECT_EQ(Ids(p.records), Ids(w.records));
  // A page whose callback fails stops the read with that error.
  int calls = 0;
  Status s = paged->Read(kT0, kT0 + kHour, [&](std::vector<model::LogRecord>&) {
    return ++calls == 3 ? Status::Unavailable("sink full") : Status::OK();
  });
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_EQ(calls, 3);
}

TEST_F(CloudWatchLogsTest, StreamSelectionAndFilterPattern) {
  std::string first_instance;
  for (const cloudsim::Resource* r : fleet_->ByCloud("aws")) {
    if (r->type == "AWS/EC2" && r->region == "us-east-1") {
      first_instance = r->name;
      break;
    }
  }
  config::CloudLogSourceConfig named = Source({kAppGroup});
  named.log_stream_names = {first_instance};
  ReadResult n = ReadAll(One(named).get(), kT0, kT0 + kHour);
  ASSERT_TRUE(n.status.ok()) << n.status.ToString();
  EXPECT_EQ(n.records.size(), 60u);
  for (const auto& rec : n.records) {
    EXPECT_EQ(Attr(rec.attributes, "aws.log.stream.names"), first_instance);
  }
  config::CloudLogSourceConfig prefixed = Source({kAppGroup});
  prefixed.log_stream_name_prefix = first_instance.substr(0, 8);
  ReadResult pre = ReadAll(One(prefixed).get(), kT0, kT0 + kHour);
  ASSERT_TRUE(pre.status.ok());
  EXPECT_GE(pre.records.size(), 60u);
  for (const auto& rec : pre.records) {
    EXPECT_TRUE(
        Attr(rec.attributes, "aws.log.stream.names").starts_with(first_instance.substr(0, 8)));
  }

  ReadResult all = ReadAll(One(Source({kAppGroup})).get(), kT0, kT0 + kHour);
  size_t errors = 0;
  for (const auto& rec : all.records) errors += rec.body.find("ERROR") != std::string::npos;
  config::CloudLogSourceConfig filtered = Source({kAppGroup});
  filtered.filter_pattern = "ERROR";
  ReadResult f = ReadAll(One(filtered).get(), kT0, kT0 + kHour);
  ASSERT_TRUE(f.status.ok());
  ASSERT_GT(errors, 0u);
  EXPECT_EQ(f.records.size(), errors);
  for (const auto& rec : f.records) EXPECT_NE(rec.body.find("ERROR"), std::string::npos);
}

TEST_F(CloudWatchLogsTest, OneApiPerRegionAndGroupSharingOneSession) {
  config::CloudLogSourceConfig src = Source({kAppGroup, kTrailGroup}, {});
  auto apis = NewCloudWatchLogsApis(src, Cloud(), Deps());
  ASSERT_TRUE(apis.ok()) << apis.status().ToString();
  std::vector<std::string> keys;
  for (const auto& a : *apis) keys.push_back(a->Key());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "cloudwatch:us-east-1:/vigil/sim/app",
                      "cloudwatch:us-east-1:aws-cloudtrail-logs-vigil-sim",
                      "cloudwatch:eu-west-1:/vigil/sim/app",
                      "cloudwatch:eu-west-1:aws-cloudtrail-logs-vigil-sim",
                  }));
  for (const auto& a : *apis) {
    ReadResult r = ReadAll(a.get(), kT0, kT0 + 10 * kMinute);
    ASSERT_TRUE(r.status.ok()) << a->Key() << ": " << r.status.ToString();
    EXPECT_FALSE(r.records.empty()) << a->Key();
    const std::string region = a->Key().substr(11, 9);
    for (const auto& rec : r.records) EXPECT_EQ(rec.stream.Get("cloud_region"), region);
  }
  EXPECT_EQ(sim_->Calls("aws", "GetCallerIdentity"), 1u);  // one session
  // Cancel is session-wide: the source cancels every target at stop.
  (*apis)[0]->Cancel();
  EXPECT_TRUE(ReadAll((*apis)[3].get(), kT0, kT0 + kMinute).status.IsCancelled());
}

TEST_F(CloudWatchLogsTest, LogGroupByArn) {
  const std::string arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vigil/sim/app:*";
  auto apis = NewCloudWatchLogsApis(Source({arn}, {}), Cloud(), Deps());
  ASSERT_TRUE(apis.ok()) << apis.status().ToString();
  // An ARN names one group in one region: it is read there only.
  ASSERT_EQ(apis->size(), 1u);
  EXPECT_EQ((*apis)[0]->Key(), "cloudwatch:us-east-1:" + arn);
  ReadResult r = ReadAll((*apis)[0].get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.records.size(), 60 * AppStreams("us-east-1"));
  EXPECT_EQ(r.records[0].stream.Get("log_group"), kAppGroup);
  EXPECT_EQ(Attr(r.records[0].resource, "cloud.account.id"), kAccount);  // the ARN's
  EXPECT_EQ(sim_->Calls("aws", "GetCallerIdentity"), 0u);

  auto elsewhere = NewCloudWatchLogsApis(Source({arn}, {"eu-west-1"}), Cloud(), Deps());
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_TRUE(elsewhere.status().IsInvalidArgument());
  EXPECT_NE(elsewhere.status().message().find("us-east-1"), std::string::npos);
}

TEST_F(CloudWatchLogsTest, BuildErrors) {
  auto bad_region = NewCloudWatchLogsApis(Source({kAppGroup}, {"ap-south-1"}), Cloud(), Deps());
  ASSERT_FALSE(bad_region.ok());
  EXPECT_TRUE(bad_region.status().IsInvalidArgument());
  EXPECT_NE(bad_region.status().message().find("ap-south-1"), std::string::npos)
      << bad_region.status().ToString();
  auto no_group = NewCloudWatchLogsApis(Source({}), Cloud(), Deps());
  ASSERT_FALSE(no_group.ok());
  EXPECT_TRUE(no_group.status().IsInvalidArgument());
  config::CloudLogSourceConfig both = Source({kAppGroup});
  both.log_stream_names = {"a"};
  both.log_stream_name_prefix = "b";
  auto b = NewCloudWatchLogsApis(both, Cloud(), Deps());
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsInvalidArgument());
  config::AWSCloudConfig no_keys = Cloud();
  no_keys.credentials.access_key_id = cloudsim::kAwsAccessKeyId;
  no_keys.credentials.secret_access_key.value = "";
  auto k = NewCloudWatchLogsApis(Source({kAppGroup}), no_keys, Deps());
  EXPECT_FALSE(k.ok());
  CloudWatchLogsOptions too_big;
  too_big.page_limit = 10'001;
  EXPECT_FALSE(NewCloudWatchLogsApis(Source({kAppGroup}), Cloud(), Deps(), too_big).ok());
}

TEST_F(CloudWatchLogsTest, UnknownGroupIsNotFoundNamingGroupAndRegion) {
  auto api = One(Source({"/no/such/group"}, {"eu-west-1"}));
  ASSERT_NE(api, nullptr);
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.IsNotFound()) << r.status.ToString();
  EXPECT_NE(r.status.message().find("/no/such/group"), std::string::npos);
  EXPECT_NE(r.status.message().find("eu-west-1"), std::string::npos);
  EXPECT_NE(r.status.message().find("ResourceNotFoundException"), std::string::npos);
  EXPECT_EQ(r.pages, 0);
}

TEST_F(CloudWatchLogsTest, BadCredentialsAreAClearFailedPrecondition) {
  const config::AWSCloudConfig wrong = Cloud("not-the-secret");
  auto api = One(Source({kAppGroup}), {}, &wrong);
  ASSERT_NE(api, nullptr);
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_EQ(r.status.code(), Status::Code::kFailedPrecondition) << r.status.ToString();
  EXPECT_TRUE(r.status.message().starts_with("FilterLogEvents us-east-1: ")) << r.status.ToString();
  // CloudWatch Logs names it as the JSON services do.
  EXPECT_NE(r.status.message().find("InvalidSignatureException"), std::string::npos)
      << r.status.ToString();
  EXPECT_EQ(r.pages, 0);
  EXPECT_TRUE(sleeps_.empty());  // not retried
}

TEST_F(CloudWatchLogsTest, ThrottlingIsRetriedThenReportedAfterTheLastAttempt) {
  auto api = One(Source({kAppGroup}));
  ASSERT_NE(api, nullptr);
  ASSERT_TRUE(ReadAll(api.get(), kT0, kT0 + kMinute).status.ok());  // learns the account
  // Throttled once: the retry (after the backoff, here recorded) succeeds.
  cloudsim::Faults throttle;
  throttle.throttle_rate = 1;
  sim_->SetFaults(throttle);
  on_sleep_ = [this] { sim_->SetFaults(cloudsim::Faults{}); };
  const uint64_t before = sim_->Calls("aws", "FilterLogEvents");
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.records.size(), 60 * AppStreams("us-east-1"));
  EXPECT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sim_->Calls("aws", "FilterLogEvents") - before, 2u);
  EXPECT_EQ(registry_.Get("vigil_cloud_api_calls_total", {{"provider", "aws"},
                                                          {"collector", "cw"},
                                                          {"api", "FilterLogEvents"},
                                                          {"region", "us-east-1"},
                                                          {"result", "throttled"}}),
            1);
  // Throttled on every attempt: the error says so, as the header promises.
  on_sleep_ = nullptr;
  sleeps_.clear();
  sim_->SetFaults(throttle);
  ReadResult t = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_TRUE(t.status.IsUnavailable()) << t.status.ToString();
  EXPECT_EQ(t.status.message(),
            "FilterLogEvents us-east-1: ThrottlingException: Rate exceeded (after 5 attempts)");
  EXPECT_EQ(sleeps_.size(), 4u);
  EXPECT_EQ(t.pages, 0);
}

TEST_F(CloudWatchLogsTest, CancelStopsAReadBetweenPagesAndDuringABackoff) {
  CloudWatchLogsOptions small;
  small.page_limit = 10;
  // Between pages: the next call is not made.
  {
    auto api = One(Source({kAppGroup}), small);
    ASSERT_NE(api, nullptr);
    int pages = 0;
    Status s = api->Read(kT0, kT0 + kHour, [&](std::vector<model::LogRecord>&) {
      if (++pages == 2) api->Cancel();
      return Status::OK();
    });
    EXPECT_TRUE(s.IsCancelled()) << s.ToString();
    EXPECT_EQ(s.message(), "cloudwatch:us-east-1:/vigil/sim/app: cancelled");
    EXPECT_EQ(pages, 2);
    EXPECT_TRUE(ReadAll(api.get(), kT0, kT0 + kHour).status.IsCancelled());
  }
  // From another thread while the read waits to retry a throttled call.
  auto api = One(Source({kAppGroup}), small);
  ASSERT_NE(api, nullptr);
  ASSERT_TRUE(ReadAll(api.get(), kT0, kT0 + kMinute).status.ok());
  cloudsim::Faults throttle;
  throttle.throttle_rate = 1;
  sim_->SetFaults(throttle);
  std::promise<void> waiting, cancelled;
  std::shared_future<void> cancelled_f = cancelled.get_future().share();
  std::atomic<bool> first{true};
  on_sleep_ = [&] {
    if (!first.exchange(false)) return;
    waiting.set_value();
    cancelled_f.wait();
  };
  std::future<ReadResult> reader =
      std::async(std::launch::async, [&] { return ReadAll(api.get(), kT0, kT0 + kHour); });
  waiting.get_future().wait();
  api->Cancel();
  cancelled.set_value();
  ReadResult r = reader.get();
  EXPECT_TRUE(r.status.IsCancelled()) << r.status.ToString();
  EXPECT_EQ(r.pages, 0);
}

// ---- against a fake server: what the simulator never does -------------------

class FakeLogsServer {
 public:
  // Every FilterLogEvents answer: one event and nextToken "again"; STS is
  // refused.
  FakeLogsServer() {
    http::Route route;
    route.path = "/";
    route.prefix = true;
    route.handler = [this](const http::Request& req, http::Response& resp) {
      std::lock_guard<std::mutex> l(mu_);
      if (req.Header("x-amz-target") == "Logs_20140328.FilterLogEvents") {
        bodies_.push_back(req.body);
        resp.SetHeader("Content-Type", "application/x-amz-json-1.1");
        resp.body =
            fmt::format(R"({{"events":[{{"logStreamName":"s","timestamp":{},"message":"line {}",)"
                        R"("ingestionTime":{},"eventId":"e{}"}}],"searchedLogStreams":[],)"
                        R"("nextToken":"again"}})",
                        kT0 + 1000, bodies_.size(), kT0 + 2000, bodies_.size());
        return;
      }
      ++sts_calls_;
      resp.status = 403;
      resp.SetHeader("Content-Type", "text/xml");
      resp.body =
          "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
          "allowed</Message></Error></ErrorResponse>";
    };
    router_.Handle(std::move(route));
    http::ServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = 1;
    auto s = http::Server::Start(so, &router_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) server_ = std::move(*s);
  }
  std::string url() const { return "http://" + server_->address(); }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }
  int sts_calls() {
    std::lock_guard<std::mutex> l(mu_);
    return sts_calls_;
  }

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  int sts_calls_ = 0;
};

TEST_F(CloudWatchLogsTest, RepeatedNextTokenStopsWithAnErrorAndStsFailureIsNotFatal) {
  FakeLogsServer fake;
  config::AWSCloudConfig cloud = Cloud();
  cloud.endpoint = fake.url();
  config::CloudLogSourceConfig src = Source({"/app/x"});
  src.log_stream_names = {"s", "t\"u"};
  src.filter_pattern = "\"quoted term\"";
  auto api = One(src, {}, &cloud);
  ASSERT_NE(api, nullptr);
  ReadResult r = ReadAll(api.get(), kT0, kT0 + kHour);
  ASSERT_EQ(r.status.code(), Status::Code::kCorruption) << r.status.ToString();
  EXPECT_NE(r.status.message().find("nextToken \"again\" twice"), std::string::npos)
      << r.status.ToString();
  // The first answer's token was followed once; its repeat stopped the read.
  EXPECT_EQ(r.pages, 2);
  ASSERT_EQ(fake.bodies().size(), 2u);
  EXPECT_EQ(fake.bodies()[0],
            fmt::format(R"({{"logGroupName": "/app/x", "logStreamNames": ["s", "t\"u"], )"
                        R"("startTime": {}, "endTime": {}, "filterPattern": "\"quoted term\"", )"
                        R"("limit": 10000}})",
                        kT0, kT0 + kHour - 1));
  EXPECT_TRUE(fake.bodies()[1].ends_with(R"("limit": 10000, "nextToken": "again"})"));
  // STS refused: the account is left empty, the reads go on, STS is not
  // asked again.
  ASSERT_FALSE(r.records.empty());
  EXPECT_EQ(Attr(r.records[0].resource, "cloud.account.id"), "");
  EXPECT_EQ(r.records[0].body, "line 1");
  EXPECT_EQ(fake.sts_calls(), 1);
  (void)ReadAll(api.get(), kT0, kT0 + kHour);
  EXPECT_EQ(fake.sts_calls(), 1);
}

// ---- the pure pieces ----------------------------------------------------------

TEST(FilterLogEventsWireTest, RequestShapes) {
  FilterLogEventsQuery q;
  q.log_group = "arn:aws:logs:eu-west-1:210987654321:log-group:/aws/lambda/api:*";
  q.log_stream_name_prefix = "2024/";
  q.start_time_ms = 5;
  q.end_time_ms = 9;
  q.limit = 50;
  EXPECT_EQ(
      FilterLogEventsRequest(q),
      R"({"logGroupIdentifier": "arn:aws:logs:eu-west-1:210987654321:log-group:/aws/lambda/api", )"
      R"("logStreamNamePrefix": "2024/", "startTime": 5, "endTime": 9, "limit": 50})");
  EXPECT_TRUE(IsLogGroupArn(q.log_group));
  EXPECT_EQ(LogGroupName(q.log_group), "/aws/lambda/api");
  EXPECT_FALSE(IsLogGroupArn("/aws/lambda/api"));
  EXPECT_FALSE(IsLogGroupArn("arn:aws:s3:::bucket"));
  EXPECT_EQ(LogGroupName("/aws/lambda/api"), "/aws/lambda/api");
}

TEST(FilterLogEventsWireTest, ParsesPagesAndRefusesWhatIsNotOne) {
  // The SDK captures' answer.
  auto p = ParseFilterLogEventsResponse(
      R"({"events": [{"logStreamName": "stream-a", "timestamp": 1704067200000, "message": )"
      R"("ERROR something failed", "ingestionTime": 1704067201000, "eventId": "3700"}], )"
      R"("searchedLogStreams": [], "nextToken": "logs-page-2-token"})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->events.size(), 1u);
  EXPECT_EQ(p->events[0].log_stream, "stream-a");
  EXPECT_EQ(p->events[0].timestamp_ms, 1704067200000);
  EXPECT_EQ(p->events[0].ingestion_time_ms, 1704067201000);
  EXPECT_EQ(p->events[0].message, "ERROR something failed");
  EXPECT_EQ(p->events[0].event_id, "3700");
  EXPECT_EQ(p->next_token, "logs-page-2-token");
  auto last = ParseFilterLogEventsResponse(R"({"events": [], "searchedLogStreams": []})");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->events.empty());
  EXPECT_EQ(last->next_token, "");
  auto odd = ParseFilterLogEventsResponse(R"({"events": [{"timestamp": "x"}, 3]})");
  ASSERT_TRUE(odd.ok());
  ASSERT_EQ(odd->events.size(), 1u);
  EXPECT_EQ(odd->events[0].timestamp_ms, 0);
  EXPECT_FALSE(ParseFilterLogEventsResponse("not json").ok());
  EXPECT_FALSE(ParseFilterLogEventsResponse("[]").ok());
  EXPECT_FALSE(ParseFilterLogEventsResponse(R"({"events": {}})").ok());
}

}  // namespace
}  // namespace vigil::cloudlogs
