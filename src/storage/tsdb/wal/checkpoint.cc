#include "storage/tsdb/wal/checkpoint.h"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "base/file.h"
#include "base/logging.h"
#include "storage/tsdb/wal/records.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::tsdb::wal {

namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint.";
constexpr std::string_view kTmpSuffix = ".tmp";
// Metadata entries per record at the end of a checkpoint.
constexpr size_t kMetadataPerRecord = 10000;

bool IsTmpCheckpointName(std::string_view name) {
  return name.size() > kCheckpointPrefix.size() + kTmpSuffix.size() &&
         name.starts_with(kCheckpointPrefix) && name.ends_with(kTmpSuffix);
}

// Collects records into batches of about batch_bytes for Wal::Log.
class BatchWriter {
 public:
  BatchWriter(Wal* wal, size_t batch_bytes) : wal_(wal), batch_bytes_(batch_bytes) {}

  Status Add(std::string record) {
    bytes_ += record.size();
    batch_.push_back(std::move(record));
    if (bytes_ >= batch_bytes_) return Flush();
    return Status::OK();
  }
  Status Flush() {
    if (batch_.empty()) return Status::OK();
    Status s = wal_->Log(batch_);
    batch_.clear();
    bytes_ = 0;
    return s;
  }

 private:
  Wal* wal_;
  size_t batch_bytes_;
  std::vector<std::string> batch_;
  size_t bytes_ = 0;
};

