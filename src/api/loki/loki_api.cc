// The Loki API's handlers. Query endpoints need the LogQL engine
// (vigil_logql), push endpoints the decoders (vigil_logs_push); while either
// library is not built (they land in parallel), its endpoints answer 501 and
// the label endpoints and tail fall back to plain stream selectors
// (model/selector.h), so the rest can be built and tested.
#include "api/loki/loki_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "api/loki/loki_json.h"
#include "api/loki/params.h"
#include "api/loki/tail.h"
#include "base/json.h"
#include "base/logging.h"
#include "model/selector.h"

#ifdef VIGIL_LOKI_HAVE_PUSH
#include "collect/logs/push/push_decode.h"
#endif

namespace vigil::api::loki {
namespace {

constexpr size_t kMaxTails = 64;
constexpr size_t kMaxReportedRejections = 3;

int HttpStatusFor(const Status& st) {
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kResourceExhausted:
      return 429;
    case Status::Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void Fail(http::Response& res, const Status& st) { res.Text(HttpStatusFor(st), st.message()); }

bool CategorizeLabels(const http::Request& req) {
  return req.Header("x-loki-response-encoding-flags").find("categorize-labels") !=
         std::string_view::npos;
}

// A stream selector ({job="a"}): what the label, series and stats endpoints
// take. "{}" (all streams) only where `allow_empty`.
Result<std::vector<model::Matcher>> ParseStreamSelector(std::string_view text, bool allow_empty) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t'))
    trimmed.remove_suffix(1);
  if (allow_empty && (trimmed.empty() || trimmed == "{}")) return std::vector<model::Matcher>();
#ifdef VIGIL_LOKI_HAVE_LOGQL
  Result<logql::ParsedQuery> parsed = logql::Parse(text);
  if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message());
  return std::move(parsed.value().selector);
#else
  if (trimmed.empty() || trimmed.front() != '{') {
    return Status::InvalidArgument(
        "parse error : queries require at least one regexp or equality "
        "matcher that does not have an empty-compatible value");
  }
  Result<std::vector<model::Matcher>> m = model::ParseSelector(text);
  if (!m.ok()) return Status::InvalidArgument(m.status().message());
  return m;
#endif
}

class Api {
 public:
  explicit Api(const LokiApiOptions& o) : o_(o), tails_(kMaxTails) {
    if (o_.registry != nullptr) {
      push_entries_ = &o_.registry->CounterFamily(
          "vigil_loki_push_entries_total",
          "Log entries received on the Loki and OTLP push endpoints, by protocol.", {"protocol"});
      push_rejected_ = &o_.registry->CounterFamily(
          "vigil_loki_push_rejected_entries_total",
          "Pushed log entries the sink refused one by one, by protocol.", {"protocol"});
    }
  }

  void Query(const http::Request& req, http::Response& res);
  void QueryRange(const http::Request& req, http::Response& res);
  void Labels(const http::Request& req, http::Response& res);
  void LabelValues(const http::Request& req, http::Response& res);
  void Series(const http::Request& req, http::Response& res);
  void IndexStats(const http::Request& req, http::Response& res);
  void FormatQuery(const http::Request& req, http::Response& res);
  void BuildInfo(const http::Request&, http::Response& res) {
    res.Json(200, EncodeBuildInfo(o_.version));
  }
  // Loki's readiness answer, which Grafana's data source test reads.
  void Ready(const http::Request&, http::Response& res) { res.Text(200, "ready\n"); }
  void Push(const http::Request& req, http::Response& res);
  void OtlpPush(const http::Request& req, http::Response& res);
  bool TailCheck(const http::Request& req, http::Response& res);
  void Tail(const http::Request& req, std::shared_ptr<http::WebSocket> ws);

 private:
  struct TailSetup {
    TailParams params;
    TailerOptions tailer;
  };
  Result<TailSetup> PrepareTail(const http::Request& req);
  void RunQuery(const logql::QueryParams& params, const http::Request& req, http::Response& res);
  // Tells on_push_error of a push that was refused, whole or in part.
  void NotePushError(const http::Request& req, std::string_view protocol, int status,
                     std::string_view what) {
    if (!o_.on_push_error) return;
    o_.on_push_error(protocol,
                     fmt::format("push from {} answered {}: {}", req.remote_addr, status, what));
  }
  void Consume(const http::Request& req, std::vector<model::LogRecord> records,
               std::string_view protocol, bool otlp, bool otlp_json, http::Response& res);

