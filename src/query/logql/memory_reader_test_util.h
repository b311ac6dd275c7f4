// An in-memory logstore::LogReader for tests and benchmarks: streams are
// added whole, Select honours matchers, [start, end) and direction (entries
// with equal timestamps keep arrival order forward, reverse it backward).
//
// Owner: helper "logql". Thread-safety: Add before reading; reads may then
// run concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/matcher.h"
#include "storage/logstore/log_reader.h"

namespace vigil::logql::testing {

class MemoryReader : public logstore::LogReader {
 public:
  void Add(const model::Labels& labels, int64_t t, std::string line,
           std::vector<model::LogAttribute> metadata = {}) {
    auto& v = streams_[labels];
    // Kept sorted by time as entries arrive; equal times keep arrival order.
    auto pos = std::upper_bound(v.begin(), v.end(), t, [](int64_t x, const logstore::LogEntry& e) {
      return x < e.time_ns;
    });
    v.insert(pos, logstore::LogEntry{t, std::move(line), std::move(metadata)});
  }
  size_t lines_returned() const { return lines_returned_; }

  Result<std::unique_ptr<logstore::StreamSet>> Select(const logstore::SelectParams& p) override {
    auto set = std::make_unique<Set>();
    for (const auto& [labels, entries] : streams_) {
      if (!model::MatchesAll(p.matchers, labels)) continue;
      std::vector<const logstore::LogEntry*> picked;
      for (const auto& e : entries) {
        if (e.time_ns < p.start_ns || e.time_ns >= p.end_ns) continue;
        picked.push_back(&e);
      }
      if (picked.empty()) continue;
      if (p.direction == logstore::Direction::kBackward) std::reverse(picked.begin(), picked.end());
      lines_returned_ += picked.size();
      set->streams.push_back({labels, std::move(picked)});
    }
    return std::unique_ptr<logstore::StreamSet>(std::move(set));
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>&, int64_t,
                                              int64_t) override {
    std::vector<std::string> out;
    for (const auto& [labels, e] : streams_) {
      for (const auto& l : labels) out.push_back(l.name);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>&, int64_t,
                                               int64_t) override {
    std::vector<std::string> out;
    for (const auto& [labels, e] : streams_) {
      if (labels.Has(name)) out.emplace_back(labels.Get(name));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  Result<std::vector<model::Labels>> Series(const std::vector<model::Matcher>& matchers, int64_t,
                                            int64_t) override {
    std::vector<model::Labels> out;
    for (const auto& [labels, e] : streams_) {
      if (model::MatchesAll(matchers, labels)) out.push_back(labels);
    }
    return out;
  }
  Result<logstore::IndexStats> Stats(const std::vector<model::Matcher>&, int64_t,
                                     int64_t) override {
    return logstore::IndexStats{};
  }

 private:
  struct Set : logstore::StreamSet {
    struct S {
      model::Labels labels;
      std::vector<const logstore::LogEntry*> entries;
    };
    std::vector<S> streams;
    size_t pos = 0;
    bool started = false;
    bool Next() override {
      if (started) ++pos;
      started = true;
      return pos < streams.size();
    }
    const model::Labels& labels() const override { return streams[pos].labels; }
    std::unique_ptr<logstore::EntryIterator> Entries() override {
      return std::make_unique<Iter>(&streams[pos].entries);
    }
    Status status() const override { return Status::OK(); }
  };
  struct Iter : logstore::EntryIterator {
    explicit Iter(const std::vector<const logstore::LogEntry*>* e) : entries(e) {}
    const std::vector<const logstore::LogEntry*>* entries;
    size_t pos = 0;
    bool started = false;
    bool Next() override {
      if (started) ++pos;
      started = true;
      return pos < entries->size();
    }
    const logstore::LogEntry& At() const override { return *(*entries)[pos]; }
  };
  std::map<model::Labels, std::vector<logstore::LogEntry>> streams_;
  std::atomic<size_t> lines_returned_{0};
};

}  // namespace vigil::logql::testing
