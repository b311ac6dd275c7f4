#include "query/promql/promqltest/mem_storage.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace vigil::promql::promqltest {

namespace {

bool SameBits(double a, double b) {
  uint64_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

class VectorIterator final : public storage::SeriesIterator {
 public:
  explicit VectorIterator(const std::vector<model::Sample>* samples) : samples_(samples) {}

  bool Next() override {
    if (pos_ >= samples_->size()) return false;
    if (!started_) {
      started_ = true;
    } else {
      ++pos_;
    }
    return pos_ < samples_->size();
  }

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      pos_ = 0;
    }
    if (pos_ >= samples_->size()) return false;
    if ((*samples_)[pos_].t >= t) return true;
    auto it =
        std::lower_bound(samples_->begin() + static_cast<std::ptrdiff_t>(pos_), samples_->end(), t,
                         [](const model::Sample& s, int64_t ts) { return s.t < ts; });
    pos_ = static_cast<size_t>(it - samples_->begin());
    return pos_ < samples_->size();
  }

  int64_t t() const override { return (*samples_)[pos_].t; }
  double v() const override { return (*samples_)[pos_].v; }

 private:
  const std::vector<model::Sample>* samples_;
  size_t pos_ = 0;
  bool started_ = false;
};

class CopiedSeries final : public storage::Series {
 public:
  CopiedSeries(model::Labels labels, std::vector<model::Sample> samples)
      : labels_(std::move(labels)), samples_(std::move(samples)) {}
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SeriesIterator> Iterator() const override {
    return std::make_unique<VectorIterator>(&samples_);
  }

 private:
  model::Labels labels_;
  std::vector<model::Sample> samples_;
};

class CopiedSeriesSet final : public storage::SeriesSet {
 public:
  explicit CopiedSeriesSet(std::vector<std::unique_ptr<CopiedSeries>> series)
      : series_(std::move(series)) {}
  bool Next() override {
    if (!started_) {
      started_ = true;
    } else if (pos_ < series_.size()) {
      ++pos_;
    }
    return pos_ < series_.size();
  }
  const storage::Series& At() const override { return *series_[pos_]; }
  Status status() const override { return Status::OK(); }
  bool LabelsOutliveNext() const override { return true; }

 private:
  std::vector<std::unique_ptr<CopiedSeries>> series_;
  size_t pos_ = 0;
  bool started_ = false;
};

}  // namespace

class MemStorage::Querier final : public storage::Querier {
 public:
  Querier(MemStorage* db, int64_t mint, int64_t maxt) : db_(db), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(bool /*sorted*/, const storage::SelectHints* hints,
                                             const std::vector<model::Matcher>& matchers) override {
    std::vector<std::unique_ptr<CopiedSeries>> out;
    std::lock_guard<std::mutex> lock(db_->mu_);
    // Always sorted: the map is ordered by labels.
    for (const auto& [labels, samples] : db_->series_) {
      if (!model::MatchesAll(matchers, labels)) continue;
      auto lo = std::lower_bound(samples.begin(), samples.end(), mint_,
                                 [](const model::Sample& s, int64_t t) { return s.t < t; });
      auto hi = std::upper_bound(samples.begin(), samples.end(), maxt_,
                                 [](int64_t t, const model::Sample& s) { return t < s.t; });
      if (lo >= hi) continue;
      std::vector<model::Sample> in_range;
      if (hints == nullptr || !hints->series_only) in_range.assign(lo, hi);
      out.push_back(std::make_unique<CopiedSeries>(labels, std::move(in_range)));
      if (hints != nullptr && hints->limit > 0 && out.size() >= hints->limit) break;
    }
    return std::make_unique<CopiedSeriesSet>(std::move(out));
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& matchers,
                                               size_t limit) override {
    std::set<std::string> values;
    auto set = Select(true, nullptr, matchers);
    while (set->Next()) {
      std::string_view v = set->At().labels().Get(name);
      if (!v.empty()) values.emplace(v);
    }
    std::vector<std::string> out(values.begin(), values.end());
    if (limit > 0 && out.size() > limit) out.resize(limit);
    return out;
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                              size_t limit) override {
    std::set<std::string> names;
    auto set = Select(true, nullptr, matchers);
    while (set->Next()) {
      for (const auto& l : set->At().labels()) names.insert(l.name);
    }
    std::vector<std::string> out(names.begin(), names.end());
    if (limit > 0 && out.size() > limit) out.resize(limit);
    return out;
  }

 private:
  MemStorage* db_;
  int64_t mint_;
  int64_t maxt_;
};

Status MemStorage::Add(const model::Labels& labels, int64_t t, double v) {
  if (labels.empty()) return Status::InvalidArgument("a series needs at least one label");
  std::lock_guard<std::mutex> lock(mu_);
  auto& samples = series_[labels];
  auto it = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const model::Sample& s, int64_t ts) { return s.t < ts; });
  if (it != samples.end() && it->t == t) {
    if (SameBits(it->v, v)) return Status::OK();
    return Status::InvalidArgument(
        fmt::format("duplicate sample for timestamp {} in {}", t, labels.ToString()));
  }
  samples.insert(it, model::Sample{t, v});
  return Status::OK();
}

void MemStorage::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  series_.clear();
}

size_t MemStorage::NumSeries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

Result<std::unique_ptr<storage::Querier>> MemStorage::NewQuerier(int64_t mint, int64_t maxt) {
  return std::unique_ptr<storage::Querier>(std::make_unique<Querier>(this, mint, maxt));
}

}  // namespace vigil::promql::promqltest