Result<CheckpointStats> WriteCheckpoint(const std::string& wal_dir, int from, int to,
                                        const KeepSeries& keep_fn, int64_t mint,
                                        const CheckpointOptions& options) {
  if (from > to) {
    return Status::InvalidArgument(fmt::format("checkpoint of segments [{}, {}]", from, to));
  }
  auto keep = [&keep_fn](storage::SeriesRef ref) { return !keep_fn || keep_fn(ref); };
  CheckpointStats stats;
  std::vector<SegmentRef> sources;
  auto last = LastCheckpoint(wal_dir);
  if (last.ok()) {
    if (to <= last->index) {
      return Status::InvalidArgument(
          fmt::format("WAL segments up to {} are already in checkpoint {}", to, last->dir));
    }
    if (from > last->index + 1) {
      // Segments between the two would be neither in the checkpoint nor replayed after it.
      return Status::InvalidArgument(fmt::format(
          "checkpoint from segment {} leaves a gap after checkpoint {}", from, last->dir));
    }
    from = last->index + 1;
    VIGIL_ASSIGN_OR_RETURN(sources, ListSegments(last->dir));
    for (SegmentRef& s : sources) s.in_checkpoint = true;
  } else if (!last.status().IsNotFound()) {
    return last.status();
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segs, ListSegmentsInRange(wal_dir, from, to));
  sources.insert(sources.end(), segs.begin(), segs.end());
  stats.from = from;
  stats.to = to;

  const std::string final_dir = fs::Join(wal_dir, CheckpointDirName(to));
  const std::string tmp_dir = final_dir + std::string(kTmpSuffix);
  VIGIL_RETURN_IF_ERROR(fs::RemoveAll(tmp_dir));
  WalOptions wo;
  wo.compression = options.compression;
  // A private registry: the checkpoint's writes are not the WAL's writes.
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Wal> out, Wal::Open(tmp_dir, wo));
  BatchWriter writer(out.get(), options.batch_bytes);

  ReaderOptions ro;
  ro.registry = options.registry;
  auto reader = Reader::Open(std::move(sources), std::move(ro));

  std::vector<RefSeries> series, kept_series;
  std::vector<RefSample> samples, kept_samples;
  std::vector<RefTombstone> tombstones, kept_tombstones;
  std::vector<RefMetadata> metadata;
  std::map<std::string, storage::MetricMetadata> latest_metadata;
  auto undecodable = [&](const Status& s) {
    ++stats.undecodable_records;
    log::Get("wal")->error("checkpoint {}: skipping record at {} offset {}: {}", final_dir,
                           reader->segment().path, reader->offset(), s.ToString());
  };

  while (reader->Next()) {
    std::string_view rec = reader->record();
    std::string encoded;
    switch (GetRecordType(rec)) {
      case RecordType::kSeries: {
        if (Status s = DecodeSeries(rec, &series); !s.ok()) {
          undecodable(s);
          break;
        }
        kept_series.clear();
        for (RefSeries& x : series) {
          if (keep(x.ref)) kept_series.push_back(std::move(x));
        }
        stats.total_series += series.size();
        stats.dropped_series += series.size() - kept_series.size();
        if (!kept_series.empty()) EncodeSeries(std::span<const RefSeries>(kept_series), &encoded);
        break;
      }
      case RecordType::kSamples: {
        if (Status s = DecodeSamples(rec, &samples); !s.ok()) {
          undecodable(s);
          break;
        }
        kept_samples.clear();
        for (const RefSample& x : samples) {
          if (x.t >= mint && keep(x.ref)) kept_samples.push_back(x);
        }
        stats.total_samples += samples.size();
        stats.dropped_samples += samples.size() - kept_samples.size();
        if (!kept_samples.empty()) EncodeSamples(kept_samples, &encoded);
        break;
      }
      case RecordType::kTombstones: {
        if (Status s = DecodeTombstones(rec, &tombstones); !s.ok()) {
          undecodable(s);
          break;
        }
        kept_tombstones.clear();
        // A tombstone ending before mint covers only samples that are gone.
        for (const RefTombstone& x : tombstones) {
          if (x.maxt >= mint && keep(x.ref)) kept_tombstones.push_back(x);
        }
        stats.total_tombstones += tombstones.size();
        stats.dropped_tombstones += tombstones.size() - kept_tombstones.size();
        if (!kept_tombstones.empty()) EncodeTombstones(kept_tombstones, &encoded);
        break;
      }
      case RecordType::kMetadata: {
        if (Status s = DecodeMetadata(rec, &metadata); !s.ok()) {
          undecodable(s);
          break;
        }
        for (RefMetadata& m : metadata) {
          ++stats.total_metadata;
          auto [it, inserted] = latest_metadata.try_emplace(m.metric_family, m.metadata);
          if (!inserted) {
            ++stats.dropped_metadata;
            it->second = std::move(m.metadata);
          }
        }
        break;
      }
      case RecordType::kUnknown:
        ++stats.unknown_records;  // from a newer version, perhaps; it cannot be filtered
        break;
    }
    if (!encoded.empty()) VIGIL_RETURN_IF_ERROR(writer.Add(std::move(encoded)));
  }
  VIGIL_RETURN_IF_ERROR(reader->status());
  stats.corruptions = reader->corruptions();
  stats.bytes_dropped = reader->bytes_dropped();

  // The latest metadata per family, after all series (replay order does not
  // matter for metadata, which is keyed by name).
  metadata.clear();
  for (auto& [family, md] : latest_metadata) {
    metadata.push_back(RefMetadata{family, std::move(md)});
    if (metadata.size() == kMetadataPerRecord) {
      std::string encoded;
      EncodeMetadata(metadata, &encoded);
      VIGIL_RETURN_IF_ERROR(writer.Add(std::move(encoded)));
      metadata.clear();
    }
  }
  if (!metadata.empty()) {
    std::string encoded;
    EncodeMetadata(metadata, &encoded);
    VIGIL_RETURN_IF_ERROR(writer.Add(std::move(encoded)));
  }
  VIGIL_RETURN_IF_ERROR(writer.Flush());
  VIGIL_RETURN_IF_ERROR(out->Close());  // syncs the segments
  VIGIL_RETURN_IF_ERROR(fs::SyncDir(tmp_dir));
  VIGIL_RETURN_IF_ERROR(fs::Rename(tmp_dir, final_dir));
  VIGIL_RETURN_IF_ERROR(fs::SyncDir(wal_dir));
  stats.checkpoint = CheckpointRef{final_dir, to};

  // Older checkpoints are superseded; one left behind is only wasted space,
  // since replay always starts from the newest.
  if (Status s = DeleteCheckpointsBefore(wal_dir, to); !s.ok()) {
    log::Get("wal")->error("deleting checkpoints before {}: {}", final_dir, s.ToString());
  }
  return stats;
}

}  // namespace

