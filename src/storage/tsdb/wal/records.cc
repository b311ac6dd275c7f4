#include "storage/tsdb/wal/records.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "base/coding.h"

namespace vigil::tsdb::wal {

namespace {

// Sample header byte (see docs/storage-format.md (write-ahead log)).
constexpr uint8_t kValueBytesMask = 0x0F;
constexpr uint8_t kRefDeltaFlag = 0x10;   // a ref delta follows; else ref = previous + 1
constexpr uint8_t kTimeDeltaFlag = 0x20;  // a time delta follows; else t = the record's base time
constexpr uint8_t kSampleReservedBits = 0xC0;

// The fewest bytes one entry of each record can take, which bounds how many
// entries a count field may claim.
constexpr size_t kMinSeriesBytes = 2;     // ref delta, label count
constexpr size_t kMinLabelBytes = 2;      // two empty strings
constexpr size_t kMinSampleBytes = 1;     // header byte
constexpr size_t kMinTombstoneBytes = 3;  // three varints
constexpr size_t kMinMetadataBytes = 4;   // three empty strings and a type byte

constexpr uint8_t kMaxMetricType = static_cast<uint8_t>(storage::MetricMetadata::Type::kStateset);

Status Malformed(RecordType t, std::string_view what) {
  return Status::Corruption(fmt::format("malformed WAL {} record: {}", RecordTypeName(t), what));
}

// Reads the type byte and the entry count; checks the count against what
// the rest of the record could hold.
Status ReadHeader(Decbuf& d, RecordType want, size_t min_entry_bytes, uint64_t* count) {
  if (static_cast<RecordType>(d.Byte()) != want || d.err()) {
    return Malformed(want, "wrong record type");
  }
  *count = d.Uvarint();
  if (d.err()) return Malformed(want, "bad entry count");
  if (*count > d.Len() / min_entry_bytes) {
    return Malformed(want, fmt::format("{} entries cannot fit in {} bytes", *count, d.Len()));
  }
  return Status::OK();
}

template <typename LabelsT>
void EncodeOneSeries(Encbuf& e, uint64_t* prev_ref, storage::SeriesRef ref, const LabelsT& labels) {
  e.PutVarint(static_cast<int64_t>(ref - *prev_ref));
  *prev_ref = ref;
  e.PutUvarint(labels.size());
  for (const auto& l : labels) {
    e.PutUvarintStr(l.name);
    e.PutUvarintStr(l.value);
  }
}

}  // namespace

RecordType GetRecordType(std::string_view record) {
  if (record.empty()) return RecordType::kUnknown;
  auto t = static_cast<RecordType>(record[0]);
  switch (t) {
    case RecordType::kSeries:
    case RecordType::kSamples:
    case RecordType::kTombstones:
    case RecordType::kMetadata:
      return t;
    default:
      return RecordType::kUnknown;
  }
}

const char* RecordTypeName(RecordType t) {
  switch (t) {
    case RecordType::kSeries:
      return "series";
    case RecordType::kSamples:
      return "samples";
    case RecordType::kTombstones:
      return "tombstones";
    case RecordType::kMetadata:
      return "metadata";
    case RecordType::kUnknown:
      break;
  }
  return "unknown";
}

bool RefSample::operator==(const RefSample& o) const {
  return ref == o.ref && t == o.t && DoubleBits(v) == DoubleBits(o.v);
}

// --- Series ---

void EncodeSeries(std::span<const RefSeries> series, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kSeries));
  e.PutUvarint(series.size());
  uint64_t prev = 0;
  for (const RefSeries& s : series) EncodeOneSeries(e, &prev, s.ref, s.labels);
}

void EncodeSeries(std::span<const RefSeriesView> series, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kSeries));
  e.PutUvarint(series.size());
  uint64_t prev = 0;
  for (const RefSeriesView& s : series) EncodeOneSeries(e, &prev, s.ref, s.labels);
}

