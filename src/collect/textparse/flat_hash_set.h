// textparse/flat_hash_set: a set of 64-bit hashes for the OpenMetrics
// parser's per-family bookkeeping (groups seen, names seen). Open addressing,
// no allocation once grown; Clear() costs the number of inserted keys, not
// the table size, because a small family often follows a big one.
//
// Internal to src/collect/textparse. Thread-safety: none (one parser's).
#pragma once

#include <cstdint>
#include <vector>

namespace vigil::textparse::internal {

class FlatHashSet {
 public:
  // True if key was not present (and is now).
  bool Insert(uint64_t key) {
    if (key == 0) key = 1;  // 0 marks an empty slot
    if ((used_.size() + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return false;
      if (slots_[i] == 0) {
        slots_[i] = key;
        used_.push_back(static_cast<uint32_t>(i));
        return true;
      }
    }
  }
  bool Contains(uint64_t key) const {
    if (key == 0) key = 1;
    if (slots_.empty()) return false;
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }
  void Clear() {
    for (uint32_t i : used_) slots_[i] = 0;
    used_.clear();
  }

 private:
  void Grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
    used_.clear();
    for (uint64_t k : old) {
      if (k != 0) Insert(k);
    }
  }

  std::vector<uint64_t> slots_;
  std::vector<uint32_t> used_;
};

}  // namespace vigil::textparse::internal
