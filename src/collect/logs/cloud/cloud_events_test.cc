#include "collect/logs/cloud/cloud_events.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace vigil::cloudlogs {
namespace {

using model::LogAttribute;
using model::LogRecord;

constexpr int64_t kObserved = 1'800'000'000'000'000'000;
// 2024-01-01T00:00:00Z.
constexpr int64_t kNewYearNs = 1'704'067'200'000'000'000;
constexpr int64_t kSecondNs = 1'000'000'000;

// The value of key in attrs, "<absent>" when it is not there.
std::string Get(const std::vector<LogAttribute>& attrs, std::string_view key) {
  for (const LogAttribute& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "<absent>";
}

std::string Attr(const LogRecord& r, std::string_view key) { return Get(r.attributes, key); }
std::string Res(const LogRecord& r, std::string_view key) { return Get(r.resource, key); }

// No key twice: attributes are a map in every consumer.
void ExpectUniqueKeys(const std::vector<LogAttribute>& attrs) {
  for (size_t i = 0; i < attrs.size(); ++i) {
    for (size_t j = i + 1; j < attrs.size(); ++j) EXPECT_NE(attrs[i].key, attrs[j].key);
  }
}

void ExpectValidStream(const LogRecord& r) {
  model::LabelValidation v =
      model::ValidateLabels(r.stream.View(), model::LabelLimits{}, /*require_name=*/false);
  EXPECT_TRUE(v.ok()) << v.message;
  ExpectUniqueKeys(r.attributes);
  ExpectUniqueKeys(r.resource);
}

CloudWatchEvent PlainEvent(std::string message) {
  CloudWatchEvent e;
  e.region = "us-east-1";
  e.account_id = "123456789012";
  e.log_group = "/app/web";
  e.log_stream = "stream-a";
  e.event_id = "37000000000000000000000000000000000000000000000000000000";
  e.message = std::move(message);
  e.timestamp_ms = 1704067200000;
  e.ingestion_time_ms = 1704067201000;
  return e;
}

// ---- CloudWatch plain lines --------------------------------------------------

TEST(CloudWatchEventTest, PlainLineKeepsTheMessageAndWhereItCameFrom) {
  CloudWatchEvent e = PlainEvent("ERROR something failed");
  LogRecord r = MapCloudWatchEvent(e, /*parse_envelopes=*/true, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs);
  EXPECT_EQ(r.observed_time_ns, kObserved);
  EXPECT_EQ(r.body, "ERROR something failed");
  EXPECT_EQ(r.severity_number, 0);  // left to the pipeline's normalize step
  EXPECT_EQ(r.severity_text, "");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"cloud_provider", "aws", "cloud_region",
                                                  "us-east-1", "log_group", "/app/web"}));
  EXPECT_EQ(Attr(r, "aws.log.group.names"), "/app/web");
  EXPECT_EQ(Attr(r, "aws.log.stream.names"), "stream-a");
  EXPECT_EQ(Attr(r, "event.id"), e.event_id);
  EXPECT_EQ(Attr(r, "aws.cloudwatch.ingestion_time"), "2024-01-01T00:00:01.000Z");
  EXPECT_EQ(Attr(r, "aws.log.event_id"), "<absent>");
  EXPECT_EQ(Attr(r, "event.type"), "<absent>");
  EXPECT_EQ(Res(r, "cloud.provider"), "aws");
  EXPECT_EQ(Res(r, "cloud.account.id"), "123456789012");
  EXPECT_EQ(Res(r, "cloud.region"), "us-east-1");
  EXPECT_TRUE(r.trace_id.empty());
  ExpectValidStream(r);
}

TEST(CloudWatchEventTest, UnknownAccountAndMissingTimesAreLeftOut) {
  CloudWatchEvent e = PlainEvent("REPORT RequestId: 0a1b2c3d Duration: 20.01 ms");
  e.account_id = "";
  e.event_id = "";
  e.timestamp_ms = 0;
  e.ingestion_time_ms = 0;
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(r.EffectiveTime(), kObserved);
  EXPECT_EQ(Res(r, "cloud.account.id"), "<absent>");
  EXPECT_EQ(Attr(r, "event.id"), "<absent>");
  EXPECT_EQ(Attr(r, "aws.cloudwatch.ingestion_time"), "<absent>");
}

TEST(CloudWatchEventTest, TimestampsOutOfRangeDoNotOverflow) {
  CloudWatchEvent e = PlainEvent("x");
  e.timestamp_ms = INT64_MAX;
  e.ingestion_time_ms = INT64_MAX;
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(Attr(r, "aws.cloudwatch.ingestion_time"), "<absent>");
  e.timestamp_ms = INT64_MIN;
  e.ingestion_time_ms = -5;
  r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, 0);
  EXPECT_EQ(Attr(r, "aws.cloudwatch.ingestion_time"), "<absent>");
}

TEST(CloudWatchEventTest, JsonThatIsNotAnEnvelopeStaysAPlainLine) {
  for (std::string msg : {
           std::string(R"({"level":"error","msg":"db down","latency_ms":12})"),
           std::string(R"([{"eventVersion":"1.09"}])"),
           std::string(R"({"version":"0","detail-type":"X","source":"aws.ec2"})"),  // no detail
           std::string(R"({"eventVersion":"1.09","eventName":"StopInstances"})"),   // no source
           std::string(R"({"eventVersion":1.09,"eventSource":"ec2","eventName":"Stop"})"),
           std::string("42"),
           std::string(""),
       }) {
    LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
    EXPECT_EQ(r.body, msg);
    EXPECT_EQ(r.severity_number, 0) << msg;
    EXPECT_EQ(Attr(r, "event.type"), "<absent>") << msg;
    EXPECT_EQ(Attr(r, "event.id"), PlainEvent("").event_id) << msg;
    EXPECT_EQ(r.time_ns, kNewYearNs);
  }
}

TEST(CloudWatchEventTest, MalformedJsonStaysAPlainLine) {
  for (std::string msg : {
           std::string(R"({"eventVersion":"1.09","eventSource":"ec2.amazonaws.com",)"),
           std::string(R"({"eventVersion":"1.09" "eventSource":"x"})"),
           std::string("{"),
           std::string("{\"a\":\"\xff\xfe\"}"),  // invalid UTF-8 inside JSON
           std::string("  {\"eventVersion\":\"1.0\",\"eventSource\":\"s\",\"eventName\":\"n\"} x"),
       }) {
    LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
    EXPECT_EQ(r.body, msg);
    EXPECT_EQ(Attr(r, "event.type"), "<absent>");
    EXPECT_EQ(Attr(r, "event.id"), PlainEvent("").event_id);
    ExpectValidStream(r);
  }
}