Status DecodeSeries(std::string_view record, std::vector<RefSeries>* out) {
  out->clear();
  Decbuf d(record);
  uint64_t count;
  VIGIL_RETURN_IF_ERROR(ReadHeader(d, RecordType::kSeries, kMinSeriesBytes, &count));
  out->reserve(count);
  uint64_t ref = 0;
  std::vector<model::Label> labels;
  for (uint64_t i = 0; i < count; ++i) {
    ref += static_cast<uint64_t>(d.Varint());
    uint64_t n = d.Uvarint();
    if (d.err() || n > d.Len() / kMinLabelBytes) {
      out->clear();
      return Malformed(RecordType::kSeries, "bad label count");
    }
    labels.clear();
    labels.reserve(n);
    for (uint64_t j = 0; j < n; ++j) {
      std::string_view name = d.UvarintStr();
      std::string_view value = d.UvarintStr();
      if (d.err()) {
        out->clear();
        return Malformed(RecordType::kSeries, "truncated label");
      }
      // Labels are written sorted with unique names; anything else is damage,
      // and accepting it would break the invariants of model::Labels.
      if (!labels.empty() && !(labels.back().name < name)) {
        out->clear();
        return Malformed(RecordType::kSeries, "labels not sorted by name");
      }
      labels.push_back(model::Label{std::string(name), std::string(value)});
    }
    out->push_back(RefSeries{ref, model::Labels::FromSorted(std::move(labels))});
    labels = {};
  }
  if (d.err() || !d.Done()) {
    out->clear();
    return Malformed(RecordType::kSeries, "trailing bytes");
  }
  return Status::OK();
}

// --- Samples ---

void EncodeSamples(std::span<const RefSample> samples, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kSamples));
  e.PutUvarint(samples.size());
  if (samples.empty()) return;
  const int64_t base_t = samples[0].t;
  e.PutVarint(base_t);
  uint64_t prev_ref = 0;
  std::string& s = e.Str();
  for (const RefSample& smp : samples) {
    const uint64_t bits = DoubleBits(smp.v);
    const int value_bytes = bits == 0 ? 0 : 8 - std::countr_zero(bits) / 8;
    const uint64_t ref_delta = smp.ref - (prev_ref + 1);
    const uint64_t t_delta = static_cast<uint64_t>(smp.t) - static_cast<uint64_t>(base_t);
    uint8_t h = static_cast<uint8_t>(value_bytes);
    if (ref_delta != 0) h |= kRefDeltaFlag;
    if (t_delta != 0) h |= kTimeDeltaFlag;
    // Up to 1 + 10 + 10 + 8 bytes, written in place.
    const size_t at = s.size();
    s.resize(at + 1 + 2 * kMaxVarintLen64 + 8);
    char* p = s.data() + at;
    char* q = p;
    *q++ = static_cast<char>(h);
    if (ref_delta != 0) q += EncodeUvarint(q, ZigZagEncode(static_cast<int64_t>(ref_delta)));
    if (t_delta != 0) q += EncodeUvarint(q, ZigZagEncode(static_cast<int64_t>(t_delta)));
    for (int i = 0; i < value_bytes; ++i) *q++ = static_cast<char>(bits >> (56 - 8 * i));
    s.resize(at + static_cast<size_t>(q - p));
    prev_ref = smp.ref;
  }
}

Status DecodeSamples(std::string_view record, std::vector<RefSample>* out) {
  out->clear();
  Decbuf d(record);
  uint64_t count;
  VIGIL_RETURN_IF_ERROR(ReadHeader(d, RecordType::kSamples, kMinSampleBytes, &count));
  if (count == 0) {
    if (d.err() || !d.Done()) return Malformed(RecordType::kSamples, "trailing bytes");
    return Status::OK();
  }
  const uint64_t base_t = static_cast<uint64_t>(d.Varint());
  if (d.err()) return Malformed(RecordType::kSamples, "truncated base time");
  if (count > d.Len() / kMinSampleBytes) return Malformed(RecordType::kSamples, "bad entry count");
  out->resize(count);
  RefSample* o = out->data();
  uint64_t prev_ref = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t h = d.Byte();
    const int value_bytes = h & kValueBytesMask;
    if ((h & kSampleReservedBits) != 0 || value_bytes > 8) {
      out->clear();
      return Malformed(RecordType::kSamples, "bad sample header");
    }
    uint64_t ref = prev_ref + 1;
    if (h & kRefDeltaFlag) ref += static_cast<uint64_t>(d.Varint());
    uint64_t t = base_t;
    if (h & kTimeDeltaFlag) t += static_cast<uint64_t>(d.Varint());
    std::string_view vb = d.Bytes(static_cast<size_t>(value_bytes));
    if (d.err()) {
      out->clear();
      return Malformed(RecordType::kSamples, "truncated sample");
    }
    uint64_t bits = 0;
    for (int j = 0; j < value_bytes; ++j) {
      bits |= uint64_t{static_cast<uint8_t>(vb[j])} << (56 - 8 * j);
    }
    o[i] = RefSample{ref, static_cast<int64_t>(t), BitsDouble(bits)};
    prev_ref = ref;
  }
  if (d.err() || !d.Done()) {
    out->clear();
    return Malformed(RecordType::kSamples, "trailing bytes");
  }
  return Status::OK();
}

