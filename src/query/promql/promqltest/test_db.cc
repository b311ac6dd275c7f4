#include "query/promql/promqltest/test_db.h"

#include <fmt/format.h>

#include "base/file.h"
#include "base/time.h"
#include "query/promql/promqltest/mem_storage.h"
#include "storage/tsdb/db.h"

namespace vigil::promql::promqltest {

namespace {

class MemTestDb final : public TestDb {
 public:
  Status Append(const std::vector<LoadSample>& samples) override {
    for (const auto& s : samples) VIGIL_RETURN_IF_ERROR(db_.Add(*s.labels, s.t, s.v));
    return Status::OK();
  }
  Status Clear() override {
    db_.Clear();
    return Status::OK();
  }
  storage::Queryable* queryable() override { return &db_; }

 private:
  MemStorage db_;
};

class TsdbTestDb final : public TestDb {
 public:
  explicit TsdbTestDb(bool flush_each_load) : flush_each_load_(flush_each_load) {}
  ~TsdbTestDb() override { Close(); }

  Status Open() {
    dir_ = std::make_unique<fs::TempDir>("vigil-promqltest");
    tsdb::DbOptions opts;
    opts.retention_ms = 0;
    opts.compaction_interval_ms = 0;  // no background work: results must not depend on timing
    opts.flush_on_close = false;
    opts.wal_fsync_interval_ms = 0;
    // Loads may go back in time by up to the whole test's span.
    opts.head.ooo_window_ms = 100 * 365 * kDay;
    auto db = tsdb::DB::Open(dir_->path(), opts);
    if (!db.ok()) return db.status().WithContext("opening the test TSDB");
    db_ = std::move(db).value();
    return Status::OK();
  }

  Status Append(const std::vector<LoadSample>& samples) override {
    auto app = db_->NewAppender();
    for (const auto& s : samples) {
      std::vector<model::LabelView> view = s.labels->View();
      storage::AppendResult r = app->Append(0, view, s.t, s.v);
      if (!r.ok()) {
        app->Rollback();
        return Status::InvalidArgument(fmt::format(
            "the TSDB refused {} at t={}: {}{}{}", s.labels->ToString(), s.t,
            storage::RejectReasonName(r.reject), r.detail.empty() ? "" : ": ", r.detail));
      }
    }
    VIGIL_RETURN_IF_ERROR(app->Commit());
    if (flush_each_load_) {
      Status s = db_->FlushHead();
      if (!s.ok()) return s.WithContext("flushing the head into blocks");
    }
    return Status::OK();
  }

  Status Clear() override {
    Close();
    return Open();
  }

  storage::Queryable* queryable() override { return db_.get(); }

 private:
  void Close() {
    if (db_ != nullptr) {
      (void)db_->Close();
      db_.reset();
    }
    dir_.reset();
  }

  const bool flush_each_load_;
  std::unique_ptr<fs::TempDir> dir_;  // outlives db_ (declared first, reset last)
  std::unique_ptr<tsdb::DB> db_;
};

}  // namespace

const char* StorageKindName(StorageKind k) {
  switch (k) {
    case StorageKind::kMemory:
      return "memory";
    case StorageKind::kTsdb:
      return "tsdb";
    case StorageKind::kTsdbBlocks:
      return "tsdb-blocks";
  }
  return "?";
}

Result<StorageKind> ParseStorageKind(std::string_view s) {
  if (s == "memory") return StorageKind::kMemory;
  if (s == "tsdb") return StorageKind::kTsdb;
  if (s == "tsdb-blocks") return StorageKind::kTsdbBlocks;
  return Status::InvalidArgument(
      fmt::format("unknown storage \"{}\" (memory, tsdb or tsdb-blocks)", s));
}

Result<std::unique_ptr<TestDb>> OpenTestDb(StorageKind kind) {
  if (kind == StorageKind::kMemory) return std::unique_ptr<TestDb>(std::make_unique<MemTestDb>());
  auto db = std::make_unique<TsdbTestDb>(kind == StorageKind::kTsdbBlocks);
  VIGIL_RETURN_IF_ERROR(db->Open());
  return std::unique_ptr<TestDb>(std::move(db));
}

}  // namespace vigil::promql::promqltest
