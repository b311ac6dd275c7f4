#include "collect/scrape/page_appender.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <unordered_set>

#include "base/strconv.h"
#include "model/sample.h"

namespace vigil::scrape {

namespace {

constexpr const char* kReportNames[] = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
};

std::vector<model::LabelView> ViewOf(const model::Labels& l) { return l.View(); }

// Prometheus' mutateSampleLabels: the target's labels win over the page's,
// whose clashing labels are kept as exported_<name>; with honor_labels the
// page's win.
//
// Labels with empty values are dropped, as Prometheus' labels.Builder drops
// them: `m{a=""}` is the series `m`.
model::Labels MergeTargetLabels(const model::Labels& page, const model::Labels& target,
                                bool honor_labels) {
  model::LabelsBuilder lb(page);
  for (const auto& l : page) {
    if (l.value.empty()) lb.Del(l.name);
  }
  if (honor_labels) {
    for (const auto& l : target) {
      if (page.Get(l.name).empty()) lb.Set(l.name, l.value);
    }
    return lb.Build();
  }
  std::vector<model::Label> conflicting;
  for (const auto& l : target) {
    std::string_view existing = page.Get(l.name);
    if (!existing.empty()) conflicting.push_back({l.name, std::string(existing)});
    lb.Set(l.name, l.value);
  }
  std::stable_sort(
      conflicting.begin(), conflicting.end(),
      [](const model::Label& a, const model::Label& b) { return a.name.size() < b.name.size(); });
  for (const auto& l : conflicting) {
    std::string name = l.name;
    for (;;) {
      name = "exported_" + name;
      if (lb.Get(name).empty()) {
        lb.Set(name, l.value);
        break;
      }
    }
  }
  return lb.Build();
}

Status CheckLabelLimits(const model::Labels& l, const AppendOptions& o) {
  std::string_view metric = l.MetricName();
  auto trunc = [](std::string_view s) { return s.substr(0, 50); };
  if (o.label_limit > 0 && l.size() > o.label_limit) {
    return Status::InvalidArgument(
        fmt::format("label_limit exceeded (metric: {}, number of labels: {}, limit: {})",
                    trunc(metric), l.size(), o.label_limit));
  }
  for (const auto& lbl : l) {
    if (o.label_name_length_limit > 0 && lbl.name.size() > o.label_name_length_limit) {
      return Status::InvalidArgument(fmt::format(
          "label_name_length_limit exceeded (metric: {}, label name: {}, length: {}, limit: {})",
          trunc(metric), trunc(lbl.name), lbl.name.size(), o.label_name_length_limit));
    }
    if (o.label_value_length_limit > 0 && lbl.value.size() > o.label_value_length_limit) {
      return Status::InvalidArgument(
          fmt::format("label_value_length_limit exceeded (metric: {}, label name: {}, value: "
                      "{}, length: {}, limit: {})",
                      trunc(metric), trunc(lbl.name), GoQuote(trunc(lbl.value)), lbl.value.size(),
                      o.label_value_length_limit));
    }
  }
  return Status::OK();
}

}  // namespace

size_t PageAppender::StringHash::operator()(std::string_view s) const {
  return XXH3_64bits(s.data(), s.size());
}

AppendOptions AppendOptions::FromConfig(
    const config::ScrapeConfig& cfg, std::shared_ptr<const relabel::Relabeler> metric_relabeler) {
  AppendOptions o;
  o.honor_labels = cfg.honor_labels;
  o.honor_timestamps = cfg.honor_timestamps;
  o.track_timestamps_staleness = cfg.track_timestamps_staleness;
  o.sample_limit = cfg.sample_limit;
  o.label_limit = cfg.label_limit;
  o.label_name_length_limit = cfg.label_name_length_limit;
  o.label_value_length_limit = cfg.label_value_length_limit;
  if (metric_relabeler && !metric_relabeler->empty())
    o.metric_relabeler = std::move(metric_relabeler);
  return o;
}

PageAppender::PageAppender(storage::Appendable* storage, model::Labels target_labels,
                           AppendOptions opts, metrics::Registry* registry)
    : storage_(storage), target_labels_(std::move(target_labels)), opts_(std::move(opts)) {
  report_series_.reserve(std::size(kReportNames));
  for (const char* name : kReportNames) {
    ReportSeries& r = report_series_.emplace_back();
    r.name = name;
    r.labels = target_labels_.With(model::kMetricName, name);
  }
  for (auto& r : report_series_) r.view = ViewOf(r.labels);
  auto& rejected = registry->CounterFamily(
      "vigil_scrape_samples_rejected_total",
      "Scraped samples the storage refused, by reason (the scrape itself still succeeds).",
      {"reason"});
  rejected_out_of_order_ = rejected.With({"out_of_order"});
  rejected_duplicate_ = rejected.With({"duplicate"});
  rejected_too_old_ = rejected.With({"too_old"});
  rejected_other_ = rejected.With({"other"});
}

