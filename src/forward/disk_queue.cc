#include "forward/disk_queue.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/logging.h"

namespace vigil::forward {

namespace {

constexpr char kCursorMagic[4] = {'V', 'G', 'F', 'C'};
constexpr size_t kCursorBytes = 28;  // magic, version, 3 zero, BE64 segment, BE64 offset, BE32 sum
constexpr size_t kMinReadChunk = 64 << 10;

std::string SegmentHeader() {
  std::string h(kSegmentMagic, 4);
  h.push_back(static_cast<char>(kSegmentVersion));
  h.append(3, '\0');
  return h;
}

// "00000042.seg" -> 42; false for any other name.
bool ParseSegmentName(const std::string& name, uint64_t* index) {
  if (name.size() != 12 || name.compare(8, 4, ".seg") != 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *index = v;
  return v > 0;
}

std::string EncodeCursor(const QueuePosition& pos) {
  std::string out(kCursorMagic, 4);
  out.push_back(static_cast<char>(1));
  out.append(3, '\0');
  Encbuf enc(&out);
  enc.PutBE64(pos.segment);
  enc.PutBE64(pos.offset);
  enc.PutBE32(Checksum32(out.data(), out.size()));
  return out;
}

bool DecodeCursor(std::string_view data, QueuePosition* pos) {
  if (data.size() != kCursorBytes || data.substr(0, 4) != std::string_view(kCursorMagic, 4) ||
      data[4] != 1) {
    return false;
  }
  Decbuf dec(data.substr(8));
  pos->segment = dec.BE64();
  pos->offset = dec.BE64();
  uint32_t sum = dec.BE32();
  return !dec.err() && sum == Checksum32(data.data(), kCursorBytes - 4);
}

// pread until n bytes or EOF; returns bytes read or -1.
ssize_t PreadFull(int fd, char* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

std::string* FramedBatch::BeginRecord() {
  start_ = buf_.size();
  buf_.append(kFrameHeaderBytes, '\0');
  return &buf_;
}

bool FramedBatch::EndRecord() {
  size_t len = buf_.size() - start_ - kFrameHeaderBytes;
  if (len > kMaxQueueRecordBytes) {
    buf_.resize(start_);
    return false;
  }
  char* frame = buf_.data() + start_;
  EncodeFixed32BE(frame + 4, static_cast<uint32_t>(len));
  EncodeFixed32BE(frame, Checksum32(frame + 4, len + 4));
  ++records_;
  return true;
}

bool FramedBatch::Add(std::string_view payload) {
  BeginRecord()->append(payload);
  return EndRecord();
}

void FramedBatch::Clear() {
  buf_.clear();
  start_ = 0;
  records_ = 0;
}

FrameResult ParseFrame(std::string_view data, std::string_view* payload, size_t* frame_bytes) {
  if (data.size() < kFrameHeaderBytes) return FrameResult::kTruncated;
  uint32_t sum = DecodeFixed32BE(data.data());
  uint32_t len = DecodeFixed32BE(data.data() + 4);
  if (len > kMaxQueueRecordBytes) return FrameResult::kCorrupt;
  if (data.size() - kFrameHeaderBytes < len) return FrameResult::kTruncated;
  if (Checksum32(data.data() + 4, size_t{len} + 4) != sum) return FrameResult::kCorrupt;
  *payload = data.substr(kFrameHeaderBytes, len);
  *frame_bytes = kFrameHeaderBytes + len;
  return FrameResult::kOk;
}

bool ValidSegmentHeader(std::string_view header) {
  return header.size() >= kSegmentHeaderBytes &&
         header.substr(0, kSegmentHeaderBytes) == SegmentHeader();
}

DiskQueue::DiskQueue(std::string dir, const DiskQueueOptions& options)
    : dir_(std::move(dir)), options_(options) {}

DiskQueue::~DiskQueue() {
  CloseReadFile();
  if (active_file_ != nullptr) (void)active_file_->Close();
}

std::string DiskQueue::SegmentPath(uint64_t segment) const {
  return fs::Join(dir_, fmt::format("{:08d}.seg", segment));
}

Result<std::unique_ptr<DiskQueue>> DiskQueue::Open(const std::string& dir,
                                                   const DiskQueueOptions& options) {
  std::unique_ptr<DiskQueue> q(new DiskQueue(dir, options));
  Status s = q->Init();
  if (!s.ok()) return s.WithContext(fmt::format("forward queue {}", dir));
  return q;
}

Status DiskQueue::Init() {
  VIGIL_RETURN_IF_ERROR(fs::CreateDirs(dir_));
  VIGIL_ASSIGN_OR_RETURN(lock_, fs::FileLock::Acquire(fs::Join(dir_, "LOCK")));
  VIGIL_ASSIGN_OR_RETURN(auto names, fs::ListDir(dir_));
  for (const auto& name : names) {
    uint64_t index;
    if (!ParseSegmentName(name, &index)) continue;
    VIGIL_ASSIGN_OR_RETURN(uint64_t size, fs::FileSize(fs::Join(dir_, name)));
    segments_[index] = size;
  }

  bool have_cursor = false;
  std::string cursor_path = fs::Join(dir_, "cursor");
  if (fs::Exists(cursor_path)) {
    VIGIL_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(cursor_path));
    have_cursor = DecodeCursor(data, &cursor_);
    if (!have_cursor) {
      // Re-sending from the oldest segment duplicates records but loses none.
      log::Get("forward")->warn(
          "forward queue {}: cursor file is corrupt; resending from the oldest segment", dir_);
    }
  }
  uint64_t next = segments_.empty() ? 1 : segments_.rbegin()->first + 1;
  if (!have_cursor)
    cursor_ = {segments_.empty() ? next : segments_.begin()->first, kSegmentHeaderBytes};

  // Segments before the cursor were acknowledged (a crash came between the
  // cursor write and their deletion).
  for (auto it = segments_.begin(); it != segments_.end() && it->first < cursor_.segment;) {
    VIGIL_RETURN_IF_ERROR(fs::RemoveFile(SegmentPath(it->first)));
    it = segments_.erase(it);
  }
  if (!segments_.empty() && segments_.begin()->first != cursor_.segment) {
    cursor_ = {segments_.begin()->first, kSegmentHeaderBytes};
  }
  if (segments_.empty()) cursor_ = {next, kSegmentHeaderBytes};
  if (segments_.count(cursor_.segment) > 0) {
    cursor_.offset =
        std::clamp<uint64_t>(cursor_.offset, kSegmentHeaderBytes,
                             std::max<uint64_t>(segments_[cursor_.segment], kSegmentHeaderBytes));
  }
  for (const auto& [index, size] : segments_) total_bytes_ += size;

  active_ = next - 1;  // CutSegmentLocked starts `next`
  {
    std::lock_guard<std::mutex> l(mu_);
    VIGIL_RETURN_IF_ERROR(CutSegmentLocked());
  }

  // Count what is queued (and find torn tails now rather than mid-send).
  read_pos_ = cursor_;
  QueueRead scan;
  uint64_t records = 0;
  for (;;) {
    VIGIL_RETURN_IF_ERROR(Read(1 << 20, &scan));
    if (scan.records.empty()) break;
    records += scan.records.size();
  }
  std::lock_guard<std::mutex> l(mu_);
  queued_records_ = records;
  read_pos_ = cursor_;
  CloseReadFile();
  read_buf_ = std::string();
  memory_bytes_ = 0;
  return Status::OK();
}

Status DiskQueue::CutSegmentLocked() {
  if (active_file_ != nullptr) {
    Status s = active_file_->Close();
    if (!s.ok())
      log::Get("forward")->warn("forward queue {}: closing segment: {}", dir_, s.ToString());
    active_file_.reset();
  }
  uint64_t index = active_ + 1;
  std::string path = SegmentPath(index);
  VIGIL_ASSIGN_OR_RETURN(active_file_, fs::WritableFile::Create(path));
  VIGIL_RETURN_IF_ERROR(active_file_->Append(SegmentHeader()));
  VIGIL_RETURN_IF_ERROR(options_.fsync ? active_file_->Sync() : active_file_->Flush());
  if (options_.fsync) VIGIL_RETURN_IF_ERROR(fs::SyncDir(dir_));
  active_ = index;
  active_broken_ = false;
  segments_[index] = kSegmentHeaderBytes;
  total_bytes_ += kSegmentHeaderBytes;
  return Status::OK();
}

uint64_t DiskQueue::QueuedBytesLocked() const {
  uint64_t acked = 0;
  auto it = segments_.find(cursor_.segment);
  if (it != segments_.end()) acked = std::min(cursor_.offset, it->second);
  return total_bytes_ - acked;
}

uint64_t DiskQueue::UnreadBytesLocked() const {
  uint64_t read = 0;
  for (const auto& [index, size] : segments_) {
    if (index < read_pos_.segment) {
      read += size;
    } else {
      if (index == read_pos_.segment) read += std::min(read_pos_.offset, size);
      break;
    }
  }
  return total_bytes_ - read;
}

Status DiskQueue::Append(const FramedBatch& batch) {
  if (batch.records() == 0) return Status::OK();
  std::unique_lock<std::mutex> l(mu_);
  uint64_t queued = QueuedBytesLocked();
  if (queued + batch.bytes() > options_.max_bytes) {
    return Status::ResourceExhausted(
        fmt::format("forward queue {} is full: {} bytes queued, batch of {} bytes, max {}", dir_,
                    queued, batch.bytes(), options_.max_bytes));
  }
  uint64_t size = segments_[active_];
  if (active_broken_ ||
      (size > kSegmentHeaderBytes && size + batch.bytes() > options_.segment_bytes)) {
    VIGIL_RETURN_IF_ERROR(CutSegmentLocked());
    size = kSegmentHeaderBytes;
  }
  Status s = active_file_->Append(batch.data());
  if (s.ok()) s = options_.fsync ? active_file_->Sync() : active_file_->Flush();
  if (!s.ok()) {
    // Part of the batch may be in the file: it lies past the published size,
    // so no reader sees it, and the next Append starts a fresh segment.
    active_broken_ = true;
    return s.WithContext(fmt::format("forward queue {}", dir_));
  }
  segments_[active_] = size + batch.bytes();
  total_bytes_ += batch.bytes();
  queued_records_ += batch.records();
  l.unlock();
  cv_.notify_all();
  return Status::OK();
}

void DiskQueue::CloseReadFile() {
  if (read_fd_ >= 0) ::close(read_fd_);
  read_fd_ = -1;
  read_fd_segment_ = 0;
}

void DiskQueue::ReportCorrupt(uint64_t segment, uint64_t offset, std::string_view what) {
  std::lock_guard<std::mutex> l(mu_);
  if (!reported_corrupt_.insert(segment).second) return;
  ++corrupt_segments_;
  log::Get("forward")->warn(
      "forward queue {}: segment {} has {} at offset {}; skipping the rest of the segment", dir_,
      segment, what, offset);
}

Status DiskQueue::Read(uint64_t max_bytes, QueueRead* out) {
  out->records.clear();
  out->bytes = 0;
  for (;;) {
    QueuePosition pos;
    uint64_t limit = 0;
    bool active = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = segments_.lower_bound(read_pos_.segment);
      if (it == segments_.end()) {
        out->end = read_pos_;
        return Status::OK();
      }
      if (it->first != read_pos_.segment) read_pos_ = {it->first, kSegmentHeaderBytes};
      pos = read_pos_;
      limit = it->second;
      active = it->first == active_;
    }
    auto next_segment = [&] {
      std::lock_guard<std::mutex> l(mu_);
      read_pos_ = {pos.segment + 1, kSegmentHeaderBytes};
    };
    if (pos.offset >= limit) {
      if (active) {
        out->end = pos;
        return Status::OK();
      }
      next_segment();
      continue;
    }
    if (read_fd_segment_ != pos.segment) {
      CloseReadFile();
      std::string path = SegmentPath(pos.segment);
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Status::FromErrno(fmt::format("open {}", path), errno);
      read_fd_ = fd;
      read_fd_segment_ = pos.segment;
      char header[kSegmentHeaderBytes];
      ssize_t n = PreadFull(fd, header, sizeof header, 0);
      if (n < 0) return Status::FromErrno(fmt::format("read {}", path), errno);
      if (!ValidSegmentHeader(std::string_view(header, static_cast<size_t>(n)))) {
        ReportCorrupt(pos.segment, 0, "a bad header");
        if (active) return Status::Corruption(fmt::format("{}: bad header", path));
        next_segment();
        continue;
      }
    }

    uint64_t avail = limit - pos.offset;
    size_t want = static_cast<size_t>(
        std::min<uint64_t>(avail, std::max<uint64_t>(max_bytes, kMinReadChunk)));
    VIGIL_RETURN_IF_ERROR(FillReadBuffer(pos.offset, want, &limit));

    size_t off = 0;
    std::string_view what;
    for (;;) {
      uint64_t at = pos.offset + off;
      if (at >= limit) break;
      std::string_view payload;
      size_t frame = 0;
      FrameResult r = ParseFrame(std::string_view(read_buf_).substr(off), &payload, &frame);
      if (r == FrameResult::kCorrupt) {
        what = "a corrupt record";
        break;
      }
      if (r == FrameResult::kTruncated) {
        if (at + kFrameHeaderBytes > limit) {
          what = "a torn record";
          break;
        }
        if (read_buf_.size() - off < kFrameHeaderBytes) break;  // the next Read starts here
        uint64_t need = kFrameHeaderBytes + DecodeFixed32BE(read_buf_.data() + off + 4);
        if (at + need > limit) {
          what = "a torn record";
          break;
        }
        if (!out->records.empty()) break;  // the next Read gets it
        // The first record is larger than the chunk: read it whole.
        VIGIL_RETURN_IF_ERROR(FillReadBuffer(at, static_cast<size_t>(need), &limit));
        pos.offset = at;
        off = 0;
        continue;
      }
      if (!out->records.empty() && out->bytes + frame > max_bytes) break;
      out->records.push_back(payload);
      out->bytes += frame;
      off += frame;
    }
    memory_bytes_ = read_buf_.capacity();
    {
      std::lock_guard<std::mutex> l(mu_);
      read_pos_ = {pos.segment, pos.offset + off};
      out->end = read_pos_;
    }
    if (!out->records.empty()) return Status::OK();
    // Nothing readable where records should be: skip the segment's rest.
    ReportCorrupt(pos.segment, pos.offset + off, what.empty() ? "a short file" : what);
    if (active) {
      // Damage in the segment being written: later appends go to a new one.
      std::lock_guard<std::mutex> l(mu_);
      VIGIL_RETURN_IF_ERROR(CutSegmentLocked());
    }
    next_segment();
  }
}

Status DiskQueue::FillReadBuffer(uint64_t offset, size_t n, uint64_t* limit) {
  read_buf_.resize(n);
  ssize_t got = PreadFull(read_fd_, read_buf_.data(), n, offset);
  if (got < 0) {
    return Status::FromErrno(fmt::format("read {}", SegmentPath(read_fd_segment_)), errno);
  }
  read_buf_.resize(static_cast<size_t>(got));
  // A file shorter than its published size (cut from outside): what is
  // missing is treated as torn.
  if (static_cast<size_t>(got) < n) *limit = offset + static_cast<uint64_t>(got);
  return Status::OK();
}

Status DiskQueue::Ack(const QueueRead& read) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (read.end == cursor_) return Status::OK();
  }
  // Outside the lock: the atomic write syncs twice, and Append must not
  // wait for it. Only the reader moves the cursor, so nothing races here.
  VIGIL_RETURN_IF_ERROR(PersistCursor(read.end));
  std::vector<uint64_t> done;
  {
    std::lock_guard<std::mutex> l(mu_);
    cursor_ = read.end;
    queued_records_ -= std::min<uint64_t>(queued_records_, read.records.size());
    for (auto it = segments_.begin(); it != segments_.end() && it->first < cursor_.segment;) {
      done.push_back(it->first);
      total_bytes_ -= it->second;
      it = segments_.erase(it);
    }
  }
  for (uint64_t seg : done) {
    Status s = fs::RemoveFile(SegmentPath(seg));
    if (!s.ok()) log::Get("forward")->warn("forward queue {}: {}", dir_, s.ToString());
  }
  return Status::OK();
}

