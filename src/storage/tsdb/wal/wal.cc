#include "storage/tsdb/wal/wal.h"

#include <fmt/format.h>
#include <snappy.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "base/logging.h"
#include "storage/tsdb/wal/checkpoint.h"
#include "storage/tsdb/wal/reader.h"

namespace vigil::tsdb::wal {

namespace {

struct Payload {
  std::string_view data;
  bool snappy = false;
};

// Frames payload as fragments starting at segment offset pos and returns the
// offset after them. With out == nullptr only the size is computed, so the
// writer can decide whether a batch fits before building it.
uint64_t AppendFragments(uint64_t pos, const Payload& payload, std::string* out) {
  std::string_view left = payload.data;
  bool first = true;
  do {
    uint64_t page_left = kPageSize - pos % kPageSize;
    if (page_left < kHeaderSize) {
      if (out != nullptr) out->append(page_left, '\0');
      pos += page_left;
      page_left = kPageSize;
    }
    const size_t n = std::min<size_t>(left.size(), page_left - kHeaderSize);
    const bool last = n == left.size();
    FragmentKind kind = first ? (last ? FragmentKind::kFull : FragmentKind::kFirst)
                              : (last ? FragmentKind::kLast : FragmentKind::kMiddle);
    if (out != nullptr) {
      const size_t h = out->size();
      out->resize(h + kHeaderSize);
      char* hp = out->data() + h;
      hp[kTypeOffset] =
          static_cast<char>(static_cast<uint8_t>(kind) | (payload.snappy ? kFlagSnappy : 0));
      hp[kLengthOffset] = static_cast<char>(n >> 8);
      hp[kLengthOffset + 1] = static_cast<char>(n);
      out->append(left.data(), n);
      hp = out->data() + h;  // append may have moved the buffer
      EncodeFixed32BE(hp + kChecksumOffset, Checksum32(hp + kTypeOffset, 3 + n));
    }
    pos += kHeaderSize + n;
    left.remove_prefix(n);
    first = false;
  } while (!left.empty());
  return pos;
}

// Records below this size are not worth a snappy attempt.
constexpr size_t kMinCompressSize = 32;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Wal::Wal(std::string dir, WalOptions options)
    : dir_(std::move(dir)), options_(std::move(options)), metrics_(options_.registry) {}

Result<std::unique_ptr<Wal>> Wal::Open(std::string dir, WalOptions options) {
  if (options.segment_size < kPageSize) {
    return Status::InvalidArgument("WAL segment size must be at least one page (32 KiB)");
  }
  VIGIL_RETURN_IF_ERROR(fs::CreateDirs(dir));
  VIGIL_RETURN_IF_ERROR(RemoveTmpCheckpoints(dir));
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  if (auto repaired = Repair(dir, wal->metrics_.registry()); !repaired.ok()) {
    return repaired.status();
  }

  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segments, ListSegments(dir));
  int last = kFirstSegmentIndex - 1;
  if (!segments.empty()) last = std::max(last, segments.back().index);
  auto cp = LastCheckpoint(dir);
  if (cp.ok()) {
    last = std::max(last, cp->index);
  } else if (!cp.status().IsNotFound()) {
    return cp.status();
  }
  {
    std::lock_guard<std::mutex> lock(wal->mu_);
    VIGIL_RETURN_IF_ERROR(wal->CutSegmentLocked(last + 1));
  }
  log::Get("wal")->info("opened WAL {} ({} segments, last checkpoint {}), writing segment {}",
                        wal->dir_, segments.size(), cp.ok() ? cp->index : -1, last + 1);
  if (options.fsync_interval_ms > 0) {
    wal->syncer_ = std::thread([w = wal.get()] { w->SyncLoop(); });
  }
  return wal;
}

Wal::~Wal() {
  Status s = Close();
  if (!s.ok()) log::Get("wal")->error("closing WAL {}: {}", dir_, s.ToString());
}

Status Wal::CutSegmentLocked(int index) {
  if (segment_ != nullptr) unsynced_.push_back(std::move(segment_));
  segment_.reset();
  std::string path = fs::Join(dir_, SegmentName(index));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SegmentFile> f, SegmentFile::Create(path, index));
  segment_ = std::move(f);
  last_index_ = index;
  need_new_segment_ = false;
  metrics_.segment_current->Set(index);
  log::Get("wal")->debug("started WAL segment {}", path);
  // The new directory entry must be durable before a Sync can vouch for
  // records in the file; if this fails, Sync tries again.
  dir_unsynced_ = true;
  VIGIL_RETURN_IF_ERROR(fs::SyncDir(dir_));
  dir_unsynced_ = false;
  return Status::OK();
}

