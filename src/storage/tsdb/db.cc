#include "storage/tsdb/db.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>
#include <unordered_map>

#include "base/logging.h"
#include "base/strconv.h"
#include "storage/tsdb/block/ulid.h"
#include "storage/tsdb/head_appender.h"
#include "storage/tsdb/querier.h"
#include "storage/tsdb/wal/checkpoint.h"
#include "storage/tsdb/wal/records.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::tsdb {

namespace {

constexpr char kLockFile[] = "lock";
constexpr char kWalDir[] = "wal";
constexpr char kMetadataFile[] = "metadata";

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

DB::DB(std::string dir, DbOptions options) : dir_(std::move(dir)), opts_(std::move(options)) {
  opts_.head.chunk_range_ms = opts_.block_range_ms;
  if (opts_.registry == nullptr) {
    own_registry_ = std::make_unique<metrics::Registry>();
    registry_ = own_registry_.get();
  } else {
    registry_ = opts_.registry;
  }
  auto& compactions = registry_->CounterFamily("vigil_tsdb_compactions_total",
                                               "Blocks written, by kind of compaction.", {"kind"});
  compactions_head_ = compactions.With({"head"});
  compactions_blocks_ = compactions.With({"blocks"});
  compactions_failed_ = registry_->NewCounter("vigil_tsdb_compactions_failed_total",
                                              "Compactions that failed (data stays where it was).");
  compaction_seconds_ = registry_->NewHistogram("vigil_tsdb_compaction_duration_seconds",
                                                "Time taken by one compaction.",
                                                metrics::ExponentialBuckets(0.01, 3, 10));
  auto& retention = registry_->CounterFamily("vigil_tsdb_retention_blocks_deleted_total",
                                             "Blocks deleted by retention, by limit.", {"reason"});
  retention_time_ = retention.With({"time"});
  retention_size_ = retention.With({"size"});
  replay_unknown_refs_ = registry_->NewCounter(
      "vigil_tsdb_wal_replay_unknown_refs_total",
      "WAL samples or tombstones naming a series the WAL does not define (dropped on replay).");
  replay_samples_ = registry_->NewCounter("vigil_tsdb_wal_replay_samples_total",
                                          "Samples restored from the WAL at start-up.");
  replay_seconds_ = registry_->NewGauge("vigil_tsdb_wal_replay_duration_seconds",
                                        "Time the last WAL replay took.");
  checkpoint_failed_ =
      registry_->NewCounter("vigil_tsdb_checkpoints_failed_total", "WAL checkpoints that failed.");
}

Result<std::unique_ptr<DB>> DB::Open(const std::string& dir, DbOptions options) {
  std::unique_ptr<DB> db(new DB(dir, std::move(options)));
  VIGIL_RETURN_IF_ERROR(fs::CreateDirs(dir));
  VIGIL_ASSIGN_OR_RETURN(db->lock_, fs::FileLock::Acquire(fs::Join(dir, kLockFile)));
  db->head_ = std::make_unique<Head>(db->opts_.head, db->registry_);
  VIGIL_RETURN_IF_ERROR(db->OpenBlocks());
  db->LoadMetadataFile();

  wal::WalOptions wo;
  wo.compression = db->opts_.wal_compression;
  wo.fsync_interval_ms = db->opts_.wal_fsync_interval_ms;
  wo.segment_size = db->opts_.wal_segment_size;
  wo.registry = db->registry_;
  // Open repairs a torn tail first, so the replay below does not report it again.
  VIGIL_ASSIGN_OR_RETURN(db->wal_, wal::Wal::Open(fs::Join(dir, kWalDir), wo));
  VIGIL_RETURN_IF_ERROR(db->ReplayWal());
  db->head_->SetWal(db->wal_.get());

  DB* raw = db.get();
  db->funcs_.push_back(db->registry_->NewFunc(
      metrics::Type::kGauge, "vigil_tsdb_blocks_loaded", "Blocks the TSDB reads from.", {},
      [raw] { return static_cast<double>(raw->BlocksSnapshot().size()); }));
  db->funcs_.push_back(db->registry_->NewFunc(
      metrics::Type::kGauge, "vigil_tsdb_storage_blocks_bytes", "Bytes of all blocks on disk.", {},
      [raw] { return static_cast<double>(raw->Stats().blocks_bytes); }));
  db->funcs_.push_back(db->registry_->NewFunc(metrics::Type::kGauge,
                                              "vigil_tsdb_lowest_timestamp_seconds",
                                              "The oldest sample time stored.", {}, [raw] {
                                                int64_t t = raw->MinTime();
                                                return t == kMaxTime ? 0.0 : t / 1000.0;
                                              }));

  if (db->opts_.compaction_interval_ms > 0) {
    db->bg_ = std::thread([raw] { raw->BackgroundLoop(); });
  }
  return db;
}

DB::~DB() {
  Status s = Close();
  if (!s.ok()) log::Get("tsdb")->error("closing {}: {}", dir_, s.ToString());
}

Status DB::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  {
    std::lock_guard lock(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_.joinable()) bg_.join();
  Status result;
  if (opts_.flush_on_close && head_ && wal_) {
    Status s = FlushHead();
    if (!s.ok()) {
      log::Get("tsdb")->error("flushing the head on close: {} (the WAL keeps the data)",
                              s.ToString());
      result = s;
    }
  }
  Status ms = WriteMetadataFile();
  if (!ms.ok()) log::Get("tsdb")->warn("writing {}: {}", kMetadataFile, ms.ToString());
  if (wal_) {
    Status s = wal_->Close();
    if (!s.ok() && result.ok()) result = s;
  }
  lock_.reset();  // another process (or a reopen) may use the directory now
  return result;
}

// --- Opening ---

Status DB::OpenBlocks() {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(dir_));
  std::vector<std::shared_ptr<block::BlockReader>> loaded;
  for (const std::string& name : names) {
    std::string path = fs::Join(dir_, name);
    if (name.ends_with(".tmp") && fs::IsDir(path)) {
      // A block or compaction that did not finish.
      log::Get("tsdb")->info("removing unfinished block directory {}", path);
      VIGIL_RETURN_IF_ERROR(fs::RemoveAll(path));
      continue;
    }
    if (!block::IsValidULID(name) || !fs::IsDir(path)) continue;
    auto b = block::BlockReader::Open(path);
    if (!b.ok()) {
      // A broken block must not stop the server; move it aside for inspection.
      log::Get("tsdb")->error("block {} cannot be read ({}); moving it to {}.broken", path,
                              b.status().ToString(), name);
      (void)fs::Rename(path, path + ".broken");
      continue;
    }
    loaded.push_back(std::move(*b));
  }
  // A compaction that published its output but crashed before deleting its
  // inputs leaves parents behind: they are redundant.
  std::set<std::string> parents;
  for (const auto& b : loaded) {
    for (const auto& p : b->meta().compaction.parents) parents.insert(p.ulid);
  }
  std::vector<std::shared_ptr<block::BlockReader>> keep;
  for (auto& b : loaded) {
    if (parents.count(b->meta().ulid)) {
      log::Get("tsdb")->info("removing block {}: it was compacted into another block",
                             b->meta().ulid);
      std::string path = b->dir();
      b.reset();
      VIGIL_RETURN_IF_ERROR(fs::RemoveAll(path));
      continue;
    }
    keep.push_back(std::move(b));
  }
  std::sort(keep.begin(), keep.end(),
            [](const auto& a, const auto& b) { return a->meta().min_time < b->meta().min_time; });
  int64_t newest = kMinTime;
  for (const auto& b : keep) newest = std::max(newest, b->meta().max_time - 1);
  if (newest != kMinTime) head_->SetMaxTimeFloor(newest);
  std::lock_guard lock(blocks_mu_);
  blocks_ = std::move(keep);
  return Status::OK();
}

