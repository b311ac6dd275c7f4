// The records the TSDB head writes into its WAL, and their binary encoding.
//
// Each record is a byte string whose first byte is its RecordType, followed
// by a uvarint count of entries and the entries (docs/storage-format.md (write-ahead log) has the
// byte layout). Samples are delta-encoded for the common remote_write batch
// (distinct series, increasing refs, one timestamp): about 2-10 bytes per
// sample before compression, depending on the value.
//
// Encode* append to a std::string. Decode* clear the output vector (keeping
// its capacity, so a replay loop can reuse it) and fill it; on malformed
// input they return Status::Corruption, never read out of bounds and never
// reserve more entries than the input could hold.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::tsdb::wal {

enum class RecordType : uint8_t {
  kUnknown = 0,  // never written; what GetRecordType says for anything unrecognised
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kMetadata = 4,
};

// The type of a record (kUnknown for an empty record or an unknown type byte).
RecordType GetRecordType(std::string_view record);
const char* RecordTypeName(RecordType t);

struct RefSeries {
  storage::SeriesRef ref = 0;
  model::Labels labels;
  bool operator==(const RefSeries&) const = default;
};

// The same without owning the label strings, for encoding on hot paths.
struct RefSeriesView {
  storage::SeriesRef ref = 0;
  model::LabelsView labels;
};

struct RefSample {
  storage::SeriesRef ref = 0;
  int64_t t = 0;
  double v = 0;
  // Bit-identical values (so staleness markers compare equal).
  bool operator==(const RefSample& o) const;
};

// Samples of series `ref` in [mint, maxt] are deleted.
struct RefTombstone {
  storage::SeriesRef ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  bool operator==(const RefTombstone&) const = default;
};

struct RefMetadata {
  std::string metric_family;
  storage::MetricMetadata metadata;
  bool operator==(const RefMetadata&) const = default;
};

void EncodeSeries(std::span<const RefSeries> series, std::string* out);
void EncodeSeries(std::span<const RefSeriesView> series, std::string* out);
void EncodeSamples(std::span<const RefSample> samples, std::string* out);
void EncodeTombstones(std::span<const RefTombstone> tombstones, std::string* out);
void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out);

Status DecodeSeries(std::string_view record, std::vector<RefSeries>* out);
Status DecodeSamples(std::string_view record, std::vector<RefSample>* out);
Status DecodeTombstones(std::string_view record, std::vector<RefTombstone>* out);
Status DecodeMetadata(std::string_view record, std::vector<RefMetadata>* out);

}  // namespace vigil::tsdb::wal