  LokiApiOptions o_;
  TailManager tails_;
  metrics::Family<metrics::Counter>* push_entries_ = nullptr;
  metrics::Family<metrics::Counter>* push_rejected_ = nullptr;
};

void Api::RunQuery(const logql::QueryParams& params, const http::Request& req,
                   http::Response& res) {
#ifdef VIGIL_LOKI_HAVE_LOGQL
  if (o_.engine == nullptr) return res.Text(503, "the LogQL engine is not configured");
  Result<logql::QueryResult> r = o_.engine->Query(params);
  if (!r.ok()) return Fail(res, r.status());
  EncodeOptions enc;
  enc.categorize_labels = CategorizeLabels(req);
  res.Json(200, EncodeQueryResponse(r.value(), enc));
#else
  (void)params, (void)req;
  res.Text(501, "LogQL queries are not available in this build");
#endif
}

void Api::Query(const http::Request& req, http::Response& res) {
  Result<InstantQueryParams> p = ParseInstantQuery(req, NowNanos());
  if (!p.ok()) return Fail(res, p.status());
#ifdef VIGIL_LOKI_HAVE_LOGQL
  Result<logql::ParsedQuery> parsed = logql::Parse(p.value().query);
  if (!parsed.ok()) return res.Text(400, parsed.status().message());
  if (!parsed.value().is_metric) {
    return res.Text(400,
                    "log queries are not supported as an instant query type, please change your "
                    "query to a range query type");
  }
#endif
  logql::QueryParams q;
  q.query = p.value().query;
  q.start_ns = q.end_ns = p.value().time_ns;
  q.limit = p.value().limit;
  q.direction = p.value().direction;
  RunQuery(q, req, res);
}

void Api::QueryRange(const http::Request& req, http::Response& res) {
  Result<RangeQueryParams> p = ParseRangeQuery(req, NowNanos());
  if (!p.ok()) return Fail(res, p.status());
  logql::QueryParams q;
  q.query = p.value().query;
  q.start_ns = p.value().bounds.start_ns;
  q.end_ns = p.value().bounds.end_ns;
  q.step_ns = p.value().step_ns;
  q.interval_ns = p.value().interval_ns;
  q.limit = p.value().limit;
  q.direction = p.value().direction;
  RunQuery(q, req, res);
}

void Api::Labels(const http::Request& req, http::Response& res) {
  if (o_.reader == nullptr) return res.Text(503, "the log store is not configured");
  Result<Bounds> b = ParseBounds(req, NowNanos());
  if (!b.ok()) return Fail(res, b.status());
  Result<std::vector<model::Matcher>> m = ParseStreamSelector(req.Param("query"), true);
  if (!m.ok()) return Fail(res, m.status());
  Result<std::vector<std::string>> names =
      o_.reader->LabelNames(m.value(), b.value().start_ns, b.value().end_ns);
  if (!names.ok()) return Fail(res, names.status());
  res.Json(200, EncodeStringList(names.value()));
}

void Api::LabelValues(const http::Request& req, http::Response& res) {
  if (o_.reader == nullptr) return res.Text(503, "the log store is not configured");
  static constexpr std::string_view kPrefix = "/loki/api/v1/label/";
  static constexpr std::string_view kSuffix = "/values";
  std::string_view path = req.path;
  if (path.size() <= kPrefix.size() + kSuffix.size() ||
      path.substr(path.size() - kSuffix.size()) != kSuffix) {
    return res.Text(404, fmt::format("404 page not found: {}", req.path));
  }
  std::string_view name =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  Result<Bounds> b = ParseBounds(req, NowNanos());
  if (!b.ok()) return Fail(res, b.status());
  Result<std::vector<model::Matcher>> m = ParseStreamSelector(req.Param("query"), true);
  if (!m.ok()) return Fail(res, m.status());
  Result<std::vector<std::string>> values =
      o_.reader->LabelValues(name, m.value(), b.value().start_ns, b.value().end_ns);
  if (!values.ok()) return Fail(res, values.status());
  res.Json(200, EncodeStringList(values.value()));
}

void Api::Series(const http::Request& req, http::Response& res) {
  if (o_.reader == nullptr) return res.Text(503, "the log store is not configured");
  Result<Bounds> b = ParseBounds(req, NowNanos());
  if (!b.ok()) return Fail(res, b.status());
  // Prometheus clients send match[]; old logcli sent match.
  std::vector<std::string> groups = req.ParamValues("match[]");
  if (groups.empty()) groups = req.ParamValues("match");
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  if (groups.empty()) groups.emplace_back("{}");
  std::vector<model::Labels> all;
  for (const std::string& g : groups) {
    Result<std::vector<model::Matcher>> m = ParseStreamSelector(g, true);
    if (!m.ok()) return Fail(res, m.status());
    Result<std::vector<model::Labels>> s =
        o_.reader->Series(m.value(), b.value().start_ns, b.value().end_ns);
    if (!s.ok()) return Fail(res, s.status());
    if (groups.size() == 1) {
      all = std::move(s.value());
    } else {
      all.insert(all.end(), std::make_move_iterator(s.value().begin()),
                 std::make_move_iterator(s.value().end()));
    }
  }
  if (groups.size() > 1) {
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
  }
  res.Json(200, EncodeSeries(all));
}

void Api::IndexStats(const http::Request& req, http::Response& res) {
  if (o_.reader == nullptr) return res.Text(503, "the log store is not configured");
  Result<Bounds> b = ParseBounds(req, NowNanos());
  if (!b.ok()) return Fail(res, b.status());
  Result<std::vector<model::Matcher>> m = ParseStreamSelector(req.Param("query"), false);
  if (!m.ok()) return Fail(res, m.status());
  Result<logstore::IndexStats> s =
      o_.reader->Stats(m.value(), b.value().start_ns, b.value().end_ns);
  if (!s.ok()) return Fail(res, s.status());
  res.Json(200, EncodeIndexStats(s.value()));
}

void Api::FormatQuery(const http::Request& req, http::Response& res) {
#ifdef VIGIL_LOKI_HAVE_LOGQL
  Result<logql::ParsedQuery> parsed = logql::Parse(req.Param("query"));
  if (!parsed.ok()) return res.Text(400, parsed.status().message());
  res.Json(200, EncodeFormatQuery(parsed.value().normalized));
#else
  (void)req;
  res.Text(501, "LogQL is not available in this build");
#endif
}

// ---------------------------------------------------------------------------
// Push.

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void Api::Consume(const http::Request& req, std::vector<model::LogRecord> records,
                  std::string_view protocol, bool otlp, bool otlp_json, http::Response& res) {
  size_t total = records.size();
  if (push_entries_ != nullptr) {
    push_entries_->With({protocol})->Inc(static_cast<double>(total));
  }
  std::vector<model::LogRejection> rejected;
  if (total > 0) {
    if (!o_.push_labels.empty()) {
      model::LabelsBuilder b;
      for (model::LogRecord& r : records) {
        b.Reset(r.stream);
        for (const model::Label& l : o_.push_labels) b.Set(l.name, l.value);
        r.stream = b.Build();
      }
    }
    model::LogSink* sink = o_.push_sink ? o_.push_sink() : nullptr;
    if (sink == nullptr) {
      res.Text(503, "no log pipeline is configured for pushed logs");
      return NotePushError(req, protocol, res.status, res.body);
    }
    model::LogBatch batch;
    batch.records = std::move(records);
    model::ConsumeResult cr = sink->Consume(batch);
    if (!cr.status.ok()) {
      Fail(res, cr.status);
      return NotePushError(req, protocol, res.status, res.body);
    }
    rejected = std::move(cr.rejected);
  }
  if (!rejected.empty() && push_rejected_ != nullptr) {
    push_rejected_->With({protocol})->Inc(static_cast<double>(rejected.size()));
  }
  std::string summary;
  if (!rejected.empty()) {
    summary =
        fmt::format("{} of {} entries rejected (the others were stored):", rejected.size(), total);
    for (size_t i = 0; i < rejected.size() && i < kMaxReportedRejections; ++i) {
      const model::LogRejection& r = rejected[i];
      summary += fmt::format(" entry {}: {}{}{};", r.index, r.reason, r.message.empty() ? "" : ": ",
                             r.message);
    }
    if (rejected.size() > kMaxReportedRejections) {
      summary += fmt::format(" and {} more", rejected.size() - kMaxReportedRejections);
    } else {
      summary.pop_back();  // the last ';'
    }
    // OTLP answers a partial success with 200.
    NotePushError(req, protocol, otlp ? 200 : 400, summary);
  }
  if (!otlp) {
    if (!rejected.empty()) return res.Text(400, summary);
    res.status = 204;
    return;
  }
  // OTLP/HTTP: 200 with an ExportLogsServiceResponse; refused records go
  // in partial_success (field 1: rejected_log_records = 1, error_message = 2).
  if (otlp_json) {
    if (rejected.empty()) return res.Json(200, "{}");
    std::string body =
        fmt::format("{{\"partialSuccess\":{{\"rejectedLogRecords\":\"{}\",", rejected.size());
    body += "\"errorMessage\":";
    AppendJsonString(&body, summary);
    body += "}}";
    return res.Json(200, std::move(body));
  }
  std::string body;
  if (!rejected.empty()) {
    std::string inner;
    inner.push_back(0x08);
    AppendVarint(&inner, rejected.size());
    inner.push_back(0x12);
    AppendVarint(&inner, summary.size());
    inner += summary;
    body.push_back(0x0a);
    AppendVarint(&body, inner.size());
    body += inner;
  }
  res.status = 200;
  res.SetHeader("Content-Type", "application/x-protobuf");
  res.body = std::move(body);
}

void Api::Push(const http::Request& req, http::Response& res) {
#ifdef VIGIL_LOKI_HAVE_PUSH
  logs::DecodeOptions d;
  d.observed_time_ns = NowNanos();
  std::vector<model::LogRecord> records;
  Status st = logs::DecodeLokiPush(req.Header("content-type"), req.Header("content-encoding"),
                                   req.body, d, &records);
  if (!st.ok()) {
    res.Text(400, st.message());
    return NotePushError(req, "loki", res.status, res.body);
  }
  Consume(req, std::move(records), "loki", false, false, res);
#else
  (void)req;
  res.Text(501, "log push is not available in this build");
#endif
}

void Api::OtlpPush(const http::Request& req, http::Response& res) {
#ifdef VIGIL_LOKI_HAVE_PUSH
  logs::DecodeOptions d;
  d.observed_time_ns = NowNanos();
  std::vector<model::LogRecord> records;
  std::string_view content_type = req.Header("content-type");
  Status st =
      logs::DecodeOtlpLogs(content_type, req.Header("content-encoding"), req.body, d, &records);
  if (!st.ok()) {
    res.Text(400, st.message());
    return NotePushError(req, "otlp", res.status, res.body);
  }
  bool json = content_type.find("json") != std::string_view::npos;
  Consume(req, std::move(records), "otlp", true, json, res);
#else
  (void)req;
  res.Text(501, "log push is not available in this build");
#endif
}

// ---------------------------------------------------------------------------
// Tail.

Result<Api::TailSetup> Api::PrepareTail(const http::Request& req) {
  if (o_.reader == nullptr) return Status::Unavailable("the log store is not configured");
  TailSetup s;
  Result<TailParams> p = ParseTailParams(req, NowNanos(), o_.max_tail_delay_ns);
  if (!p.ok()) return p.status();
  s.params = std::move(p.value());
#ifdef VIGIL_LOKI_HAVE_LOGQL
  Result<logql::ParsedQuery> parsed = logql::Parse(s.params.query);
  if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message());
  if (parsed.value().is_metric) {
    return Status::InvalidArgument("tail requires a log query, not a metric query");
  }
  s.tailer.matchers = std::move(parsed.value().selector);
  Result<std::unique_ptr<logql::EntryPipeline>> pipeline =
      logql::EntryPipeline::Make(s.params.query);
  if (!pipeline.ok()) return Status::InvalidArgument(pipeline.status().message());
  s.tailer.pipeline = std::move(pipeline.value());
#else
  Result<std::vector<model::Matcher>> m = ParseStreamSelector(s.params.query, false);
  if (!m.ok()) return m.status();
  s.tailer.matchers = std::move(m.value());
#endif
  s.tailer.start_ns = s.params.start_ns;
  s.tailer.delay_ns = s.params.delay_for_ns;
  s.tailer.limit = s.params.limit;
  return s;
}