Status DB::ReplayWal() {
  auto start = std::chrono::steady_clock::now();
  std::string wal_dir = fs::Join(dir_, kWalDir);
  wal::ReaderOptions ro;
  ro.registry = registry_;
  VIGIL_ASSIGN_OR_RETURN(auto reader, wal::OpenReplay(wal_dir, ro));

  // Refs are dense, so a vector maps WAL refs to series during replay (no
  // garbage collection runs yet, pointers stay valid).
  std::vector<MemSeries*> by_ref;
  auto lookup = [&](storage::SeriesRef ref) -> MemSeries* {
    return ref < by_ref.size() ? by_ref[ref] : nullptr;
  };
  std::vector<wal::RefSeries> series;
  std::vector<wal::RefSample> samples;
  std::vector<wal::RefTombstone> tombstones;
  std::vector<wal::RefMetadata> metadata;
  uint64_t n_samples = 0, unknown = 0, bad_records = 0;
  int64_t mint = kMaxTime, maxt = kMinTime;
  while (reader->Next()) {
    std::string_view rec = reader->record();
    Status s;
    switch (wal::GetRecordType(rec)) {
      case wal::RecordType::kSeries:
        s = wal::DecodeSeries(rec, &series);
        if (!s.ok()) break;
        for (const auto& rs : series) {
          auto views = rs.labels.View();
          MemSeries* m = head_->CreateWithRef(rs.ref, views);
          m->wal_logged.store(true, std::memory_order_relaxed);
          if (rs.ref >= by_ref.size()) by_ref.resize(rs.ref + 1, nullptr);
          by_ref[rs.ref] = m;  // a repeated series maps to the first one
        }
        break;
      case wal::RecordType::kSamples:
        s = wal::DecodeSamples(rec, &samples);
        if (!s.ok()) break;
        for (const auto& smp : samples) {
          MemSeries* m = lookup(smp.ref);
          if (m == nullptr) {
            ++unknown;
            continue;
          }
          std::lock_guard lock(m->mu);
          if (head_->AppendLocked(m, smp.t, smp.v, /*check_bounds=*/false) ==
              storage::RejectReason::kNone) {
            ++n_samples;
            mint = std::min(mint, smp.t);
            maxt = std::max(maxt, smp.t);
          }
        }
        break;
      case wal::RecordType::kTombstones:
        s = wal::DecodeTombstones(rec, &tombstones);
        if (!s.ok()) break;
        for (const auto& ts : tombstones) {
          MemSeries* m = lookup(ts.ref);
          if (m == nullptr) {
            ++unknown;
            continue;
          }
          std::lock_guard lock(m->mu);
          block::AddInterval(&m->deleted, block::Interval{ts.mint, ts.maxt});
        }
        break;
      case wal::RecordType::kMetadata: {
        s = wal::DecodeMetadata(rec, &metadata);
        if (!s.ok()) break;
        std::vector<std::pair<std::string, storage::MetricMetadata>> md;
        for (auto& m : metadata) md.emplace_back(std::move(m.metric_family), std::move(m.metadata));
        RecordMetadata(md);
        break;
      }
      default:
        s = Status::Corruption("unknown record type");
    }
    if (!s.ok()) {
      ++bad_records;
      log::Get("tsdb")->warn("WAL replay: skipping a record of {} at offset {}: {}",
                             reader->segment().path, reader->offset(), s.ToString());
    }
  }
  if (!reader->status().ok()) {
    // An unreadable segment: keep what was read and go on (never refuse to start).
    log::Get("tsdb")->error("WAL replay stopped early: {}", reader->status().ToString());
  }
  if (n_samples > 0) head_->UpdateTimeBounds(mint, maxt);
  replay_unknown_refs_->Inc(static_cast<double>(unknown));
  replay_samples_->Inc(static_cast<double>(n_samples));
  double secs = SecondsSince(start);
  replay_seconds_->Set(secs);
  if (n_samples > 0 || unknown > 0 || bad_records > 0 || reader->corruptions() > 0) {
    log::Get("tsdb")->info(
        "WAL replay: {} series, {} samples in {:.3f}s ({} samples of unknown series dropped, "
        "{} bad records, {} damaged regions, {} bytes dropped)",
        head_->NumSeries(), n_samples, secs, unknown, bad_records, reader->corruptions(),
        reader->bytes_dropped());
  }
  return Status::OK();
}

