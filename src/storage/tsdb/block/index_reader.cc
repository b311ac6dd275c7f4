#include "storage/tsdb/block/index_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/checksum.h"
#include "storage/tsdb/block/index_format.h"
#include "storage/tsdb/block/postings_codec.h"

namespace vigil::tsdb::block {

using namespace index_format;  // NOLINT(build/namespaces)

namespace {

// Checks the BE32 checksum that ends [begin, end). Offsets come from the
// file, so the range itself is checked first.
bool ChecksumOK(std::string_view data, uint64_t begin, uint64_t end) {
  if (begin > end || end > data.size() || end - begin < 4) return false;
  uint32_t want = DecodeFixed32BE(data.data() + end - 4);
  return Checksum32(data.data() + begin, end - 4 - begin) == want;
}

}  // namespace

Status IndexReader::Corrupt(uint64_t offset, std::string_view what) const {
  return Status::Corruption(fmt::format("index {}: {} (offset {})", path(), what, offset));
}

Result<std::unique_ptr<IndexReader>> IndexReader::Open(const std::string& path) {
  std::unique_ptr<IndexReader> r(new IndexReader());
  VIGIL_ASSIGN_OR_RETURN(r->file_, fs::MmapFile::Open(path));
  r->data_ = r->file_->data();
  std::string_view d = r->data_;
  if (d.size() < kHeaderSize + kTocSize) return r->Corrupt(0, "file too short");
  if (DecodeFixed32BE(d.data()) != kMagic) return r->Corrupt(0, "bad magic");
  if (static_cast<uint8_t>(d[4]) != kVersion) {
    return r->Corrupt(4, fmt::format("unsupported version {}", static_cast<uint8_t>(d[4])));
  }
  uint64_t toc_at = d.size() - kTocSize;
  if (!ChecksumOK(d, toc_at, d.size())) return r->Corrupt(toc_at, "table of contents checksum");
  uint64_t toc[6];
  for (int i = 0; i < 5; ++i) toc[i] = DecodeFixed64BE(d.data() + toc_at + 8 * i);
  toc[5] = toc_at;
  if (toc[0] != kHeaderSize) return r->Corrupt(toc_at, "symbol table offset");
  for (int i = 1; i < 6; ++i) {
    if (toc[i] < toc[i - 1]) return r->Corrupt(toc_at, "section offsets out of order");
  }
  r->sections_ = {toc[1] - toc[0], toc[2] - toc[1], toc[3] - toc[2], toc[4] - toc[3],
                  toc[5] - toc[4]};
  VIGIL_RETURN_IF_ERROR(r->LoadSymbols(toc[0], toc[1]));
  VIGIL_RETURN_IF_ERROR(r->LoadSeriesTable(toc[2], toc[3], toc[1]));
  VIGIL_RETURN_IF_ERROR(r->LoadLabelTable(toc[4], toc[5], toc[3], toc[4]));
  return r;
}

Status IndexReader::LoadSymbols(uint64_t begin, uint64_t end) {
  if (!ChecksumOK(data_, begin, end)) return Corrupt(begin, "symbol table checksum");
  if (end > UINT32_MAX) return Corrupt(begin, "symbol table beyond 4 GiB");
  Decbuf d(data_.data() + begin, end - 4 - begin);
  uint64_t count = d.Uvarint();
  if (d.err() || count > d.Len()) return Corrupt(begin, "symbol count");
  symbol_offsets_.reserve(count);
  std::string_view prev;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t at = static_cast<uint32_t>(d.Pos() - data_.data());
    std::string_view s = d.UvarintStr();
    if (d.err()) return Corrupt(at, "symbol runs past the table");
    if (i > 0 && !(prev < s)) return Corrupt(at, "symbols not sorted");
    symbol_offsets_.push_back(at);
    prev = s;
  }
  if (!d.Done()) return Corrupt(begin, "trailing bytes in symbol table");
  return Status::OK();
}

std::string_view IndexReader::Symbol(uint32_t id) const {
  // Validated by LoadSymbols.
  const char* p = data_.data() + symbol_offsets_[id];
  uint64_t len = 0;
  p = DecodeUvarint(p, data_.data() + data_.size(), &len);
  return std::string_view(p, len);
}