Status Wal::Log(const std::vector<std::string>& records) {
  std::vector<std::string_view> views(records.begin(), records.end());
  return Log(std::span<const std::string_view>(views));
}

Status Wal::Log(std::span<const std::string_view> records) {
  if (records.empty()) return Status::OK();
  // Compression runs before taking the lock so that appenders on several
  // threads compress in parallel.
  std::vector<Payload> payloads(records.size());
  std::vector<std::string> compressed;
  if (options_.compression) compressed.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    std::string_view rec = records[i];
    if (rec.size() > kMaxRecordSize) {
      return Status::InvalidArgument(fmt::format("WAL record of {} bytes exceeds the limit of {}",
                                                 rec.size(), kMaxRecordSize));
    }
    payloads[i].data = rec;
    if (options_.compression && rec.size() >= kMinCompressSize) {
      snappy::Compress(rec.data(), rec.size(), &compressed[i]);
      if (compressed[i].size() < rec.size()) payloads[i] = Payload{compressed[i], true};
    }
  }

  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::IOError("WAL " + dir_ + " is closed");
  if (segment_ == nullptr || need_new_segment_) {
    VIGIL_RETURN_IF_ERROR(CutSegmentLocked(last_index_ + 1));
  }
  uint64_t start = segment_->Size();
  uint64_t end = start;
  for (const Payload& p : payloads) end = AppendFragments(end, p, nullptr);
  if (start > 0 && end > options_.segment_size) {
    VIGIL_RETURN_IF_ERROR(CutSegmentLocked(last_index_ + 1));
    start = 0;
  }
  frame_buf_.clear();
  uint64_t pos = start;
  for (const Payload& p : payloads) pos = AppendFragments(pos, p, &frame_buf_);

  Status s = segment_->Append(frame_buf_);
  if (!s.ok()) {
    metrics_.writes_failed->Inc();
    Status t = segment_->TruncateToSize();
    if (!t.ok()) {
      // Bytes of unknown extent follow the last good record: readers will
      // skip them as a torn region; later batches go to a fresh segment.
      need_new_segment_ = true;
      log::Get("wal")->error("WAL write failed and could not be undone: {}; {}", s.ToString(),
                             t.ToString());
    }
    return s;
  }
  dirty_ = true;
  metrics_.records_written->Inc(static_cast<double>(records.size()));
  metrics_.bytes_written->Inc(static_cast<double>(frame_buf_.size()));
  if (frame_buf_.capacity() > 4 * kPageSize && frame_buf_.size() < kPageSize) {
    frame_buf_.shrink_to_fit();  // don't keep an MB-sized buffer after one huge record
  }
  return Status::OK();
}

Status Wal::SyncFile(SegmentFile& f) {
  auto start = std::chrono::steady_clock::now();
  Status s = f.Sync();
  metrics_.fsyncs->Inc();
  metrics_.fsync_duration->Observe(SecondsSince(start));
  if (!s.ok()) log::Get("wal")->error("{}", s.ToString());
  return s;
}