void DB::LoadMetadataFile() {
  std::string path = fs::Join(dir_, kMetadataFile);
  if (!fs::Exists(path)) return;
  auto data = fs::ReadFile(path);
  std::vector<wal::RefMetadata> md;
  if (!data.ok() || !wal::DecodeMetadata(*data, &md).ok()) {
    log::Get("tsdb")->warn("ignoring unreadable {}", path);
    return;
  }
  std::lock_guard lock(metadata_mu_);
  for (auto& m : md) metadata_[m.metric_family] = std::move(m.metadata);
}

Status DB::WriteMetadataFile() {
  std::vector<wal::RefMetadata> md;
  {
    std::lock_guard lock(metadata_mu_);
    if (metadata_.empty()) return Status::OK();
    for (const auto& [name, m] : metadata_) md.push_back(wal::RefMetadata{name, m});
  }
  std::string out;
  wal::EncodeMetadata(md, &out);
  return fs::WriteFileAtomic(fs::Join(dir_, kMetadataFile), out);
}

void DB::RecordMetadata(const std::vector<std::pair<std::string, storage::MetricMetadata>>& md) {
  std::lock_guard lock(metadata_mu_);
  for (const auto& [name, m] : md) metadata_[name] = m;
}

// --- Storage interface ---

std::unique_ptr<storage::Appender> DB::NewAppender() {
  auto a = std::make_unique<HeadAppender>(head_.get());
  a->SetMetadataSink([this](const auto& md) { RecordMetadata(md); });
  return a;
}