PageAppender::~PageAppender() = default;

void PageAppender::SetOptions(AppendOptions opts) {
  bool label_rules_changed =
      opts.honor_labels != opts_.honor_labels || opts.metric_relabeler != opts_.metric_relabeler;
  opts_ = std::move(opts);
  if (!label_rules_changed) return;
  // The cached final labels may be wrong now. The live series are kept
  // aside: after the next scrape, those whose labels no longer appear get
  // their staleness marker, the others simply continue.
  for (auto& [bytes, e] : cache_) {
    if (!e.dropped && last_ok_iter_ != 0 && e.seen_iter == last_ok_iter_ && e.track_staleness) {
      orphans_.push_back(std::move(e));
    }
  }
  for (auto& o : orphans_) o.view = ViewOf(o.labels);  // the moves invalidated them
  cache_.clear();
  prev_order_.clear();
  cur_order_.clear();
  last_ok_iter_ = 0;
}

void PageAppender::StaleOrphans(storage::Appender* app, int64_t ts_ms, bool all,
                                ScrapeReport* rep) {
  if (orphans_.empty()) return;
  std::unordered_set<uint64_t> live;
  if (!all) {
    for (const auto& [bytes, e] : cache_) {
      if (!e.dropped && e.seen_iter == iter_) live.insert(e.labels.Hash());
    }
  }
  const double stale = model::StaleNaN();
  for (auto& o : orphans_) {
    if (live.count(o.labels.Hash())) continue;
    if (app->Append(o.ref, o.view, ts_ms, stale).ok()) ++rep->stale_markers;
  }
  orphans_.clear();
}

Result<PageAppender::Entry*> PageAppender::NewEntry(textparse::Parser* p, std::string_view bytes) {
  auto parsed = p->Labels();
  if (!parsed.ok()) return parsed.status();
  model::Labels final_labels = MergeTargetLabels(*parsed, target_labels_, opts_.honor_labels);
  bool dropped = false;
  if (opts_.metric_relabeler) {
    final_labels = opts_.metric_relabeler->Process(final_labels);
    dropped = final_labels.empty();
  }
  if (!dropped) {
    if (final_labels.MetricName().empty()) {
      return Status::InvalidArgument("missing metric name (__name__ label)");
    }
    VIGIL_RETURN_IF_ERROR(CheckLabelLimits(final_labels, opts_));
  }
  auto [it, inserted] = cache_.try_emplace(std::string(bytes));
  Entry& e = it->second;
  e.key = it->first;  // nodes do not move: the view stays valid
  e.labels = std::move(final_labels);
  e.view = ViewOf(e.labels);
  e.dropped = dropped;
  e.ref = 0;
  return &e;
}

void PageAppender::NoteMetadata(const textparse::Parser& p, textparse::Entry e) {
  std::string_view family = p.MetricFamily();
  std::lock_guard<std::mutex> lock(metadata_mu_);
  auto it = metadata_.find(std::string(family));
  if (it == metadata_.end())
    it = metadata_.emplace(std::string(family), storage::MetricMetadata{}).first;
  storage::MetricMetadata& md = it->second;
  bool changed = false;
  switch (e) {
    case textparse::Entry::kType:
      changed = md.type != p.Type();
      md.type = p.Type();
      break;
    case textparse::Entry::kHelp:
      changed = md.help != p.Help();
      if (changed) md.help = std::string(p.Help());
      break;
    case textparse::Entry::kUnit:
      changed = md.unit != p.Unit();
      if (changed) md.unit = std::string(p.Unit());
      break;
    default:
      break;
  }
  // Handed to the storage (for /api/v1/metadata) with this scrape's commit.
  if (changed && (changed_metadata_.empty() || changed_metadata_.back() != it->first)) {
    changed_metadata_.push_back(it->first);
  }
}