// --- Tombstones ---

void EncodeTombstones(std::span<const RefTombstone> tombstones, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kTombstones));
  e.PutUvarint(tombstones.size());
  uint64_t prev = 0;
  for (const RefTombstone& t : tombstones) {
    e.PutVarint(static_cast<int64_t>(t.ref - prev));
    prev = t.ref;
    e.PutVarint(t.mint);
    e.PutVarint(
        static_cast<int64_t>(static_cast<uint64_t>(t.maxt) - static_cast<uint64_t>(t.mint)));
  }
}

Status DecodeTombstones(std::string_view record, std::vector<RefTombstone>* out) {
  out->clear();
  Decbuf d(record);
  uint64_t count;
  VIGIL_RETURN_IF_ERROR(ReadHeader(d, RecordType::kTombstones, kMinTombstoneBytes, &count));
  out->reserve(count);
  uint64_t ref = 0;
  for (uint64_t i = 0; i < count; ++i) {
    ref += static_cast<uint64_t>(d.Varint());
    const int64_t mint = d.Varint();
    const uint64_t span = static_cast<uint64_t>(d.Varint());
    if (d.err()) {
      out->clear();
      return Malformed(RecordType::kTombstones, "truncated tombstone");
    }
    out->push_back(
        RefTombstone{ref, mint, static_cast<int64_t>(static_cast<uint64_t>(mint) + span)});
  }
  if (d.err() || !d.Done()) {
    out->clear();
    return Malformed(RecordType::kTombstones, "trailing bytes");
  }
  return Status::OK();
}

// --- Metadata ---

void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out) {
  Encbuf e(out);
  e.PutByte(static_cast<uint8_t>(RecordType::kMetadata));
  e.PutUvarint(metadata.size());
  for (const RefMetadata& m : metadata) {
    e.PutUvarintStr(m.metric_family);
    e.PutByte(static_cast<uint8_t>(m.metadata.type));
    e.PutUvarintStr(m.metadata.unit);
    e.PutUvarintStr(m.metadata.help);
  }
}

Status DecodeMetadata(std::string_view record, std::vector<RefMetadata>* out) {
  out->clear();
  Decbuf d(record);
  uint64_t count;
  VIGIL_RETURN_IF_ERROR(ReadHeader(d, RecordType::kMetadata, kMinMetadataBytes, &count));
  out->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view family = d.UvarintStr();
    const uint8_t type = d.Byte();
    std::string_view unit = d.UvarintStr();
    std::string_view help = d.UvarintStr();
    if (d.err() || type > kMaxMetricType) {
      out->clear();
      return Malformed(RecordType::kMetadata, d.err() ? "truncated entry" : "unknown metric type");
    }
    RefMetadata m;
    m.metric_family = family;
    m.metadata.type = static_cast<storage::MetricMetadata::Type>(type);
    m.metadata.unit = unit;
    m.metadata.help = help;
    out->push_back(std::move(m));
  }
  if (d.err() || !d.Done()) {
    out->clear();
    return Malformed(RecordType::kMetadata, "trailing bytes");
  }
  return Status::OK();
}

}  // namespace vigil::tsdb::wal