std::vector<std::shared_ptr<block::BlockReader>> DB::BlocksSnapshot() {
  std::lock_guard lock(blocks_mu_);
  return blocks_;
}

Result<std::unique_ptr<storage::Querier>> DB::NewQuerier(int64_t mint, int64_t maxt) {
  std::vector<std::shared_ptr<block::BlockReader>> blocks;
  for (auto& b : BlocksSnapshot()) {
    // Block ranges are [min_time, max_time).
    if (b->meta().min_time <= maxt && b->meta().max_time > mint) blocks.push_back(std::move(b));
  }
  // The head takes part only if its data overlaps the range (as in
  // Prometheus), which matters for label names and values.
  Head* head = head_->MinTime() <= maxt && head_->MaxTime() >= mint ? head_.get() : nullptr;
  return std::unique_ptr<storage::Querier>(new DbQuerier(head, std::move(blocks), mint, maxt));
}

std::vector<std::pair<std::string, storage::MetricMetadata>> DB::Metadata(std::string_view metric,
                                                                          size_t limit) {
  std::vector<std::pair<std::string, storage::MetricMetadata>> out;
  std::lock_guard lock(metadata_mu_);
  if (!metric.empty()) {
    auto it = metadata_.find(metric);
    if (it != metadata_.end()) out.emplace_back(it->first, it->second);
    return out;
  }
  for (const auto& [name, m] : metadata_) {
    if (limit > 0 && out.size() >= limit) break;
    out.emplace_back(name, m);
  }
  return out;
}

int64_t DB::MinTime() {
  int64_t t = head_->MinTime();
  auto blocks = BlocksSnapshot();
  if (!blocks.empty()) t = std::min(t, blocks.front()->meta().min_time);
  return t;
}

int64_t DB::MaxTime() {
  int64_t t = head_->MaxTime();
  for (const auto& b : BlocksSnapshot()) t = std::max(t, b->meta().max_time - 1);
  return t;
}

storage::TsdbStatus DB::HeadStatus(size_t limit) {
  storage::TsdbStatus st;
  st.num_series = head_->NumSeries();
  st.chunk_count = head_->NumChunks();
  if (head_->MinTime() != kMaxTime) {
    st.min_time = head_->MinTime();
    st.max_time = head_->MaxTime();
  }
  head_->postings().FillStatus(limit, &st);
  return st;
}

