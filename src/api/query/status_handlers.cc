// The status pages, metadata, and the empty targets/rules/alerts answers.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "api/query/handlers.h"
#include "api/query/params.h"
#include "api/query/result_json.h"

namespace vigil::api::query {

namespace {

// Go's time.Time in JSON (RFC 3339 with the fraction's trailing zeros cut), UTC.
std::string GoTime(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t frac = ms - secs * 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) {
    std::string f = fmt::format("{:03}", frac);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "Z";
}

// alecthomas/units' Base2Bytes.String(): "10GiB", "1KiB512B", "0B".
std::string Base2Bytes(uint64_t n) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::string out;
  for (size_t i = 0; i < std::size(kUnits); ++i) {
    if (n % 1024 != 0 || (i == 0 && n == 0)) out = fmt::format("{}{}", n % 1024, kUnits[i]) + out;
    n /= 1024;
    if (n == 0) break;
  }
  return out;
}

// Threads of this process (what goroutineCount means here).
int ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

void WriteStats(GoJsonWriter& w, std::string_view key,
                const std::vector<std::pair<std::string, uint64_t>>& stats) {
  w.Key(key);
  w.StartArray();
  for (const auto& [name, value] : stats) {
    w.StartObject();
    w.KV("name", name);
    w.Key("value");
    w.Uint(value);
    w.EndObject();
  }
  w.EndArray();
}

class StatusHandlers {
 public:
  explicit StatusHandlers(const QueryApiOptions& o) : opts_(o) {
    for (const auto& [name, value] : o.flags) flags_.emplace(name, value);
  }

  void BuildInfo(const http::Request&, http::Response* res) {
    WriteData(res, [&](GoJsonWriter& w) {
      const auto& b = opts_.build;
      w.StartObject();
      w.KV("version", b.version);
      w.KV("revision", b.revision);
      w.KV("branch", b.branch);
      w.KV("buildUser", b.build_user);
      w.KV("buildDate", b.build_date);
      w.KV("goVersion", b.go_version);
      w.EndObject();
    });
  }

  void RuntimeInfo(const http::Request&, http::Response* res) {
    const auto& r = opts_.runtime;
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      w.KV("startTime", GoTime(r.start_time_ms));
      w.KV("CWD", r.cwd);
      w.KV("hostname", r.hostname);
      w.KV("serverTime", GoTime(opts_.clock()));
      bool reload_ok = r.reload_config_success;
      int64_t config_time = r.last_config_time_ms;
      if (r.config_state) r.config_state(&reload_ok, &config_time);
      w.Key("reloadConfigSuccess");
      w.Bool(reload_ok);
      w.KV("lastConfigTime", GoTime(config_time / 1000 * 1000));
      w.Key("corruptionCount");
      w.Int(r.corruption_count ? r.corruption_count() : 0);
      w.Key("goroutineCount");
      w.Int(ThreadCount());
      w.Key("GOMAXPROCS");
      w.Int(r.gomaxprocs);
      w.Key("GOMEMLIMIT");
      w.Int(std::numeric_limits<int64_t>::max());
      w.KV("GOGC", "");
      w.KV("GODEBUG", "");
      w.KV("storageRetention", r.storage_retention);
      w.EndObject();
    });
  }

  void Flags(const http::Request&, http::Response* res) {
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      for (const auto& [name, value] : flags_) w.KV(name, value);
      w.EndObject();
    });
  }

  void Config(const http::Request&, http::Response* res) {
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      w.KV("yaml", opts_.config_yaml_source ? opts_.config_yaml_source() : opts_.config_yaml);
      w.EndObject();
    });
  }

  void TsdbStatus(const http::Request& req, http::Response* res) {
    int64_t limit = 10;
    if (std::string_view s = req.Param("limit"); !s.empty()) {
      auto n = ParseGoAtoi(s);
      if (!n.ok() || *n < 1) return WriteBadData(res, "limit must be a positive number");
      limit = *n;
    }
    storage::TsdbStatus st = opts_.storage->HeadStatus(static_cast<size_t>(limit));
    int64_t min_time = st.min_time, max_time = st.max_time;
    if (st.num_series == 0 && min_time == 0 && max_time == 0) {
      // An empty head, as Prometheus reports it.
      min_time = kMaxTime;
      max_time = kMinTime;
    }
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      w.Key("headStats");
      w.StartObject();
      w.Key("numSeries");
      w.Uint(st.num_series);
      w.Key("numLabelPairs");
      w.Uint(st.num_label_pairs);
      w.Key("chunkCount");
      w.Uint(st.chunk_count);
      w.Key("minTime");
      w.Int(min_time);
      w.Key("maxTime");
      w.Int(max_time);
      w.EndObject();
      WriteStats(w, "seriesCountByMetricName", st.series_count_by_metric_name);
      WriteStats(w, "labelValueCountByLabelName", st.label_value_count_by_label_name);
      WriteStats(w, "memoryInBytesByLabelName", st.memory_in_bytes_by_label_name);
      WriteStats(w, "seriesCountByLabelValuePair", st.series_count_by_label_value_pair);
      w.EndObject();
    });
  }

  void WalReplay(const http::Request&, http::Response* res) {
    // The WAL is replayed before the server listens, so replay is always done.
    WriteData(res, [](GoJsonWriter& w) {
      w.StartObject();
      w.Key("min");
      w.Int(0);
      w.Key("max");
      w.Int(0);
      w.Key("current");
      w.Int(0);
      w.EndObject();
    });
  }

  void Metadata(const http::Request& req, http::Response* res) {
    // Both limits report their own message, not strconv's.
    int64_t limit = -1, limit_per_metric = -1;
    const std::pair<std::string_view, int64_t*> params[] = {
        {"limit", &limit}, {"limit_per_metric", &limit_per_metric}};
    for (auto [name, out] : params) {
      std::string_view s = req.Param(name);
      if (s.empty()) continue;
      auto n = ParseGoAtoi(s);
      if (!n.ok()) return WriteBadData(res, fmt::format("{} must be a number", name));
      *out = *n;
    }
    // One entry per metric family (the latest seen), so limit_per_metric
    // never cuts anything; it is validated as Prometheus does.
    auto md = opts_.storage->Metadata(req.Param("metric"), 0);
    // Go marshals the map with its keys sorted; limit keeps the first ones.
    std::sort(md.begin(), md.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    WriteData(res, [&](GoJsonWriter& w) {
      w.StartObject();
      int64_t n = 0;
      for (const auto& [name, m] : md) {
        if (limit >= 0 && n >= limit) break;
        w.Key(name);
        w.StartArray();
        w.StartObject();
        w.KV("type", storage::MetricTypeName(m.type));
        w.KV("help", m.help);
        w.KV("unit", m.unit);
        w.EndObject();
        w.EndArray();
        ++n;
      }
      w.EndObject();
    });
  }

 private:
  QueryApiOptions opts_;
  std::map<std::string, std::string> flags_;  // sorted, as Go marshals a map
};