TEST(CloudWatchEventTest, UnicodeAndInvalidUtf8) {
  // Valid UTF-8 as is.
  std::string msg = "Bestellung für Müller fehlgeschlagen: 支付失败 \xF0\x9F\x94\xA5";
  LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
  EXPECT_EQ(r.body, msg);
  // Invalid bytes: the body keeps them; labels and attributes must be valid
  // UTF-8, so there each bad byte becomes U+FFFD.
  CloudWatchEvent e = PlainEvent("bad \xC3\x28 bytes \xFF");
  e.log_group = "/app/\xFF";
  e.log_stream = "s\xC0";
  r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.body, "bad \xC3\x28 bytes \xFF");
  EXPECT_EQ(r.stream.Get("log_group"), "/app/\xEF\xBF\xBD");
  EXPECT_EQ(Attr(r, "aws.log.stream.names"), "s\xEF\xBF\xBD");
  ExpectValidStream(r);
}

// ---- CloudTrail records --------------------------------------------------------

// A management event as CloudTrail delivers it to CloudWatch Logs (the shape
// of the CloudTrail User Guide's record examples; values invented).
constexpr std::string_view kStopInstances = R"({
  "eventVersion": "1.09",
  "userIdentity": {
    "type": "IAMUser", "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"
  },
  "eventTime": "2024-01-01T00:00:05Z",
  "eventSource": "ec2.amazonaws.com",
  "eventName": "StopInstances",
  "awsRegion": "eu-west-1",
  "sourceIPAddress": "198.51.100.7",
  "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12",
  "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0a1b2c3d4e5f60718"}]}, "force": false},
  "responseElements": {"instancesSet": {"items": [{"instanceId": "i-0a1b2c3d4e5f60718",
      "currentState": {"code": 64, "name": "stopping"}}]}},
  "requestID": "f3b2a1c0-5d4e-4f6a-8b7c-9d0e1f2a3b4c",
  "eventID": "0b9c1f7e-3a2d-4c5b-9e8f-7a6b5c4d3e2f",
  "readOnly": false,
  "resources": [{"accountId": "111122223333", "type": "AWS::EC2::Instance",
                 "ARN": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718"}],
  "eventType": "AwsApiCall",
  "managementEvent": true,
  "recipientAccountId": "111122223333",
  "eventCategory": "Management"
})";

TEST(CloudTrailTest, RecordInCloudWatchMapsTheCall) {
  CloudWatchEvent e = PlainEvent(std::string(kStopInstances));
  e.log_group = "aws-cloudtrail-logs-111122223333";
  e.log_stream = "111122223333_CloudTrail_us-east-1";
  e.account_id = "";  // the poller could not find it: the record tells
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs + 5 * kSecondNs);  // eventTime, not the CloudWatch time
  EXPECT_EQ(r.body, kStopInstances);                 // as received
  EXPECT_EQ(r.severity_number, 9);
  EXPECT_EQ(r.severity_text, "INFO");
  EXPECT_EQ(Attr(r, "event.id"), "0b9c1f7e-3a2d-4c5b-9e8f-7a6b5c4d3e2f");
  EXPECT_EQ(Attr(r, "event.type"), "StopInstances");
  EXPECT_EQ(Attr(r, "event.source"), "ec2.amazonaws.com");
  EXPECT_EQ(Attr(r, "enduser.id"), "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(Attr(r, "client.address"), "198.51.100.7");
  EXPECT_EQ(Attr(r, "user_agent.original"),
            "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12");
  EXPECT_EQ(Attr(r, "cloud.resource_id"),
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718");
  EXPECT_EQ(Attr(r, "aws.cloudtrail.event_type"), "AwsApiCall");
  EXPECT_EQ(Attr(r, "error.type"), "<absent>");
  // The plain-event attributes stay; CloudWatch's eventId moves aside.
  EXPECT_EQ(Attr(r, "aws.log.group.names"), "aws-cloudtrail-logs-111122223333");
  EXPECT_EQ(Attr(r, "aws.log.stream.names"), "111122223333_CloudTrail_us-east-1");
  EXPECT_EQ(Attr(r, "aws.log.event_id"), e.event_id);
  EXPECT_EQ(Attr(r, "aws.cloudwatch.ingestion_time"), "2024-01-01T00:00:01.000Z");
  // The record's account and region describe the event; the stream stays
  // the polled group's (a multi-region trail writes every region into it).
  EXPECT_EQ(Res(r, "cloud.provider"), "aws");
  EXPECT_EQ(Res(r, "cloud.account.id"), "111122223333");
  EXPECT_EQ(Res(r, "cloud.region"), "eu-west-1");
  EXPECT_EQ(r.stream,
            model::Labels::FromStrings({"cloud_provider", "aws", "cloud_region", "us-east-1",
                                        "log_group", "aws-cloudtrail-logs-111122223333"}));
  ExpectValidStream(r);
}

TEST(CloudTrailTest, WithoutParseEnvelopesARecordIsAPlainLine) {
  LogRecord r = MapCloudWatchEvent(PlainEvent(std::string(kStopInstances)), false, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs);
  EXPECT_EQ(r.severity_number, 0);
  EXPECT_EQ(Attr(r, "event.type"), "<absent>");
  EXPECT_EQ(Attr(r, "event.id"), PlainEvent("").event_id);
  EXPECT_EQ(Res(r, "cloud.region"), "us-east-1");
}

TEST(CloudTrailTest, ErrorCodeMakesAnError) {
  std::string msg = R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",
    "principalId":"AROAEXAMPLEID:bob","accountId":"444455556666",
    "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::444455556666:role/ops"}}},
    "eventTime":"2024-03-10T12:30:00.250Z","eventSource":"s3.amazonaws.com",
    "eventName":"DeleteBucket","awsRegion":"us-west-2","sourceIPAddress":"203.0.113.9",
    "userAgent":"[Boto3/1.34.0]","errorCode":"AccessDenied",
    "errorMessage":"User is not authorized to perform: s3:DeleteBucket",
    "requestParameters":{"bucketName":"logs-archive","Host":"logs-archive.s3.amazonaws.com"},
    "responseElements":null,"eventID":"5e8c7d6b-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    "eventType":"AwsApiCall","recipientAccountId":"444455556666"})";
  LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(r.severity_text, "ERROR");
  EXPECT_EQ(Attr(r, "error.type"), "AccessDenied");
  // No arn in an assumed role's userIdentity here: the principalId.
  EXPECT_EQ(Attr(r, "enduser.id"), "AROAEXAMPLEID:bob");
  EXPECT_EQ(Attr(r, "cloud.resource_id"), "<absent>");
  EXPECT_EQ(r.time_ns, 1710073800250000000);
  EXPECT_EQ(Res(r, "cloud.account.id"), "444455556666");
  EXPECT_EQ(Res(r, "cloud.region"), "us-west-2");
}

