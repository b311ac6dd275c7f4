#include "collect/scrape/scrape_loop.h"

#include <fmt/format.h>

#include <chrono>

#include "base/logging.h"
#include "base/time.h"
#include "collect/httpclient/http_client.h"

namespace vigil::scrape {

namespace {

// Prometheus' ScrapeTimestampTolerance.
constexpr int64_t kTimestampToleranceMs = 2;

class HTTPFetcher : public Fetcher {
 public:
  explicit HTTPFetcher(std::unique_ptr<httpclient::Client> client) : client_(std::move(client)) {}

  Status Fetch(const FetchRequest& req, Fetched* out) override {
    httpclient::Request r;
    r.url = req.url;
    r.timeout_ms = req.timeout_ms;
    r.max_body_bytes = req.config->body_size_limit;
    r.accept_gzip = req.config->enable_compression;
    r.headers.emplace_back("Accept", req.config->accept);
    r.headers.emplace_back("User-Agent", req.config->user_agent);
    r.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds",
                           fmt::format("{:g}", static_cast<double>(req.timeout_ms) / 1000));
    auto res = client_->Get(r);
    if (!res.ok()) return res.status();
    if (res->status_code != 200) {
      return Status::Unavailable(
          fmt::format("server returned HTTP status {}", httpclient::StatusText(res->status_code)));
    }
    out->body = std::move(res->body);
    out->content_type = std::move(res->content_type);
    return Status::OK();
  }
  void Cancel() override { client_->Cancel(); }

 private:
  std::unique_ptr<httpclient::Client> client_;
};

}  // namespace

Result<std::unique_ptr<Fetcher>> NewHTTPFetcher(const config::HTTPClientConfig& cfg) {
  auto client = httpclient::Client::New(cfg);
  if (!client.ok()) return client.status();
  return std::unique_ptr<Fetcher>(new HTTPFetcher(std::move(*client)));
}

std::string AcceptHeader(const std::vector<config::ScrapeProtocol>& protocols) {
  std::string out;
  int weight = 6;  // Prometheus: number of known protocols + 1
  for (auto p : protocols) {
    const char* v = nullptr;
    bool escaping = false;
    switch (p) {
      case config::ScrapeProtocol::kOpenMetricsText1_0_0:
        v = "application/openmetrics-text;version=1.0.0";
        escaping = true;
        break;
      case config::ScrapeProtocol::kOpenMetricsText0_0_1:
        v = "application/openmetrics-text;version=0.0.1";
        break;
      case config::ScrapeProtocol::kPrometheusText1_0_0:
        v = "text/plain;version=1.0.0";
        escaping = true;
        break;
      case config::ScrapeProtocol::kPrometheusText0_0_4:
        v = "text/plain;version=0.0.4";
        break;
      case config::ScrapeProtocol::kPrometheusProto:
        continue;  // Vigil does not parse the protobuf exposition (docs/scrape.md)
    }
    if (!out.empty()) out += ',';
    out += v;
    if (escaping) out += ";escaping=allow-utf-8";
    out += fmt::format(";q=0.{}", weight);
    --weight;
  }
  if (!out.empty()) out += ',';
  out += fmt::format("*/*;q=0.{}", weight);
  return out;
}

const char* HealthName(Health h) {
  switch (h) {
    case Health::kUp:
      return "up";
    case Health::kDown:
      return "down";
    default:
      return "unknown";
  }
}

ScrapeLoop::ScrapeLoop(storage::Appendable* storage, TargetSpec target,
                       std::shared_ptr<const LoopConfig> cfg, uint64_t offset_seed,
                       metrics::Registry* registry)
    : storage_(storage),
      offset_seed_(offset_seed),
      appender_(storage, target.PublicLabels(), cfg->append, registry),
      target_(std::move(target)),
      cfg_(std::move(cfg)) {
  scrapes_ = registry->NewCounter("vigil_scrapes_total", "Scrapes done, successful or not.");
  failures_ = registry->NewCounter("vigil_scrape_failures_total",
                                   "Scrapes that failed (up 0): fetch, parse or limit errors.");
}

ScrapeLoop::~ScrapeLoop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

void ScrapeLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ScrapeLoop::RequestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  if (active_fetcher_ != nullptr) active_fetcher_->Cancel();
  cv_.notify_all();
}

void ScrapeLoop::Join(bool mark_stale) {
  if (thread_.joinable()) thread_.join();
  if (mark_stale) appender_.MarkAllStale(NowMillis());
}

void ScrapeLoop::Update(TargetSpec target, std::shared_ptr<const LoopConfig> cfg) {
  std::lock_guard<std::mutex> lock(mu_);
  bool interval_changed = target.interval_ms != target_.interval_ms;
  target_ = std::move(target);
  if (cfg != cfg_) {
    cfg_ = std::move(cfg);
    cfg_changed_ = true;
  }
  if (interval_changed) cv_.notify_all();
}

void ScrapeLoop::SetForcedError(vigil::Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  forced_error_ = std::move(s);
}

