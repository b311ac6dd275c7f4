// promqltest/mem_storage: the in-memory storage::Queryable the conformance
// runner loads test data into, so that the engine is tested independently of
// the TSDB head's rules: samples may arrive in any time order (a later `load`
// may write before an earlier one), nothing is too old, nothing is
// compacted. Series are kept sorted by labels and samples by time; a
// Querier sees the samples in [mint, maxt] and only series that have one
// there (as the TSDB's queriers do).
//
// Like Prometheus' head, a second sample at the same timestamp is ignored
// when its value is bit-identical and refused otherwise.
//
// Owner: the conformance runner (src/query/promql/promqltest).
// Thread-safety: Add/Clear and NewQuerier may be called from any thread; a
// Querier copies what it selects, so it stays valid while data changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "model/labels.h"
#include "model/sample.h"
#include "storage/storage.h"

namespace vigil::promql::promqltest {

class MemStorage final : public storage::Queryable {
 public:
  MemStorage() = default;

  // Adds one sample; InvalidArgument for a duplicate timestamp with a
  // different value (or for labels that are empty).
  Status Add(const model::Labels& labels, int64_t t, double v);
  void Clear();
  size_t NumSeries() const;

  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override;

 private:
  class Querier;
  mutable std::mutex mu_;
  std::map<model::Labels, std::vector<model::Sample>> series_;  // guarded by mu_
};

}  // namespace vigil::promql::promqltest
