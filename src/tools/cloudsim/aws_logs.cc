// CloudWatch Logs FilterLogEvents over simulated log groups: one group per
// Lambda function (/aws/lambda/<name>, two streams), an application group
// (/vigil/sim/app, one stream per EC2 instance, at most four) and /app/web
// (streams stream-a, stream-b: the group the SDK captures query). Each stream has one event
// per minute at a fixed offset inside the minute, its text drawn from the
// seed, so every page and every client sees the same events.
//
// Two groups carry JSON envelopes, at the same cadence (one event a minute
// per stream, on a whole second so the envelope's time equals the event's
// timestamp):
//   aws-cloudtrail-logs-vigil-sim  stream <account>_CloudTrail_<region>: a
//       CloudTrail record per event, as a trail delivers them to CloudWatch
//       Logs (EC2, S3, CloudWatch and STS management calls by an IAM user or
//       an assumed role, about one in five denied with AccessDenied);
//   /aws/events/vigil-sim  one stream: EventBridge events, "EC2 Instance
//       State-change Notification" for the fleet's instances and "AWS API
//       Call via CloudTrail" with a CloudTrail record as detail.
// Their ids (eventID, id) are UUIDs drawn from the fleet (its ids depend on
// the seed) and the minute.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "base/json.h"
#include "tools/cloudsim/aws_internal.h"

namespace vigil::cloudsim::awssim {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDefaultWindowMs = 3600'000;  // no startTime: the last hour
constexpr int64_t kMaxLimit = 10'000;

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// What a group's messages are.
enum class Kind { kText, kLambda, kCloudTrail, kEventBridge };

struct Group {
  std::string name;
  std::vector<std::string> streams;
  Kind kind = Kind::kText;
};

constexpr const char* kCloudTrailGroup = "aws-cloudtrail-logs-vigil-sim";
constexpr const char* kEventBridgeGroup = "/aws/events/vigil-sim";

std::vector<Group> Groups(const Fleet& fleet, const std::string& region) {
  std::vector<Group> out;
  Group app{"/vigil/sim/app", {}, Kind::kText};
  for (const Resource* r : fleet.ByCloud("aws")) {
    if (r->region != region) continue;
    if (r->type == "AWS/Lambda") {
      out.push_back(
          {"/aws/lambda/" + r->name,
           {"2024/01/01/[$LATEST]" + fmt::format("{:032x}", Mix(Hash(r->name))).substr(0, 32),
            "2024/01/01/[$LATEST]" + fmt::format("{:032x}", Mix(Hash(r->name) + 1)).substr(0, 32)},
           Kind::kLambda});
    } else if (r->type == "AWS/EC2" && app.streams.size() < 4) {
      app.streams.push_back(r->name);
    }
  }
  if (!app.streams.empty()) out.insert(out.begin(), app);
  // The group and streams the SDK captures query.
  out.push_back({"/app/web", {"stream-a", "stream-b"}, Kind::kText});
  out.push_back(
      {kCloudTrailGroup, {fmt::format("{}_CloudTrail_{}", kAccountId, region)}, Kind::kCloudTrail});
  out.push_back(
      {kEventBridgeGroup, {fmt::format("{:016x}", Mix(Hash(region) ^ 0xeb))}, Kind::kEventBridge});
  return out;
}

struct Event {
  int64_t ts;
  size_t stream;
  std::string message;
};

std::string Message(const Group& g, size_t stream, int64_t minute) {
  const uint64_t h = Mix(Hash(g.name) ^ Mix(stream * 7919 + static_cast<uint64_t>(minute)));
  const int kind = static_cast<int>(h % 20);
  const uint64_t req = h >> 16;
  if (g.kind == Kind::kLambda) {
    if (kind == 0) {
      return fmt::format("ERROR RequestId: {:08x} Task timed out after 3.00 seconds",
                         req & 0xffffffff);
    }
    return fmt::format("REPORT RequestId: {:08x} Duration: {}.{:02} ms Billed Duration: {} ms",
                       req & 0xffffffff, 20 + (h >> 8) % 300, (h >> 4) % 100, 100);
  }
  static const char* const kPaths[] = {"/", "/api/orders", "/api/users", "/healthz"};
  const char* path = kPaths[(h >> 12) % 4];
  if (kind == 0) return fmt::format("ERROR upstream timed out path={} request_id={:x}", path, req);
  if (kind < 3)
    return fmt::format("WARN slow request path={} duration_ms={}", path, 500 + (h >> 24) % 2000);
  return fmt::format("INFO request served path={} status=200 duration_ms={}", path,
                     5 + (h >> 24) % 200);
}

// ---- JSON envelopes: CloudTrail records and EventBridge events ----------------

// What the envelopes draw on: the seed (through the fleet's ids, which
// depend on it) and the region's EC2 instances and S3 buckets.
struct EnvelopeContext {
  uint64_t seed = 0;
  std::string region;
  std::vector<const Resource*> instances;
  std::vector<const Resource*> buckets;
};

EnvelopeContext MakeEnvelopeContext(const Fleet& fleet, const std::string& region) {
  EnvelopeContext c;
  c.region = region;
  uint64_t h = 0;
  for (const Resource* r : fleet.ByCloud("aws")) {
    h = Mix(h ^ Hash(r->id));
    if (r->region != region) continue;
    if (r->type == "AWS/EC2") c.instances.push_back(r);
    if (r->type == "AWS/S3") c.buckets.push_back(r);
  }
  c.seed = h;
  return c;
}

// A version-4 UUID drawn from h.
std::string Uuid(uint64_t h) {
  const uint64_t a = Mix(h), b = Mix(h ^ 0x5bd1e995);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
}

// Appends `"key": "value"` (with a leading comma unless first).
void Member(std::string* out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) *out += ',';
  AppendJsonString(out, key);
  *out += ':';
  AppendJsonString(out, value);
}
// Appends `"key": <raw JSON>`.
void RawMember(std::string* out, std::string_view key, std::string_view json) {
  *out += ',';
  AppendJsonString(out, key);
  *out += ':';
  *out += json;
}

