#include "storage/tsdb/block/tombstones.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/checksum.h"
#include "base/coding.h"

namespace vigil::tsdb::block {

namespace {
constexpr size_t kHeaderSize = 8;  // magic, version, 3 zero bytes

int64_t WrapAdd(int64_t a, uint64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + b);
}
uint64_t Diff(int64_t hi, int64_t lo) {
  return static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
}
}  // namespace

bool IsDeleted(const Intervals& ivs, int64_t t) {
  auto it = std::upper_bound(ivs.begin(), ivs.end(), t,
                             [](int64_t v, const Interval& iv) { return v < iv.mint; });
  return it != ivs.begin() && std::prev(it)->Contains(t);
}

bool CoversRange(const Intervals& ivs, int64_t mint, int64_t maxt) {
  for (const Interval& iv : ivs) {
    if (iv.mint <= mint && maxt <= iv.maxt) return true;
  }
  return false;
}

void AddInterval(Intervals* ivs, Interval iv) {
  if (iv.maxt < iv.mint) return;
  // Intervals that overlap or touch iv merge into it.
  auto touches = [&](const Interval& x) {
    bool before = x.maxt < iv.mint && x.maxt != INT64_MAX && x.maxt + 1 < iv.mint;
    bool after = x.mint > iv.maxt && iv.maxt != INT64_MAX && iv.maxt + 1 < x.mint;
    return !before && !after;
  };
  Intervals out;
  out.reserve(ivs->size() + 1);
  bool placed = false;
  for (const Interval& x : *ivs) {
    if (touches(x)) {
      iv.mint = std::min(iv.mint, x.mint);
      iv.maxt = std::max(iv.maxt, x.maxt);
    } else if (x.mint > iv.maxt) {
      if (!placed) out.push_back(iv), placed = true;
      out.push_back(x);
    } else {
      out.push_back(x);
    }
  }
  if (!placed) out.push_back(iv);
  *ivs = std::move(out);
}

void Tombstones::Add(uint64_t ref, Interval iv) {
  if (iv.maxt < iv.mint) return;
  AddInterval(&series_[ref], iv);
}

const Intervals* Tombstones::Get(uint64_t ref) const {
  auto it = series_.find(ref);
  return it == series_.end() ? nullptr : &it->second;
}

uint64_t Tombstones::num_intervals() const {
  uint64_t n = 0;
  for (const auto& [ref, ivs] : series_) n += ivs.size();
  return n;
}

std::string Tombstones::Encode() const {
  std::string out;
  Encbuf e(&out);
  e.PutBE32(kTombstonesMagic);
  e.PutByte(kTombstonesVersion);
  e.PutBytes(std::string_view("\0\0\0", 3));
  e.PutUvarint(series_.size());
  uint64_t prev = 0;
  bool first = true;
  for (const auto& [ref, ivs] : series_) {
    e.PutUvarint(first ? ref : ref - prev);
    first = false;
    prev = ref;
    e.PutUvarint(ivs.size());
    for (size_t i = 0; i < ivs.size(); ++i) {
      if (i == 0) {
        e.PutVarint(ivs[i].mint);
      } else {
        e.PutUvarint(Diff(ivs[i].mint, ivs[i - 1].maxt));
      }
      e.PutUvarint(Diff(ivs[i].maxt, ivs[i].mint));
    }
  }
  e.PutBE32(Checksum32(out.data(), out.size()));
  return out;
}

Result<Tombstones> Tombstones::Decode(std::string_view data) {
  if (data.size() < kHeaderSize + 4) return Status::Corruption("tombstones: file too short");
  if (DecodeFixed32BE(data.data()) != kTombstonesMagic) {
    return Status::Corruption("tombstones: bad magic");
  }
  if (static_cast<uint8_t>(data[4]) != kTombstonesVersion) {
    return Status::Corruption(
        fmt::format("tombstones: unsupported version {}", static_cast<uint8_t>(data[4])));
  }
  size_t body = data.size() - 4;
  if (Checksum32(data.data(), body) != DecodeFixed32BE(data.data() + body)) {
    return Status::Corruption("tombstones: checksum mismatch");
  }
  Decbuf d(data.data() + kHeaderSize, body - kHeaderSize);
  Tombstones t;
  uint64_t n = d.Uvarint();
  if (d.err() || n > d.Len() / 3) return Status::Corruption("tombstones: series count");
  uint64_t ref = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta = d.Uvarint();
    if (i > 0 && delta == 0) return Status::Corruption("tombstones: refs not increasing");
    if (delta > UINT64_MAX - ref) return Status::Corruption("tombstones: ref overflow");
    ref += delta;
    uint64_t k = d.Uvarint();
    if (d.err() || k == 0 || k > d.Len() / 2)
      return Status::Corruption("tombstones: interval count");
    Intervals ivs;
    ivs.reserve(k);
    for (uint64_t j = 0; j < k; ++j) {
      Interval iv;
      if (j == 0) {
        iv.mint = d.Varint();
      } else {
        uint64_t gap = d.Uvarint();
        if (gap == 0 || gap > Diff(INT64_MAX, ivs.back().maxt)) {
          return Status::Corruption("tombstones: intervals overlap or overflow");
        }
        iv.mint = WrapAdd(ivs.back().maxt, gap);
      }
      uint64_t len = d.Uvarint();
      if (len > Diff(INT64_MAX, iv.mint))
        return Status::Corruption("tombstones: interval overflow");
      iv.maxt = WrapAdd(iv.mint, len);
      ivs.push_back(iv);
    }
    if (d.err()) return Status::Corruption("tombstones: truncated");
    t.series_.emplace(ref, std::move(ivs));
  }
  if (!d.Done()) return Status::Corruption("tombstones: trailing bytes");
  return t;
}

}  // namespace vigil::tsdb::block
