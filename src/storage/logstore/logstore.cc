#include "storage/logstore/logstore.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "base/last_error.h"
#include "base/logging.h"
#include "base/time.h"
#include "fmt/format.h"
#include "storage/logstore/chunk_file.h"
#include "storage/logstore/entry_block.h"
#include "storage/logstore/stream_iterator.h"
#include "storage/logstore/wal_record.h"
#include "storage/tsdb/wal/reader.h"
#include "storage/tsdb/wal/segment.h"
#include "storage/tsdb/wal/wal.h"

namespace vigil::logstore {

namespace {

constexpr char kWalDir[] = "wal";
constexpr char kChunksDir[] = "chunks";
constexpr char kStateFile[] = "sources.state";
constexpr char kLockFile[] = "LOCK";
constexpr char kStateMagic[4] = {'V', 'L', 'S', 'S'};
// A head pinning a WAL segment this many segments behind the current one is
// cut early.
constexpr int kMaxPinnedSegments = 3;
// Cut chunks waiting to be written beyond this make Consume help write them.
constexpr uint64_t kMaxPendingFlushBytes = 64ull << 20;
// Beyond this Consume fails (Unavailable) until chunks can be written again.
constexpr uint64_t kMaxUnwrittenBytes = 4 * kMaxPendingFlushBytes;

auto Log() { return log::Get("logstore"); }

bool Overlaps(int64_t min_t, int64_t max_t, int64_t start, int64_t end) {
  return min_t < end && max_t >= start;
}

// One chunk of a stream: in memory until written, then in a chunk file.
struct ChunkRef {
  int64_t min_time_ns = 0;
  int64_t max_time_ns = 0;
  uint64_t entries = 0;
  uint64_t line_bytes = 0;
  uint64_t max_seq = 0;
  std::shared_ptr<const EntryBlock> mem;  // set until written
  int first_segment = -1;                 // WAL segment pinned while mem is set
  std::shared_ptr<ChunkFile> file;
  ChunkLocation loc;
};

struct Stream {
  Stream(model::Labels l, uint64_t h) : labels(std::move(l)), hash(h) {}
  const model::Labels labels;
  const uint64_t hash;

  mutable std::mutex mu;
  EntryBlock head;                  // guarded by mu
  uint64_t head_max_seq = 0;        // guarded by mu: the last batch appended to head
  int head_first_segment = -1;      // guarded by mu: WAL segment of head's first entry
  int64_t head_started_ms = 0;      // guarded by mu: wall time of head's first entry
  std::vector<ChunkRef> chunks;     // guarded by mu: in the order cut
  std::atomic<bool> active{false};  // head not empty

  // Owned by the thread holding the store's write_mu_.
  int batch_group = -1;
  // Replay only: entries of batches with seq <= persisted_seq are in chunks.
  uint64_t persisted_seq = 0;
  struct ReplayMark {
    uint64_t seq;
    size_t entries_before;
    int segment;
  };
  std::vector<ReplayMark> replay_marks;

  bool HasDataIn(int64_t start, int64_t end) const {  // requires mu
    if (!head.empty() && Overlaps(head.min_time(), head.max_time(), start, end)) return true;
    for (const auto& c : chunks) {
      if (Overlaps(c.min_time_ns, c.max_time_ns, start, end)) return true;
    }
    return false;
  }
};

using StreamPtr = std::shared_ptr<Stream>;

struct FlushJob {
  StreamPtr stream;
  std::shared_ptr<const EntryBlock> block;
  uint64_t max_seq = 0;
};

class StreamSetImpl : public StreamSet {
 public:
  StreamSetImpl(std::vector<StreamPtr> streams, SelectParams params)
      : streams_(std::move(streams)), params_(std::move(params)) {}

  bool Next() override {
    if (pos_ >= streams_.size()) return false;
    current_ = streams_[pos_++];
    return true;
  }
  const model::Labels& labels() const override { return current_->labels; }
  std::unique_ptr<EntryIterator> Entries() override {
    std::vector<IterSource> sources;
    const int64_t start = params_.start_ns, end = params_.end_ns;
    {
      std::lock_guard<std::mutex> lock(current_->mu);
      for (const auto& c : current_->chunks) {
        if (!Overlaps(c.min_time_ns, c.max_time_ns, start, end)) continue;
        IterSource s;
        s.block = c.mem;
        s.file = c.file;
        s.loc = c.loc;
        s.min_time_ns = c.min_time_ns;
        s.max_time_ns = c.max_time_ns;
        sources.push_back(std::move(s));
      }
      EntryBlock& head = current_->head;
      if (!head.empty() && Overlaps(head.min_time(), head.max_time(), start, end)) {
        head.Sort();
        auto copy = std::make_shared<EntryBlock>(head.CopyRange(start, end));
        if (!copy->empty()) {
          IterSource s;
          s.min_time_ns = copy->min_time();
          s.max_time_ns = copy->max_time();
          s.block = std::move(copy);
          sources.push_back(std::move(s));
        }
      }
    }
    return NewStreamIterator(std::move(sources), start, end, params_.direction,
                             params_.line_contains, params_.want_lines, params_.want_metadata);
  }
  Status status() const override { return Status::OK(); }