std::string CheckpointDirName(int index) {
  return std::string(kCheckpointPrefix) + SegmentName(index);
}

int ParseCheckpointName(std::string_view name) {
  if (!name.starts_with(kCheckpointPrefix)) return -1;
  return ParseSegmentName(name.substr(kCheckpointPrefix.size()));
}

Result<CheckpointRef> LastCheckpoint(const std::string& wal_dir) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(wal_dir));
  CheckpointRef best;
  for (const std::string& name : names) {
    int index = ParseCheckpointName(name);
    if (index < 0 || index <= best.index) continue;
    std::string path = fs::Join(wal_dir, name);
    if (!fs::IsDir(path)) continue;
    best = CheckpointRef{std::move(path), index};
  }
  if (best.index < 0) return Status::NotFound("no checkpoint in " + wal_dir);
  return best;
}

Status DeleteCheckpointsBefore(const std::string& wal_dir, int index) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(wal_dir));
  for (const std::string& name : names) {
    int i = ParseCheckpointName(name);
    if (i >= 0 && i < index) VIGIL_RETURN_IF_ERROR(fs::RemoveAll(fs::Join(wal_dir, name)));
  }
  return Status::OK();
}

Status RemoveTmpCheckpoints(const std::string& wal_dir) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(wal_dir));
  for (const std::string& name : names) {
    if (!IsTmpCheckpointName(name)) continue;
    std::string path = fs::Join(wal_dir, name);
    log::Get("wal")->warn("removing {} left by an interrupted checkpoint", path);
    VIGIL_RETURN_IF_ERROR(fs::RemoveAll(path));
  }
  return Status::OK();
}

Result<std::vector<SegmentRef>> ReplaySegments(const std::string& wal_dir) {
  std::vector<SegmentRef> out;
  int after = -1;
  auto cp = LastCheckpoint(wal_dir);
  if (cp.ok()) {
    VIGIL_ASSIGN_OR_RETURN(out, ListSegments(cp->dir));
    for (SegmentRef& s : out) s.in_checkpoint = true;
    after = cp->index;
  } else if (!cp.status().IsNotFound()) {
    return cp.status();
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segs, ListSegments(wal_dir));
  for (SegmentRef& s : segs) {
    if (s.index > after) out.push_back(std::move(s));
  }
  return out;
}

Result<std::unique_ptr<Reader>> OpenReplay(const std::string& wal_dir, ReaderOptions options) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segs, ReplaySegments(wal_dir));
  return Reader::Open(std::move(segs), std::move(options));
}

Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const KeepSeries& keep, int64_t mint,
                                   const CheckpointOptions& options) {
  WalMetrics metrics(options.registry);
  const auto start = std::chrono::steady_clock::now();
  Result<CheckpointStats> r = WriteCheckpoint(wal_dir, from, to, keep, mint, options);
  if (!r.ok()) {
    metrics.checkpoints_failed->Inc();
    log::Get("wal")->error("WAL checkpoint of segments [{}, {}] in {} failed: {}", from, to,
                           wal_dir, r.status().ToString());
    return r;
  }
  metrics.checkpoints->Inc();
  log::Get("wal")->info(
      "created WAL checkpoint {} from segments [{}, {}]: kept {}/{} series, {}/{} samples, {}/{} "
      "tombstones, {} metric families in {:.3f}s",
      r->checkpoint.dir, r->from, r->to, r->total_series - r->dropped_series, r->total_series,
      r->total_samples - r->dropped_samples, r->total_samples,
      r->total_tombstones - r->dropped_tombstones, r->total_tombstones,
      r->total_metadata - r->dropped_metadata,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

}  // namespace vigil::tsdb::wal