Status Wal::Sync() {
  std::vector<std::shared_ptr<SegmentFile>> todo;
  bool sync_dir = false;
  int index_at_snapshot = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    todo.swap(unsynced_);
    if (segment_ != nullptr) todo.push_back(segment_);
    dirty_ = false;
    sync_dir = dir_unsynced_;
    index_at_snapshot = last_index_;
  }
  Status first_error;
  if (sync_dir) {
    first_error = fs::SyncDir(dir_);
    if (first_error.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (last_index_ == index_at_snapshot) dir_unsynced_ = false;
    }
  }
  for (auto& f : todo) {
    Status s = SyncFile(*f);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

Result<int> Wal::NextSegment() {
  std::shared_ptr<SegmentFile> old;
  int index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::IOError("WAL " + dir_ + " is closed");
    old = segment_;
    VIGIL_RETURN_IF_ERROR(CutSegmentLocked(last_index_ + 1));
    index = last_index_;
  }
  if (old != nullptr) VIGIL_RETURN_IF_ERROR(SyncFile(*old));
  return index;
}

std::pair<int, int> Wal::Segments() const {
  auto segs = ListSegments(dir_);
  if (!segs.ok() || segs->empty()) return {-1, -1};
  return {segs->front().index, segs->back().index};
}

int Wal::CurrentSegment() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_index_;
}

Status Wal::TruncateBefore(int segment) {
  int current = CurrentSegment();
  if (segment > current) {
    return Status::InvalidArgument(
        fmt::format("WAL truncation before segment {} would delete segment {} being written",
                    segment, current));
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segs, ListSegments(dir_));
  int deleted = 0;
  for (const SegmentRef& s : segs) {
    if (s.index >= segment) break;
    VIGIL_RETURN_IF_ERROR(fs::RemoveFile(s.path));
    ++deleted;
  }
  if (deleted > 0) {
    metrics_.truncations->Inc();
    log::Get("wal")->info("deleted {} WAL segments of {} before segment {}", deleted, dir_,
                          segment);
  }
  return Status::OK();
}

void Wal::SyncLoop() {
  const auto interval = std::chrono::milliseconds(options_.fsync_interval_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_syncer_) {
    sync_cv_.wait_for(lock, interval, [this] { return stop_syncer_; });
    if (stop_syncer_ || !dirty_) continue;
    lock.unlock();
    (void)Sync();  // logs its own errors
    lock.lock();
  }
}

Status Wal::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_syncer_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::OK();
    closed_ = true;  // from here on Log adds nothing
  }
  Status s = Sync();
  std::lock_guard<std::mutex> lock(mu_);
  segment_.reset();
  unsynced_.clear();
  return s;
}

// --- Repair ---

Result<RepairResult> Repair(const std::string& dir, metrics::Registry* registry) {
  RepairResult result;
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> segments, ListSegments(dir));
  // Empty segments after the last written one (a restart that wrote nothing)
  // do not hide a torn tail before them.
  while (!segments.empty()) {
    VIGIL_ASSIGN_OR_RETURN(uint64_t size, fs::FileSize(segments.back().path));
    if (size > 0) break;
    segments.pop_back();
  }
  if (segments.empty()) return result;
  const SegmentRef last = segments.back();
  result.segment = last.index;

  std::optional<Corruption> tail;
  ReaderOptions ro;
  ro.log_corruptions = false;  // damage before the tail is reported by the replay
  ro.reporter = [&tail](const Corruption& c) {
    if (c.at_end) tail = c;
  };
  auto reader = Reader::Open({last}, std::move(ro));
  while (reader->Next()) {
  }
  VIGIL_RETURN_IF_ERROR(reader->status());
  VIGIL_ASSIGN_OR_RETURN(result.new_size, fs::FileSize(last.path));
  if (!tail) return result;

  VIGIL_RETURN_IF_ERROR(TruncateSegment(last.path, tail->offset));
  result.repaired = true;
  result.new_size = tail->offset;
  result.bytes_dropped = tail->bytes;
  WalMetrics m(registry);
  m.Corruption(CorruptionReasonName(tail->reason))->Inc();
  m.bytes_dropped->Inc(static_cast<double>(tail->bytes));
  m.repairs->Inc();
  log::Get("wal")->warn(
      "repaired WAL segment {}: cut a torn tail at offset {}, dropped {} bytes ({})", last.path,
      tail->offset, tail->bytes, CorruptionReasonName(tail->reason));
  return result;
}

}  // namespace vigil::tsdb::wal