Status DB::Delete(int64_t mint, int64_t maxt, const std::vector<model::Matcher>& matchers) {
  std::lock_guard lock(compact_mu_);
  VIGIL_ASSIGN_OR_RETURN(auto touched, head_->Delete(mint, maxt, matchers));
  if (!touched.empty() && wal_) {
    std::vector<wal::RefTombstone> ts;
    for (const auto& [ref, iv] : touched) ts.push_back(wal::RefTombstone{ref, iv.mint, iv.maxt});
    std::string rec;
    wal::EncodeTombstones(ts, &rec);
    VIGIL_RETURN_IF_ERROR(wal_->Log(rec));
  }
  for (const auto& b : BlocksSnapshot()) {
    const block::BlockMeta& m = b->meta();
    if (m.min_time > maxt || m.max_time <= mint) continue;
    VIGIL_ASSIGN_OR_RETURN(block::PostingsList refs, b->Select(matchers));
    if (refs.empty()) continue;
    block::Tombstones ts = *b->tombstones();
    block::Interval iv{std::max(mint, m.min_time), std::min(maxt, m.max_time - 1)};
    for (uint64_t ref : refs) ts.Add(ref, iv);
    VIGIL_RETURN_IF_ERROR(b->WriteTombstones(ts).WithContext("block " + m.ulid));
  }
  return Status::OK();
}

Status DB::CleanTombstones() {
  std::lock_guard lock(compact_mu_);
  for (const auto& b : BlocksSnapshot()) {
    if (b->tombstones()->empty()) continue;
    auto start = std::chrono::steady_clock::now();
    auto meta = CompactBlocks(dir_, {b}, BlockWriteOptions());
    std::vector<std::shared_ptr<block::BlockReader>> added;
    if (meta.ok()) {
      VIGIL_ASSIGN_OR_RETURN(auto nb, block::BlockReader::Open(fs::Join(dir_, meta->ulid)));
      added.push_back(std::move(nb));
    } else if (!meta.status().IsNotFound()) {
      compactions_failed_->Inc();
      return meta.status();
    }
    AddBlocks(std::move(added), {b->meta().ulid});
    DeleteBlockDirs({b->meta().ulid});
    compaction_seconds_->Observe(SecondsSince(start));
    compactions_blocks_->Inc();
  }
  return Status::OK();
}

// --- Compaction and retention ---

void DB::AddBlocks(std::vector<std::shared_ptr<block::BlockReader>> added,
                   const std::vector<std::string>& removed_ulids) {
  std::lock_guard lock(blocks_mu_);
  std::set<std::string> removed(removed_ulids.begin(), removed_ulids.end());
  std::erase_if(blocks_, [&](const auto& b) { return removed.count(b->meta().ulid) > 0; });
  for (auto& b : added) blocks_.push_back(std::move(b));
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& a, const auto& b) { return a->meta().min_time < b->meta().min_time; });
}

void DB::DeleteBlockDirs(const std::vector<std::string>& ulids) {
  // Readers that still hold a block keep its memory maps, which stay valid
  // after the files are unlinked.
  for (const auto& u : ulids) {
    Status s = fs::RemoveAll(fs::Join(dir_, u));
    if (!s.ok()) log::Get("tsdb")->error("deleting block {}: {}", u, s.ToString());
  }
}

WriteBlockOptions DB::BlockWriteOptions() const {
  WriteBlockOptions wo;
  wo.samples_per_chunk = opts_.block_samples_per_chunk;
  return wo;
}

int64_t DB::MaxBlockRange() const {
  if (opts_.max_block_range_ms > 0) return opts_.max_block_range_ms;
  int64_t r = 31 * kDay;
  if (opts_.retention_ms > 0) r = std::min(r, opts_.retention_ms / 10);
  return std::max(r, opts_.block_range_ms);
}

Status DB::Compact() {
  std::lock_guard lock(compact_mu_);
  Status result;
  int64_t range = opts_.block_range_ms;
  int64_t hmin = head_->MinTime();
  int64_t hmax = head_->MaxTime();
  if (hmin != kMaxTime && hmax - hmin > range * 3 / 2) {
    // Keep at least half a range in the head for samples that arrive late.
    int64_t boundary = FloorDiv(hmax - range / 2, range) * range;
    if (boundary > hmin) {
      Status s = CompactHeadLocked(boundary);
      if (!s.ok()) result = s;
    }
  }
  Status s = CompactBlocksLocked();
  if (!s.ok() && result.ok()) result = s;
  s = ApplyRetentionLocked();
  if (!s.ok() && result.ok()) result = s;
  return result;
}