TEST(CloudTrailTest, ServiceEventsAndMissingFields) {
  // An AWS service acting on its own: only invokedBy; no recipientAccountId.
  std::string msg = R"({"eventVersion":"1.09","userIdentity":{"type":"AWSService",
    "invokedBy":"autoscaling.amazonaws.com","accountId":"777788889999"},
    "eventSource":"ec2.amazonaws.com","eventName":"RunInstances"})";
  CloudWatchEvent e = PlainEvent(msg);
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(Attr(r, "enduser.id"), "autoscaling.amazonaws.com");
  EXPECT_EQ(Res(r, "cloud.account.id"), "777788889999");  // userIdentity.accountId
  EXPECT_EQ(Res(r, "cloud.region"), "us-east-1");         // no awsRegion: the group's
  EXPECT_EQ(r.time_ns, kNewYearNs);                       // no eventTime: CloudWatch's
  EXPECT_EQ(Attr(r, "event.id"), "<absent>");
  EXPECT_EQ(Attr(r, "aws.log.event_id"), e.event_id);
  EXPECT_EQ(Attr(r, "client.address"), "<absent>");
  EXPECT_EQ(r.severity_number, 9);
  ExpectValidStream(r);
}

TEST(CloudTrailTest, BadEventTimeFallsBackToTheCloudWatchTime) {
  std::string msg = R"({"eventVersion":"1.09","eventSource":"iam.amazonaws.com",
    "eventName":"CreateUser","eventTime":"yesterday","errorCode":""})";
  LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs);
  EXPECT_EQ(r.severity_number, 9);  // an empty errorCode is no error
  EXPECT_EQ(Attr(r, "error.type"), "<absent>");
}

// ---- EventBridge ------------------------------------------------------------------

// The EventBridge User Guide's EC2 state-change example shape.
constexpr std::string_view kEc2StateChange = R"({
  "version": "0",
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "123456789012",
  "time": "2024-01-01T00:01:00Z",
  "region": "ap-southeast-2",
  "resources": ["arn:aws:ec2:ap-southeast-2:123456789012:instance/i-1234567890abcdef0"],
  "detail": {"instance-id": "i-1234567890abcdef0", "state": "stopped"}
})";

TEST(EventBridgeTest, EventMapsTheEnvelope) {
  CloudWatchEvent e = PlainEvent(std::string(kEc2StateChange));
  e.log_group = "/aws/events/vigil-sim";
  e.account_id = "";
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs + 60 * kSecondNs);
  EXPECT_EQ(r.body, kEc2StateChange);
  EXPECT_EQ(r.severity_number, 9);  // "stopped" is not a failure
  EXPECT_EQ(r.severity_text, "INFO");
  EXPECT_EQ(Attr(r, "event.id"), "7bf73129-1428-4cd3-a780-95db273d1602");
  EXPECT_EQ(Attr(r, "event.type"), "EC2 Instance State-change Notification");
  EXPECT_EQ(Attr(r, "event.source"), "aws.ec2");
  EXPECT_EQ(Attr(r, "cloud.resource_id"),
            "arn:aws:ec2:ap-southeast-2:123456789012:instance/i-1234567890abcdef0");
  EXPECT_EQ(Attr(r, "aws.log.event_id"), e.event_id);
  EXPECT_EQ(Attr(r, "aws.log.group.names"), "/aws/events/vigil-sim");
  EXPECT_EQ(Res(r, "cloud.account.id"), "123456789012");
  EXPECT_EQ(Res(r, "cloud.region"), "ap-southeast-2");
  EXPECT_EQ(r.stream.Get("cloud_region"), "us-east-1");
  EXPECT_EQ(r.stream.size(), 3u);
  ExpectValidStream(r);
}

TEST(EventBridgeTest, FailureStatesMakeAnError) {
  struct Case {
    std::string detail;
    int severity;
  };
  for (
      const Case& c : std::vector<Case>{
          {R"({"jobName":"nightly","status":"FAILED","statusReason":"Essential container exited"})",
           17},
          {R"({"executionArn":"arn:aws:states:us-east-1:1:execution:m:e","status":"TIMED_OUT"})",
           17},
          {R"({"state":"Failed"})", 17},
          {R"({"state":{"value":"FAILED"}})", 17},
          {R"({"status":"SUCCEEDED"})", 9},
          {R"({"alarmName":"cpu","state":{"value":"ALARM"}})", 9},
          {R"({"status":12})", 9},
          {R"("just a string")", 9},
          {"{}", 9},
      }) {
    std::string msg = R"({"version":"0","id":"1","detail-type":"Some Status Change",)"
                      R"("source":"aws.batch","account":"1","time":"2024-01-01T00:00:00Z",)"
                      R"("region":"us-east-1","resources":[],"detail":)" +
                      c.detail + "}";
    LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
    EXPECT_EQ(r.severity_number, c.severity) << c.detail;
    EXPECT_EQ(r.severity_text, c.severity == 17 ? "ERROR" : "INFO") << c.detail;
    EXPECT_EQ(Attr(r, "event.type"), "Some Status Change");
    EXPECT_EQ(Attr(r, "cloud.resource_id"), "<absent>");  // resources is empty
  }
}