struct Identity {
  bool assumed_role = false;
  std::string name;  // user or role
};

std::string UserIdentityJson(const Identity& id, uint64_t h, int64_t ts) {
  const std::string account = kAccountId;
  std::string out = "{";
  if (id.assumed_role) {
    const std::string role_principal = fmt::format("AROA{:016X}", Mix(Hash(id.name)) >> 1);
    Member(&out, "type", "AssumedRole", true);
    Member(&out, "principalId", role_principal + ":vigil");
    Member(&out, "arn", fmt::format("arn:aws:sts::{}:assumed-role/{}/vigil", account, id.name));
    Member(&out, "accountId", account);
    Member(&out, "accessKeyId", fmt::format("ASIA{:016X}", Mix(h ^ 0xa5) >> 1));
    out += ",\"sessionContext\":{\"sessionIssuer\":{";
    Member(&out, "type", "Role", true);
    Member(&out, "principalId", role_principal);
    Member(&out, "arn", fmt::format("arn:aws:iam::{}:role/{}", account, id.name));
    Member(&out, "accountId", account);
    Member(&out, "userName", id.name);
    out += "},\"attributes\":{";
    Member(&out, "creationDate", IsoTime(ts - ts % 3600'000), true);
    Member(&out, "mfaAuthenticated", "false");
    out += "}}}";
    return out;
  }
  Member(&out, "type", "IAMUser", true);
  Member(&out, "principalId", fmt::format("AIDA{:016X}", Mix(Hash(id.name)) >> 1));
  Member(&out, "arn", fmt::format("arn:aws:iam::{}:user/{}", account, id.name));
  Member(&out, "accountId", account);
  Member(&out, "accessKeyId", fmt::format("AKIA{:016X}", Mix(Hash(id.name) ^ 0x1d) >> 1));
  Member(&out, "userName", id.name);
  out += "}";
  return out;
}

std::string InstancesSetJson(std::string_view instance_id, std::string_view extra = "") {
  std::string out = "{\"instancesSet\":{\"items\":[{";
  Member(&out, "instanceId", instance_id, true);
  out += extra;
  out += "}]}}";
  return out;
}

std::string StateJson(int code, std::string_view name) {
  std::string out = fmt::format("{{\"code\":{},", code);
  Member(&out, "name", name, true);
  out += "}";
  return out;
}

// One CloudTrail management event at ts (a whole second), drawn from h.
std::string CloudTrailRecord(const EnvelopeContext& c, uint64_t h, int64_t ts) {
  const std::string account = kAccountId;
  const std::string instance = c.instances.empty()
                                   ? std::string("i-0123456789abcdef0")
                                   : c.instances[(h >> 20) % c.instances.size()]->name;
  const std::string bucket = c.buckets.empty() ? std::string("vigil-sim-logs")
                                               : c.buckets[(h >> 28) % c.buckets.size()]->name;
  static const Identity kAlice{false, "alice"};
  static const Identity kDeployer{false, "ci-deployer"};
  static const Identity kCollector{true, "vigil-collector"};
  Identity who = kCollector;
  std::string source, name, request = "null", response = "null", error_code, error_message;
  std::string resources;  // "" or a JSON array
  bool read_only = true;
  std::string user_agent = "Vigil/0.1.0 ua/2.1 os/linux lang/cpp cfg/retry-mode#legacy";
  std::string ip = fmt::format("198.51.100.{}", 10 + (h >> 36) % 40);
  switch (h % 10) {
    case 0:  // denied: the deployer may not change bucket policies
      who = kDeployer;
      source = "s3.amazonaws.com";
      name = "PutBucketPolicy";
      read_only = false;
      request = "{";
      Member(&request, "bucketName", bucket, true);
      Member(&request, "Host", bucket + ".s3.amazonaws.com");
      Member(&request, "policy", "");
      request += "}";
      error_code = "AccessDenied";
      error_message = "Access Denied";
      user_agent = "[aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12]";
      ip = fmt::format("203.0.113.{}", 20 + (h >> 36) % 20);
      break;
    case 1:
    case 2: {  // an operator stops or starts an instance
      who = kAlice;
      source = "ec2.amazonaws.com";
      const bool stop = h % 10 == 1;
      name = stop ? "StopInstances" : "StartInstances";
      read_only = false;
      request = InstancesSetJson(instance);
      if (stop) request.insert(request.size() - 1, ",\"force\":false");
      const std::string states = stop ? ",\"currentState\":" + StateJson(64, "stopping") +
                                            ",\"previousState\":" + StateJson(16, "running")
                                      : ",\"currentState\":" + StateJson(0, "pending") +
                                            ",\"previousState\":" + StateJson(80, "stopped");
      response = "{\"requestId\":\"" + Uuid(h ^ 0x77) + "\"," +
                 InstancesSetJson(instance, states).substr(1);
      user_agent = "AWS Internal";
      ip = fmt::format("203.0.113.{}", 20 + (h >> 36) % 20);
      break;
    }
    case 3:
    case 4:
    case 5:  // the collector discovers instances
      source = "ec2.amazonaws.com";
      name = "DescribeInstances";
      request = InstancesSetJson(instance);
      break;
    case 6:
    case 7:  // the collector lists metrics
      source = "monitoring.amazonaws.com";
      name = "ListMetrics";
      request = "{";
      Member(&request, "namespace", "AWS/EC2", true);
      Member(&request, "metricName", "CPUUtilization");
      request += "}";
      break;
    case 8:
    case 9: {  // a role is assumed, or refused to the deployer
      const bool denied = h % 10 == 9;
      who = denied ? kDeployer : kAlice;
      source = "sts.amazonaws.com";
      name = "AssumeRole";
      const std::string role = denied ? "admin" : "vigil-collector";
      const std::string role_arn = fmt::format("arn:aws:iam::{}:role/{}", account, role);
      request = "{";
      Member(&request, "roleArn", role_arn, true);
      Member(&request, "roleSessionName", who.name);
      request += ",\"durationSeconds\":3600}";
      if (denied) {
        error_code = "AccessDenied";
        error_message = fmt::format(
            "User: arn:aws:iam::{}:user/{} is not authorized to perform: sts:AssumeRole on "
            "resource: {}",
            account, who.name, role_arn);
      } else {
        response = "{\"credentials\":{";
        Member(&response, "accessKeyId", fmt::format("ASIA{:016X}", Mix(h ^ 0x3c) >> 1), true);
        Member(&response, "sessionToken", "<redacted>");
        Member(&response, "expiration", IsoTime(ts + 3600'000));
        response += "},\"assumedRoleUser\":{";
        Member(&response, "assumedRoleId",
               fmt::format("AROA{:016X}:{}", Mix(Hash(role)) >> 1, who.name), true);
        Member(&response, "arn",
               fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", account, role, who.name));
        response += "}}";
        resources = "[{";
        Member(&resources, "accountId", account, true);
        Member(&resources, "type", "AWS::IAM::Role");
        Member(&resources, "ARN", role_arn);
        resources += "}]";
      }
      user_agent = "[aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12]";
      ip = fmt::format("203.0.113.{}", 20 + (h >> 36) % 20);
      break;
    }
  }
  // The members in the order CloudTrail writes them.
  std::string out = "{";
  Member(&out, "eventVersion", "1.09", true);
  RawMember(&out, "userIdentity", UserIdentityJson(who, h, ts));
  Member(&out, "eventTime", IsoTime(ts));
  Member(&out, "eventSource", source);
  Member(&out, "eventName", name);
  Member(&out, "awsRegion", c.region);
  Member(&out, "sourceIPAddress", ip);
  Member(&out, "userAgent", user_agent);
  if (!error_code.empty()) {
    Member(&out, "errorCode", error_code);
    Member(&out, "errorMessage", error_message);
  }
  RawMember(&out, "requestParameters", request);
  RawMember(&out, "responseElements", error_code.empty() ? response : "null");
  Member(&out, "requestID", Uuid(h ^ 0x4e));
  Member(&out, "eventID", Uuid(h));
  RawMember(&out, "readOnly", read_only ? "true" : "false");
  if (!resources.empty()) RawMember(&out, "resources", resources);
  Member(&out, "eventType", "AwsApiCall");
  RawMember(&out, "managementEvent", "true");
  Member(&out, "recipientAccountId", account);
  Member(&out, "eventCategory", "Management");
  out += "}";
  return out;
}

// One EventBridge event at ts (a whole second), drawn from h.
std::string EventBridgeEvent(const EnvelopeContext& c, uint64_t h, int64_t ts) {
  const bool state_change = !c.instances.empty() && h % 2 == 0;
  std::string out = "{";
  Member(&out, "version", "0", true);
  Member(&out, "id", Uuid(h));
  if (state_change) {
    static const char* const kStates[] = {"pending", "running",       "stopping",
                                          "stopped", "shutting-down", "terminated"};
    const Resource* r = c.instances[(h >> 20) % c.instances.size()];
    Member(&out, "detail-type", "EC2 Instance State-change Notification");
    Member(&out, "source", "aws.ec2");
    Member(&out, "account", kAccountId);
    Member(&out, "time", IsoTime(ts));
    Member(&out, "region", c.region);
    out += ",\"resources\":[";
    AppendJsonString(&out, r->id);
    out += "],\"detail\":{";
    Member(&out, "instance-id", r->name, true);
    Member(&out, "state", kStates[(h >> 8) % 6]);
    out += "}}";
    return out;
  }
  // A CloudTrail record routed by a rule: source is the service's
  // (ec2.amazonaws.com -> aws.ec2).
  const uint64_t record_h = Mix(h ^ 0xc7);
  const std::string record = CloudTrailRecord(c, record_h, ts);
  static const char* const kServices[] = {"s3",  "ec2",        "ec2",        "ec2", "ec2",
                                          "ec2", "cloudwatch", "cloudwatch", "sts", "sts"};
  Member(&out, "detail-type", "AWS API Call via CloudTrail");
  Member(&out, "source", std::string("aws.") + kServices[record_h % 10]);
  Member(&out, "account", kAccountId);
  Member(&out, "time", IsoTime(ts));
  Member(&out, "region", c.region);
  out += ",\"resources\":[]";
  RawMember(&out, "detail", record);
  out += "}";
  return out;
}

// The JSON message of an envelope group's event.
std::string EnvelopeMessage(const Group& g, const EnvelopeContext& c, int64_t ts, int64_t minute) {
  const uint64_t h = Mix(c.seed ^ Hash(g.name) ^ Mix(static_cast<uint64_t>(minute)));
  return g.kind == Kind::kCloudTrail ? CloudTrailRecord(c, h, ts) : EventBridgeEvent(c, h, ts);
}

// filterPattern: space-separated terms, all must occur ("quoted terms" kept
// whole, a leading '-' excludes). JSON and metric-filter syntax are not
// simulated: such patterns match every event.
bool Matches(std::string_view pattern, std::string_view message) {
  if (pattern.empty() || pattern.front() == '{' || pattern.front() == '[') return true;
  size_t i = 0;
  while (i < pattern.size()) {
    while (i < pattern.size() && pattern[i] == ' ') ++i;
    if (i >= pattern.size()) break;
    bool negate = false;
    if (pattern[i] == '-') {
      negate = true;
      ++i;
    }
    std::string_view term;
    if (i < pattern.size() && pattern[i] == '"') {
      size_t end = pattern.find('"', i + 1);
      if (end == std::string_view::npos) end = pattern.size();
      term = pattern.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      size_t end = pattern.find(' ', i);
      if (end == std::string_view::npos) end = pattern.size();
      term = pattern.substr(i, end - i);
      i = end;
    }
    if (term.empty()) continue;
    const bool found = message.find(term) != std::string_view::npos;
    if (found == negate) return false;
  }
  return true;
}

}  // namespace

OpResult FilterLogEvents(const CallContext& ctx, const Value& req) {
  auto group_name = GetString(req, "logGroupName");
  if (!group_name) {
    if (auto ident = GetString(req, "logGroupIdentifier")) {
      // An ARN "arn:aws:logs:<region>:<account>:log-group:<name>" or a name.
      size_t pos = ident->find(":log-group:");
      group_name = pos == std::string::npos ? *ident : ident->substr(pos + 11);
      if (group_name->ends_with(":*")) group_name->resize(group_name->size() - 2);
    }
  }
  if (!group_name) {
    return OpResult::Error(400, "InvalidParameterException",
                           "Either logGroupName or logGroupIdentifier must be specified.");
  }
  const std::vector<Group> groups = Groups(ctx.sim->fleet(), ctx.region);
  const Group* g = nullptr;
  for (const Group& x : groups) {
    if (x.name == *group_name) g = &x;
  }
  if (g == nullptr) {
    return OpResult::Error(400, "ResourceNotFoundException",
                           "The specified log group does not exist.");
  }
  std::vector<bool> selected(g->streams.size(), true);
  const auto& names = GetList(req, "logStreamNames");
  auto prefix = GetString(req, "logStreamNamePrefix");
  if (!names.empty() && prefix) {
    return OpResult::Error(400, "InvalidParameterException",
                           "You cannot specify both logStreamNames and logStreamNamePrefix.");
  }
  for (size_t i = 0; i < g->streams.size(); ++i) {
    if (!names.empty()) {
      selected[i] = std::any_of(names.begin(), names.end(), [&](const Value& v) {
        return v.is_text() && v.str() == g->streams[i];
      });
    } else if (prefix) {
      selected[i] = g->streams[i].starts_with(*prefix);
    }
  }
  double end_d = static_cast<double>(ctx.now_ms), start_d = 0;
  const bool has_end = GetNumber(req, "endTime", &end_d);
  if (!GetNumber(req, "startTime", &start_d)) start_d = end_d - kDefaultWindowMs;
  (void)has_end;
  int64_t start_ms = static_cast<int64_t>(start_d), end_ms = static_cast<int64_t>(end_d);
  if (start_ms > end_ms) {
    return OpResult::Error(400, "InvalidParameterException",
                           "endTime must be greater than or equal to startTime.");
  }
  // Scanning years of minutes would be slow: cap the window at 31 days.
  start_ms = std::max<int64_t>(start_ms, end_ms - int64_t{31} * 24 * 3600 * 1000);
  double limit_d = kMaxLimit;
  if (Get(req, "limit") != nullptr &&
      (!GetNumber(req, "limit", &limit_d) || limit_d < 1 || limit_d > kMaxLimit)) {
    return OpResult::Error(400, "InvalidParameterException",
                           "1 validation error detected: Value at 'limit' failed to satisfy "
                           "constraint: Member must have value between 1 and 10000");
  }
  const std::string pattern = GetString(req, "filterPattern").value_or("");
  // Token: "<ts>-<stream>" of the last event returned.
  int64_t after_ts = INT64_MIN;
  long long after_stream = -1;
  if (auto tok = GetString(req, "nextToken"); tok && !tok->empty()) {
    long long ts = 0;
    if (std::sscanf(tok->c_str(), "fle-%lld-%lld", &ts, &after_stream) != 2) {
      return OpResult::Error(400, "InvalidParameterException",
                             "The specified nextToken is invalid.");
    }
    after_ts = ts;
  }

  Value events = Value::MakeArray();
  const size_t limit = static_cast<size_t>(limit_d);
  std::string next;
  int64_t last_ts = 0;
  size_t last_stream = 0;
  const int64_t first_minute = start_ms / kMinuteMs - 1;
  const bool envelopes = g->kind == Kind::kCloudTrail || g->kind == Kind::kEventBridge;
  EnvelopeContext envelope_ctx;
  if (envelopes) envelope_ctx = MakeEnvelopeContext(ctx.sim->fleet(), ctx.region);
  for (int64_t minute = first_minute; minute * kMinuteMs <= end_ms && next.empty(); ++minute) {
    // This minute's events of the selected streams, in (time, stream) order,
    // the order the token resumes from.
    std::vector<std::pair<int64_t, size_t>> due;
    for (size_t si = 0; si < g->streams.size(); ++si) {
      if (!selected[si]) continue;
      int64_t ts = minute * kMinuteMs +
                   static_cast<int64_t>(Mix(Hash(g->streams[si]) ^ static_cast<uint64_t>(minute)) %
                                        kMinuteMs);
      if (envelopes) ts -= ts % 1000;  // CloudTrail and EventBridge times are whole seconds
      if (ts < start_ms || ts > end_ms) continue;
      if (ts < after_ts || (ts == after_ts && static_cast<long long>(si) <= after_stream)) continue;
      due.emplace_back(ts, si);
    }
    std::sort(due.begin(), due.end());
    for (const auto& [ts, si] : due) {
      std::string msg =
          envelopes ? EnvelopeMessage(*g, envelope_ctx, ts, minute) : Message(*g, si, minute);
      if (!Matches(pattern, msg)) continue;
      if (events.array().size() >= limit) {
        next = fmt::format("fle-{}-{}", last_ts, last_stream);
        break;
      }
      Value e = Value::MakeMap();
      e.Add("logStreamName", Value::Text(g->streams[si]));
      e.Add("timestamp", Value::Int(ts));
      e.Add("message", Value::Text(std::move(msg)));
      e.Add("ingestionTime", Value::Int(ts + 1000 + ts % 500));
      e.Add("eventId", Value::Text(fmt::format("{:020d}{:04d}{:032d}", ts, si, 0)));
      events.Push(std::move(e));
      last_ts = ts;
      last_stream = si;
    }
  }
  OpResult r;
  r.body.Add("events", std::move(events));
  Value searched = Value::MakeArray();
  r.body.Add("searchedLogStreams", std::move(searched));
  if (!next.empty()) r.body.Add("nextToken", Value::Text(next));
  return r;
}

}  // namespace vigil::cloudsim::awssim
