#include "storage/logstore/entry_block.h"

#include <algorithm>
#include <limits>

#include "base/coding.h"

namespace vigil::logstore {

void EntryBlock::Append(int64_t time_ns, std::string_view line, std::string_view encoded_meta) {
  if (entries_.empty()) {
    min_time_ = max_time_ = time_ns;
  } else {
    if (time_ns < entries_.back().time_ns) sorted_ = false;
    min_time_ = std::min(min_time_, time_ns);
    max_time_ = std::max(max_time_, time_ns);
  }
  EntryRef e;
  e.time_ns = time_ns;
  e.line_off = static_cast<uint32_t>(data_.size());
  e.line_len = static_cast<uint32_t>(line.size());
  data_.append(line);
  e.meta_off = static_cast<uint32_t>(data_.size());
  e.meta_len = static_cast<uint32_t>(encoded_meta.size());
  data_.append(encoded_meta);
  entries_.push_back(e);
  line_bytes_ += line.size();
}

void EntryBlock::Sort() {
  if (sorted_) return;
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const EntryRef& a, const EntryRef& b) { return a.time_ns < b.time_ns; });
  sorted_ = true;
}

void EntryBlock::Clear() {
  data_.clear();
  entries_.clear();
  min_time_ = max_time_ = 0;
  line_bytes_ = 0;
  sorted_ = true;
}

size_t EntryBlock::LowerBound(int64_t t) const {
  return std::lower_bound(entries_.begin(), entries_.end(), t,
                          [](const EntryRef& e, int64_t v) { return e.time_ns < v; }) -
         entries_.begin();
}

size_t EntryBlock::UpperBound(int64_t t) const {
  return std::upper_bound(entries_.begin(), entries_.end(), t,
                          [](int64_t v, const EntryRef& e) { return v < e.time_ns; }) -
         entries_.begin();
}

EntryBlock EntryBlock::CopyRange(int64_t start_ns, int64_t end_ns) const {
  EntryBlock out;
  size_t lo = LowerBound(start_ns);
  size_t hi = LowerBound(end_ns);
  for (size_t i = lo; i < hi; ++i) out.Append(entries_[i].time_ns, Line(i), Meta(i));
  return out;
}

void EntryBlock::EncodeTo(std::string* out) const {
  Encbuf enc(out);
  out->reserve(out->size() + data_.size() + entries_.size() * 6 + 16);
  enc.PutUvarint(entries_.size());
  int64_t prev = 0;
  for (const auto& e : entries_) {
    enc.PutVarint(
        static_cast<int64_t>(static_cast<uint64_t>(e.time_ns) - static_cast<uint64_t>(prev)));
    prev = e.time_ns;
  }
  for (const auto& e : entries_) enc.PutUvarint(e.line_len);
  for (const auto& e : entries_) enc.PutUvarint(e.meta_len);
  for (size_t i = 0; i < entries_.size(); ++i) enc.PutBytes(Line(i));
  for (size_t i = 0; i < entries_.size(); ++i) enc.PutBytes(Meta(i));
}

