#include "api/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

#include "api/go_json.h"
#include "api/response_json.h"
#include "base/strconv.h"
#include "base/time.h"
#include "model/selector.h"

namespace vigil::api {

namespace {

constexpr std::string_view kBadData = "bad_data";
constexpr std::string_view kInternal = "internal";

// Parses every match[] into matcher sets; returns an error message on failure.
bool ParseMatchers(const http::Request& req, std::vector<std::vector<model::Matcher>>* out,
                   std::string* err) {
  for (const std::string& m : req.ParamValues("match[]")) {
    auto r = model::ParseSelector(m);
    if (!r.ok()) {
      *err = fmt::format("invalid parameter \"match[]\": {}", r.status().message());
      return false;
    }
    out->push_back(std::move(*r));
  }
  return true;
}

bool ParseTimeParam(const http::Request& req, std::string_view name, int64_t def, int64_t* out,
                    std::string* err) {
  std::string_view v = req.Param(name);
  if (v.empty()) {
    *out = def;
    return true;
  }
  auto t = ParseTimestamp(v);
  if (!t.ok()) {
    *err = fmt::format("invalid parameter \"{}\": {}", name, t.status().message());
    return false;
  }
  *out = *t;
  return true;
}

bool ParseRange(const http::Request& req, int64_t* start, int64_t* end, std::string* err) {
  if (!ParseTimeParam(req, "start", kMinTime, start, err)) return false;
  if (!ParseTimeParam(req, "end", kMaxTime, end, err)) return false;
  if (*end < *start) {
    *err = "invalid parameter \"end\": end timestamp must not be before start time";
    return false;
  }
  return true;
}

bool ParseLimit(const http::Request& req, size_t* limit, std::string* err) {
  std::string_view v = req.Param("limit");
  *limit = 0;
  if (v.empty()) return true;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
    *err = fmt::format("invalid parameter \"limit\": cannot parse \"{}\" to a non-negative integer",
                       v);
    return false;
  }
  *limit = static_cast<size_t>(n);
  return true;
}

// Closes the envelope that StartSuccess opened and answers 200.
void WriteSuccess(http::Response* res, GoJsonWriter& w, const std::vector<std::string>& warnings) {
  FinishSuccess(w, warnings, {});
  res->Json(200, w.Take());
}

int StatusFor(const Status& s) {
  if (s.IsInvalidArgument()) return 400;
  if (s.IsUnavailable()) return 503;
  return 500;
}

std::string_view TypeFor(const Status& s) {
  if (s.IsInvalidArgument()) return kBadData;
  if (s.IsUnavailable()) return "unavailable";
  return kInternal;
}

// Prometheus 3 lets clients put UTF-8 label names in URL paths with the
// "U__" underscore escaping: "U__a_2e_b" is "a.b", "__" is "_".
std::string UnescapeLabelName(std::string_view s) {
  if (!s.starts_with("U__")) return std::string(s);
  std::string out;
  std::string_view rest = s.substr(3);
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '_') {
      out.push_back(rest[i]);
      continue;
    }
    if (i + 1 < rest.size() && rest[i + 1] == '_') {
      out.push_back('_');
      ++i;
      continue;
    }
    size_t j = i + 1;
    uint32_t cp = 0;
    while (j < rest.size() && rest[j] != '_' && j - i <= 8) {
      char c = rest[j];
      int h = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (h < 0) return std::string(s);
      cp = cp * 16 + static_cast<uint32_t>(h);
      ++j;
    }
    if (j >= rest.size() || j == i + 1) return std::string(s);
    // An invalid rune leaves the name as it came, as model.UnescapeName does.
    if (!Utf8ValidRune(static_cast<int32_t>(cp))) return std::string(s);
    Utf8AppendRune(&out, static_cast<int32_t>(cp));
    i = j;
  }
  return out;
}

// What the read endpoints share: match[] sets, start/end and limit.
struct ReadParams {
  std::vector<std::vector<model::Matcher>> sets;
  int64_t start = 0;
  int64_t end = 0;
  size_t limit = 0;
};

// Parses the parameters; on error writes the 400 answer and returns false.
bool ParseReadParams(const http::Request& req, http::Response* res, ReadParams* p) {
  std::string err;
  if (!ParseMatchers(req, &p->sets, &err) || !ParseRange(req, &p->start, &p->end, &err) ||
      !ParseLimit(req, &p->limit, &err)) {
    WriteApiError(res, 400, kBadData, err);
    return false;
  }
  return true;
}

