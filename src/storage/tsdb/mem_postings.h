// MemPostings: the head's inverted index, label name -> value -> sorted refs
// of the series that have that pair.
//
// Refs are handed out in increasing order, so Add nearly always appends at
// the end of a list; concurrent creators may insert slightly out of order,
// which Add handles with an insertion from the back.
//
// Thread-safety: all methods are safe to call concurrently (one RW lock).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/labels.h"
#include "storage/storage.h"
#include "storage/tsdb/block/select.h"

namespace vigil::tsdb {

using PostingsVec = std::vector<uint64_t>;

class MemPostings final : public block::PostingsIndex {
 public:
  void Add(uint64_t ref, model::LabelsView labels);
  // Removes refs from the lists of the given label pairs (those of the removed series).
  void Delete(const std::vector<std::pair<uint64_t, model::Labels>>& removed);

  PostingsVec Get(std::string_view name, std::string_view value) const;
  PostingsVec All() const;
  std::vector<std::string> LabelValues(std::string_view name) const;
  std::vector<std::string> LabelNames() const;
  // Cardinality statistics for storage::TsdbStatus (top `limit` of each).
  void FillStatus(size_t limit, storage::TsdbStatus* out) const;

  // block::PostingsIndex, so block::Select answers matchers over the head too.
  Result<block::PostingsList> AllPostings() const override { return All(); }
  Result<block::PostingsList> PostingsMatching(std::string_view name,
                                               const block::ValueFilter& filter) const override;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Values = std::unordered_map<std::string, PostingsVec, StringHash, std::equal_to<>>;

  static void InsertSorted(PostingsVec* list, uint64_t ref);

  mutable std::shared_mutex mu_;
  std::map<std::string, Values, std::less<>> index_;
  PostingsVec all_;
};

}  // namespace vigil::tsdb