Status PageAppender::AppendPage(storage::Appender* app, const Page& page, int64_t ts_ms,
                                ScrapeReport* rep) {
  // OpenMetrics' family rules (histogram buckets not negative, metadata
  // before samples...) are not enforced on scrapes: real client libraries
  // break some of them and Prometheus ingests their pages anyway. The line
  // syntax stays strict. The conformance suite runs the strict parser.
  std::unique_ptr<textparse::Parser> parser;
  if (page.format == textparse::Format::kOpenMetrics) {
    textparse::OpenMetricsOptions om;
    om.validate_families = false;
    parser = textparse::NewOpenMetricsParser(page.body, om);
  } else {
    parser = textparse::NewPromTextParser(page.body);
  }
  uint64_t appended = 0;
  order_misses_ = 0;
  changed_metadata_.clear();
  for (;;) {
    auto entry = parser->Next();
    if (!entry.ok()) return entry.status();
    if (*entry == textparse::Entry::kEOF) break;
    if (*entry != textparse::Entry::kSeries) {
      if (*entry != textparse::Entry::kComment) NoteMetadata(*parser, *entry);
      continue;
    }
    ++rep->scraped;
    std::string_view bytes = parser->SeriesBytes();
    Entry* e;
    bool is_new = false;
    // Targets write their series in the same order every time: the entry at
    // this position last scrape is nearly always the one, which saves the
    // hash and the lookup's cache misses.
    const size_t pos = cur_order_.size();
    // Start loading what the next series will need while this one is
    // parsed: the entry eight ahead, the key bytes four ahead (the loads
    // would otherwise each wait for memory).
    if (pos + 8 < prev_order_.size()) __builtin_prefetch(prev_order_[pos + 8]);
    if (pos + 4 < prev_order_.size()) {
      std::string_view k = prev_order_[pos + 4]->key;
      for (size_t off = 0; off < k.size(); off += 64) __builtin_prefetch(k.data() + off);
    }
    Entry* predicted = pos < prev_order_.size() ? prev_order_[pos] : nullptr;
    if (predicted != nullptr && predicted->key == bytes) {
      e = predicted;
    } else {
      ++order_misses_;
      if (auto it = cache_.find(bytes); it != cache_.end()) {
        e = &it->second;
      } else {
        auto created = NewEntry(parser.get(), bytes);
        if (!created.ok()) return created.status();
        e = *created;
        is_new = true;
      }
    }
    cur_order_.push_back(e);
    if (e->seen_iter != iter_) {
      e->prev_seen_iter = e->seen_iter;
      e->seen_iter = iter_;
    }
    if (e->dropped) continue;
    ++rep->post_relabel;
    if (opts_.sample_limit > 0 && ++appended > opts_.sample_limit) {
      return Status::InvalidArgument("sample limit exceeded");
    }
    int64_t t = ts_ms;
    std::optional<int64_t> own_ts = parser->Timestamp();
    if (own_ts.has_value()) {
      if (opts_.honor_timestamps) t = *own_ts;
      e->track_staleness = !opts_.honor_timestamps || opts_.track_timestamps_staleness;
    } else {
      e->track_staleness = true;
    }
    storage::AppendResult r = app->Append(e->ref, e->view, t, parser->Value());
    if (r.ref != 0) e->ref = r.ref;
    if (!r.ok()) {
      switch (r.reject) {
        case storage::RejectReason::kOutOfOrder:
          rejected_out_of_order_->Inc();
          ++rep->rejected;
          continue;
        case storage::RejectReason::kDuplicate:
          rejected_duplicate_->Inc();
          ++rep->rejected;
          continue;
        case storage::RejectReason::kTooOld:
          rejected_too_old_->Inc();
          ++rep->rejected;
          continue;
        case storage::RejectReason::kSeriesLimit:
          rejected_other_->Inc();
          ++rep->rejected;
          continue;
        default:
          return Status::InvalidArgument(
              fmt::format("the storage refused {}: {} {}", e->labels.ToString(),
                          storage::RejectReasonName(r.reject), r.detail));
      }
    }
    if (is_new) ++rep->series_added;
  }
  if (!changed_metadata_.empty()) {
    std::lock_guard<std::mutex> lock(metadata_mu_);
    for (const auto& family : changed_metadata_) app->UpdateMetadata(family, metadata_[family]);
  }
  return Status::OK();
}

void PageAppender::AppendStale(storage::Appender* app, uint64_t seen_iter, int64_t ts_ms,
                               ScrapeReport* rep) {
  if (seen_iter == 0) return;
  const double stale = model::StaleNaN();
  // prev_order_ holds exactly the series of the last successful scrape; a
  // series listed twice there is marked once (seen_iter changes after).
  for (Entry* e : prev_order_) {
    if (e->dropped || e->seen_iter != seen_iter || !e->track_staleness ||
        e->stale_marked_iter == iter_) {
      continue;
    }
    storage::AppendResult r = app->Append(e->ref, e->view, ts_ms, stale);
    if (r.ok()) ++rep->stale_markers;
    e->stale_marked_iter = iter_;
  }
}

