// CloudWatch Logs FilterLogEvents over simulated log groups: one group per
// Lambda function (/aws/lambda/<name>, two streams), an application group
// (/vigil/sim/app, one stream per EC2 instance, at most four) and /app/web
// (streams stream-a, stream-b: the group the SDK captures query). Each stream has one event
// per minute at a fixed offset inside the minute, its text drawn from the
// seed, so every page and every client sees the same events.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

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

struct Group {
  std::string name;
  std::vector<std::string> streams;
  bool lambda = false;
};

std::vector<Group> Groups(const Fleet& fleet, const std::string& region) {
  std::vector<Group> out;
  Group app{"/vigil/sim/app", {}, false};
  for (const Resource* r : fleet.ByCloud("aws")) {
    if (r->region != region) continue;
    if (r->type == "AWS/Lambda") {
      out.push_back(
          {"/aws/lambda/" + r->name,
           {"2024/01/01/[$LATEST]" + fmt::format("{:032x}", Mix(Hash(r->name))).substr(0, 32),
            "2024/01/01/[$LATEST]" + fmt::format("{:032x}", Mix(Hash(r->name) + 1)).substr(0, 32)},
           true});
    } else if (r->type == "AWS/EC2" && app.streams.size() < 4) {
      app.streams.push_back(r->name);
    }
  }
  if (!app.streams.empty()) out.insert(out.begin(), app);
  // The group and streams the SDK captures query.
  out.push_back({"/app/web", {"stream-a", "stream-b"}, false});
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
  if (g.lambda) {
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
  for (int64_t minute = first_minute; minute * kMinuteMs <= end_ms && next.empty(); ++minute) {
    // This minute's events of the selected streams, in (time, stream) order,
    // the order the token resumes from.
    std::vector<std::pair<int64_t, size_t>> due;
    for (size_t si = 0; si < g->streams.size(); ++si) {
      if (!selected[si]) continue;
      const int64_t ts = minute * kMinuteMs +
                         static_cast<int64_t>(
                             Mix(Hash(g->streams[si]) ^ static_cast<uint64_t>(minute)) % kMinuteMs);
      if (ts < start_ms || ts > end_ms) continue;
      if (ts < after_ts || (ts == after_ts && static_cast<long long>(si) <= after_stream)) continue;
      due.emplace_back(ts, si);
    }
    std::sort(due.begin(), due.end());
    for (const auto& [ts, si] : due) {
      std::string msg = Message(*g, si, minute);
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
