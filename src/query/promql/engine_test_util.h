// Test helpers of the engine's tests: an in-memory Queryable. Owned by the
// engine engineer.
//
// Thread-safety: MemQueryable may be queried from several threads once
// filled (not while being filled).
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/querier_test_util.h"
#include "storage/storage.h"

namespace vigil::promql::testing {

// Series in memory, each a sorted list of samples.
class MemQueryable final : public storage::Queryable {
 public:
  void Add(const model::Labels& labels, int64_t t, double v) {
    auto& s = series_[labels];
    s.push_back(model::Sample{t, v});
    std::sort(s.begin(), s.end(),
              [](const model::Sample& a, const model::Sample& b) { return a.t < b.t; });
  }
  // Samples v0, v0+step, ... (count of them) every interval ms from t0.
  void AddLinear(const model::Labels& labels, int64_t t0, int64_t interval, double v0, double step,
                 int count) {
    for (int i = 0; i < count; ++i) Add(labels, t0 + i * interval, v0 + step * i);
  }
  int queriers() const { return queriers_; }

  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    ++queriers_;
    return std::unique_ptr<storage::Querier>(new Querier(this, mint, maxt));
  }

 private:
  class Iterator final : public storage::SeriesIterator {
   public:
    explicit Iterator(std::vector<model::Sample> s) : s_(std::move(s)) {}
    bool Next() override {
      if (!started_) {
        started_ = true;
      } else if (pos_ < s_.size()) {
        ++pos_;
      }
      return pos_ < s_.size();
    }
    bool Seek(int64_t t) override {
      if (started_ && pos_ < s_.size() && s_[pos_].t >= t) return true;
      started_ = true;
      while (pos_ < s_.size() && s_[pos_].t < t) ++pos_;
      return pos_ < s_.size();
    }
    int64_t t() const override { return s_[pos_].t; }
    double v() const override { return s_[pos_].v; }

   private:
    std::vector<model::Sample> s_;
    size_t pos_ = 0;
    bool started_ = false;
  };

  class OneSeries final : public storage::Series {
   public:
    const model::Labels& labels() const override { return labels_; }
    std::unique_ptr<storage::SeriesIterator> Iterator() const override {
      return std::make_unique<MemQueryable::Iterator>(samples_);
    }
    model::Labels labels_;
    std::vector<model::Sample> samples_;
  };

  class Set final : public storage::SeriesSet {
   public:
    bool Next() override { return ++pos_ < static_cast<long>(series_.size()); }
    const storage::Series& At() const override { return series_[static_cast<size_t>(pos_)]; }
    Status status() const override { return Status::OK(); }
    std::vector<OneSeries> series_;
    long pos_ = -1;
  };

  class Querier final : public storage::testing::SelectOnlyQuerier {
   public:
    Querier(MemQueryable* q, int64_t mint, int64_t maxt) : q_(q), mint_(mint), maxt_(maxt) {}
    std::unique_ptr<storage::SeriesSet> Select(bool, const storage::SelectHints*,
                                               const std::vector<model::Matcher>& ms) override {
      auto set = std::make_unique<Set>();
      for (const auto& [labels, samples] : q_->series_) {
        if (!model::MatchesAll(ms, labels)) continue;
        OneSeries s;
        s.labels_ = labels;
        for (const auto& smp : samples) {
          if (smp.t >= mint_ && smp.t <= maxt_) s.samples_.push_back(smp);
        }
        if (!s.samples_.empty()) set->series_.push_back(std::move(s));
      }
      return set;
    }

   private:
    MemQueryable* q_;
    int64_t mint_, maxt_;
  };

  std::map<model::Labels, std::vector<model::Sample>> series_;
  std::atomic<int> queriers_{0};
};

}  // namespace vigil::promql::testing