 private:
  std::vector<StreamPtr> streams_;
  SelectParams params_;
  size_t pos_ = 0;
  StreamPtr current_;
};

class LogStoreImpl : public LogStore {
 public:
  LogStoreImpl(std::string dir, const LogStoreOptions& options, metrics::Registry* registry)
      : dir_(std::move(dir)), options_(options) {
    if (registry == nullptr) {
      own_registry_ = std::make_unique<metrics::Registry>();
      registry = own_registry_.get();
    }
    registry_ = registry;
    if (options_.retention_bytes > 0) {
      options_.chunk_file_bytes = std::max<uint64_t>(
          64 << 10, std::min(options_.chunk_file_bytes, options_.retention_bytes / 8));
    }
    streams_gauge_ =
        registry->NewGauge("vigil_logstore_streams", "Streams in the log store index.");
    entries_total_ = registry->NewCounter("vigil_logstore_entries_appended_total",
                                          "Log entries appended to the log store.");
    bytes_total_ = registry->NewCounter("vigil_logstore_bytes_appended_total",
                                        "Uncompressed line bytes appended to the log store.");
    rejected_ =
        &registry->CounterFamily("vigil_logstore_rejected_total",
                                 "Log records refused by the log store, by reason.", {"reason"});
    chunks_gauge_ = registry->NewGauge("vigil_logstore_chunks", "Chunks in the log store.");
    disk_gauge_ = registry->NewGauge("vigil_logstore_disk_bytes",
                                     "Bytes of chunk files and WAL of the log store.");
    wal_gauge_ = registry->NewGauge("vigil_logstore_wal_bytes", "Bytes of the log store's WAL.");
    retention_deleted_ =
        registry->NewCounter("vigil_logstore_retention_deleted_bytes_total",
                             "Bytes of chunk files the log store deleted for retention.");
  }

  ~LogStoreImpl() override {
    StopThreads();
    if (wal_) wal_->Close();
  }

  Status Init();

  model::ConsumeResult Consume(model::LogBatch& batch) override;
  LastError last_error() const override { return last_error_.Get(); }
  std::optional<std::string> SourceState(const std::string& source) const override {
    std::lock_guard<std::mutex> lock(state_mu_);
    auto it = sources_.find(source);
    if (it == sources_.end()) return std::nullopt;
    return it->second.state;
  }
  Status Maintain(int64_t now_ms) override;
  Status Close() override;

  Result<std::unique_ptr<StreamSet>> Select(const SelectParams& params) override;
  Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                              int64_t start_ns, int64_t end_ns) override;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<model::Matcher>& matchers,
                                               int64_t start_ns, int64_t end_ns) override;
  Result<std::vector<model::Labels>> Series(const std::vector<model::Matcher>& matchers,
                                            int64_t start_ns, int64_t end_ns) override;
  Result<IndexStats> Stats(const std::vector<model::Matcher>& matchers, int64_t start_ns,
                           int64_t end_ns) override;

 private:
  struct SourceEntry {
    std::string state;
    uint64_t seq = 0;
  };

  Status LoadState();
  std::string EncodeState() const;  // requires state_mu_
  Status LoadChunkFiles();
  Status ReplayWal();
  void ReplayBatch(const WalRecordView& rec, int segment);
  void ReplayCut(const WalRecordView& rec);

  StreamPtr FindStream(const model::Labels& labels,
                       uint64_t hash) const;                           // write_mu_ or streams_mu_
  StreamPtr CreateStream(const model::Labels& labels, uint64_t hash);  // requires write_mu_

  // Moves the stream's head into a chunk waiting to be written. Requires s.mu.
  std::optional<FlushJob> CutLocked(const StreamPtr& s);
  void Enqueue(std::vector<FlushJob> jobs);
  // Writes every queued chunk (in the calling thread).
  Status FlushPending();
  Status WriteChunks(std::vector<FlushJob>& jobs);
  Result<std::shared_ptr<ChunkFile>> CurrentFileLocked();  // requires files_mu_
  Status RollFileLocked();                                 // requires files_mu_
  // Deletes WAL segments whose entries are all in chunk files; cuts heads
  // that pin old segments.
  Status Checkpoint();
  Status DeleteFile(const std::shared_ptr<ChunkFile>& f);
  void RemoveEmptyStreams();
  void UpdateGauges();

  std::vector<StreamPtr> Matching(const std::vector<model::Matcher>& matchers, int64_t start,
                                  int64_t end) const;
  void FlusherLoop();
  void MaintainerLoop();
  void StopThreads();
  // Consume's work; Consume notes its failures and rejections.
  model::ConsumeResult Append(model::LogBatch& batch);
  void Reject(model::ConsumeResult& res, size_t index, std::string_view reason,
              std::string message) {
    rejected_->With({std::string(reason)})->Inc();
    res.rejected.push_back({index, std::string(reason), std::move(message)});
  }

  const std::string dir_;
  LogStoreOptions options_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Registry* registry_ = nullptr;
  metrics::Gauge* streams_gauge_;
  metrics::Counter* entries_total_;
  metrics::Counter* bytes_total_;
  metrics::Family<metrics::Counter>* rejected_;
  LastErrorNote last_error_;
  metrics::Gauge* chunks_gauge_;
  metrics::Gauge* disk_gauge_;
  metrics::Gauge* wal_gauge_;
  metrics::Counter* retention_deleted_;

  std::unique_ptr<fs::FileLock> lock_;
  std::unique_ptr<tsdb::wal::Wal> wal_;
  std::atomic<bool> closed_{false};

  // Serialises Consume, every WAL write and the creation and removal of
  // streams. Lock order: write_mu_, streams_mu_, Stream::mu, files_mu_,
  // state_mu_, flush_mu_.
  std::mutex write_mu_;
  uint64_t last_seq_ = 0;  // guarded by write_mu_
  mutable std::shared_mutex streams_mu_;
  std::unordered_map<uint64_t, std::vector<StreamPtr>> streams_;  // writes need write_mu_ too
  size_t stream_count_ = 0;                                       // guarded like streams_
  std::atomic<uint64_t> active_streams_{0};

  // Consume's scratch space (guarded by write_mu_).
  struct Group {
    StreamPtr stream;
    std::vector<uint32_t> records;
  };
  std::vector<Group> groups_;
  std::string wal_buf_;
  std::string meta_buf_;
  std::vector<uint32_t> meta_begin_;
  std::vector<uint32_t> meta_end_;

  mutable std::mutex state_mu_;
  std::map<std::string, SourceEntry> sources_;  // guarded by state_mu_

  std::mutex files_mu_;
  std::map<int, std::shared_ptr<ChunkFile>> files_;  // guarded by files_mu_
  std::unique_ptr<fs::WritableFile> writer_;         // guarded by files_mu_
  std::shared_ptr<ChunkFile> writer_file_;           // guarded by files_mu_
  int next_file_id_ = 1;                             // guarded by files_mu_
  std::atomic<uint64_t> chunk_count_{0};