Status DB::FlushHead() {
  std::lock_guard lock(compact_mu_);
  if (head_->MinTime() == kMaxTime) return Status::OK();
  return CompactHeadLocked(kMaxTime);
}

Status DB::CompactHeadLocked(int64_t boundary) {
  auto start = std::chrono::steady_clock::now();
  const int64_t range = opts_.block_range_ms;
  // 1. Start a new WAL segment while no appender is inside: every sample in
  // the older segments is then applied to the head, so the copy below sees it.
  int cut = -1;
  if (wal_) {
    head_->append_gate().Close();
    auto seg = wal_->NextSegment();
    head_->append_gate().Open();
    if (!seg.ok()) return seg.status().WithContext("cutting the WAL before compaction");
    cut = *seg;
  }

  // 2. Copy the head's data before the boundary, grouped by block range.
  std::vector<Head::SeriesCopy> copies = head_->CopyBefore(boundary);
  std::deque<std::string> ooo_chunks;  // encoded out-of-order data; a deque never moves it
  std::map<int64_t, std::vector<SeriesChunks>> buckets;
  for (const Head::SeriesCopy& c : copies) {
    const block::Intervals* deleted = c.deleted.empty() ? nullptr : &c.deleted;
    std::map<int64_t, SeriesChunks> per_bucket;
    auto add = [&](int64_t mint, int64_t maxt, chunkenc::Encoding enc, std::string_view data) {
      SeriesChunks& sc = per_bucket[FloorDiv(mint, range)];
      sc.chunks.push_back(ChunkView{mint, maxt, enc, data, deleted});
    };
    for (const auto& ch : c.closed) add(ch->mint, ch->maxt, ch->encoding, ch->data);
    if (c.open_samples > 0) add(c.open_mint, c.open_maxt, chunkenc::Encoding::kXor, c.open_bytes);
    // Out-of-order samples: one chunk per block range they fall into.
    size_t i = 0;
    while (i < c.ooo.size()) {
      int64_t b = FloorDiv(c.ooo[i].t, range);
      size_t j = i;
      while (j < c.ooo.size() && FloorDiv(c.ooo[j].t, range) == b &&
             j - i < static_cast<size_t>(chunkenc::kMaxSamplesPerChunk)) {
        ++j;
      }
      std::span<const model::Sample> part(c.ooo.data() + i, j - i);
      auto enc = chunkenc::EncodeXor(part);
      if (!enc.ok()) return enc.status();
      ooo_chunks.push_back(std::move(*enc));
      add(part.front().t, part.back().t, chunkenc::Encoding::kXor, ooo_chunks.back());
      i = j;
    }
    for (auto& [b, sc] : per_bucket) {
      sc.labels = c.labels;
      std::stable_sort(sc.chunks.begin(), sc.chunks.end(),
                       [](const ChunkView& x, const ChunkView& y) { return x.mint < y.mint; });
      buckets[b].push_back(std::move(sc));
    }
  }

  // 3. Write one level-1 block per range.
  std::vector<std::shared_ptr<block::BlockReader>> added;
  for (auto& [b, series] : buckets) {
    std::sort(series.begin(), series.end(),
              [](const SeriesChunks& x, const SeriesChunks& y) { return x.labels < y.labels; });
    auto meta =
        WriteBlock(dir_, std::move(series), b * range, (b + 1) * range, BlockWriteOptions());
    if (meta.status().IsNotFound()) continue;  // everything in this range was deleted
    if (!meta.ok()) {
      compactions_failed_->Inc();
      // Blocks written so far are published: their data is also still in the
      // head and gets deduplicated when blocks are merged.
      AddBlocks(std::move(added), {});
      return meta.status().WithContext("writing a block from the head");
    }
    VIGIL_ASSIGN_OR_RETURN(auto reader, block::BlockReader::Open(fs::Join(dir_, meta->ulid)));
    log::Get("tsdb")->info("wrote block {} [{}, {}): {} series, {} samples", meta->ulid,
                           FormatRFC3339(meta->min_time), FormatRFC3339(meta->max_time),
                           meta->stats.num_series, meta->stats.num_samples);
    added.push_back(std::move(reader));
    compactions_head_->Inc();
  }

  // 4. Publish the blocks, then drop what they hold from the head.
  AddBlocks(std::move(added), {});
  head_->RemoveCopied(copies);

  // 5. Checkpoint the WAL segments before the cut: keep the series still in
  // the head and the samples at or after the boundary.
  if (wal_ && cut > 0) {
    auto [first, last] = wal_->Segments();
    std::string wal_dir = fs::Join(dir_, kWalDir);
    if (boundary == kMaxTime) {
      // Everything was flushed: no sample before the cut is needed.
      Status s = wal_->TruncateBefore(cut);
      if (s.ok()) s = wal::DeleteCheckpointsBefore(wal_dir, cut + 1);
      if (!s.ok()) log::Get("tsdb")->warn("truncating the WAL: {}", s.ToString());
    } else if (first >= 0 && first < cut) {
      wal::CheckpointOptions co;
      co.compression = opts_.wal_compression;
      co.registry = registry_;
      auto keep = [this](storage::SeriesRef ref) {
        MemSeries* s = head_->GetByRef(ref);
        if (s == nullptr) return false;
        head_->Unpin(s);
        return true;
      };
      auto cs = wal::Checkpoint(wal_dir, first, cut - 1, keep, boundary, co);
      if (cs.ok()) {
        Status s = wal_->TruncateBefore(cut);
        if (!s.ok()) log::Get("tsdb")->warn("truncating the WAL: {}", s.ToString());
      } else {
        // The segments stay; replay takes longer but loses nothing.
        checkpoint_failed_->Inc();
        log::Get("tsdb")->error("WAL checkpoint failed: {}", cs.status().ToString());
      }
    }
  }
  compaction_seconds_->Observe(SecondsSince(start));
  return Status::OK();
}

