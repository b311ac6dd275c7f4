// The scrape of one target, repeated every interval on the target's own
// thread (Prometheus runs a goroutine per target; a thread per target keeps
// a slow or trickling target from delaying any other).
//
// Schedule: the first scrape waits for the target's offset within the
// interval (a hash of the target, as Prometheus' Target.offset), so a pool's
// targets spread over the interval and each target keeps its phase.
// Samples get the scheduled time as timestamp when the scrape starts within
// 2 ms of it (better compression, as Prometheus' timestamp alignment).
//
// Thread-safety: Start, Stop, Update, SetForcedError and Status may be
// called from any thread; the loop's own thread does the scraping.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/metrics.h"
#include "base/status.h"
#include "collect/scrape/page_appender.h"
#include "collect/scrape/target.h"
#include "collect/textparse/parser.h"
#include "config/config.h"
#include "storage/storage.h"

namespace vigil::scrape {

// A pool's settings shared by its loops (replaced as a whole on reload).
struct LoopConfig {
  AppendOptions append;
  std::string accept;  // the Accept header built from scrape_protocols
  std::optional<textparse::Format> fallback_format;
  uint64_t body_size_limit = 0;
  bool enable_compression = true;
  config::HTTPClientConfig http_client;
  std::string user_agent = "Vigil";
};

// Builds the Accept header as Prometheus does from scrape_protocols.
std::string AcceptHeader(const std::vector<config::ScrapeProtocol>& protocols);

struct FetchRequest {
  std::string url;
  int64_t timeout_ms = 0;
  const LoopConfig* config = nullptr;
};
struct Fetched {
  std::string body;
  std::string content_type;
};

// Gets a target's page. The HTTP implementation is NewHTTPFetcher; tests
// pass their own.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual Status Fetch(const FetchRequest& req, Fetched* out) = 0;
  // From another thread: makes a Fetch in progress (and later ones) fail
  // at once, so that stopping a loop does not wait for a slow target.
  virtual void Cancel() {}
};
Result<std::unique_ptr<Fetcher>> NewHTTPFetcher(const config::HTTPClientConfig& cfg);

enum class Health : uint8_t { kUnknown, kUp, kDown };
const char* HealthName(Health h);  // "unknown", "up", "down"

struct LoopStatus {
  Health health = Health::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;  // start of the last scrape (0: none yet)
  double last_duration_s = 0;
  uint64_t last_samples = 0;
};

class ScrapeLoop {
 public:
  ScrapeLoop(storage::Appendable* storage, TargetSpec target, std::shared_ptr<const LoopConfig> cfg,
             uint64_t offset_seed, metrics::Registry* registry);
  ~ScrapeLoop();  // stops without staleness markers if still running

  void Start();
  // Asks the thread to finish (it may be inside a scrape, bounded by the
  // timeout); Join waits for it. mark_stale: the target is gone, its series
  // get staleness markers.
  void RequestStop();
  void Join(bool mark_stale);

  // Same target (same hash), new settings: used from the next scrape on.
  void Update(TargetSpec target, std::shared_ptr<const LoopConfig> cfg);
  // A pool-level error (target_limit exceeded) that fails every scrape
  // until cleared with OK.
  void SetForcedError(Status s);

  LoopStatus Status() const;
  TargetSpec Target() const;
  TargetMetadata Metadata() const { return appender_.Metadata(); }

  // One scrape at time now_ms, on the caller's thread (tests).
  ScrapeReport ScrapeOnce(int64_t now_ms);
  // For tests: replaces the fetcher.
  void SetFetcherForTest(std::unique_ptr<Fetcher> f);

 private:
  void Run();
  int64_t FirstScrapeTime(int64_t now_ms) const;

  storage::Appendable* storage_;
  const uint64_t offset_seed_;
  PageAppender appender_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  TargetSpec target_;
  std::shared_ptr<const LoopConfig> cfg_;
  bool cfg_changed_ = false;
  vigil::Status forced_error_;
  LoopStatus status_;

  Fetcher* active_fetcher_ = nullptr;  // under mu_: the fetcher in use, for Cancel

  // Owned by the scraping thread.
  std::unique_ptr<Fetcher> fetcher_;
  std::shared_ptr<const LoopConfig> fetcher_cfg_;
  bool fetcher_for_test_ = false;

  metrics::Counter* scrapes_ = nullptr;
  metrics::Counter* failures_ = nullptr;
  std::thread thread_;
};

}  // namespace vigil::scrape