  std::mutex flush_mu_;
  std::condition_variable flush_cv_;     // wakes the flusher
  std::condition_variable maintain_cv_;  // wakes the maintainer (at stop)
  Status last_flush_error_;              // guarded by flush_mu_
  std::deque<FlushJob> flush_queue_;     // guarded by flush_mu_
  uint64_t pending_bytes_ = 0;           // guarded by flush_mu_
  bool stop_ = false;                    // guarded by flush_mu_
  // Serialises whole flush rounds so chunks of a stream are written in the
  // order they were cut.
  std::mutex flush_round_mu_;
  std::thread flusher_;
  std::thread maintainer_;
};

// ---------------------------------------------------------------- open

Status LogStoreImpl::Init() {
  Status s = fs::CreateDirs(dir_);
  if (!s.ok()) return s;
  auto lock = fs::FileLock::Acquire(fs::Join(dir_, kLockFile));
  if (!lock.ok()) return lock.status();
  lock_ = std::move(lock).value();
  s = fs::CreateDirs(fs::Join(dir_, kChunksDir));
  if (!s.ok()) return s;
  s = LoadState();
  if (!s.ok()) {
    // Losing the offsets makes sources re-read (duplicates), refusing to
    // start loses everything new: start, loudly.
    Log()->error("{} (starting without the saved source offsets)", s.ToString());
    sources_.clear();
  }
  s = LoadChunkFiles();
  if (!s.ok()) return s;
  tsdb::wal::WalOptions wo;
  wo.segment_size = std::max<uint64_t>(options_.wal_segment_bytes, tsdb::wal::kPageSize);
  wo.compression = false;  // lines are zstd-compressed in chunks; snappy here costs CPU
  auto wal = tsdb::wal::Wal::Open(fs::Join(dir_, kWalDir), wo);
  if (!wal.ok()) return wal.status();
  wal_ = std::move(wal).value();
  s = ReplayWal();
  if (!s.ok()) return s;
  flusher_ = std::thread([this] { FlusherLoop(); });
  if (options_.background_maintenance) maintainer_ = std::thread([this] { MaintainerLoop(); });
  UpdateGauges();
  return Status::OK();
}

Status LogStoreImpl::LoadState() {
  std::string path = fs::Join(dir_, kStateFile);
  if (!fs::Exists(path)) return Status::OK();
  auto data = fs::ReadFile(path);
  if (!data.ok()) return data.status();
  std::string_view d = *data;
  if (d.size() < 9 || d.substr(0, 4) != std::string_view(kStateMagic, 4) ||
      Checksum32(d.substr(0, d.size() - 4)) != DecodeFixed32BE(d.data() + d.size() - 4)) {
    return Status::Corruption(path + ": damaged source state file");
  }
  Decbuf dec(d.substr(5, d.size() - 9));
  last_seq_ = dec.Uvarint();
  uint64_t n = dec.Uvarint();
  for (uint64_t i = 0; i < n && !dec.err(); ++i) {
    std::string source(dec.UvarintStr());
    SourceEntry e;
    e.state = std::string(dec.UvarintStr());
    e.seq = dec.Uvarint();
    sources_[source] = std::move(e);
  }
  if (dec.err()) return Status::Corruption(path + ": damaged source state file");
  return Status::OK();
}

std::string LogStoreImpl::EncodeState() const {
  std::string out(kStateMagic, 4);
  out.push_back(1);
  Encbuf enc(&out);
  enc.PutUvarint(last_seq_);
  enc.PutUvarint(sources_.size());
  for (const auto& [source, e] : sources_) {
    enc.PutUvarintStr(source);
    enc.PutUvarintStr(e.state);
    enc.PutUvarint(e.seq);
  }
  enc.PutBE32(Checksum32(out));
  return out;
}

Status LogStoreImpl::LoadChunkFiles() {
  std::string chunks_dir = fs::Join(dir_, kChunksDir);
  auto names = fs::ListDir(chunks_dir);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    int id = ParseChunkFileName(name);
    if (id < 0) continue;
    std::string path = fs::Join(chunks_dir, name);
    auto size = fs::FileSize(path);
    if (!size.ok()) return size.status();
    auto file = ChunkFile::Open(path, id);
    if (!file.ok()) return file.status();
    std::shared_ptr<ChunkFile> f = *file;
    uint64_t valid = 0;
    Status s = ScanChunkFile(
        *f, *size,
        [&](ChunkMeta&& m, const ChunkLocation& loc) {
          uint64_t hash = m.labels.Hash();
          StreamPtr st = FindStream(m.labels, hash);
          if (!st) st = CreateStream(m.labels, hash);
          ChunkRef ref;
          ref.min_time_ns = m.min_time_ns;
          ref.max_time_ns = m.max_time_ns;
          ref.entries = m.entries;
          ref.line_bytes = m.line_bytes;
          ref.max_seq = m.max_seq;
          ref.file = f;
          ref.loc = loc;
          st->chunks.push_back(std::move(ref));
          st->persisted_seq = std::max(st->persisted_seq, m.max_seq);
          last_seq_ = std::max(last_seq_, m.max_seq);
          f->max_time_ns = std::max(f->max_time_ns, m.max_time_ns);
          chunk_count_++;
        },
        &valid);
    if (!s.ok()) return s;
    if (valid < *size) {
      // A torn chunk after a crash: its entries are still in the WAL.
      Log()->warn("{}: cutting {} bytes of damaged or torn chunks at offset {}", path,
                  *size - valid, valid);
      if (valid < kChunkFileHeaderSize) {
        s = fs::WriteFileAtomic(path, ChunkFileHeader());
        valid = kChunkFileHeaderSize;
      } else {
        s = fs::Truncate(path, valid);
      }
      if (!s.ok()) return s;
    }
    f->size = valid;
    files_[id] = f;
    next_file_id_ = std::max(next_file_id_, id + 1);
  }
  return Status::OK();
}