Status DB::CompactBlocksLocked() {
  for (int pass = 0; pass < 64; ++pass) {
    auto blocks = BlocksSnapshot();
    if (blocks.size() < 2) return Status::OK();
    std::vector<std::shared_ptr<block::BlockReader>> plan;
    // Overlapping blocks first (late data, restarts): merge each overlapping run.
    int64_t run_end = kMinTime;
    std::vector<std::shared_ptr<block::BlockReader>> run;
    for (const auto& b : blocks) {
      if (!run.empty() && b->meta().min_time < run_end) {
        run.push_back(b);
      } else {
        if (run.size() >= 2) break;
        run.clear();
        run.push_back(b);
      }
      run_end = std::max(run_end, b->meta().max_time);
    }
    if (run.size() >= 2) plan = run;
    // Then leveled: blocks that together fill a range of 3x, 9x ... the block
    // range, once that range has ended.
    if (plan.empty()) {
      int64_t newest = blocks.back()->meta().max_time;
      for (const auto& b : blocks) newest = std::max(newest, b->meta().max_time);
      for (int64_t r = opts_.block_range_ms * 3; r <= MaxBlockRange() && plan.empty(); r *= 3) {
        std::map<int64_t, std::vector<std::shared_ptr<block::BlockReader>>> groups;
        for (const auto& b : blocks) {
          int64_t k = FloorDiv(b->meta().min_time, r);
          if (FloorDiv(b->meta().max_time - 1, r) != k) continue;  // does not fit this range
          groups[k].push_back(b);
        }
        for (auto& [k, g] : groups) {
          if (g.size() >= 2 && (k + 1) * r <= newest) {
            plan = g;
            break;
          }
        }
      }
    }
    if (plan.empty()) return Status::OK();

    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> parents;
    for (const auto& b : plan) parents.push_back(b->meta().ulid);
    auto meta = CompactBlocks(dir_, plan, BlockWriteOptions());
    std::vector<std::shared_ptr<block::BlockReader>> added;
    if (meta.ok()) {
      VIGIL_ASSIGN_OR_RETURN(auto nb, block::BlockReader::Open(fs::Join(dir_, meta->ulid)));
      log::Get("tsdb")->info("compacted {} blocks into {} [{}, {}), level {}", plan.size(),
                             meta->ulid, FormatRFC3339(meta->min_time),
                             FormatRFC3339(meta->max_time), meta->compaction.level);
      added.push_back(std::move(nb));
    } else if (!meta.status().IsNotFound()) {
      compactions_failed_->Inc();
      return meta.status().WithContext("compacting blocks");
    }
    plan.clear();
    AddBlocks(std::move(added), parents);
    DeleteBlockDirs(parents);
    compactions_blocks_->Inc();
    compaction_seconds_->Observe(SecondsSince(start));
  }
  return Status::OK();
}