bool Api::TailCheck(const http::Request& req, http::Response& res) {
  Result<TailSetup> s = PrepareTail(req);
  if (!s.ok()) {
    Fail(res, s.status());
    return false;
  }
  if (size_t n = tails_.active(); n >= tails_.max_tails()) {
    res.Text(429,
             fmt::format("max concurrent tail requests limit exceeded, count > limit ({} > {})",
                         n + 1, tails_.max_tails()));
    return false;
  }
  return true;
}

void Api::Tail(const http::Request& req, std::shared_ptr<http::WebSocket> ws) {
  Result<TailSetup> s = PrepareTail(req);
  if (!s.ok()) return ws->Close(1011, s.status().message());
  auto tailer = std::make_shared<Tailer>(o_.reader, std::move(s.value().tailer));
  EncodeOptions enc;
  enc.categorize_labels = CategorizeLabels(req);
  int64_t interval_ms = std::max<int64_t>(1, o_.tail_poll_interval_ms);
  bool started = tails_.Start(ws, [ws, tailer, enc, interval_ms] {
    while (!ws->closed()) {
      Result<std::vector<logql::Stream>> frame = tailer->Poll(NowNanos());
      if (!frame.ok()) {
        log::Get("loki")->warn("tail for {}: {}", ws->remote_addr(), frame.status().ToString());
        ws->Close(1011, frame.status().message());
        return;
      }
      if (!frame.value().empty() && !ws->Send(EncodeTailFrame(frame.value(), enc))) return;
      if (tailer->caught_up()) ws->WaitClosed(interval_ms);
    }
  });
  if (!started) ws->Close(1013, "max concurrent tail requests limit exceeded");
}

}  // namespace