Status LogStoreImpl::ReplayWal() {
  auto segments = tsdb::wal::ListSegments(wal_->dir());
  if (!segments.ok()) return segments.status();
  std::vector<tsdb::wal::SegmentRef> old;
  for (auto& seg : *segments) {
    if (seg.index < wal_->CurrentSegment()) old.push_back(std::move(seg));
  }
  auto reader = tsdb::wal::Reader::Open(std::move(old));
  WalRecordView rec;
  uint64_t bad = 0;
  while (reader->Next()) {
    if (!DecodeWalRecord(reader->record(), &rec).ok()) {
      ++bad;
      continue;
    }
    if (rec.type == WalRecordType::kBatch) {
      ReplayBatch(rec, reader->segment().index);
    } else {
      ReplayCut(rec);
    }
  }
  if (!reader->status().ok()) return reader->status();
  if (bad > 0) Log()->warn("log WAL: skipped {} undecodable records", bad);
  // The replayed heads go live.
  std::vector<FlushJob> jobs;
  int64_t now_ms = NowMillis();
  for (auto& [hash, list] : streams_) {
    for (auto& st : list) {
      std::lock_guard<std::mutex> lock(st->mu);
      if (!st->head.empty()) {
        st->head_first_segment = st->replay_marks.front().segment;
        st->head_max_seq = st->replay_marks.back().seq;
        st->head_started_ms = now_ms;
        st->active = true;
        active_streams_++;
        if (st->head.line_bytes() >= options_.chunk_target_bytes) {
          if (auto job = CutLocked(st)) jobs.push_back(std::move(*job));
        }
      }
      st->replay_marks.clear();
      st->replay_marks.shrink_to_fit();
    }
  }
  Enqueue(std::move(jobs));
  return Status::OK();
}

void LogStoreImpl::ReplayBatch(const WalRecordView& rec, int segment) {
  last_seq_ = std::max(last_seq_, rec.seq);
  for (const auto& [source, state] : rec.offsets) {
    auto& e = sources_[std::string(source)];
    if (rec.seq >= e.seq) {
      e.state = std::string(state);
      e.seq = rec.seq;
    }
  }
  for (const auto& s : rec.streams) {
    model::Labels labels = model::Labels::FromView(s.labels);
    uint64_t hash = labels.Hash();
    StreamPtr st = FindStream(labels, hash);
    if (!st) {
      if (!model::ValidateLabels(labels.View(), {}, false).ok()) continue;
      st = CreateStream(labels, hash);
    }
    if (rec.seq <= st->persisted_seq) continue;
    st->replay_marks.push_back({rec.seq, st->head.size(), segment});
    for (const auto& e : s.entries) st->head.Append(e.time_ns, e.line, e.meta);
  }
}

void LogStoreImpl::ReplayCut(const WalRecordView& rec) {
  model::Labels labels = model::Labels::FromView(rec.streams[0].labels);
  StreamPtr st = FindStream(labels, labels.Hash());
  if (!st) return;
  st->persisted_seq = std::max(st->persisted_seq, rec.seq);
  // Replayed entries are in arrival (= seq) order: drop the persisted prefix.
  size_t keep_from = 0, mark = 0;
  auto& marks = st->replay_marks;
  while (mark < marks.size() && marks[mark].seq <= rec.seq) ++mark;
  if (mark == 0) return;
  keep_from = mark < marks.size() ? marks[mark].entries_before : st->head.size();
  EntryBlock rest;
  for (size_t i = keep_from; i < st->head.size(); ++i) {
    rest.Append(st->head.time(i), st->head.Line(i), st->head.Meta(i));
  }
  st->head = std::move(rest);
  marks.erase(marks.begin(), marks.begin() + mark);
  for (auto& m : marks) m.entries_before -= keep_from;
}

StreamPtr LogStoreImpl::FindStream(const model::Labels& labels, uint64_t hash) const {
  auto it = streams_.find(hash);
  if (it == streams_.end()) return nullptr;
  for (const auto& st : it->second) {
    if (st->labels == labels) return st;
  }
  return nullptr;
}

StreamPtr LogStoreImpl::CreateStream(const model::Labels& labels, uint64_t hash) {
  auto st = std::make_shared<Stream>(labels, hash);
  std::unique_lock<std::shared_mutex> lock(streams_mu_);
  streams_[hash].push_back(st);
  ++stream_count_;
  streams_gauge_->Set(static_cast<double>(stream_count_));
  return st;
}

// ---------------------------------------------------------------- write

model::ConsumeResult LogStoreImpl::Consume(model::LogBatch& batch) {
  const size_t total = batch.records.size();
  model::ConsumeResult res = Append(batch);
  if (std::string refused = model::DescribeRefusal(res, total); !refused.empty()) {
    last_error_.Record(std::move(refused));
  }
  return res;
}