TEST(EventBridgeTest, CloudTrailCallViaEventBridgeMapsTheRecord) {
  std::string msg = R"({"version":"0","id":"e2c1a9b8-0000-4000-8000-000000000001",
    "detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"123456789012",
    "time":"2024-01-01T00:02:00Z","region":"us-east-2","resources":[],
    "detail":{"eventVersion":"1.09","userIdentity":{"type":"Root","principalId":"123456789012",
      "arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"},
      "eventTime":"2024-01-01T00:01:59Z","eventSource":"s3.amazonaws.com",
      "eventName":"PutBucketPolicy","awsRegion":"us-east-2","sourceIPAddress":"192.0.2.44",
      "userAgent":"console.amazonaws.com","requestParameters":{"bucketName":"web-assets"},
      "responseElements":null,"eventID":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
      "eventType":"AwsApiCall","managementEvent":true,"eventCategory":"Management"}})";
  CloudWatchEvent e = PlainEvent(msg);
  e.account_id = "";
  LogRecord r = MapCloudWatchEvent(e, true, kObserved);
  EXPECT_EQ(r.time_ns, kNewYearNs + 119 * kSecondNs);  // detail.eventTime
  EXPECT_EQ(r.body, msg);
  EXPECT_EQ(Attr(r, "event.id"), "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  EXPECT_EQ(Attr(r, "aws.eventbridge.id"), "e2c1a9b8-0000-4000-8000-000000000001");
  EXPECT_EQ(Attr(r, "event.type"), "PutBucketPolicy");
  EXPECT_EQ(Attr(r, "event.source"), "s3.amazonaws.com");
  EXPECT_EQ(Attr(r, "enduser.id"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(Attr(r, "client.address"), "192.0.2.44");
  EXPECT_EQ(Attr(r, "aws.log.event_id"), e.event_id);
  // recipientAccountId is absent: userIdentity's, then the envelope's.
  EXPECT_EQ(Res(r, "cloud.account.id"), "123456789012");
  EXPECT_EQ(Res(r, "cloud.region"), "us-east-2");
  EXPECT_EQ(r.severity_number, 9);
  ExpectValidStream(r);
}

TEST(EventBridgeTest, CloudTrailDetailTypeWithoutARecordIsAnEnvelope) {
  std::string msg = R"({"version":"0","id":"x1","detail-type":"AWS API Call via CloudTrail",
    "source":"aws.s3","time":"2024-01-01T00:02:00Z","detail":"not an object"})";
  LogRecord r = MapCloudWatchEvent(PlainEvent(msg), true, kObserved);
  EXPECT_EQ(Attr(r, "event.id"), "x1");
  EXPECT_EQ(Attr(r, "event.type"), "AWS API Call via CloudTrail");
  EXPECT_EQ(Attr(r, "aws.eventbridge.id"), "<absent>");
  EXPECT_EQ(Res(r, "cloud.account.id"), "123456789012");  // the poller's
}

// ---- Azure Activity Log -----------------------------------------------------------

// What `vigil cloudsim` sends (src/tools/cloudsim/azure_api.cc ActivityLog),
// with other values.
constexpr std::string_view kSimAzureEvent =
    R"({"authorization":{"action":"Microsoft.Compute/virtualMachines/restart/action",)"
    R"("scope":"/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-1"},)"
    R"("caller":"11111111-2222-3333-4444-555555555555","channels":"Operation",)"
    R"("claims":{"appid":"11111111-2222-3333-4444-555555555555"},)"
    R"("correlationId":"9f0e1d2c-3b4a-4596-8000-9f0e1d2c0a0b","description":"",)"
    R"("eventDataId":"9f0e1d2c-3b4a-4596-8000-9f0e1d2c0a0b",)"
    R"("eventName":{"value":"EndRequest","localizedValue":"End request"},)"
    R"("category":{"value":"Administrative","localizedValue":"Administrative"},)"
    R"("id":"/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-1/events/9f0e/ticks/638396676000000000",)"
    R"("level":"Error","operationId":"9f0e1d2c-3b4a-4596-8000-9f0e1d2c0a0b",)"
    R"("operationName":{"value":"Microsoft.Compute/virtualMachines/restart/action","localizedValue":"Microsoft.Compute/virtualMachines/restart/action"},)"
    R"("resourceGroupName":"rg-web","resourceProviderName":{"value":"Microsoft.Compute","localizedValue":"Microsoft.Compute"},)"
    R"("resourceType":{"value":"Microsoft.Compute/virtualMachines","localizedValue":"Microsoft.Compute/virtualMachines"},)"
    R"("resourceId":"/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-1",)"
    R"("status":{"value":"Failed","localizedValue":"Failed"},)"
    R"("subStatus":{"value":"Conflict","localizedValue":"Conflict"},)"
    R"("eventTimestamp":"2024-01-01T00:10:00.000Z","submissionTimestamp":"2024-01-01T00:10:15.000Z",)"
    R"("subscriptionId":"0b1f6471-1bf0-4dda-aec3-111111111111",)"
    R"("tenantId":"00000000-0000-0000-0000-000000000000","properties":{"statusCode":"Conflict"}})";