void WriteStatusError(http::Response* res, const Status& s) {
  WriteApiError(res, StatusFor(s), TypeFor(s), s.message());
}

class Handlers {
 public:
  explicit Handlers(const StorageApiOptions& o) : opts_(o), write_(o.write), read_(o.read) {}

  void Series(const http::Request& req, http::Response* res) {
    ReadParams p;
    if (!ParseReadParams(req, res, &p)) return;
    if (p.sets.empty()) return WriteApiError(res, 400, kBadData, "no match[] parameter provided");
    auto q = opts_.storage->NewQuerier(p.start, p.end);
    if (!q.ok()) return WriteStatusError(res, q.status());
    storage::SelectHints hints;
    hints.start = p.start;
    hints.end = p.end;
    hints.series_only = true;
    hints.func = "series";
    std::set<model::Labels> all;
    std::vector<std::string> warnings;
    for (const auto& ms : p.sets) {
      auto set = (*q)->Select(true, &hints, ms);
      while (set->Next()) all.insert(set->At().labels());
      if (!set->status().ok()) return WriteStatusError(res, set->status());
      for (auto& w : set->Warnings()) warnings.push_back(std::move(w));
    }
    GoJsonWriter w;
    StartSuccess(w);
    w.StartArray();
    size_t n = 0;
    for (const auto& ls : all) {
      if (p.limit > 0 && n == p.limit) {
        warnings.push_back("results truncated due to limit");
        break;
      }
      // Prometheus answers []labels.Labels, which its own labels encoder
      // writes (see WriteLabels), not encoding/json's map[string]string.
      WriteLabels(w, ls);
      ++n;
    }
    w.EndArray();
    WriteSuccess(res, w, warnings);
  }

  void LabelNames(const http::Request& req, http::Response* res) {
    ReadParams p;
    if (!ParseReadParams(req, res, &p)) return;
    WriteUnion(res, p, [](storage::Querier& q, const std::vector<model::Matcher>& ms) {
      return q.LabelNames(ms, 0);
    });
  }

  void LabelValues(const http::Request& req, http::Response* res) {
    // The path is /api/v1/label/<name>/values.
    std::string_view rest =
        std::string_view(req.path).substr(std::string_view("/api/v1/label/").size());
    if (!rest.ends_with("/values") || rest.size() == std::string_view("/values").size()) {
      return WriteApiError(res, 404, "not_found", "unknown path " + req.path);
    }
    std::string name = UnescapeLabelName(rest.substr(0, rest.size() - 7));
    if (!model::IsValidUTF8(name)) {
      return WriteApiError(res, 400, kBadData, fmt::format("invalid label name: \"{}\"", name));
    }
    ReadParams p;
    if (!ParseReadParams(req, res, &p)) return;
    WriteUnion(res, p, [&name](storage::Querier& q, const std::vector<model::Matcher>& ms) {
      return q.LabelValues(name, ms, 0);
    });
  }

  void DeleteSeries(const http::Request& req, http::Response* res) {
    ReadParams p;
    if (!ParseReadParams(req, res, &p)) return;
    if (p.sets.empty()) return WriteApiError(res, 400, kBadData, "no match[] parameter provided");
    for (const auto& ms : p.sets) {
      Status s = opts_.storage->Delete(p.start, p.end, ms);
      if (!s.ok()) return WriteStatusError(res, s);
    }
    res->status = 204;
  }

  void CleanTombstones(const http::Request&, http::Response* res) {
    Status s = opts_.storage->CleanTombstones();
    if (!s.ok()) return WriteStatusError(res, s);
    res->status = 204;
  }

  void Write(const http::Request& req, http::Response* res) {
    remote::WriteOutcome out = write_.Handle(req.Header("content-encoding"),
                                             req.Header("content-type"), req.body, opts_.storage);
    res->status = out.status;
    if (out.status != 204) res->Text(out.status, out.body);
    if (out.retry_after_seconds > 0)
      res->SetHeader("Retry-After", std::to_string(out.retry_after_seconds));
  }

