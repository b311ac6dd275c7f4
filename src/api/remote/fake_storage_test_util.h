// Test-only: an in-memory storage::Appendable + storage::Queryable with just
// enough behaviour to exercise the remote handlers: per-series out-of-order
// and duplicate rejection, an optional series limit, injectable errors, and
// counters of what the handlers called.
//
// Thread-safety: all methods may be called concurrently (one mutex).
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/coding.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/querier_test_util.h"
#include "storage/storage.h"

namespace vigil::remote::testing {

class FakeStorage : public storage::Appendable, public storage::Queryable {
 public:
  // Knobs, set before use.
  size_t max_series = 0;            // > 0: creating more series is kSeriesLimit
  model::LabelLimits label_limits;  // checked when a series is created, as the TSDB does
  Status commit_error;              // returned by every Commit when not OK
  Status querier_error;             // returned by every NewQuerier when not OK
  bool no_appender = false;         // NewAppender returns null

  // Adds committed samples directly (for read tests).
  void Add(const model::Labels& labels, std::vector<model::Sample> samples) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = series_[labels];
    s.insert(s.end(), samples.begin(), samples.end());
  }

  std::vector<model::Sample> Samples(const model::Labels& labels) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = series_.find(labels);
    return it == series_.end() ? std::vector<model::Sample>{} : it->second;
  }
  std::vector<model::Labels> AllSeries() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<model::Labels> out;
    for (const auto& [l, s] : series_) {
      if (!s.empty()) out.push_back(l);
    }
    return out;
  }
  size_t NumSamples() const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [l, s] : series_) n += s.size();
    return n;
  }
  std::map<std::string, storage::MetricMetadata> Metadata() const {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_;
  }
  int commits() const { return Locked(commits_); }
  int rollbacks() const { return Locked(rollbacks_); }
  // Append calls that passed a ref the fake had handed out.
  size_t appends_with_ref() const { return Locked(appends_with_ref_); }
  storage::SelectHints last_hints() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_hints_;
  }
  std::vector<std::string> last_matchers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_matchers_;
  }

  std::unique_ptr<storage::Appender> NewAppender() override {
    if (no_appender) return nullptr;
    return std::make_unique<FakeAppender>(this);
  }

  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    if (!querier_error.ok()) return querier_error;
    std::lock_guard<std::mutex> lock(mu_);
    return std::unique_ptr<storage::Querier>(new FakeQuerier(this, series_, mint, maxt));
  }

 private:
  template <typename T>
  T Locked(const T& v) const {
    std::lock_guard<std::mutex> lock(mu_);
    return v;
  }

  class FakeAppender : public storage::Appender {
   public:
    explicit FakeAppender(FakeStorage* s) : s_(s) {}
    storage::AppendResult Append(storage::SeriesRef ref, model::LabelsView labels, int64_t t,
                                 double v) override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      storage::AppendResult r;
      const model::Labels* key = nullptr;
      if (ref != 0 && ref <= s_->refs_.size()) {
        key = &s_->refs_[ref - 1];
        ++s_->appends_with_ref_;
      } else {
        model::Labels ls = model::Labels::FromView(labels);
        auto it = s_->ref_of_.find(ls);
        if (it == s_->ref_of_.end()) {
          model::LabelValidation v = model::ValidateLabels(labels, s_->label_limits);
          if (!v.ok()) {
            bool limit = v.error == model::LabelError::kTooManyLabels ||
                         v.error == model::LabelError::kNameTooLong ||
                         v.error == model::LabelError::kValueTooLong;
            r.reject =
                limit ? storage::RejectReason::kLabelLimit : storage::RejectReason::kInvalidLabels;
            r.detail = v.message;
            return r;
          }
          if (s_->max_series > 0 && s_->refs_.size() >= s_->max_series) {
            r.reject = storage::RejectReason::kSeriesLimit;
            r.detail = "the fake's series limit";
            return r;
          }
          s_->refs_.push_back(ls);
          it = s_->ref_of_.emplace(ls, s_->refs_.size()).first;
          s_->series_[ls];
        }
        key = &s_->refs_[it->second - 1];
      }
      r.ref = s_->ref_of_.at(*key);
      // The newest sample: staged ones first, then committed ones.
      const model::Sample* last = nullptr;
      for (auto it = staged_.rbegin(); it != staged_.rend(); ++it) {
        if (it->ref == r.ref) {
          last = &it->sample;
          break;
        }
      }
      const auto& committed = s_->series_[*key];
      if (last == nullptr && !committed.empty()) last = &committed.back();
      if (last != nullptr && t < last->t) {
        r.reject = storage::RejectReason::kOutOfOrder;
      } else if (last != nullptr && t == last->t) {
        if (DoubleBits(last->v) != DoubleBits(v)) r.reject = storage::RejectReason::kDuplicate;
        return r;  // an identical resend is accepted and dropped
      }
      if (r.ok()) staged_.push_back(Staged{r.ref, model::Sample{t, v}});
      return r;
    }
    void UpdateMetadata(std::string_view family, const storage::MetricMetadata& md) override {
      staged_metadata_.emplace_back(std::string(family), md);
    }
    Status Commit() override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      ++s_->commits_;
      if (!s_->commit_error.ok()) {
        staged_.clear();
        return s_->commit_error;
      }
      for (const Staged& st : staged_) s_->series_[s_->refs_[st.ref - 1]].push_back(st.sample);
      for (auto& [f, md] : staged_metadata_) s_->metadata_[f] = md;
      staged_.clear();
      staged_metadata_.clear();
      return Status::OK();
    }
    void Rollback() override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      ++s_->rollbacks_;
      staged_.clear();
    }

   private:
    struct Staged {
      storage::SeriesRef ref;
      model::Sample sample;
    };
    FakeStorage* s_;
    std::vector<Staged> staged_;
    std::vector<std::pair<std::string, storage::MetricMetadata>> staged_metadata_;
  };

  class FakeSeries : public storage::Series {
   public:
    FakeSeries(model::Labels l, std::vector<model::Sample> s)
        : labels_(std::move(l)), samples_(std::move(s)) {}
    const model::Labels& labels() const override { return labels_; }
    std::unique_ptr<storage::SeriesIterator> Iterator() const override {
      return std::make_unique<Iter>(&samples_);
    }

   private:
    class Iter : public storage::SeriesIterator {
     public:
      explicit Iter(const std::vector<model::Sample>* s) : s_(s) {}
      bool Next() override { return ++i_ < s_->size(); }
      bool Seek(int64_t t) override {
        if (i_ == static_cast<size_t>(-1)) i_ = 0;
        while (i_ < s_->size() && (*s_)[i_].t < t) ++i_;
        return i_ < s_->size();
      }
      int64_t t() const override { return (*s_)[i_].t; }
      double v() const override { return (*s_)[i_].v; }

     private:
      const std::vector<model::Sample>* s_;
      size_t i_ = static_cast<size_t>(-1);
    };
    model::Labels labels_;
    std::vector<model::Sample> samples_;
  };

  class FakeSet : public storage::SeriesSet {
   public:
    explicit FakeSet(std::vector<FakeSeries> s) : s_(std::move(s)) {}
    bool Next() override { return ++i_ < s_.size(); }
    const storage::Series& At() const override { return s_[i_]; }
    Status status() const override { return Status::OK(); }

   private:
    std::vector<FakeSeries> s_;
    size_t i_ = static_cast<size_t>(-1);
  };

  class FakeQuerier : public storage::testing::SelectOnlyQuerier {
   public:
    FakeQuerier(FakeStorage* s, const std::map<model::Labels, std::vector<model::Sample>>& data,
                int64_t mint, int64_t maxt)
        : s_(s) {
      for (const auto& [l, samples] : data) {
        std::vector<model::Sample> in;
        for (const auto& x : samples) {
          if (x.t >= mint && x.t <= maxt) in.push_back(x);
        }
        if (!in.empty()) data_.emplace_back(l, std::move(in));
      }
    }
    std::unique_ptr<storage::SeriesSet> Select(
        bool sorted, const storage::SelectHints* hints,
        const std::vector<model::Matcher>& matchers) override {
      {
        std::lock_guard<std::mutex> lock(s_->mu_);
        if (hints != nullptr) s_->last_hints_ = *hints;
        s_->last_matchers_.clear();
        for (const auto& m : matchers) s_->last_matchers_.push_back(m.ToString());
      }
      bool selective = std::any_of(matchers.begin(), matchers.end(),
                                   [](const model::Matcher& m) { return !m.MatchesEmpty(); });
      if (!selective) {
        return storage::ErrorSeriesSet(
            Status::InvalidArgument("at least one matcher must not match the empty string"));
      }
      std::vector<FakeSeries> out;
      for (const auto& [l, samples] : data_) {
        if (model::MatchesAll(matchers, l)) out.emplace_back(l, samples);
      }
      if (sorted) {
        std::sort(out.begin(), out.end(),
                  [](const FakeSeries& a, const FakeSeries& b) { return a.labels() < b.labels(); });
      }
      return std::make_unique<FakeSet>(std::move(out));
    }

   private:
    FakeStorage* s_;
    std::vector<std::pair<model::Labels, std::vector<model::Sample>>> data_;
  };

  mutable std::mutex mu_;
  std::map<model::Labels, std::vector<model::Sample>> series_;
  std::vector<model::Labels> refs_;  // ref - 1 -> labels
  std::map<model::Labels, storage::SeriesRef> ref_of_;
  std::map<std::string, storage::MetricMetadata> metadata_;
  int commits_ = 0;
  int rollbacks_ = 0;
  size_t appends_with_ref_ = 0;
  storage::SelectHints last_hints_;
  std::vector<std::string> last_matchers_;
};

}  // namespace vigil::remote::testing
