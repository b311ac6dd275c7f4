#include "storage/tsdb/head_appender.h"

#include <algorithm>
#include <mutex>

#include "base/time.h"
#include "storage/tsdb/wal/records.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::tsdb {

using storage::AppendResult;
using storage::RejectReason;

HeadAppender::HeadAppender(Head* head) : head_(head) { head_->append_gate().Enter(); }

HeadAppender::~HeadAppender() {
  if (!done_) Rollback();
}

AppendResult HeadAppender::Append(storage::SeriesRef ref, model::LabelsView labels, int64_t t,
                                  double v) {
  AppendResult res;
  MemSeries* s = head_->GetByRef(ref);
  if (s == nullptr) {
    Head::GetOrCreateResult g = head_->GetOrCreate(labels);
    if (g.series == nullptr) {
      res.reject = g.reject;
      res.detail = std::move(g.detail);
      head_->rejected(res.reject)->Inc();
      return res;
    }
    s = g.series;
  }
  res.ref = s->ref;
  RejectReason r;
  if (s == last_series_ && t <= last_t_) {
    // Within one batch the series' newest sample is the staged one.
    if (t == last_t_ && DoubleBits(v) == last_v_bits_) {
      head_->Unpin(s);  // an exact duplicate is ignored, as Prometheus does
      return res;
    }
    if (head_->options().ooo_window_ms > 0) {
      std::lock_guard lock(s->mu);
      bool ooo;
      r = head_->CheckAppend(*s, t, v, &ooo);
    } else {
      r = t == last_t_ ? RejectReason::kDuplicate : RejectReason::kOutOfOrder;
    }
  } else {
    std::lock_guard lock(s->mu);
    bool ooo;
    r = head_->CheckAppend(*s, t, v, &ooo);
  }
  if (r != RejectReason::kNone) {
    head_->Unpin(s);
    res.reject = r;
    head_->rejected(r)->Inc();
    return res;
  }
  if (s != last_series_ || t > last_t_) {
    last_series_ = s;
    last_t_ = t;
    last_v_bits_ = DoubleBits(v);
  }
  // Keeps the pin until Commit/Rollback. A series logged by another
  // appender meanwhile is logged again at most: replay treats repeats as one.
  pending_.push_back(Pending{s, t, v, s->ref, !s->wal_logged.load(std::memory_order_acquire)});
  return res;
}

void HeadAppender::UpdateMetadata(std::string_view metric_family,
                                  const storage::MetricMetadata& md) {
  metadata_.emplace_back(std::string(metric_family), md);
}

Status HeadAppender::Commit() {
  if (done_) return Status::Internal("appender already committed or rolled back");
  if (pending_.empty() && metadata_.empty()) {
    Release();
    return Status::OK();
  }

  wal::Wal* wal = head_->wal();
  if (wal != nullptr) {
    // Series not yet in the WAL must precede the samples that name them. Two
    // appenders may both log a new series; replay treats repeats as one.
    std::vector<MemSeries*> unlogged;
    for (const Pending& p : pending_) {
      if (p.needs_log) unlogged.push_back(p.series);
    }
    std::sort(unlogged.begin(), unlogged.end());
    unlogged.erase(std::unique(unlogged.begin(), unlogged.end()), unlogged.end());

    std::vector<std::string> records;
    if (!unlogged.empty()) {
      std::vector<model::LabelView> views;
      std::vector<std::pair<size_t, size_t>> spans;
      for (MemSeries* s : unlogged) {
        size_t start = views.size();
        s->labels.ForEach([&](model::LabelView l) { views.push_back(l); });
        spans.emplace_back(start, views.size() - start);
      }
      std::vector<wal::RefSeriesView> series;
      series.reserve(unlogged.size());
      for (size_t i = 0; i < unlogged.size(); ++i) {
        series.push_back(wal::RefSeriesView{
            unlogged[i]->ref, model::LabelsView(views.data() + spans[i].first, spans[i].second)});
      }
      wal::EncodeSeries(std::span<const wal::RefSeriesView>(series), &records.emplace_back());
    }
    if (!pending_.empty()) {
      std::vector<wal::RefSample> samples;
      samples.reserve(pending_.size());
      for (const Pending& p : pending_) samples.push_back(wal::RefSample{p.ref, p.t, p.v});
      wal::EncodeSamples(samples, &records.emplace_back());
    }
    if (!metadata_.empty()) {
      std::vector<wal::RefMetadata> md;
      for (const auto& [name, m] : metadata_) md.push_back(wal::RefMetadata{name, m});
      wal::EncodeMetadata(md, &records.emplace_back());
    }
    Status s = wal->Log(records);
    if (!s.ok()) {
      Rollback();
      return s.WithContext("write-ahead log");
    }
    for (MemSeries* series : unlogged) series->wal_logged.store(true, std::memory_order_release);
  }

  int64_t mint = kMaxTime, maxt = kMinTime;
  size_t appended = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& p = pending_[i];
    // The series a few samples ahead are loaded while this one is appended.
    if (i + 4 < pending_.size()) __builtin_prefetch(pending_[i + 4].series);
    RejectReason r;
    {
      std::lock_guard lock(p.series->mu);
      r = head_->AppendLocked(p.series, p.t, p.v, /*check_bounds=*/false);
    }
    head_->Unpin(p.series);  // while its line is in the cache; Release skips it
    if (r == RejectReason::kNone) {
      ++appended;
      mint = std::min(mint, p.t);
      maxt = std::max(maxt, p.t);
    } else {
      // Only a conflicting value for an existing timestamp gets here.
      head_->rejected(r)->Inc();
    }
  }
  if (appended > 0) {
    head_->UpdateTimeBounds(mint, maxt);
    head_->samples_appended()->Inc(static_cast<double>(appended));
  }
  if (metadata_sink_ && !metadata_.empty()) metadata_sink_(metadata_);
  pending_.clear();  // unpinned above
  Release();
  return Status::OK();
}

void HeadAppender::Rollback() {
  if (done_) return;
  Release();
}

void HeadAppender::Release() {
  for (const Pending& p : pending_) head_->Unpin(p.series);
  pending_.clear();
  metadata_.clear();
  done_ = true;
  if (in_gate_) {
    head_->append_gate().Exit();
    in_gate_ = false;
  }
}

}  // namespace vigil::tsdb