model::ConsumeResult LogStoreImpl::Append(model::LogBatch& batch) {
  model::ConsumeResult res;
  if (closed_) {
    res.status = Status::FailedPrecondition("log store is closed");
    return res;
  }
  {
    // Chunks cannot be written (disk full?): refuse rather than grow memory.
    std::lock_guard<std::mutex> lock(flush_mu_);
    if (pending_bytes_ > kMaxUnwrittenBytes) {
      res.status =
          Status::Unavailable(fmt::format("log store: {} bytes of chunks wait to be written ({})",
                                          pending_bytes_, last_flush_error_.ToString()));
      return res;
    }
  }
  const int64_t now_ms = NowMillis();
  const int64_t now_ns = now_ms * 1000000;
  std::vector<FlushJob> jobs;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    const auto& records = batch.records;
    groups_.clear();
    meta_buf_.clear();
    meta_begin_.resize(records.size());
    meta_end_.resize(records.size());
    uint64_t newly_active = 0;
    model::LabelLimits limits;
    limits.max_labels_per_series = options_.max_labels_per_stream;
    StreamPtr last;  // consecutive records of one stream skip the lookup
    for (size_t i = 0; i < records.size(); ++i) {
      const model::LogRecord& r = records[i];
      if (r.body.size() > options_.max_line_bytes) {
        Reject(res, i, "line_too_long",
               fmt::format("line of {} bytes exceeds max_line_bytes {}", r.body.size(),
                           options_.max_line_bytes));
        continue;
      }
      int64_t t = r.EffectiveTime();
      if (options_.reject_old_ms > 0 && t < now_ns - options_.reject_old_ms * 1000000) {
        Reject(res, i, "too_old",
               fmt::format("timestamp {} is older than {} ms", t, options_.reject_old_ms));
        continue;
      }
      if (options_.reject_future_ms > 0 && t > now_ns + options_.reject_future_ms * 1000000) {
        Reject(res, i, "too_far_in_future",
               fmt::format("timestamp {} is more than {} ms in the future", t,
                           options_.reject_future_ms));
        continue;
      }
      StreamPtr st;
      if (last && last->labels == r.stream) {
        st = last;
      } else {
        uint64_t hash = r.stream.Hash();
        st = FindStream(r.stream, hash);
        if (!st) {
          model::LabelValidation v = model::ValidateLabels(r.stream.View(), limits, false);
          if (!v.ok()) {
            bool too_many = v.error == model::LabelError::kTooManyLabels;
            Reject(res, i, too_many ? "too_many_labels" : "invalid_labels",
                   fmt::format("stream {}: {}", r.stream.ToString(), v.message));
            continue;
          }
          if (active_streams_ + newly_active >= options_.max_streams) {
            Reject(res, i, "too_many_streams",
                   fmt::format("stream {} would exceed max_streams {}", r.stream.ToString(),
                               options_.max_streams));
            continue;
          }
          st = CreateStream(r.stream, hash);
        }
      }
      if (st->batch_group < 0) {
        if (!st->active) {
          if (active_streams_ + newly_active >= options_.max_streams) {
            Reject(res, i, "too_many_streams",
                   fmt::format("stream {} would exceed max_streams {}", r.stream.ToString(),
                               options_.max_streams));
            continue;
          }
          ++newly_active;
        }
        st->batch_group = static_cast<int>(groups_.size());
        groups_.push_back({st, {}});
      }
      last = st;
      groups_[st->batch_group].records.push_back(static_cast<uint32_t>(i));
      meta_begin_[i] = static_cast<uint32_t>(meta_buf_.size());
      EncodeRecordMeta(r, &meta_buf_);
      meta_end_[i] = static_cast<uint32_t>(meta_buf_.size());
    }
    for (auto& g : groups_) g.stream->batch_group = -1;
    auto meta_of = [&](uint32_t i) {
      return std::string_view(meta_buf_).substr(meta_begin_[i], meta_end_[i] - meta_begin_[i]);
    };

    if (!groups_.empty() || !batch.offsets.empty()) {
      const uint64_t seq = last_seq_ + 1;
      wal_buf_.clear();
      PutBatchHeader(seq, batch.offsets.size(), &wal_buf_);
      for (const auto& o : batch.offsets) PutOffset(o.source, o.state, &wal_buf_);
      PutStreamCount(groups_.size(), &wal_buf_);
      for (const auto& g : groups_) {
        PutStreamHeader(g.stream->labels, g.records.size(), &wal_buf_);
        for (uint32_t i : g.records) {
          const auto& r = records[i];
          PutEntry(r.EffectiveTime(), r.body, meta_of(i), &wal_buf_);
        }
      }
      Status s = wal_->Log(std::string_view(wal_buf_));
      if (s.ok() && options_.wal_sync == WalSync::kBatch) s = wal_->Sync();
      if (!s.ok()) {
        res.status = s;
        res.rejected.clear();
        return res;
      }
      last_seq_ = seq;
      const int segment = wal_->CurrentSegment();
      uint64_t entries = 0, bytes = 0;
      for (auto& g : groups_) {
        Stream& st = *g.stream;
        std::lock_guard<std::mutex> slock(st.mu);
        if (st.head.empty()) {
          st.head_first_segment = segment;
          st.head_started_ms = now_ms;
          if (!st.active.exchange(true)) active_streams_++;
        }
        for (uint32_t i : g.records) {
          const auto& r = records[i];
          st.head.Append(r.EffectiveTime(), r.body, meta_of(i));
          bytes += r.body.size();
        }
        entries += g.records.size();
        st.head_max_seq = seq;
        if (st.head.line_bytes() >= options_.chunk_target_bytes ||
            st.head.data_bytes() >= (1u << 31)) {
          if (auto job = CutLocked(g.stream)) jobs.push_back(std::move(*job));
        }
      }
      entries_total_->Inc(static_cast<double>(entries));
      bytes_total_->Inc(static_cast<double>(bytes));
      if (!batch.offsets.empty()) {
        std::lock_guard<std::mutex> slock(state_mu_);
        for (auto& o : batch.offsets) {
          auto& e = sources_[o.source];
          e.state = std::move(o.state);
          e.seq = seq;
        }
      }
    }
    groups_.clear();
  }
  if (!jobs.empty()) {
    Enqueue(std::move(jobs));
    bool help;
    {
      std::lock_guard<std::mutex> lock(flush_mu_);
      help = pending_bytes_ > kMaxPendingFlushBytes;
    }
    if (help) {
      Status s = FlushPending();
      if (!s.ok()) Log()->warn("writing log chunks: {}", s.ToString());
    }
  }
  return res;
}

std::optional<FlushJob> LogStoreImpl::CutLocked(const StreamPtr& s) {
  if (s->head.empty()) return std::nullopt;
  s->head.Sort();
  auto block = std::make_shared<EntryBlock>(std::move(s->head));
  s->head = EntryBlock();
  ChunkRef ref;
  ref.min_time_ns = block->min_time();
  ref.max_time_ns = block->max_time();
  ref.entries = block->size();
  ref.line_bytes = block->line_bytes();
  ref.max_seq = s->head_max_seq;
  ref.mem = block;
  ref.first_segment = s->head_first_segment;
  s->chunks.push_back(std::move(ref));
  s->head_first_segment = -1;
  if (s->active.exchange(false)) active_streams_--;
  chunk_count_++;
  return FlushJob{s, std::move(block), s->head_max_seq};
}