Status IndexReader::LoadSeriesTable(uint64_t begin, uint64_t end, uint64_t series_begin) {
  if (end - begin < kSeriesTableHeaderSize + 4 || !ChecksumOK(data_, begin, end)) {
    return Corrupt(begin, "series table checksum");
  }
  const char* p = data_.data() + begin;
  group_size_ = DecodeFixed32BE(p);
  num_series_ = DecodeFixed64BE(p + 4);
  base_time_ = static_cast<int64_t>(DecodeFixed64BE(p + 12));
  if (group_size_ == 0 || group_size_ > kMaxGroupSize) return Corrupt(begin, "series group size");
  // Every series entry takes at least 3 bytes: this bounds what a bogus
  // count can make readers allocate.
  if (num_series_ > kMaxSeries || num_series_ > (begin - series_begin) / 3) {
    return Corrupt(begin, "series count");
  }
  uint64_t groups = (num_series_ + group_size_ - 1) / group_size_;
  if (end - begin - kSeriesTableHeaderSize - 4 != groups * 8) {
    return Corrupt(begin, "series table size does not match the series count");
  }
  group_table_ = begin + kSeriesTableHeaderSize;
  series_end_ = begin;
  // Groups are back to back from the start of the series section; each holds
  // at least a checksum and one series.
  uint64_t want = series_begin;
  for (uint64_t g = 0; g < groups; ++g) {
    uint64_t off = DecodeFixed64BE(data_.data() + group_table_ + 8 * g);
    // `off >= series_end_` first: it keeps `want + 4` from wrapping.
    if (g == 0 ? off != want : off >= series_end_ || off <= want + 4)
      return Corrupt(group_table_ + 8 * g, "group offset");
    want = off;
  }
  if (groups == 0 ? want != series_end_ : want + 4 >= series_end_) {
    return Corrupt(begin, "series section size");
  }
  return Status::OK();
}

void IndexReader::GroupRange(uint64_t g, uint64_t* begin, uint64_t* end) const {
  *begin = DecodeFixed64BE(data_.data() + group_table_ + 8 * g);
  uint64_t groups = (num_series_ + group_size_ - 1) / group_size_;
  *end = g + 1 < groups ? DecodeFixed64BE(data_.data() + group_table_ + 8 * (g + 1)) : series_end_;
}

Status IndexReader::LoadLabelTable(uint64_t begin, uint64_t end, uint64_t postings_begin,
                                   uint64_t postings_end) {
  if (!ChecksumOK(data_, begin, end)) return Corrupt(begin, "label table checksum");
  Decbuf d(data_.data() + begin, end - 4 - begin);
  uint64_t names = d.Uvarint();
  uint64_t off = postings_begin;
  for (uint64_t i = 0; i < names && !d.err(); ++i) {
    uint64_t at = static_cast<uint64_t>(d.Pos() - data_.data());
    uint64_t name = d.Uvarint();
    uint64_t values = d.Uvarint();
    if (d.err()) break;
    if (name >= NumSymbols() || (i > 0 && name <= names_.back().name_sym)) {
      return Corrupt(at, "label name symbol");
    }
    if (values == 0 || values > d.Len()) return Corrupt(at, "label value count");
    names_.push_back(NameEntry{static_cast<uint32_t>(name),
                               static_cast<uint32_t>(value_syms_.size()),
                               static_cast<uint32_t>(values)});
    uint64_t sym = 0;
    for (uint64_t k = 0; k < values; ++k) {
      uint64_t delta = d.Uvarint();
      uint64_t len = d.Uvarint();
      if (d.err()) break;
      if (k > 0 && delta == 0) return Corrupt(at, "label values not sorted");
      sym += delta;
      if (delta >= NumSymbols() || sym >= NumSymbols()) return Corrupt(at, "label value symbol");
      if (len < 5 || len > postings_end - off) return Corrupt(at, "postings list length");
      value_syms_.push_back(static_cast<uint32_t>(sym));
      postings_offsets_.push_back(off);
      off += len;
    }
  }
  if (d.err() || !d.Done()) return Corrupt(begin, "malformed label table");
  if (off != postings_end) return Corrupt(begin, "postings section size does not match");
  if (value_syms_.size() > UINT32_MAX) return Corrupt(begin, "too many label pairs");
  postings_offsets_.push_back(off);
  return Status::OK();
}