TEST(AzureActivityTest, SimulatorEventMaps) {
  auto r = MapAzureActivityEvent(kSimAzureEvent, "0b1f6471-1bf0-4dda-aec3-111111111111", kObserved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->time_ns, kNewYearNs + 600 * kSecondNs);
  EXPECT_EQ(r->observed_time_ns, kObserved);
  EXPECT_EQ(r->body, kSimAzureEvent);
  EXPECT_EQ(r->severity_number, 17);
  EXPECT_EQ(r->severity_text, "Error");
  EXPECT_EQ(Attr(*r, "event.id"), "9f0e1d2c-3b4a-4596-8000-9f0e1d2c0a0b");
  EXPECT_EQ(Attr(*r, "event.type"), "Microsoft.Compute/virtualMachines/restart/action");
  EXPECT_EQ(Attr(*r, "event.source"), "Microsoft.Compute");
  EXPECT_EQ(Attr(*r, "cloud.resource_id"),
            "/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-web/providers/"
            "Microsoft.Compute/virtualMachines/vm-1");
  EXPECT_EQ(Attr(*r, "enduser.id"), "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(Attr(*r, "azure.status"), "Failed");
  EXPECT_EQ(Attr(*r, "azure.sub_status"), "Conflict");
  EXPECT_EQ(Attr(*r, "azure.category"), "Administrative");
  EXPECT_EQ(Attr(*r, "azure.event_name"), "EndRequest");
  EXPECT_EQ(Attr(*r, "azure.correlation_id"), "9f0e1d2c-3b4a-4596-8000-9f0e1d2c0a0b");
  EXPECT_EQ(Attr(*r, "azure.resource_group"), "rg-web");
  EXPECT_EQ(Attr(*r, "client.address"), "<absent>");
  EXPECT_EQ(Res(*r, "cloud.provider"), "azure");
  EXPECT_EQ(Res(*r, "cloud.account.id"), "0b1f6471-1bf0-4dda-aec3-111111111111");
  EXPECT_EQ(Res(*r, "cloud.region"), "<absent>");
  EXPECT_EQ(r->stream, model::Labels::FromStrings({"cloud_provider", "azure", "log_type",
                                                   "activity", "subscription_id",
                                                   "0b1f6471-1bf0-4dda-aec3-111111111111"}));
  ExpectValidStream(*r);
}

// The shape of the REST reference's example (Activity Logs - List), values
// invented: a user caller, httpRequest, a 7-digit fraction.
TEST(AzureActivityTest, RestReferenceShapeMaps) {
  std::string ev = R"json({
    "authorization": {"action": "Microsoft.Resources/checkPolicyCompliance/read",
      "scope": "/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/Default-Storage/providers/Microsoft.Storage/storageAccounts/store1"},
    "caller": "admin@contoso.example",
    "channels": "Operation",
    "claims": {"aud": "https://management.core.windows.net/", "ipaddr": "203.0.113.42"},
    "correlationId": "1e121103-0ba6-4300-ac9d-952bb5d0c80f",
    "description": "",
    "eventDataId": "44ade6b4-3813-45e6-ae27-7420a95fa2f8",
    "eventName": {"value": "EndRequest", "localizedValue": "End request"},
    "httpRequest": {"clientRequestId": "27003b25-91d3-418f-8eb1-29e537dcb249",
                    "clientIpAddress": "203.0.113.42", "method": "PUT"},
    "id": "/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/Default-Storage/providers/Microsoft.Storage/storageAccounts/store1/events/44ade6b4/ticks/635574752669792776",
    "level": "Informational",
    "resourceGroupName": "Default-Storage",
    "resourceProviderName": {"value": "Microsoft.Storage", "localizedValue": "Microsoft Storage"},
    "resourceId": "/subscriptions/089bd33f-d4ec-47fe-8ba5-0753aa5c5b33/resourceGroups/Default-Storage/providers/Microsoft.Storage/storageAccounts/store1",
    "operationId": "1e121103-0ba6-4300-ac9d-952bb5d0c80f",
    "operationName": {"value": "Microsoft.Storage/storageAccounts/write",
                      "localizedValue": "Create or update storage account"},
    "properties": {"statusCode": "Created"},
    "status": {"value": "Succeeded", "localizedValue": "Succeeded"},
    "subStatus": {"value": "Created", "localizedValue": "Created (HTTP Status Code: 201)"},
    "eventTimestamp": "2024-01-01T01:00:00.1234567+01:00",
    "submissionTimestamp": "2024-01-01T00:00:20.0000000Z",
    "subscriptionId": "089bd33f-d4ec-47fe-8ba5-0753aa5c5b33",
    "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"
  })json";
  auto r = MapAzureActivityEvent(ev, "089bd33f-d4ec-47fe-8ba5-0753aa5c5b33", kObserved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->time_ns, kNewYearNs + 123456700);  // +01:00 offset, 100 ns ticks
  EXPECT_EQ(r->severity_number, 9);
  EXPECT_EQ(r->severity_text, "Informational");
  EXPECT_EQ(Attr(*r, "enduser.id"), "admin@contoso.example");
  EXPECT_EQ(Attr(*r, "client.address"), "203.0.113.42");
  EXPECT_EQ(Attr(*r, "event.type"), "Microsoft.Storage/storageAccounts/write");
  EXPECT_EQ(Attr(*r, "event.source"), "Microsoft.Storage");
  EXPECT_EQ(Attr(*r, "azure.status"), "Succeeded");
  EXPECT_EQ(Attr(*r, "azure.sub_status"), "Created");
}

TEST(AzureActivityTest, Levels) {
  struct Case {
    std::string level;
    int number;
  };
  for (const Case& c : std::vector<Case>{{"Critical", 21},
                                         {"Error", 17},
                                         {"Warning", 13},
                                         {"Informational", 9},
                                         {"Verbose", 5},
                                         {"warning", 13},
                                         {"Notice", 0},
                                         {"", 0}}) {
    auto r = MapAzureActivityEvent(R"({"level":")" + c.level + R"("})", "s", kObserved);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->severity_number, c.number) << c.level;
    EXPECT_EQ(r->severity_text, c.level);
  }
}

TEST(AzureActivityTest, MissingFieldsAndPlainStringNames) {
  // No subscriptionId in the event: the argument. Names as plain strings
  // (the diagnostic-settings schema writes them so). No eventTimestamp:
  // submissionTimestamp.
  auto r =
      MapAzureActivityEvent(R"({"operationName":"Microsoft.Network/networkSecurityGroups/write",)"
                            R"("resourceProviderName":"Microsoft.Network","status":"Started",)"
                            R"("submissionTimestamp":"2024-01-01T00:00:30Z"})",
                            "sub-1", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_ns, kNewYearNs + 30 * kSecondNs);
  EXPECT_EQ(Attr(*r, "event.type"), "Microsoft.Network/networkSecurityGroups/write");
  EXPECT_EQ(Attr(*r, "event.source"), "Microsoft.Network");
  EXPECT_EQ(Attr(*r, "azure.status"), "Started");
  EXPECT_EQ(Res(*r, "cloud.account.id"), "sub-1");
  EXPECT_EQ(r->stream.Get("subscription_id"), "sub-1");

  auto empty = MapAzureActivityEvent("{}", "sub-1", kObserved);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->time_ns, 0);
  EXPECT_EQ(empty->severity_number, 0);
  EXPECT_EQ(empty->body, "{}");
  EXPECT_EQ(empty->attributes.size(), 0u);
  EXPECT_EQ(empty->stream.size(), 3u);

  // No argument: the event's subscription labels the stream.
  auto no_arg =
      MapAzureActivityEvent(R"({"subscriptionId":"sub-2","eventTimestamp":"bad"})", "", kObserved);
  ASSERT_TRUE(no_arg.ok());
  EXPECT_EQ(no_arg->time_ns, 0);
  EXPECT_EQ(no_arg->stream.Get("subscription_id"), "sub-2");
  EXPECT_EQ(Res(*no_arg, "cloud.account.id"), "sub-2");
}