void LogStoreImpl::Enqueue(std::vector<FlushJob> jobs) {
  if (jobs.empty()) return;
  {
    std::lock_guard<std::mutex> lock(flush_mu_);
    for (auto& j : jobs) {
      pending_bytes_ += j.block->data_bytes();
      flush_queue_.push_back(std::move(j));
    }
  }
  flush_cv_.notify_one();
}

Status LogStoreImpl::FlushPending() {
  std::lock_guard<std::mutex> round(flush_round_mu_);
  for (;;) {
    std::vector<FlushJob> jobs;
    {
      std::lock_guard<std::mutex> lock(flush_mu_);
      while (!flush_queue_.empty() && jobs.size() < 256) {
        jobs.push_back(std::move(flush_queue_.front()));
        flush_queue_.pop_front();
      }
    }
    if (jobs.empty()) return Status::OK();
    Status s = WriteChunks(jobs);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(flush_mu_);
      last_flush_error_ = Status::OK();
    }
    {
      std::lock_guard<std::mutex> lock(flush_mu_);
      for (const auto& j : jobs) pending_bytes_ -= j.block->data_bytes();
    }
    if (!s.ok()) {
      // Keep them: they are served from memory and pinned in the WAL.
      std::lock_guard<std::mutex> lock(flush_mu_);
      last_flush_error_ = s;
      for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
        pending_bytes_ += it->block->data_bytes();
        flush_queue_.push_front(std::move(*it));
      }
      return s;
    }
  }
}

Result<std::shared_ptr<ChunkFile>> LogStoreImpl::CurrentFileLocked() {
  if (writer_ && writer_->Size() < options_.chunk_file_bytes) return writer_file_;
  if (writer_) {
    Status s = RollFileLocked();
    if (!s.ok()) return s;
  }
  int id = next_file_id_++;
  std::string path = fs::Join(fs::Join(dir_, kChunksDir), ChunkFileName(id));
  auto w = fs::WritableFile::Create(path);
  if (!w.ok()) return w.status();
  Status s = (*w)->Append(ChunkFileHeader());
  if (s.ok()) s = (*w)->Flush();
  if (!s.ok()) return s;
  auto f = ChunkFile::Open(path, id);
  if (!f.ok()) return f.status();
  s = fs::SyncDir(fs::Join(dir_, kChunksDir));
  if (!s.ok()) return s;
  writer_ = std::move(w).value();
  writer_file_ = *f;
  writer_file_->size = kChunkFileHeaderSize;
  files_[id] = writer_file_;
  return writer_file_;
}

Status LogStoreImpl::RollFileLocked() {
  if (!writer_) return Status::OK();
  Status s = writer_->Sync();
  writer_file_->size = writer_->Size();
  Status c = writer_->Close();
  writer_.reset();
  writer_file_.reset();
  return s.ok() ? c : s;
}

Status LogStoreImpl::WriteChunks(std::vector<FlushJob>& jobs) {
  // Compress outside every lock.
  std::vector<std::string> records(jobs.size());
  std::vector<uint64_t> raw_lens(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::string data;
    uint64_t& raw_len = raw_lens[i];
    Status s = CompressBlock(*jobs[i].block, options_.zstd_level, &data, &raw_len);
    if (!s.ok()) return s;
    ChunkMeta m;
    m.labels = jobs[i].stream->labels;
    m.min_time_ns = jobs[i].block->min_time();
    m.max_time_ns = jobs[i].block->max_time();
    m.entries = jobs[i].block->size();
    m.line_bytes = jobs[i].block->line_bytes();
    m.max_seq = jobs[i].max_seq;
    m.raw_len = raw_len;
    records[i] = EncodeChunk(m, data);
  }
  std::vector<std::pair<std::shared_ptr<ChunkFile>, ChunkLocation>> placed(jobs.size());
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto f = CurrentFileLocked();
      if (!f.ok()) return f.status();
      uint64_t offset = writer_->Size();
      Status s = writer_->Append(records[i]);
      if (!s.ok()) return s;
      uint32_t meta_len = DecodeFixed32BE(records[i].data());
      ChunkLocation loc;
      loc.data_offset = offset + kChunkHeaderSize + meta_len;
      loc.data_len = DecodeFixed32BE(records[i].data() + 4);
      loc.data_crc = DecodeFixed32BE(records[i].data() + 12);
      loc.raw_len = raw_lens[i];
      placed[i] = {*f, loc};
      (*f)->max_time_ns = std::max((*f)->max_time_ns, jobs[i].block->max_time());
    }
    // Files rolled inside the loop were synced by RollFileLocked.
    if (writer_) {
      Status s = writer_->Sync();
      if (!s.ok()) return s;
      writer_file_->size = writer_->Size();
    }
  }
  // The chunks are durable: record the cuts so that replay skips them.
  {
    std::vector<std::string> cuts;
    cuts.reserve(jobs.size());
    for (const auto& j : jobs) cuts.push_back(EncodeCut(j.max_seq, j.stream->labels));
    std::lock_guard<std::mutex> lock(write_mu_);
    Status s = wal_->Log(cuts);
    if (!s.ok()) Log()->warn("log WAL: writing cut records: {}", s.ToString());
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    Stream& st = *jobs[i].stream;
    std::lock_guard<std::mutex> lock(st.mu);
    for (auto& c : st.chunks) {
      if (c.mem == jobs[i].block) {
        c.file = placed[i].first;
        c.loc = placed[i].second;
        c.mem.reset();
        c.first_segment = -1;
        break;
      }
    }
  }
  return Status::OK();
}

