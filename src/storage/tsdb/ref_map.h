// RefMap: series ref -> pointer, the head's lookup on every append by ref.
//
// Open addressing with linear probing in one flat array, and the ref itself
// (divided by the stripe count) as the home slot: refs are handed out in
// sequence, and a scrape or a remote_write sender appends its series in the
// order they were created, so consecutive lookups read consecutive slots,
// which the CPU prefetches. unordered_map needed two dependent loads (bucket,
// node) per lookup, each a cache miss when a batch touches tens of thousands
// of series. Deletion shifts the following entries back (no tombstones), so
// probe lengths stay short under churn. The load factor is kept at most 1/2.
//
// Thread-safety: none; the head guards each stripe's map with its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::tsdb {

template <typename T>
class RefMap {
 public:
  // `stride`: refs that share a map differ by multiples of it (the stripe
  // count), so ref / stride is their sequence number.
  explicit RefMap(uint64_t stride = 1) : stride_(stride) {}

  T* Find(uint64_t ref) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(ref);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ref == ref) return s.value;
      if (s.ref == 0) return nullptr;
    }
  }

  // ref must not be 0 and must not be in the map.
  void Insert(uint64_t ref, T* value) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Home(ref);
    while (slots_[i].ref != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{ref, value};
    ++size_;
  }

  void Erase(uint64_t ref) {
    if (slots_.empty()) return;
    size_t i = Home(ref);
    while (slots_[i].ref != ref) {
      if (slots_[i].ref == 0) return;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later entries of the probe run into the hole
    // when their home is not between the hole and them.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; slots_[j].ref != 0; j = (j + 1) & mask_) {
      size_t home = Home(slots_[j].ref);
      bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

  size_t size() const { return size_; }

  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.ref != 0) f(s.ref, s.value);
    }
  }

 private:
  struct Slot {
    uint64_t ref = 0;  // 0: empty
    T* value = nullptr;
  };

  size_t Home(uint64_t ref) const { return static_cast<size_t>(ref / stride_) & mask_; }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (s.ref != 0) Insert(s.ref, s.value);
    }
  }

  uint64_t stride_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace vigil::tsdb