void RegisterLokiApi(http::Router* router, const LokiApiOptions& options) {
  auto api = std::make_shared<Api>(options);
  const std::vector<std::string> get_post = {"GET", "POST"};
  auto route = [&](std::vector<std::string> methods, std::string path, std::string name,
                   void (Api::*fn)(const http::Request&, http::Response&), bool prefix = false,
                   uint64_t max_body = 0) {
    http::Route r;
    r.methods = std::move(methods);
    r.path = std::move(path);
    r.name = std::move(name);
    r.prefix = prefix;
    r.max_body_bytes = max_body;
    r.handler = [api, fn](const http::Request& req, http::Response& res) {
      (api.get()->*fn)(req, res);
    };
    router->Handle(std::move(r));
  };
  route(get_post, "/loki/api/v1/query", "/loki/api/v1/query", &Api::Query);
  route(get_post, "/loki/api/v1/query_range", "/loki/api/v1/query_range", &Api::QueryRange);
  route(get_post, "/loki/api/v1/labels", "/loki/api/v1/labels", &Api::Labels);
  route(get_post, "/loki/api/v1/label", "/loki/api/v1/labels", &Api::Labels);
  route(get_post, "/loki/api/v1/label/", "/loki/api/v1/label/:name/values", &Api::LabelValues,
        true);
  route(get_post, "/loki/api/v1/series", "/loki/api/v1/series", &Api::Series);
  route(get_post, "/loki/api/v1/index/stats", "/loki/api/v1/index/stats", &Api::IndexStats);
  route(get_post, "/loki/api/v1/format_query", "/loki/api/v1/format_query", &Api::FormatQuery);
  route({"GET"}, "/loki/api/v1/status/buildinfo", "/loki/api/v1/status/buildinfo", &Api::BuildInfo);
  route({"GET"}, "/ready", "/ready", &Api::Ready);
  route({"POST"}, "/loki/api/v1/push", "/loki/api/v1/push", &Api::Push, false,
        options.max_push_body_bytes);
  route({"POST"}, "/v1/logs", "/v1/logs", &Api::OtlpPush, false, options.max_push_body_bytes);
  route({"POST"}, "/otlp/v1/logs", "/otlp/v1/logs", &Api::OtlpPush, false,
        options.max_push_body_bytes);

  http::Route tail;
  tail.methods = {"GET"};
  tail.path = "/loki/api/v1/tail";
  tail.name = "/loki/api/v1/tail";
  tail.websocket = [api](const http::Request& req, std::shared_ptr<http::WebSocket> ws) {
    api->Tail(req, std::move(ws));
  };
  tail.websocket_check = [api](const http::Request& req, http::Response& res) {
    return api->TailCheck(req, res);
  };
  router->Handle(std::move(tail));
}

}  // namespace vigil::api::loki
