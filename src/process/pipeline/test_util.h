// Test helpers for the pipeline tests: records, fake sinks and a fake
// Appendable. Not part of the library.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "model/log_record.h"
#include "process/pipeline/step.h"
#include "storage/storage.h"

namespace vigil::pipeline::testing {

inline model::LogRecord Rec(std::string body, model::Labels stream = {}) {
  model::LogRecord r;
  r.body = std::move(body);
  r.stream = stream.empty() ? model::Labels::FromStrings({"job", "app"}) : std::move(stream);
  r.observed_time_ns = 1700000000000000000;
  return r;
}

inline std::string Attr(const model::LogRecord& r, std::string_view key) {
  for (const auto& a : r.attributes) {
    if (a.key == key) return a.value;
  }
  return "<absent>";
}

inline WorkBatch Batch(std::vector<model::LogRecord> records) {
  WorkBatch b;
  b.records = std::move(records);
  for (size_t i = 0; i < b.records.size(); ++i) {
    b.origin.push_back(static_cast<uint32_t>(i));
    b.errored.push_back(0);
  }
  return b;
}

class FakeSink : public model::LogSink {
 public:
  model::ConsumeResult Consume(model::LogBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu);
    model::ConsumeResult r;
    if (!fail.ok()) {
      r.status = fail;
      return r;
    }
    for (size_t i = 0; i < batch.records.size(); ++i) {
      if (reject_bodies.count(batch.records[i].body)) {
        r.rejected.push_back(model::LogRejection{i, "line_too_long", "too long"});
      } else {
        records.push_back(batch.records[i]);
      }
    }
    for (auto& o : batch.offsets) offsets.push_back(o);
    ++calls;
    return r;
  }
  std::vector<std::string> Bodies() {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.body);
    return out;
  }

  std::mutex mu;
  Status fail;
  std::set<std::string> reject_bodies;
  std::vector<model::LogRecord> records;
  std::vector<model::SourceOffset> offsets;
  int calls = 0;
};

struct AppendedSample {
  std::string labels;
  int64_t t;
  double v;
};

class FakeAppendable : public storage::Appendable {
 public:
  class App : public storage::Appender {
   public:
    explicit App(FakeAppendable* parent) : parent_(parent) {}
    storage::AppendResult Append(storage::SeriesRef ref, model::LabelsView labels, int64_t t,
                                 double v) override {
      std::string key;
      if (!labels.empty()) {
        key = model::Labels::FromView(labels).ToString();
      } else {
        key = parent_->by_ref[ref];
      }
      storage::AppendResult r;
      auto it = parent_->refs.find(key);
      if (it == parent_->refs.end()) {
        it = parent_->refs.emplace(key, parent_->refs.size() + 1).first;
        parent_->by_ref[it->second] = key;
      }
      r.ref = it->second;
      staged_.push_back(AppendedSample{key, t, v});
      return r;
    }
    void UpdateMetadata(std::string_view family, const storage::MetricMetadata& md) override {
      parent_->metadata[std::string(family)] = md.type;
    }
    Status Commit() override {
      for (auto& s : staged_) parent_->samples.push_back(s);
      staged_.clear();
      return Status::OK();
    }
    void Rollback() override { staged_.clear(); }

   private:
    FakeAppendable* parent_;
    std::vector<AppendedSample> staged_;
  };

  std::unique_ptr<storage::Appender> NewAppender() override { return std::make_unique<App>(this); }

  std::vector<AppendedSample> samples;
  std::map<std::string, uint64_t> refs;
  std::map<uint64_t, std::string> by_ref;
  std::map<std::string, storage::MetricMetadata::Type> metadata;
};

}  // namespace vigil::pipeline::testing