  void Read(const http::Request& req, http::Response* res) {
    remote::ReadOutcome out = read_.Handle(req.Header("content-encoding"), req.body, opts_.storage);
    res->status = out.status;
    res->body = std::move(out.body);
    res->SetHeader("Content-Type", out.content_type);
    if (!out.content_encoding.empty()) res->SetHeader("Content-Encoding", out.content_encoding);
    if (out.retry_after_seconds > 0)
      res->SetHeader("Retry-After", std::to_string(out.retry_after_seconds));
  }

  void Metrics(const http::Request&, http::Response* res) {
    res->status = 200;
    res->SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res->body = opts_.registry->Expose();
  }

 private:
  // The sorted union of fn's answers over every match[] set (all series when
  // there is none), as a JSON array of strings.
  template <typename Fn>
  void WriteUnion(http::Response* res, ReadParams& p, Fn&& fn) {
    auto q = opts_.storage->NewQuerier(p.start, p.end);
    if (!q.ok()) return WriteStatusError(res, q.status());
    std::set<std::string> items;
    if (p.sets.empty()) p.sets.emplace_back();
    for (const auto& ms : p.sets) {
      Result<std::vector<std::string>> r = fn(**q, ms);
      if (!r.ok()) return WriteStatusError(res, r.status());
      items.insert(r->begin(), r->end());
    }
    WriteStrings(res, items, p.limit);
  }

  // A []string in Prometheus: jsoniter's HTML-escaping string encoder.
  void WriteStrings(http::Response* res, const std::set<std::string>& items, size_t limit) {
    GoJsonWriter w;
    StartSuccess(w);
    w.StartArray();
    size_t n = 0;
    std::vector<std::string> warnings;
    for (const auto& s : items) {
      if (limit > 0 && n == limit) {
        warnings.push_back("results truncated due to limit");
        break;
      }
      w.String(s);
      ++n;
    }
    w.EndArray();
    WriteSuccess(res, w, warnings);
  }

  StorageApiOptions opts_;
  remote::RemoteWriteHandler write_;
  remote::RemoteReadHandler read_;
};

}  // namespace

void WriteApiError(http::Response* res, int status, std::string_view error_type,
                   std::string_view message) {
  res->Json(status, ErrorBody(error_type, message));
}

void RegisterStorageApi(http::Router* router, const StorageApiOptions& options) {
  auto h = std::make_shared<Handlers>(options);
  using std::placeholders::_1;
  using std::placeholders::_2;
  auto bind = [h](void (Handlers::*fn)(const http::Request&, http::Response*)) {
    return [h, fn](const http::Request& req, http::Response& res) { ((*h).*fn)(req, &res); };
  };
  const std::vector<std::string> get_post = {"GET", "POST"};
  router->Handle({"POST"}, "/api/v1/write", bind(&Handlers::Write), options.max_write_body_bytes);
  router->Handle({"POST"}, "/api/v1/read", bind(&Handlers::Read), 4ull << 20);
  router->Handle(get_post, "/api/v1/series", bind(&Handlers::Series));
  router->Handle(get_post, "/api/v1/labels", bind(&Handlers::LabelNames));
  http::Route values;
  values.methods = get_post;
  values.path = "/api/v1/label/";
  values.prefix = true;
  values.name = "/api/v1/label/:name/values";
  values.handler = bind(&Handlers::LabelValues);
  router->Handle(std::move(values));
  if (options.enable_admin_api) {
    router->Handle({"POST", "PUT"}, "/api/v1/admin/tsdb/delete_series",
                   bind(&Handlers::DeleteSeries));
    router->Handle({"POST", "PUT"}, "/api/v1/admin/tsdb/clean_tombstones",
                   bind(&Handlers::CleanTombstones));
  }
  router->Handle({"GET"}, "/metrics", bind(&Handlers::Metrics));
  router->Handle({"GET"}, "/-/healthy", [](const http::Request&, http::Response& res) {
    res.Text(200, "Vigil is Healthy.\n");
  });
  const std::atomic<bool>* ready = options.ready;
  router->Handle({"GET"}, "/-/ready", [ready](const http::Request&, http::Response& res) {
    if (ready == nullptr || ready->load()) {
      res.Text(200, "Vigil is Ready.\n");
    } else {
      res.Text(503, "Service Unavailable\n");
    }
  });
}

}  // namespace vigil::api