Status LogStoreImpl::Checkpoint() {
  std::vector<FlushJob> jobs;
  Status result;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    const int current = wal_->CurrentSegment();
    int min_pinned = current;
    {
      std::shared_lock<std::shared_mutex> slock(streams_mu_);
      for (const auto& [hash, list] : streams_) {
        for (const auto& st : list) {
          std::lock_guard<std::mutex> l(st->mu);
          if (st->head_first_segment >= 0)
            min_pinned = std::min(min_pinned, st->head_first_segment);
          for (auto it = st->chunks.rbegin(); it != st->chunks.rend() && it->mem; ++it) {
            if (it->first_segment >= 0) min_pinned = std::min(min_pinned, it->first_segment);
          }
        }
      }
      if (current - min_pinned >= kMaxPinnedSegments) {
        for (const auto& [hash, list] : streams_) {
          for (const auto& st : list) {
            std::lock_guard<std::mutex> l(st->mu);
            if (st->head_first_segment >= 0 && st->head_first_segment <= min_pinned) {
              if (auto job = CutLocked(st)) jobs.push_back(std::move(*job));
            }
          }
        }
      }
    }
    auto [first, last] = wal_->Segments();
    (void)last;
    if (first >= 0 && min_pinned > first) {
      std::string state;
      {
        std::lock_guard<std::mutex> l(state_mu_);
        state = EncodeState();
      }
      result = fs::WriteFileAtomic(fs::Join(dir_, kStateFile), state);
      if (result.ok()) result = wal_->TruncateBefore(min_pinned);
    }
  }
  Enqueue(std::move(jobs));
  return result;
}

// ---------------------------------------------------------------- maintenance

Status LogStoreImpl::DeleteFile(const std::shared_ptr<ChunkFile>& f) {
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    if (f->deleted) return Status::OK();
    if (writer_file_ == f) {
      Status s = RollFileLocked();
      if (!s.ok()) return s;
    }
    f->deleted = true;
    files_.erase(f->id());
  }
  uint64_t removed = 0;
  {
    std::shared_lock<std::shared_mutex> slock(streams_mu_);
    for (const auto& [hash, list] : streams_) {
      for (const auto& st : list) {
        std::lock_guard<std::mutex> l(st->mu);
        auto& cs = st->chunks;
        size_t before = cs.size();
        cs.erase(std::remove_if(cs.begin(), cs.end(),
                                [&](const ChunkRef& c) { return !c.mem && c.file == f; }),
                 cs.end());
        removed += before - cs.size();
      }
    }
  }
  chunk_count_ -= removed;
  retention_deleted_->Inc(static_cast<double>(f->size.load()));
  Log()->info("retention: deleting {} ({} bytes, {} chunks)", f->path(), f->size.load(), removed);
  return fs::RemoveFile(f->path());
}

void LogStoreImpl::RemoveEmptyStreams() {
  std::lock_guard<std::mutex> lock(write_mu_);
  std::unique_lock<std::shared_mutex> slock(streams_mu_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const StreamPtr& st) {
                                std::lock_guard<std::mutex> l(st->mu);
                                bool empty = st->head.empty() && st->chunks.empty();
                                if (empty) --stream_count_;
                                return empty;
                              }),
               list.end());
    it = list.empty() ? streams_.erase(it) : std::next(it);
  }
  streams_gauge_->Set(static_cast<double>(stream_count_));
}

Status LogStoreImpl::Maintain(int64_t now_ms) {
  if (closed_) return Status::FailedPrecondition("log store is closed");
  std::vector<FlushJob> jobs;
  {
    std::shared_lock<std::shared_mutex> slock(streams_mu_);
    for (const auto& [hash, list] : streams_) {
      for (const auto& st : list) {
        std::lock_guard<std::mutex> l(st->mu);
        if (!st->head.empty() && now_ms - st->head_started_ms >= options_.chunk_max_age_ms) {
          if (auto job = CutLocked(st)) jobs.push_back(std::move(*job));
        }
      }
    }
  }
  Enqueue(std::move(jobs));
  Status s = FlushPending();
  if (!s.ok()) return s;
  bool deleted = false;
  // Retention by time: whole files whose newest entry is past it.
  if (options_.retention_ms > 0) {
    const int64_t cutoff_ns = (now_ms - options_.retention_ms) * 1000000;
    std::vector<std::shared_ptr<ChunkFile>> expired;
    {
      std::lock_guard<std::mutex> lock(files_mu_);
      for (const auto& [id, f] : files_) {
        if (f->max_time_ns != INT64_MIN && f->max_time_ns < cutoff_ns) expired.push_back(f);
      }
    }
    for (const auto& f : expired) {
      s = DeleteFile(f);
      if (!s.ok()) return s;
      deleted = true;
    }
  }
  // Retention by size: oldest files first.
  if (options_.retention_bytes > 0) {
    for (;;) {
      // Chunk files only: the WAL is bounded on its own (kMaxPinnedSegments).
      uint64_t total = 0;
      std::shared_ptr<ChunkFile> oldest;
      {
        std::lock_guard<std::mutex> lock(files_mu_);
        for (const auto& [id, f] : files_) total += f->size;
        if (!files_.empty()) oldest = files_.begin()->second;
      }
      if (total <= options_.retention_bytes || !oldest) break;
      if (oldest->size <= kChunkFileHeaderSize) {
        // Nothing more to delete: only an empty current file is left.
        break;
      }
      s = DeleteFile(oldest);
      if (!s.ok()) return s;
      deleted = true;
    }
  }
  if (deleted) RemoveEmptyStreams();
  s = Checkpoint();
  UpdateGauges();
  return s;
}

void LogStoreImpl::UpdateGauges() {
  uint64_t chunk_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    for (const auto& [id, f] : files_) chunk_bytes += f->size;
  }
  uint64_t wal_bytes = 0;
  if (wal_) {
    auto w = fs::DirSize(wal_->dir());
    if (w.ok()) wal_bytes = *w;
  }
  wal_gauge_->Set(static_cast<double>(wal_bytes));
  disk_gauge_->Set(static_cast<double>(chunk_bytes + wal_bytes));
  chunks_gauge_->Set(static_cast<double>(chunk_count_.load()));
}

