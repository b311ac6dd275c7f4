// An in-memory LogReader and LogSink for the Loki API's tests: streams by
// label set, entries kept sorted by time (arrival order among equal times).
// A FakeLogStore pushed to through Consume is readable at once, so a push
// test can query what it pushed. Thread-safe (one mutex).
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/log_record.h"
#include "model/matcher.h"
#include "storage/logstore/log_reader.h"

namespace vigil::api::loki::testing {

class FakeLogStore : public logstore::LogReader, public model::LogSink {
 public:
  void Add(const model::Labels& stream, int64_t t_ns, std::string line,
           std::vector<model::LogAttribute> metadata = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    AddLocked(stream, t_ns, std::move(line), std::move(metadata));
  }

  // Records whose body starts with "REJECT" are refused one by one.
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    model::ConsumeResult r;
    if (!fail_status_.ok()) {
      r.status = fail_status_;
      return r;
    }
    for (size_t i = 0; i < batch.records.size(); ++i) {
      model::LogRecord& rec = batch.records[i];
      if (rec.body.rfind("REJECT", 0) == 0) {
        r.rejected.push_back({i, "line_rejected", "the test refuses this line"});
        continue;
      }
      consumed_.push_back(rec);
      AddLocked(rec.stream, rec.EffectiveTime(), rec.body, rec.attributes);
    }
    return r;
  }

  void FailConsume(Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_status_ = std::move(st);
  }
  std::vector<model::LogRecord> consumed() {
    std::lock_guard<std::mutex> lock(mu_);
    return consumed_;
  }
  // The parameters of the last Select, LabelNames, ... call.
  logstore::SelectParams last_select() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_select_;
  }
  std::vector<model::Matcher> last_matchers() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_matchers_;
  }
  std::pair<int64_t, int64_t> last_range() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_range_;
  }

  Result<std::unique_ptr<logstore::StreamSet>> Select(const logstore::SelectParams& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_select_ = p;
    auto set = std::make_unique<Set>();
    for (const auto& [labels, entries] : streams_) {
      if (!Matches(p.matchers, labels)) continue;
      std::vector<logstore::LogEntry> in;
      for (const auto& e : entries) {
        if (e.time_ns >= p.start_ns && e.time_ns < p.end_ns) in.push_back(e);
      }
      if (in.empty()) continue;
      if (p.direction == logstore::Direction::kBackward) std::reverse(in.begin(), in.end());
      set->streams.push_back({labels, std::move(in)});
    }
    return std::unique_ptr<logstore::StreamSet>(std::move(set));
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& m, int64_t start,
                                              int64_t end) override {
    std::lock_guard<std::mutex> lock(mu_);
    Record(m, start, end);
    std::vector<std::string> out;
    for (const auto& [labels, entries] : streams_) {
      if (!Matches(m, labels) || !HasIn(entries, start, end)) continue;
      for (const auto& l : labels) out.push_back(l.name);
    }
    return SortUnique(std::move(out));
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& m, int64_t start,
                                               int64_t end) override {
    std::lock_guard<std::mutex> lock(mu_);
    Record(m, start, end);
    std::vector<std::string> out;
    for (const auto& [labels, entries] : streams_) {
      if (!Matches(m, labels) || !HasIn(entries, start, end) || !labels.Has(name)) continue;
      out.emplace_back(labels.Get(name));
    }
    return SortUnique(std::move(out));
  }

  Result<std::vector<model::Labels>> Series(const std::vector<model::Matcher>& m, int64_t start,
                                            int64_t end) override {
    std::lock_guard<std::mutex> lock(mu_);
    Record(m, start, end);
    std::vector<model::Labels> out;
    for (const auto& [labels, entries] : streams_) {
      if (Matches(m, labels) && HasIn(entries, start, end)) out.push_back(labels);
    }
    return out;
  }

  Result<logstore::IndexStats> Stats(const std::vector<model::Matcher>& m, int64_t start,
                                     int64_t end) override {
    std::lock_guard<std::mutex> lock(mu_);
    Record(m, start, end);
    logstore::IndexStats s;
    for (const auto& [labels, entries] : streams_) {
      if (!Matches(m, labels) || !HasIn(entries, start, end)) continue;
      ++s.streams;
      ++s.chunks;
      for (const auto& e : entries) {
        if (e.time_ns < start || e.time_ns >= end) continue;
        ++s.entries;
        s.bytes += e.line.size();
      }
    }
    return s;
  }

 private:
  struct Iter : logstore::EntryIterator {
    explicit Iter(const std::vector<logstore::LogEntry>* e) : entries(e) {}
    bool Next() override { return ++pos < static_cast<ptrdiff_t>(entries->size()); }
    const logstore::LogEntry& At() const override { return (*entries)[pos]; }
    const std::vector<logstore::LogEntry>* entries;
    ptrdiff_t pos = -1;
  };
  struct Set : logstore::StreamSet {
    struct S {
      model::Labels labels;
      std::vector<logstore::LogEntry> entries;
    };
    bool Next() override { return ++pos < static_cast<ptrdiff_t>(streams.size()); }
    const model::Labels& labels() const override { return streams[pos].labels; }
    std::unique_ptr<logstore::EntryIterator> Entries() override {
      return std::make_unique<Iter>(&streams[pos].entries);
    }
    Status status() const override { return Status::OK(); }
    std::vector<S> streams;
    ptrdiff_t pos = -1;
  };

  void AddLocked(const model::Labels& stream, int64_t t_ns, std::string line,
                 std::vector<model::LogAttribute> metadata) {
    auto& entries = streams_[stream];
    logstore::LogEntry e{t_ns, std::move(line), std::move(metadata)};
    auto it =
        std::upper_bound(entries.begin(), entries.end(), t_ns,
                         [](int64_t t, const logstore::LogEntry& x) { return t < x.time_ns; });
    entries.insert(it, std::move(e));
  }
  static bool Matches(const std::vector<model::Matcher>& m, const model::Labels& l) {
    for (const auto& x : m) {
      if (!x.Matches(l.Get(x.name()))) return false;
    }
    return true;
  }
  static bool HasIn(const std::vector<logstore::LogEntry>& e, int64_t start, int64_t end) {
    for (const auto& x : e) {
      if (x.time_ns >= start && x.time_ns < end) return true;
    }
    return false;
  }
  static std::vector<std::string> SortUnique(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }
  void Record(const std::vector<model::Matcher>& m, int64_t start, int64_t end) {
    last_matchers_ = m;
    last_range_ = {start, end};
  }

  std::mutex mu_;
  std::map<model::Labels, std::vector<logstore::LogEntry>> streams_;
  std::vector<model::LogRecord> consumed_;
  Status fail_status_;
  logstore::SelectParams last_select_;
  std::vector<model::Matcher> last_matchers_;
  std::pair<int64_t, int64_t> last_range_;
};

}  // namespace vigil::api::loki::testing