Status DiskQueue::PersistCursor(const QueuePosition& pos) {
  return fs::WriteFileAtomic(fs::Join(dir_, "cursor"), EncodeCursor(pos));
}

void DiskQueue::Rewind() {
  std::lock_guard<std::mutex> l(mu_);
  read_pos_ = cursor_;
}

bool DiskQueue::WaitUnread(uint64_t min_bytes, int64_t timeout_ms) {
  min_bytes = std::max<uint64_t>(min_bytes, 1);
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0)),
               [&] { return interrupted_ || UnreadBytesLocked() >= min_bytes; });
  return UnreadBytesLocked() >= min_bytes;
}

void DiskQueue::Interrupt() {
  {
    std::lock_guard<std::mutex> l(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

void DiskQueue::ClearInterrupt() {
  std::lock_guard<std::mutex> l(mu_);
  interrupted_ = false;
}

uint64_t DiskQueue::queued_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return QueuedBytesLocked();
}

uint64_t DiskQueue::queued_records() const {
  std::lock_guard<std::mutex> l(mu_);
  return queued_records_;
}

uint64_t DiskQueue::unread_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return UnreadBytesLocked();
}

uint64_t DiskQueue::corrupt_segments() const {
  std::lock_guard<std::mutex> l(mu_);
  return corrupt_segments_;
}

size_t DiskQueue::segment_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return segments_.size();
}

size_t DiskQueue::memory_bytes() const { return memory_bytes_.load(); }

QueuePosition DiskQueue::cursor() const {
  std::lock_guard<std::mutex> l(mu_);
  return cursor_;
}

}  // namespace vigil::forward
