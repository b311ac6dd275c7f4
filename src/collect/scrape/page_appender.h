// Turns one scraped page into appended samples, as Prometheus' scrapeLoop.append
// and report do: the per-target series cache, target labels and
// honor_labels, metric_relabel_configs, the sample and label limits,
// staleness markers for series that vanished, and the synthetic series (up,
// scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling, scrape_series_added).
//
// The cache maps a series' raw bytes on the page (`name{labels}`) to its
// storage ref and final labels, so a series seen before costs one hash
// lookup and no label parsing. Series dropped by metric relabeling are
// cached too, as dropped.
//
// Staleness: after a successful scrape, every series appended by the
// previous successful scrape and absent from this one gets a staleness
// marker at this scrape's timestamp. A failed scrape marks every series of
// the last successful one stale. MarkAllStale does the same when the target
// goes away. Series with their own timestamps on the page are left out
// unless track_timestamps_staleness, as in Prometheus.
//
// Thread-safety: a PageAppender belongs to one scrape loop (one thread at a
// time). Options are replaced between scrapes with SetOptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "collect/textparse/parser.h"
#include "config/config.h"
#include "model/labels.h"
#include "process/relabel/relabel.h"
#include "storage/storage.h"

namespace vigil::scrape {

struct AppendOptions {
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  uint64_t sample_limit = 0;  // 0: none
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  std::shared_ptr<const relabel::Relabeler> metric_relabeler;  // null: none

  static AppendOptions FromConfig(const config::ScrapeConfig& cfg,
                                  std::shared_ptr<const relabel::Relabeler> metric_relabeler);
};

// What one scrape did; also what the synthetic series report.
struct ScrapeReport {
  Status error;               // OK if the scrape and the append succeeded
  uint64_t scraped = 0;       // samples on the page
  uint64_t post_relabel = 0;  // samples left after metric relabeling
  uint64_t series_added = 0;  // series new to the cache
  uint64_t rejected = 0;      // samples the storage refused (out of order, duplicate, ...)
  uint64_t stale_markers = 0;
};

struct Page {
  std::string_view body;
  textparse::Format format = textparse::Format::kPrometheusText;
};

// Metadata seen on the page, per metric family (for /api/v1/targets/metadata).
using TargetMetadata = std::vector<std::pair<std::string, storage::MetricMetadata>>;

class PageAppender {
 public:
  PageAppender(storage::Appendable* storage, model::Labels target_labels, AppendOptions opts,
               metrics::Registry* registry);
  ~PageAppender();

  void SetOptions(AppendOptions opts);

  // Appends the samples of `page` at default timestamp `ts_ms` and commits.
  // If fetch_error is not OK, page is ignored and the scrape counts as
  // failed. Either way the synthetic series are written;
  // scrape_duration_seconds is the time from `start` to writing them.
  ScrapeReport Scrape(const Status& fetch_error, const Page& page, int64_t ts_ms,
                      std::chrono::steady_clock::time_point start);

  // Writes staleness markers at ts_ms for every series of the last
  // successful scrape and for the synthetic series (the target is gone).
  void MarkAllStale(int64_t ts_ms);

  // The latest metadata per metric family on this target's pages.
  TargetMetadata Metadata() const;
  size_t CachedSeries() const { return cache_.size(); }

 private:
  struct Entry {
    storage::SeriesRef ref = 0;
    model::Labels labels;                // final labels; empty when dropped
    std::vector<model::LabelView> view;  // views into labels, for Append
    uint64_t seen_iter = 0;              // last scrape that had it
    uint64_t prev_seen_iter = 0;
    std::string_view key;  // the cache key (the series' bytes on the page)
    uint64_t stale_marked_iter = 0;
    bool dropped = false;  // metric relabeling dropped it
    bool track_staleness = true;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  using Cache = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;

  Status AppendPage(storage::Appender* app, const Page& page, int64_t ts_ms, ScrapeReport* rep);
  Result<Entry*> NewEntry(textparse::Parser* p, std::string_view bytes);
  void AppendStale(storage::Appender* app, uint64_t seen_iter, int64_t ts_ms, ScrapeReport* rep);
  void AppendReport(storage::Appender* app, int64_t ts_ms, double up,
                    std::chrono::steady_clock::time_point start, const ScrapeReport& rep);
  void UndoIteration();
  // Series live before SetOptions changed the label rules (see SetOptions).
  void StaleOrphans(storage::Appender* app, int64_t ts_ms, bool all, ScrapeReport* rep);
  void NoteMetadata(const textparse::Parser& p, textparse::Entry e);

  storage::Appendable* storage_;
  model::Labels target_labels_;
  AppendOptions opts_;
  Cache cache_;
  // The entries in page order: of the last successful scrape, and of the
  // current one (see AppendPage).
  std::vector<Entry*> prev_order_;
  std::vector<Entry*> cur_order_;
  size_t order_misses_ = 0;  // series of this page not at their old position
  std::vector<Entry> orphans_;
  uint64_t iter_ = 0;
  uint64_t last_ok_iter_ = 0;  // 0: the last scrape failed, or none yet
  struct ReportSeries {
    std::string name;
    model::Labels labels;
    std::vector<model::LabelView> view;
    storage::SeriesRef ref = 0;
  };
  std::vector<ReportSeries> report_series_;
  bool reported_ = false;

  mutable std::mutex metadata_mu_;
  std::unordered_map<std::string, storage::MetricMetadata> metadata_;
  std::vector<std::string> changed_metadata_;  // families whose metadata this page changed

  metrics::Counter* rejected_out_of_order_ = nullptr;
  metrics::Counter* rejected_duplicate_ = nullptr;
  metrics::Counter* rejected_too_old_ = nullptr;
  metrics::Counter* rejected_other_ = nullptr;
};

}  // namespace vigil::scrape