TEST(AzureActivityTest, EventSubscriptionNamesTheAccountNotTheStream) {
  auto r = MapAzureActivityEvent(R"({"subscriptionId":"other"})", "polled", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Res(*r, "cloud.account.id"), "other");
  EXPECT_EQ(r->stream.Get("subscription_id"), "polled");
}

TEST(AzureActivityTest, MalformedJsonIsAnError) {
  for (std::string_view bad :
       {std::string_view(R"({"level":"Error",)"), std::string_view(""), std::string_view("[]"),
        std::string_view(R"("event")"), std::string_view("{\"caller\":\"\xff\"}"),
        std::string_view("{} {}")}) {
    auto r = MapAzureActivityEvent(bad, "s", kObserved);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find("azure activity log"), std::string::npos);
  }
}

TEST(AzureActivityTest, UnicodeIsDecoded) {
  auto r = MapAzureActivityEvent(
      R"({"caller":"j\u00fcrgen@contoso.example","resourceGroupName":"rg-\u6771\u4eac"})", "s",
      kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Attr(*r, "enduser.id"), "jürgen@contoso.example");
  EXPECT_EQ(Attr(*r, "azure.resource_group"), "rg-東京");
}

// ---- Cloud Logging LogEntry ---------------------------------------------------------

// What `vigil cloudsim` sends (src/tools/cloudsim/gcp_api.cc EntriesList),
// with other values: a failed Admin Activity audit entry.
constexpr std::string_view kSimAuditEntry =
    R"({"logName":"projects/vigil-sim/logs/cloudaudit.googleapis.com%2Factivity",)"
    R"("resource":{"type":"gce_instance","labels":{"instance_id":"4711","zone":"europe-west1-b",)"
    R"("project_id":"vigil-sim"}},)"
    R"("protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",)"
    R"("status":{"code":9,"message":"FAILED_PRECONDITION"},)"
    R"("authenticationInfo":{"principalEmail":"vigil-test@example-project.iam.gserviceaccount.com"},)"
    R"("requestMetadata":{"callerIp":"10.0.0.7","callerSuppliedUserAgent":"vigil-cloudsim"},)"
    R"("serviceName":"compute.googleapis.com","methodName":"v1.compute.instances.stop",)"
    R"("resourceName":"projects/vigil-sim/zones/europe-west1-b/instances/web-1"},)"
    R"("insertId":"3f2a9c81d7e6b504","timestamp":"2024-01-01T00:20:00.000Z","severity":"ERROR",)"
    R"("receiveTimestamp":"2024-01-01T00:20:01.500Z"})";

TEST(GcpLogEntryTest, SimulatorAuditEntryMaps) {
  auto r = MapGcpLogEntry(kSimAuditEntry, "vigil-sim", kObserved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->time_ns, kNewYearNs + 1200 * kSecondNs);
  EXPECT_EQ(r->observed_time_ns, kObserved);
  EXPECT_EQ(r->body, kSimAuditEntry);  // no textPayload: the whole entry
  EXPECT_EQ(r->severity_number, 17);
  EXPECT_EQ(r->severity_text, "ERROR");
  EXPECT_EQ(Attr(*r, "event.id"), "3f2a9c81d7e6b504");
  EXPECT_EQ(Attr(*r, "event.type"), "v1.compute.instances.stop");
  EXPECT_EQ(Attr(*r, "event.source"), "compute.googleapis.com");
  EXPECT_EQ(Attr(*r, "cloud.resource_id"),
            "projects/vigil-sim/zones/europe-west1-b/instances/web-1");
  EXPECT_EQ(Attr(*r, "enduser.id"), "vigil-test@example-project.iam.gserviceaccount.com");
  EXPECT_EQ(Attr(*r, "client.address"), "10.0.0.7");
  EXPECT_EQ(Attr(*r, "user_agent.original"), "vigil-cloudsim");
  EXPECT_EQ(Attr(*r, "error.type"), "9");
  EXPECT_EQ(Res(*r, "cloud.provider"), "gcp");
  EXPECT_EQ(Res(*r, "cloud.account.id"), "vigil-sim");
  EXPECT_EQ(Res(*r, "cloud.availability_zone"), "europe-west1-b");
  EXPECT_EQ(Res(*r, "cloud.region"), "europe-west1");  // from the zone
  EXPECT_EQ(Res(*r, "gcp.resource.type"), "gce_instance");
  EXPECT_EQ(Res(*r, "gcp.resource.instance_id"), "4711");
  EXPECT_EQ(Res(*r, "gcp.resource.zone"), "europe-west1-b");
  EXPECT_EQ(Res(*r, "gcp.resource.project_id"), "vigil-sim");
  EXPECT_EQ(r->stream, model::Labels::FromStrings({"cloud_provider", "gcp", "log_name",
                                                   "cloudaudit.googleapis.com/activity",
                                                   "project_id", "vigil-sim"}));
  ExpectValidStream(*r);
}

TEST(GcpLogEntryTest, SuccessfulAuditEntryHasNoErrorAndKeepsItsSeverity) {
  std::string entry = R"({"logName":"projects/p1/logs/cloudaudit.googleapis.com%2Fdata_access",
    "resource":{"type":"gcs_bucket","labels":{"bucket_name":"assets","location":"us-central1",
      "project_id":"p1"}},
    "protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},
      "authenticationInfo":{"principalSubject":"serviceAccount:ci@p1.iam.gserviceaccount.com"},
      "requestMetadata":{"callerIp":"2001:db8::1","callerSuppliedUserAgent":"gcloud/460.0.0"},
      "serviceName":"storage.googleapis.com","methodName":"storage.objects.get",
      "resourceName":"projects/_/buckets/assets/objects/logo.png"},
    "insertId":"1a2b3c","timestamp":"2024-01-01T00:00:00.123456789Z","severity":"INFO"})";
  auto r = MapGcpLogEntry(entry, "p1", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_ns, kNewYearNs + 123456789);  // every digit kept
  EXPECT_EQ(Attr(*r, "error.type"), "<absent>");
  EXPECT_EQ(Attr(*r, "enduser.id"), "serviceAccount:ci@p1.iam.gserviceaccount.com");
  EXPECT_EQ(Attr(*r, "client.address"), "2001:db8::1");
  EXPECT_EQ(r->severity_number, 9);
  EXPECT_EQ(Res(*r, "cloud.region"), "us-central1");  // from location
  EXPECT_EQ(Res(*r, "cloud.availability_zone"), "<absent>");
  EXPECT_EQ(r->stream.Get("log_name"), "cloudaudit.googleapis.com/data_access");
}

