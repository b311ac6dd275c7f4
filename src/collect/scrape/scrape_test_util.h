// Test helpers for the scrape module: an Appendable that records what was
// committed, and a Fetcher that serves pages from memory.
#pragma once

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "collect/scrape/scrape_loop.h"
#include "model/sample.h"
#include "storage/storage.h"

namespace vigil::scrape::testing {

struct Recorded {
  model::Labels labels;
  int64_t t;
  double v;
};

class RecordingStorage : public storage::Appendable {
 public:
  class App : public storage::Appender {
   public:
    explicit App(RecordingStorage* s) : s_(s) {}
    storage::AppendResult Append(storage::SeriesRef ref, model::LabelsView labels, int64_t t,
                                 double v) override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      model::Labels l;
      if (ref != 0 && ref <= s_->by_ref_.size()) {
        l = s_->by_ref_[ref - 1];
      } else {
        l = model::Labels::FromView(labels);
      }
      storage::AppendResult r;
      auto it = s_->refs_.find(l.ToString());
      if (it == s_->refs_.end()) {
        s_->by_ref_.push_back(l);
        it = s_->refs_.emplace(l.ToString(), s_->by_ref_.size()).first;
      }
      r.ref = it->second;
      staged_.push_back({l, t, v});
      return r;
    }
    void UpdateMetadata(std::string_view family, const storage::MetricMetadata& md) override {
      staged_md_.emplace_back(std::string(family), md);
    }
    Status Commit() override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      for (auto& r : staged_) s_->samples_.push_back(std::move(r));
      staged_.clear();
      for (auto& m : staged_md_) s_->metadata_.push_back(std::move(m));
      staged_md_.clear();
      ++s_->commits_;
      return Status::OK();
    }
    void Rollback() override {
      staged_.clear();
      staged_md_.clear();
    }

   private:
    RecordingStorage* s_;
    std::vector<Recorded> staged_;
    std::vector<std::pair<std::string, storage::MetricMetadata>> staged_md_;
  };

  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(this); }

  std::vector<Recorded> Samples() const {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    samples_.clear();
  }
  // The committed samples of the series printed as `labels` ({__name__="x", ...}).
  std::vector<Recorded> Of(const std::string& labels) const {
    std::vector<Recorded> out;
    for (const auto& r : Samples()) {
      if (r.labels.ToString() == labels) out.push_back(r);
    }
    return out;
  }
  // Every committed UpdateMetadata call, in order.
  std::vector<std::pair<std::string, storage::MetricMetadata>> MetadataUpdates() const {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_;
  }
  int commits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<model::Labels> by_ref_;
  std::map<std::string, storage::SeriesRef> refs_;
  std::vector<Recorded> samples_;
  std::vector<std::pair<std::string, storage::MetricMetadata>> metadata_;
  int commits_ = 0;
};

// Serves whatever page was set last.
class StaticFetcher : public Fetcher {
 public:
  struct State {
    std::mutex mu;
    std::string body;
    std::string content_type = "text/plain; version=0.0.4";
    Status error;
    int fetches = 0;
  };
  explicit StaticFetcher(std::shared_ptr<State> s) : s_(std::move(s)) {}
  Status Fetch(const FetchRequest&, Fetched* out) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->fetches;
    if (!s_->error.ok()) return s_->error;
    out->body = s_->body;
    out->content_type = s_->content_type;
    return Status::OK();
  }

 private:
  std::shared_ptr<State> s_;
};

}  // namespace vigil::scrape::testing