// A fixed answer for what Vigil does not do yet (rules, alerting):
// the real, empty result in Prometheus' shape.
http::Handler Empty(const std::atomic<bool>* ready, std::string data_json) {
  std::string body = R"({"status":"success","data":)" + data_json + "}";
  return WhenReady(ready,
                   [body](const http::Request&, http::Response* res) { res->Json(200, body); });
}

}  // namespace

std::string FormatRetention(int64_t retention_ms, uint64_t retention_bytes) {
  std::string out;
  if (retention_ms != 0) out = FormatPromDuration(retention_ms);
  if (retention_bytes != 0) {
    if (!out.empty()) out += " or ";
    out += Base2Bytes(retention_bytes);
  }
  return out;
}

void RegisterStatusHandlers(http::Router* router, const QueryApiOptions& options) {
  auto h = std::make_shared<StatusHandlers>(options);
  const std::atomic<bool>* ready = options.ready;
  auto bind = [h, ready](void (StatusHandlers::*fn)(const http::Request&, http::Response*)) {
    return WhenReady(
        ready, [h, fn](const http::Request& req, http::Response* res) { ((*h).*fn)(req, res); });
  };
  router->Handle({"GET"}, "/api/v1/status/buildinfo", bind(&StatusHandlers::BuildInfo));
  router->Handle({"GET"}, "/api/v1/status/runtimeinfo", bind(&StatusHandlers::RuntimeInfo));
  router->Handle({"GET"}, "/api/v1/status/flags", bind(&StatusHandlers::Flags));
  router->Handle({"GET"}, "/api/v1/status/config", bind(&StatusHandlers::Config));
  router->Handle({"GET"}, "/api/v1/status/tsdb", bind(&StatusHandlers::TsdbStatus));
  router->Handle({"GET"}, "/api/v1/status/walreplay", bind(&StatusHandlers::WalReplay));
  router->Handle({"GET"}, "/api/v1/metadata", bind(&StatusHandlers::Metadata));
  // /api/v1/targets, targets/metadata and scrape_pools: src/api/targets.
  router->Handle({"GET"}, "/api/v1/rules", Empty(ready, R"({"groups":[]})"));
  router->Handle({"GET"}, "/api/v1/alerts", Empty(ready, R"({"alerts":[]})"));
  router->Handle({"GET"}, "/api/v1/alertmanagers",
                 Empty(ready, R"({"activeAlertmanagers":[],"droppedAlertmanagers":[]})"));
}

}  // namespace vigil::api::query