std::vector<std::string> IndexReader::LabelNames() const {
  std::vector<std::string> out;
  out.reserve(names_.size());
  for (const auto& e : names_) out.emplace_back(Symbol(e.name_sym));
  return out;
}

const IndexReader::NameEntry* IndexReader::FindName(std::string_view name) const {
  auto it = std::lower_bound(
      names_.begin(), names_.end(), name,
      [&](const NameEntry& e, std::string_view n) { return Symbol(e.name_sym) < n; });
  if (it == names_.end() || Symbol(it->name_sym) != name) return nullptr;
  return &*it;
}

int64_t IndexReader::FindPair(const NameEntry& e, std::string_view value) const {
  auto first = value_syms_.begin() + e.first, last = first + e.count;
  auto it = std::lower_bound(first, last, value,
                             [&](uint32_t sym, std::string_view v) { return Symbol(sym) < v; });
  if (it == last || Symbol(*it) != value) return -1;
  return it - value_syms_.begin();
}

std::vector<std::string> IndexReader::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  const NameEntry* e = FindName(name);
  if (e == nullptr) return out;
  out.reserve(e->count);
  for (uint32_t i = 0; i < e->count; ++i) out.emplace_back(Symbol(value_syms_[e->first + i]));
  return out;
}

Status IndexReader::DecodePair(size_t pair, PostingsList* out) const {
  uint64_t begin = postings_offsets_[pair], end = postings_offsets_[pair + 1];
  if (!ChecksumOK(data_, begin, end)) return Corrupt(begin, "postings checksum");
  Status s = DecodePostings(data_.substr(begin, end - 4 - begin), num_series_, out);
  if (!s.ok()) return Corrupt(begin, s.message());
  return Status::OK();
}

Result<PostingsList> IndexReader::Postings(std::string_view name, std::string_view value) const {
  PostingsList out;
  const NameEntry* e = FindName(name);
  if (e == nullptr) return out;
  int64_t pair = FindPair(*e, value);
  if (pair < 0) return out;
  VIGIL_RETURN_IF_ERROR(DecodePair(static_cast<size_t>(pair), &out));
  return out;
}

Result<PostingsList> IndexReader::AllPostings() const { return AllRefs(num_series_); }

Result<PostingsList> IndexReader::PostingsMatching(std::string_view name,
                                                   const ValueFilter& filter) const {
  const NameEntry* e = FindName(name);
  if (e == nullptr) return PostingsList{};
  std::vector<size_t> pairs;
  if (filter.exact) {
    for (const auto& v : filter.values) {
      int64_t p = FindPair(*e, v);
      if (p >= 0 && filter.Accepts(v)) pairs.push_back(static_cast<size_t>(p));
    }
  } else {
    auto first = value_syms_.begin() + e->first, last = first + e->count;
    auto it = first;
    if (!filter.prefix.empty()) {
      it = std::lower_bound(first, last, std::string_view(filter.prefix),
                            [&](uint32_t sym, std::string_view v) { return Symbol(sym) < v; });
    }
    for (; it != last; ++it) {
      std::string_view v = Symbol(*it);
      if (!v.starts_with(filter.prefix)) break;
      if (filter.Accepts(v)) pairs.push_back(static_cast<size_t>(it - value_syms_.begin()));
    }
  }
  PostingsList out;
  if (pairs.size() == 1) {
    VIGIL_RETURN_IF_ERROR(DecodePair(pairs[0], &out));
    return out;
  }
  // A series has one value per label, so these lists are disjoint: decode
  // them back to back and sort once.
  // (Deduplicating too: only a corrupt index repeats a ref across values,
  // and the output must stay a valid postings list.)
  for (size_t p : pairs) VIGIL_RETURN_IF_ERROR(DecodePair(p, &out));
  SortUniqueRefs(&out, num_series_);
  return out;
}

Status IndexReader::Series(uint64_t ref, model::Labels* labels,
                           std::vector<ChunkMeta>* chunks) const {
  SeriesCursor c(this);
  return c.Get(ref, labels, chunks);
}

Status SeriesCursor::LoadGroup(uint64_t g) {
  uint64_t begin, end;
  ix_->GroupRange(g, &begin, &end);
  if (!ChecksumOK(ix_->data_, begin, end)) return ix_->Corrupt(begin, "series group checksum");
  group_ = g;
  group_begin_ = begin;
  next_ = g * ix_->group_size_;
  d_ = Decbuf(ix_->data_.data() + begin, end - 4 - begin);
  labels_.clear();
  prev_chunks_.clear();
  prev_ref_ = 0;
  return Status::OK();
}