Status DB::ApplyRetentionLocked() {
  auto blocks = BlocksSnapshot();
  if (blocks.empty()) return Status::OK();
  std::vector<std::string> doomed;
  if (opts_.retention_ms > 0) {
    int64_t newest = MaxTime();
    for (const auto& b : blocks) {
      if (b->meta().max_time - 1 < newest - opts_.retention_ms) {
        doomed.push_back(b->meta().ulid);
        retention_time_->Inc();
        log::Get("tsdb")->info("retention: deleting block {} (older than {})", b->meta().ulid,
                               FormatPromDuration(opts_.retention_ms));
      }
    }
  }
  if (opts_.retention_bytes > 0) {
    std::set<std::string> gone(doomed.begin(), doomed.end());
    uint64_t total = 0;
    std::vector<std::pair<std::string, uint64_t>> sizes;
    for (const auto& b : blocks) {
      if (gone.count(b->meta().ulid)) continue;
      uint64_t sz = b->SizeOnDisk().ok() ? *b->SizeOnDisk() : 0;
      sizes.emplace_back(b->meta().ulid, sz);
      total += sz;
    }
    auto wal_size = fs::DirSize(fs::Join(dir_, kWalDir));
    if (wal_size.ok()) total += *wal_size;
    // Oldest first, whole blocks only; the newest block is kept.
    for (size_t i = 0; i + 1 < sizes.size() && total > opts_.retention_bytes; ++i) {
      doomed.push_back(sizes[i].first);
      total -= sizes[i].second;
      retention_size_->Inc();
      log::Get("tsdb")->info("retention: deleting block {} (storage above {} bytes)",
                             sizes[i].first, opts_.retention_bytes);
    }
  }
  if (doomed.empty()) return Status::OK();
  AddBlocks({}, doomed);
  DeleteBlockDirs(doomed);
  return Status::OK();
}

void DB::BackgroundLoop() {
  std::unique_lock lock(bg_mu_);
  while (!stop_) {
    bg_cv_.wait_for(lock, std::chrono::milliseconds(opts_.compaction_interval_ms),
                    [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    Status s = Compact();
    if (!s.ok()) log::Get("tsdb")->error("background compaction: {}", s.ToString());
    lock.lock();
  }
}

std::vector<block::BlockMeta> DB::BlockMetas() {
  std::vector<block::BlockMeta> out;
  for (const auto& b : BlocksSnapshot()) out.push_back(b->meta());
  return out;
}

DbStats DB::Stats() {
  DbStats st;
  auto blocks = BlocksSnapshot();
  st.num_blocks = blocks.size();
  for (const auto& b : blocks) {
    auto sz = b->SizeOnDisk();
    if (sz.ok()) st.blocks_bytes += *sz;
    st.block_samples += b->meta().stats.num_samples;
  }
  auto ws = fs::DirSize(fs::Join(dir_, kWalDir));
  if (ws.ok()) st.wal_bytes = *ws;
  st.head_series = head_->NumSeries();
  st.head_min_time = head_->MinTime();
  st.head_max_time = head_->MaxTime();
  return st;
}

}  // namespace vigil::tsdb