void LogStoreImpl::FlusherLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(flush_mu_);
      flush_cv_.wait(lock, [&] { return stop_ || !flush_queue_.empty(); });
      if (stop_) return;
    }
    Status s = FlushPending();
    if (!s.ok()) {
      Log()->error("writing log chunks: {} (retrying in 1 s)", s.ToString());
      std::unique_lock<std::mutex> lock(flush_mu_);
      flush_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
      continue;
    }
    s = Checkpoint();
    if (!s.ok()) Log()->warn("log WAL checkpoint: {}", s.ToString());
  }
}

void LogStoreImpl::MaintainerLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(flush_mu_);
      maintain_cv_.wait_for(lock, std::chrono::seconds(60), [&] { return stop_; });
      if (stop_) return;
    }
    Status s = Maintain(NowMillis());
    if (!s.ok()) Log()->warn("log store maintenance: {}", s.ToString());
  }
}

void LogStoreImpl::StopThreads() {
  {
    std::lock_guard<std::mutex> lock(flush_mu_);
    stop_ = true;
  }
  flush_cv_.notify_all();
  maintain_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (maintainer_.joinable()) maintainer_.join();
}

Status LogStoreImpl::Close() {
  if (closed_.exchange(true)) return Status::FailedPrecondition("log store already closed");
  StopThreads();
  std::vector<FlushJob> jobs;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    std::shared_lock<std::shared_mutex> slock(streams_mu_);
    for (const auto& [hash, list] : streams_) {
      for (const auto& st : list) {
        std::lock_guard<std::mutex> l(st->mu);
        if (auto job = CutLocked(st)) jobs.push_back(std::move(*job));
      }
    }
  }
  Enqueue(std::move(jobs));
  Status s = FlushPending();
  Status r;
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    r = RollFileLocked();
  }
  if (s.ok()) s = r;
  if (s.ok()) {
    // Everything is in chunk files: the WAL can go, the source state stays.
    std::lock_guard<std::mutex> lock(write_mu_);
    std::string state;
    {
      std::lock_guard<std::mutex> l(state_mu_);
      state = EncodeState();
    }
    s = fs::WriteFileAtomic(fs::Join(dir_, kStateFile), state);
    if (s.ok()) {
      auto next = wal_->NextSegment();
      s = next.ok() ? wal_->TruncateBefore(*next) : next.status();
    }
  }
  Status c = wal_->Close();
  UpdateGauges();
  lock_.reset();  // another instance may open the directory now
  return s.ok() ? c : s;
}

// ---------------------------------------------------------------- read

std::vector<StreamPtr> LogStoreImpl::Matching(const std::vector<model::Matcher>& matchers,
                                              int64_t start, int64_t end) const {
  std::vector<StreamPtr> out;
  {
    std::shared_lock<std::shared_mutex> slock(streams_mu_);
    for (const auto& [hash, list] : streams_) {
      for (const auto& st : list) {
        if (!model::MatchesAll(matchers, st->labels)) continue;
        std::lock_guard<std::mutex> l(st->mu);
        if (st->HasDataIn(start, end)) out.push_back(st);
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StreamPtr& a, const StreamPtr& b) { return a->labels < b->labels; });
  return out;
}

Result<std::unique_ptr<StreamSet>> LogStoreImpl::Select(const SelectParams& params) {
  bool selective = false;
  for (const auto& m : params.matchers) selective |= !m.MatchesEmpty();
  if (!selective) {
    return Status::InvalidArgument(
        "queries require at least one matcher that does not match the empty string");
  }
  std::unique_ptr<StreamSet> set = std::make_unique<StreamSetImpl>(
      Matching(params.matchers, params.start_ns, params.end_ns), params);
  return set;
}

Result<std::vector<std::string>> LogStoreImpl::LabelNames(
    const std::vector<model::Matcher>& matchers, int64_t start_ns, int64_t end_ns) {
  std::set<std::string> names;
  for (const auto& st : Matching(matchers, start_ns, end_ns)) {
    for (const auto& l : st->labels) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> LogStoreImpl::LabelValues(
    std::string_view name, const std::vector<model::Matcher>& matchers, int64_t start_ns,
    int64_t end_ns) {
  std::set<std::string> values;
  for (const auto& st : Matching(matchers, start_ns, end_ns)) {
    std::string_view v = st->labels.Get(name);
    if (!v.empty()) values.insert(std::string(v));
  }
  return std::vector<std::string>(values.begin(), values.end());
}

Result<std::vector<model::Labels>> LogStoreImpl::Series(const std::vector<model::Matcher>& matchers,
                                                        int64_t start_ns, int64_t end_ns) {
  std::vector<model::Labels> out;
  for (const auto& st : Matching(matchers, start_ns, end_ns)) out.push_back(st->labels);
  return out;
}

Result<IndexStats> LogStoreImpl::Stats(const std::vector<model::Matcher>& matchers,
                                       int64_t start_ns, int64_t end_ns) {
  IndexStats stats;
  for (const auto& st : Matching(matchers, start_ns, end_ns)) {
    stats.streams++;
    std::lock_guard<std::mutex> l(st->mu);
    for (const auto& c : st->chunks) {
      if (!Overlaps(c.min_time_ns, c.max_time_ns, start_ns, end_ns)) continue;
      stats.chunks++;
      stats.entries += c.entries;
      stats.bytes += c.line_bytes;
    }
    const EntryBlock& head = st->head;
    if (!head.empty() && Overlaps(head.min_time(), head.max_time(), start_ns, end_ns)) {
      stats.chunks++;
      for (size_t i = 0; i < head.size(); ++i) {
        int64_t t = head.time(i);
        if (t >= start_ns && t < end_ns) {
          stats.entries++;
          stats.bytes += head.at(i).line_len;
        }
      }
    }
  }
  return stats;
}

}  // namespace

Result<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir,
                                                 const LogStoreOptions& options,
                                                 metrics::Registry* registry) {
  auto store = std::make_unique<LogStoreImpl>(dir, options, registry);
  Status s = store->Init();
  if (!s.ok()) return s;
  std::unique_ptr<LogStore> out = std::move(store);
  return out;
}

}  // namespace vigil::logstore
