// Tombstones: the deleted time ranges of a block's series, kept in the
// block's `tombstones` file so deletion never rewrites chunks or the index.
// Compaction drops the deleted samples later.
//
// Intervals are inclusive [mint, maxt] like Prometheus'. A series' intervals
// are kept sorted and merged (overlapping or adjacent ones become one), so
// the encoding is canonical. The file layout is in docs/storage-format.md (blocks).
//
// Thread-safety: a value type; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::tsdb::block {

struct Interval {
  int64_t mint = 0;
  int64_t maxt = 0;  // inclusive
  bool Contains(int64_t t) const { return t >= mint && t <= maxt; }
  bool operator==(const Interval&) const = default;
};
using Intervals = std::vector<Interval>;  // sorted, disjoint, not adjacent

// True if t lies in one of the intervals.
bool IsDeleted(const Intervals& ivs, int64_t t);
// True if one interval covers all of [mint, maxt] (every sample in it is deleted).
bool CoversRange(const Intervals& ivs, int64_t mint, int64_t maxt);
// Adds iv to ivs keeping them sorted, disjoint and merged.
void AddInterval(Intervals* ivs, Interval iv);

class Tombstones {
 public:
  // An interval with maxt < mint is ignored.
  void Add(uint64_t ref, Interval iv);
  // nullptr if ref has no tombstones.
  const Intervals* Get(uint64_t ref) const;

  bool empty() const { return series_.empty(); }
  size_t num_series() const { return series_.size(); }
  uint64_t num_intervals() const;
  const std::map<uint64_t, Intervals>& series() const { return series_; }
  bool operator==(const Tombstones&) const = default;

  std::string Encode() const;
  // Corruption for anything malformed (message without file name).
  static Result<Tombstones> Decode(std::string_view data);

 private:
  std::map<uint64_t, Intervals> series_;
};

inline constexpr uint32_t kTombstonesMagic = 0x56475453;  // "VGTS"
inline constexpr uint8_t kTombstonesVersion = 1;

}  // namespace vigil::tsdb::block
