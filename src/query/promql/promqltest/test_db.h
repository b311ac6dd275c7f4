// promqltest/test_db: where the conformance runner loads test data.
//
//   memory  MemStorage (mem_storage.h): any time order, nothing refused but
//           conflicting duplicates; tests the engine alone.
//   tsdb    a real tsdb::DB in a temporary directory, to exercise the whole
//           stack (head, WAL, chunk encoding, queriers). The head normally
//           refuses samples older than its newest one, but a later `load` may
//           write before an earlier one, so the out-of-order window is made
//           huge. `clear` closes the DB and opens a fresh one.
//   tsdb-blocks
//           the same, but every `load` is flushed out of the head into
//           blocks at once (DB::FlushHead), so that queries read persisted
//           blocks, and a later load that overlaps an earlier one gives
//           overlapping blocks.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: one runner thread at a time (Append/Clear); the Queryable
// may be read by the engine's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::promql::promqltest {

enum class StorageKind { kMemory, kTsdb, kTsdbBlocks };
const char* StorageKindName(StorageKind k);
Result<StorageKind> ParseStorageKind(std::string_view s);

struct LoadSample {
  const model::Labels* labels;
  int64_t t;
  double v;
};

class TestDb {
 public:
  virtual ~TestDb() = default;
  // All samples of one `load`, committed together; on error nothing of this
  // load is kept (the in-memory kind may have kept some, which does not
  // matter: the case fails either way).
  virtual Status Append(const std::vector<LoadSample>& samples) = 0;
  virtual Status Clear() = 0;
  virtual storage::Queryable* queryable() = 0;
};

Result<std::unique_ptr<TestDb>> OpenTestDb(StorageKind kind);

}  // namespace vigil::promql::promqltest