Status EntryBlock::Decode(std::string raw, EntryBlock* out) {
  out->Clear();
  if (raw.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::Corruption("log chunk block larger than 4 GiB");
  }
  Decbuf dec(raw);
  uint64_t n = dec.Uvarint();
  // Each entry takes at least three bytes of varints.
  if (dec.err() || n > dec.Len() / 3) return Status::Corruption("log chunk block: bad entry count");
  std::vector<EntryRef>& entries = out->entries_;
  entries.resize(n);
  int64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) {
    t = static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(dec.Varint()));
    entries[i].time_ns = t;
  }
  uint64_t lines_total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = dec.Uvarint();
    if (len > raw.size()) dec.SetErr();
    entries[i].line_len = static_cast<uint32_t>(len);
    lines_total += len;
  }
  uint64_t meta_total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = dec.Uvarint();
    if (len > raw.size()) dec.SetErr();
    entries[i].meta_len = static_cast<uint32_t>(len);
    meta_total += len;
  }
  if (dec.err() || lines_total + meta_total != dec.Len()) {
    out->entries_.clear();
    return Status::Corruption("log chunk block: lengths do not match the data");
  }
  uint64_t line_off = static_cast<uint64_t>(dec.Pos() - raw.data());
  uint64_t meta_off = line_off + lines_total;
  bool sorted = true;
  for (uint64_t i = 0; i < n; ++i) {
    EntryRef& e = entries[i];
    e.line_off = static_cast<uint32_t>(line_off);
    line_off += e.line_len;
    e.meta_off = static_cast<uint32_t>(meta_off);
    meta_off += e.meta_len;
    if (i > 0 && e.time_ns < entries[i - 1].time_ns) sorted = false;
  }
  if (!sorted) {
    out->entries_.clear();
    return Status::Corruption("log chunk block: entries out of time order");
  }
  out->data_ = std::move(raw);
  out->line_bytes_ = lines_total;
  out->sorted_ = true;
  if (n > 0) {
    out->min_time_ = entries.front().time_ns;
    out->max_time_ = entries.back().time_ns;
  }
  return Status::OK();
}

namespace {

void PutPair(Encbuf& enc, std::string_view k, std::string_view v) {
  enc.PutUvarintStr(k);
  enc.PutUvarintStr(v);
}

}  // namespace

void EncodeMeta(const std::vector<model::LogAttribute>& attrs, std::string* out) {
  if (attrs.empty()) return;
  Encbuf enc(out);
  enc.PutUvarint(attrs.size());
  for (const auto& a : attrs) PutPair(enc, a.key, a.value);
}

bool DecodeMeta(std::string_view encoded, std::vector<model::LogAttribute>* out) {
  if (encoded.empty()) return true;
  Decbuf dec(encoded);
  uint64_t n = dec.Uvarint();
  if (dec.err() || n > dec.Len() / 2) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k = dec.UvarintStr();
    std::string_view v = dec.UvarintStr();
    if (dec.err()) return false;
    out->push_back({std::string(k), std::string(v)});
  }
  return dec.Done() && !dec.err();
}

void EncodeRecordMeta(const model::LogRecord& r, std::string* out) {
  size_t extra = (r.severity_text.empty() ? 0 : 1) + (r.trace_id.empty() ? 0 : 1) +
                 (r.span_id.empty() ? 0 : 1);
  if (r.attributes.empty() && r.resource.empty() && extra == 0) return;
  auto seen = [&](std::string_view key, size_t resource_upto) {
    for (const auto& a : r.attributes)
      if (a.key == key) return true;
    for (size_t i = 0; i < resource_upto; ++i)
      if (r.resource[i].key == key) return true;
    return false;
  };
  // Count first: the count prefixes the pairs.
  size_t n = r.attributes.size();
  for (size_t i = 0; i < r.resource.size(); ++i)
    if (!seen(r.resource[i].key, i)) ++n;
  const std::pair<std::string_view, const std::string*> extras[] = {
      {"severity_text", &r.severity_text}, {"trace_id", &r.trace_id}, {"span_id", &r.span_id}};
  for (const auto& [k, v] : extras)
    if (!v->empty() && !seen(k, r.resource.size())) ++n;
  Encbuf enc(out);
  enc.PutUvarint(n);
  for (const auto& a : r.attributes) PutPair(enc, a.key, a.value);
  for (size_t i = 0; i < r.resource.size(); ++i)
    if (!seen(r.resource[i].key, i)) PutPair(enc, r.resource[i].key, r.resource[i].value);
  for (const auto& [k, v] : extras)
    if (!v->empty() && !seen(k, r.resource.size())) PutPair(enc, k, *v);
}

}  // namespace vigil::logstore