TEST(GcpLogEntryTest, AuditFailureDoesNotRaiseTheEntrySeverity) {
  // Decision (docs/events.md): the entry's severity is kept as given.
  std::string entry = R"({"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",
    "status":{"code":7,"message":"PERMISSION_DENIED"},"methodName":"SetIamPolicy"},
    "severity":"NOTICE"})";
  auto r = MapGcpLogEntry(entry, "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->severity_number, 10);
  EXPECT_EQ(r->severity_text, "NOTICE");
  EXPECT_EQ(Attr(*r, "error.type"), "7");
}

TEST(GcpLogEntryTest, OtherProtoPayloadsAreNotReadAsAuditLogs) {
  std::string entry =
      R"({"protoPayload":{"@type":"type.googleapis.com/google.appengine.logging.v1.RequestLog",
    "methodName":"GET","resource":"/"},"severity":"INFO"})";
  auto r = MapGcpLogEntry(entry, "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Attr(*r, "event.type"), "<absent>");
  EXPECT_EQ(r->body, entry);
}

TEST(GcpLogEntryTest, TextPayloadWithTraceAndLabels) {
  std::string entry = R"({
    "logName": "projects/shop-prod/logs/stdout",
    "resource": {"type": "k8s_container", "labels": {"project_id": "shop-prod",
      "location": "europe-west4-a", "cluster_name": "main", "namespace_name": "checkout",
      "pod_name": "checkout-7d9f-x2", "container_name": "app"}},
    "textPayload": "payment 42 failed: card declined \u2013 r\u00e9essayer",
    "timestamp": "2024-01-01T02:00:00.5+02:00",
    "severity": "WARNING",
    "labels": {"compute.googleapis.com/resource_name": "gke-main-pool-1", "k8s-pod/app": "checkout"},
    "trace": "projects/shop-prod/traces/4BF92F3577B34DA6A3CE929D0E0E4736",
    "spanId": "00F067AA0BA902B7",
    "traceSampled": true,
    "insertId": "k7x1y2z3"
  })";
  auto r = MapGcpLogEntry(entry, "shop-prod", kObserved);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "payment 42 failed: card declined – réessayer");
  EXPECT_EQ(r->time_ns, kNewYearNs + 500'000'000);
  EXPECT_EQ(r->severity_number, 13);
  EXPECT_EQ(r->severity_text, "WARNING");
  EXPECT_EQ(r->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(r->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(Attr(*r, "labels.compute.googleapis.com/resource_name"), "gke-main-pool-1");
  EXPECT_EQ(Attr(*r, "labels.k8s-pod/app"), "checkout");
  EXPECT_EQ(Attr(*r, "event.id"), "k7x1y2z3");
  EXPECT_EQ(Res(*r, "cloud.availability_zone"), "europe-west4-a");  // a zonal location
  EXPECT_EQ(Res(*r, "cloud.region"), "europe-west4");
  EXPECT_EQ(Res(*r, "gcp.resource.pod_name"), "checkout-7d9f-x2");
  EXPECT_EQ(Res(*r, "gcp.resource.type"), "k8s_container");
  // Pods and containers are resource attributes, never stream labels.
  EXPECT_EQ(r->stream, model::Labels::FromStrings({"cloud_provider", "gcp", "log_name", "stdout",
                                                   "project_id", "shop-prod"}));
  ExpectValidStream(*r);
}

TEST(GcpLogEntryTest, TraceAndSpanMustBeValidHex) {
  struct Case {
    std::string trace, span, want_trace, want_span;
  };
  for (const Case& c : std::vector<Case>{
           {"projects/p/traces/0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
            "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"},
           {"0af7651916cd43dd8448eb211c80319c", "", "0af7651916cd43dd8448eb211c80319c", ""},
           {"projects/p/traces/0af7651916cd43dd8448eb211c80319", "b7ad6b716920333", "", ""},
           {"projects/p/traces/0af7651916cd43dd8448eb211c80319cz", "b7ad6b71692033311", "", ""},
           {"projects/p/traces/0af7651916cd43dd8448eb211c80319g", "b7ad6b716920333g", "", ""},
           {"projects/p/traces/00000000000000000000000000000000", "0000000000000000", "", ""},
           {"projects/p/traces/", "12345", "", ""},
       }) {
    std::string entry = R"({"trace":")" + c.trace + R"(","spanId":")" + c.span + R"("})";
    auto r = MapGcpLogEntry(entry, "p", kObserved);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->trace_id, c.want_trace) << c.trace;
    EXPECT_EQ(r->span_id, c.want_span) << c.span;
  }
  auto r = MapGcpLogEntry(R"({"trace":42,"spanId":["x"]})", "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->trace_id, "");
  EXPECT_EQ(r->span_id, "");
}

TEST(GcpLogEntryTest, Severities) {
  struct Case {
    std::string json;
    int number;
    std::string text;
  };
  for (const Case& c : std::vector<Case>{
           {R"("DEFAULT")", 0, "DEFAULT"},
           {R"("DEBUG")", 5, "DEBUG"},
           {R"("INFO")", 9, "INFO"},
           {R"("NOTICE")", 10, "NOTICE"},
           {R"("WARNING")", 13, "WARNING"},
           {R"("ERROR")", 17, "ERROR"},
           {R"("CRITICAL")", 18, "CRITICAL"},
           {R"("ALERT")", 19, "ALERT"},
           {R"("EMERGENCY")", 21, "EMERGENCY"},
           {R"("warning")", 13, "warning"},
           {R"("LOUD")", 0, "LOUD"},
           {"500", 17, "ERROR"},  // proto3 JSON: an enum as its number
           {"800", 21, "EMERGENCY"},
           {"123", 0, ""},
           {"null", 0, ""},
       }) {
    auto r = MapGcpLogEntry(R"({"severity":)" + c.json + "}", "p", kObserved);
    ASSERT_TRUE(r.ok()) << c.json;
    EXPECT_EQ(r->severity_number, c.number) << c.json;
    EXPECT_EQ(r->severity_text, c.text) << c.json;
  }
}

TEST(GcpLogEntryTest, JsonPayloadWithHttpRequest) {
  std::string entry = R"({
    "logName": "projects/p2/logs/requests",
    "resource": {"type": "http_load_balancer", "labels": {"project_id": "p2",
      "forwarding_rule_name": "fr-web", "zone": "global", "url_map_name": "um"}},
    "jsonPayload": {"@type": "type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry",
      "statusDetails": "response_sent_by_backend", "latencySeconds": 0.012},
    "httpRequest": {"requestMethod": "POST", "requestUrl": "https://shop.example/api/orders?id=7",
      "status": 503, "remoteIp": "198.51.100.23", "userAgent": "curl/8.5.0",
      "latency": "0.012s"},
    "receiveTimestamp": "2024-01-01T00:00:09.999999999Z",
    "severity": "ERROR",
    "labels": {"retries": 3}
  })";
  auto r = MapGcpLogEntry(entry, "p2", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, entry);
  EXPECT_EQ(r->time_ns, kNewYearNs + 9'999'999'999);  // no timestamp: receiveTimestamp
  EXPECT_EQ(Attr(*r, "http.request.method"), "POST");
  EXPECT_EQ(Attr(*r, "url.full"), "https://shop.example/api/orders?id=7");
  EXPECT_EQ(Attr(*r, "http.response.status_code"), "503");
  EXPECT_EQ(Attr(*r, "client.address"), "198.51.100.23");
  EXPECT_EQ(Attr(*r, "user_agent.original"), "curl/8.5.0");
  EXPECT_EQ(Attr(*r, "labels.retries"), "3");                 // a non-string in its JSON text
  EXPECT_EQ(Res(*r, "cloud.availability_zone"), "<absent>");  // "global" is no zone
  EXPECT_EQ(Res(*r, "cloud.region"), "<absent>");
  EXPECT_EQ(Res(*r, "gcp.resource.zone"), "global");
}