LoopStatus ScrapeLoop::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

TargetSpec ScrapeLoop::Target() const {
  std::lock_guard<std::mutex> lock(mu_);
  return target_;
}

void ScrapeLoop::SetFetcherForTest(std::unique_ptr<Fetcher> f) {
  fetcher_ = std::move(f);
  fetcher_for_test_ = true;
}

int64_t ScrapeLoop::FirstScrapeTime(int64_t now_ms) const {
  const int64_t interval = std::max<int64_t>(target_.interval_ms, 1);
  // Prometheus' Target.offset: each target keeps a fixed phase in the
  // interval, derived from its hash.
  int64_t base = interval - now_ms % interval;
  int64_t offset = static_cast<int64_t>((target_.hash ^ offset_seed_) % uint64_t(interval));
  int64_t next = base + offset;
  if (next > interval) next -= interval;
  return now_ms + next;
}

ScrapeReport ScrapeLoop::ScrapeOnce(int64_t scheduled_ms) {
  std::shared_ptr<const LoopConfig> cfg;
  TargetSpec target;
  vigil::Status forced;
  bool cfg_changed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cfg = cfg_;
    target = target_;
    forced = forced_error_;
    cfg_changed = cfg_changed_;
    cfg_changed_ = false;
  }
  if (cfg_changed) appender_.SetOptions(cfg->append);

  const auto t0 = std::chrono::steady_clock::now();
  const int64_t start_ms = NowMillis();
  int64_t ts = start_ms;
  if (std::abs(start_ms - scheduled_ms) <= kTimestampToleranceMs) ts = scheduled_ms;

  vigil::Status err = forced;
  Fetched fetched;
  Page page;
  if (err.ok()) {
    if (!fetcher_for_test_ && (!fetcher_ || fetcher_cfg_ == nullptr ||
                               !(fetcher_cfg_->http_client == cfg->http_client))) {
      auto f = NewHTTPFetcher(cfg->http_client);
      if (f.ok()) {
        fetcher_ = std::move(*f);
        fetcher_cfg_ = cfg;
      } else {
        err = f.status();
      }
    }
  }
  if (err.ok()) {
    FetchRequest req;
    req.url = target.url;
    req.timeout_ms = target.timeout_ms;
    req.config = cfg.get();
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_fetcher_ = fetcher_.get();
      stopping = stop_;
    }
    err = stopping ? vigil::Status::Cancelled("the scrape loop is stopping")
                   : fetcher_->Fetch(req, &fetched);
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_fetcher_ = nullptr;
      stopping = stop_;
    }
    // Cut short by Stop: nothing to report, the target did nothing wrong.
    if (stopping && !err.ok()) {
      ScrapeReport rep;
      rep.error = err;
      return rep;
    }
  }
  if (err.ok()) {
    page.body = fetched.body;
    auto format = textparse::FormatFromContentType(fetched.content_type);
    if (format.has_value()) {
      page.format = *format;
    } else if (cfg->fallback_format.has_value()) {
      page.format = *cfg->fallback_format;
    } else if (fetched.content_type.empty()) {
      err = vigil::Status::InvalidArgument(
          "non-compliant scrape target sending blank Content-Type and no "
          "fallback_scrape_protocol specified for target");
    } else {
      err = vigil::Status::InvalidArgument(
          fmt::format("received unsupported Content-Type \"{}\" and no "
                      "fallback_scrape_protocol specified for target",
                      fetched.content_type));
    }
  }
  // Parsing and appending count in scrape_duration_seconds, as in
  // Prometheus (it measures up to the end of the append).
  ScrapeReport rep = appender_.Scrape(err, page, ts, t0);
  double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  scrapes_->Inc();
  if (!rep.error.ok()) failures_->Inc();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.health = rep.error.ok() ? Health::kUp : Health::kDown;
    status_.last_error = rep.error.ok() ? "" : std::string(rep.error.message());
    status_.last_scrape_ms = start_ms;
    status_.last_duration_s = total_s;
    status_.last_samples = rep.scraped;
  }
  return rep;
}

void ScrapeLoop::Run() {
  int64_t next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    next = FirstScrapeTime(NowMillis());
  }
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      int64_t interval = target_.interval_ms;
      for (;;) {
        if (stop_) return;
        int64_t now = NowMillis();
        if (now >= next) break;
        cv_.wait_for(lock, std::chrono::milliseconds(next - now));
        if (target_.interval_ms != interval) {  // reloaded with a new interval: new phase
          interval = target_.interval_ms;
          next = FirstScrapeTime(NowMillis());
        }
      }
    }
    const int64_t scheduled = next;
    ScrapeOnce(scheduled);
    int64_t interval;
    {
      std::lock_guard<std::mutex> lock(mu_);
      interval = std::max<int64_t>(target_.interval_ms, 1);
    }
    next = scheduled + interval;
    int64_t now = NowMillis();
    if (next <= now) next += ((now - next) / interval + 1) * interval;  // missed ticks
  }
}

}  // namespace vigil::scrape