void PageAppender::UndoIteration() {
  for (auto it = cache_.begin(); it != cache_.end();) {
    Entry& e = it->second;
    if (e.seen_iter == iter_) {
      e.seen_iter = e.prev_seen_iter;
      if (e.seen_iter == 0) {
        it = cache_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

void PageAppender::AppendReport(storage::Appender* app, int64_t ts_ms, double up,
                                std::chrono::steady_clock::time_point start,
                                const ScrapeReport& rep) {
  const double duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double values[] = {up, duration_s, static_cast<double>(rep.scraped),
                           static_cast<double>(rep.post_relabel),
                           static_cast<double>(rep.series_added)};
  for (size_t i = 0; i < report_series_.size(); ++i) {
    ReportSeries& s = report_series_[i];
    storage::AppendResult r = app->Append(s.ref, s.view, ts_ms, values[i]);
    if (r.ref != 0) s.ref = r.ref;
  }
  reported_ = true;
}

ScrapeReport PageAppender::Scrape(const Status& fetch_error, const Page& page, int64_t ts_ms,
                                  std::chrono::steady_clock::time_point start) {
  ScrapeReport rep;
  ++iter_;
  if (fetch_error.ok()) {
    auto app = storage_->NewAppender();
    rep.error = AppendPage(app.get(), page, ts_ms, &rep);
    if (rep.error.ok()) {
      // Every series of the last scrape at its old position, none more:
      // nothing vanished, no need to look.
      const bool same_series = order_misses_ == 0 && cur_order_.size() == prev_order_.size();
      if (!same_series) AppendStale(app.get(), last_ok_iter_, ts_ms, &rep);
      StaleOrphans(app.get(), ts_ms, /*all=*/false, &rep);
      AppendReport(app.get(), ts_ms, 1, start, rep);
      rep.error = app->Commit();
      if (rep.error.ok()) {
        // Series of the last good scrape missing from this one just got
        // their markers: they leave the cache.
        if (!same_series) {
          std::vector<std::string> gone;
          for (Entry* e : prev_order_) {
            if (e->seen_iter != iter_ && e->seen_iter != 0) {
              e->seen_iter = 0;  // listed twice: collected once
              gone.emplace_back(e->key);
            }
          }
          for (const auto& key : gone) cache_.erase(key);
        }
        prev_order_.swap(cur_order_);
        cur_order_.clear();
        last_ok_iter_ = iter_;
        return rep;
      }
    } else {
      app->Rollback();
    }
    UndoIteration();
    cur_order_.clear();
  } else {
    rep.error = fetch_error;
  }
  // Failed: every series of the last good scrape goes stale, and the
  // synthetic series say why.
  uint64_t scraped = rep.scraped;
  auto app = storage_->NewAppender();
  ScrapeReport stale_rep;
  AppendStale(app.get(), last_ok_iter_, ts_ms, &stale_rep);
  StaleOrphans(app.get(), ts_ms, /*all=*/true, &stale_rep);
  rep.stale_markers = stale_rep.stale_markers;
  ScrapeReport shown;
  shown.scraped = scraped;
  shown.post_relabel = rep.post_relabel;
  shown.series_added = 0;
  AppendReport(app.get(), ts_ms, 0, start, shown);
  (void)app->Commit();
  // The series stay in the cache (their refs are still good) but none is
  // "live": the next good scrape does not mark them stale again.
  last_ok_iter_ = 0;
  return rep;
}

void PageAppender::MarkAllStale(int64_t ts_ms) {
  auto app = storage_->NewAppender();
  ScrapeReport rep;
  AppendStale(app.get(), last_ok_iter_, ts_ms, &rep);
  StaleOrphans(app.get(), ts_ms, /*all=*/true, &rep);
  if (reported_) {
    const double stale = model::StaleNaN();
    for (auto& s : report_series_) (void)app->Append(s.ref, s.view, ts_ms, stale);
  }
  (void)app->Commit();
  last_ok_iter_ = 0;
}

TargetMetadata PageAppender::Metadata() const {
  std::lock_guard<std::mutex> lock(metadata_mu_);
  TargetMetadata out(metadata_.begin(), metadata_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace vigil::scrape