TEST(GcpLogEntryTest, ProjectAndLogNameFallbacks) {
  // No project argument: the logName's project labels the stream; the
  // resource's project is the account.
  auto r = MapGcpLogEntry(
      R"({"logName":"projects/from-log/logs/syslog","resource":{"type":"gce_instance",)"
      R"("labels":{"project_id":"from-resource"}}})",
      "", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stream.Get("project_id"), "from-log");
  EXPECT_EQ(Res(*r, "cloud.account.id"), "from-resource");

  // Nothing but the argument.
  r = MapGcpLogEntry("{}", "arg", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stream, model::Labels::FromStrings({"cloud_provider", "gcp", "project_id", "arg"}));
  EXPECT_EQ(Res(*r, "cloud.account.id"), "arg");
  EXPECT_EQ(r->time_ns, 0);
  EXPECT_EQ(r->body, "{}");

  // Organisation logs and odd escapes: decoded where they are escapes.
  r = MapGcpLogEntry(R"({"logName":"organizations/123/logs/a%2Fb%2fc%zz%4"})", "", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stream.Get("log_name"), "a/b/c%zz%4");
  EXPECT_EQ(r->stream.Get("project_id"), "");
  // An escape that decodes to invalid UTF-8 still gives a valid label.
  r = MapGcpLogEntry(R"({"logName":"projects/p/logs/x%FFy"})", "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stream.Get("log_name"), "x\xEF\xBF\xBDy");
  ExpectValidStream(*r);
}

TEST(GcpLogEntryTest, KeysGivenTwiceMakeOneAttribute) {
  // JSON allows a key twice; a label may be named like a fixed field; an
  // audit entry may carry an httpRequest too. The first value wins.
  auto r = MapGcpLogEntry(
      R"({"labels":{"env":"prod","env":"dev"},)"
      R"("resource":{"type":"gce_instance","labels":{"type":"n2","zone":"us-east1-b","zone":"x"}},)"
      R"("httpRequest":{"remoteIp":"192.0.2.1"},)"
      R"("protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",)"
      R"("requestMetadata":{"callerIp":"192.0.2.2"}}})",
      "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Attr(*r, "labels.env"), "prod");
  EXPECT_EQ(Attr(*r, "client.address"), "192.0.2.1");
  EXPECT_EQ(Res(*r, "gcp.resource.type"), "gce_instance");
  EXPECT_EQ(Res(*r, "gcp.resource.zone"), "us-east1-b");
  EXPECT_EQ(Res(*r, "cloud.availability_zone"), "us-east1-b");
  EXPECT_EQ(Res(*r, "cloud.region"), "us-east1");
  ExpectValidStream(*r);
}

TEST(GcpLogEntryTest, EmptyTextPayloadIsTheBody) {
  auto r = MapGcpLogEntry(R"({"textPayload":"","insertId":"a"})", "p", kObserved);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "");
}

TEST(GcpLogEntryTest, MalformedJsonIsAnError) {
  for (std::string_view bad :
       {std::string_view(R"({"textPayload":"x")"), std::string_view("null"),
        std::string_view("[{}]"), std::string_view("{\"textPayload\":\"\xC3\x28\"}"),
        std::string_view("not json")}) {
    auto r = MapGcpLogEntry(bad, "p", kObserved);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find("cloud logging"), std::string::npos);
  }
}

TEST(GcpLogEntryTest, TimesWithOffsetsAndFractions) {
  struct Case {
    std::string ts;
    int64_t want;
  };
  for (const Case& c : std::vector<Case>{
           {"2024-01-01T00:00:00Z", kNewYearNs},
           {"2024-01-01T00:00:00.1Z", kNewYearNs + 100'000'000},
           {"2024-01-01T00:00:00.000001Z", kNewYearNs + 1'000},
           {"2024-01-01T00:00:00.1234567891234Z", kNewYearNs + 123'456'789},
           {"2023-12-31T19:00:00.5-05:00", kNewYearNs + 500'000'000},
           {"2024-01-01T05:30:00.25+05:30", kNewYearNs + 250'000'000},
           {"1969-12-31T23:59:59.999999999Z", -1},
           {"1704067200", 0},            // a number is no RFC 3339 time
           {"2024-01-01 00:00:00Z", 0},  // RFC 3339 needs the T
           {"2024-01-01T00:00:00", 0},   // and a zone
           {"9999-12-31T23:59:59Z", 0},  // beyond int64 nanoseconds
           {"2024-13-01T00:00:00Z", 0},
       }) {
    auto r = MapGcpLogEntry(R"({"timestamp":")" + c.ts + R"("})", "p", kObserved);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->time_ns, c.want) << c.ts;
  }
}

}  // namespace
}  // namespace vigil::cloudlogs