Status SeriesCursor::DecodeNext() {
  auto corrupt = [&](std::string_view what) {
    group_ = UINT64_MAX;  // force a reload (and the same error) next time
    return ix_->Corrupt(group_begin_, fmt::format("series {}: {}", next_, what));
  };
  const auto& names = ix_->names_;
  uint64_t shared = d_.Uvarint();
  uint64_t fresh = d_.Uvarint();
  if (d_.err() || shared > labels_.size() || fresh > d_.Len() / 2 || shared + fresh == 0) {
    return corrupt("label count");
  }
  labels_.resize(shared);
  for (uint64_t i = 0; i < fresh; ++i) {
    uint64_t gap = d_.Uvarint();
    uint64_t value = d_.Uvarint();
    uint64_t first = labels_.empty() ? 0 : labels_.back().first + 1;
    // Names strictly increase (gap >= 0): sorted and unique, as Labels requires.
    if (d_.err() || gap >= names.size() || first + gap >= names.size()) {
      return corrupt("label name");
    }
    uint64_t name = first + gap;
    if (value >= names[name].count) return corrupt("label value");
    labels_.emplace_back(static_cast<uint32_t>(name), static_cast<uint32_t>(value));
  }
  uint64_t header = d_.Uvarint();
  uint64_t n = header >> 1;
  bool same_times = (header & 1) != 0;
  if (d_.err() || n > d_.Len() || (same_times && n != prev_chunks_.size())) {
    return corrupt("chunk count");
  }
  std::vector<ChunkMeta>& out = chunks_;
  out.clear();
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    ChunkMeta c;
    if (same_times) {
      c.mint = prev_chunks_[i].mint;
      c.maxt = prev_chunks_[i].maxt;
    } else if (i < prev_chunks_.size()) {
      c.mint = WrapAdd(prev_chunks_[i].mint, d_.Varint());
      int64_t dur = WrapAdd(WrapSub(prev_chunks_[i].maxt, prev_chunks_[i].mint), d_.Varint());
      if (dur < 0) return corrupt("chunk maxt before mint");
      c.maxt = WrapAdd(c.mint, dur);
    } else {
      c.mint = WrapAdd(i == 0 ? ix_->base_time_ : out.back().maxt, d_.Varint());
      uint64_t dur = d_.Uvarint();
      if (dur > static_cast<uint64_t>(INT64_MAX)) return corrupt("chunk duration");
      c.maxt = WrapAdd(c.mint, static_cast<int64_t>(dur));
    }
    c.ref = prev_ref_ + static_cast<uint64_t>(d_.Varint());
    prev_ref_ = c.ref;
    if (d_.err()) return corrupt("chunk metas run past the group");
    out.push_back(c);
  }
  std::swap(out, prev_chunks_);
  ++next_;
  bool group_end = next_ % ix_->group_size_ == 0 || next_ == ix_->NumSeries();
  if (group_end && !d_.Done()) return corrupt("trailing bytes in series group");
  return Status::OK();
}

Status SeriesCursor::Get(uint64_t ref, model::Labels* labels, std::vector<ChunkMeta>* chunks) {
  if (ref >= ix_->NumSeries()) {
    return Status::NotFound(fmt::format("series ref {} not in index {} ({} series)", ref,
                                        ix_->path(), ix_->NumSeries()));
  }
  uint64_t g = ref / ix_->group_size_;
  if (g != group_ || ref < next_) VIGIL_RETURN_IF_ERROR(LoadGroup(g));
  while (next_ <= ref) VIGIL_RETURN_IF_ERROR(DecodeNext());
  if (chunks != nullptr) *chunks = prev_chunks_;
  if (labels != nullptr) {
    std::vector<model::Label> ls;
    ls.reserve(labels_.size());
    for (auto [name, value] : labels_) {
      const auto& e = ix_->names_[name];
      ls.push_back(model::Label{std::string(ix_->Symbol(e.name_sym)),
                                std::string(ix_->Symbol(ix_->value_syms_[e.first + value]))});
    }
    *labels = model::Labels::FromSorted(std::move(ls));  // names were checked to increase
  }
  return Status::OK();
}

}  // namespace vigil::tsdb::block
