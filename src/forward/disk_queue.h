// DiskQueue: the forwarders' durable FIFO of byte records, so that records
// taken by a forwarder survive a receiver that is down for minutes and a
// restart (or kill -9) of Vigil, without being held in memory.
//
// Layout (docs/storage-format.md, "Forwarder queue"): a directory with
// numbered segment files (00000001.seg, ...), each an 8-byte header and then
// framed records [BE32 checksum][BE32 length][payload], checksum =
// Checksum32 (base/checksum.h) over the length field and the payload; and a
// file `cursor` (written with WriteFileAtomic) naming the position after the
// last acknowledged record. A LOCK file keeps a second process out.
//
// Writing: Append writes a whole FramedBatch with one write(2) before it
// returns (so it survives kill -9; with `fsync` also power loss). A new
// segment is started when the batch would overflow segment_bytes. Open never
// appends to an old segment: it starts a new one, so a torn tail left by a
// crash stays where it is and the reader stops reading that segment there.
// When the records not yet acknowledged plus the batch would exceed
// max_bytes, Append refuses with ResourceExhausted (nothing written).
//
// Reading: Read returns records after the read position, about max_bytes at
// a time; Ack makes the cursor durable at the end of what was read and
// deletes the segments entirely before it. After a restart reading resumes
// at the cursor (records read but not acknowledged are read again).
// A record whose checksum or length is wrong ends its segment: the rest of
// that segment is skipped (logged once and counted), the next one is read.
//
// Memory: only the reader's buffer (about max_bytes of one Read) and the
// file's write buffer; memory_bytes() reports the reader's share.
//
// Owned by the forward module (helper "forward").
// Thread-safety: Append, the counters and Interrupt may be called from any
// thread. Read, Ack and Rewind are for one reader thread at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/result.h"
#include "base/status.h"

namespace vigil::forward {

inline constexpr char kSegmentMagic[4] = {'V', 'G', 'F', 'Q'};
inline constexpr uint8_t kSegmentVersion = 1;
inline constexpr size_t kSegmentHeaderBytes = 8;
inline constexpr size_t kFrameHeaderBytes = 8;
inline constexpr uint32_t kMaxQueueRecordBytes = 64u << 20;

struct DiskQueueOptions {
  uint64_t max_bytes = 1ull << 30;     // unacknowledged bytes on disk (frames included)
  uint64_t segment_bytes = 16u << 20;  // a batch larger than this gets a segment of its own
  bool fsync = false;                  // fdatasync after every Append
};

struct QueuePosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
  bool operator==(const QueuePosition&) const = default;
};

// Records framed for Append, built in place: the caller encodes each payload
// straight into the string BeginRecord returns.
class FramedBatch {
 public:
  std::string* BeginRecord();
  // False (and the record is taken back out) when the payload is larger
  // than kMaxQueueRecordBytes.
  bool EndRecord();
  // A whole payload at once.
  bool Add(std::string_view payload);
  void Clear();
  size_t records() const { return records_; }
  size_t bytes() const { return buf_.size(); }
  const std::string& data() const { return buf_; }

 private:
  std::string buf_;
  size_t start_ = 0;
  size_t records_ = 0;
};

// One frame parsed from a byte range.
enum class FrameResult {
  kOk,         // *payload set, *frame_bytes consumed
  kTruncated,  // the frame runs past the end of the range
  kCorrupt,    // bad length or checksum
};
FrameResult ParseFrame(std::string_view data, std::string_view* payload, size_t* frame_bytes);
// True if `header` is a valid segment header.
bool ValidSegmentHeader(std::string_view header);

struct QueueRead {
  std::vector<std::string_view> records;  // payloads, valid until the next Read or Rewind
  QueuePosition end;                      // the read position after them
  uint64_t bytes = 0;                     // framed bytes of the records
};

class DiskQueue {
 public:
  static Result<std::unique_ptr<DiskQueue>> Open(const std::string& dir,
                                                 const DiskQueueOptions& options);
  ~DiskQueue();
  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  Status Append(const FramedBatch& batch);

  // Clears *out, then fills it with records after the read position: at
  // least one if any is there (even one larger than max_bytes), more while
  // their framed size stays within max_bytes. Empty: nothing to read now.
  Status Read(uint64_t max_bytes, QueueRead* out);
  // Everything up to read.end is acknowledged: the cursor is made durable
  // and wholly acknowledged segments are deleted.
  Status Ack(const QueueRead& read);
  // The read position goes back to the cursor.
  void Rewind();

  // Waits until at least min_bytes (>= 1) are unread, `timeout_ms` passed or
  // Interrupt was called; returns whether min_bytes are unread.
  bool WaitUnread(uint64_t min_bytes, int64_t timeout_ms);
  // Wakes WaitUnread callers (and makes later waits return at once) until
  // ClearInterrupt.
  void Interrupt();
  void ClearInterrupt();

  uint64_t queued_bytes() const;    // not acknowledged
  uint64_t queued_records() const;  // not acknowledged
  uint64_t unread_bytes() const;
  uint64_t corrupt_segments() const;  // segments whose tail was skipped
  size_t segment_count() const;
  size_t memory_bytes() const;  // the reader's buffer
  QueuePosition cursor() const;
  const std::string& dir() const { return dir_; }

 private:
  DiskQueue(std::string dir, const DiskQueueOptions& options);
  Status Init();
  std::string SegmentPath(uint64_t segment) const;
  Status CutSegmentLocked();
  uint64_t QueuedBytesLocked() const;
  uint64_t UnreadBytesLocked() const;
  Status PersistCursor(const QueuePosition& pos);
  void CloseReadFile();
  Status FillReadBuffer(uint64_t offset, size_t n, uint64_t* limit);
  void ReportCorrupt(uint64_t segment, uint64_t offset, std::string_view what);

  const std::string dir_;
  const DiskQueueOptions options_;
  std::unique_ptr<fs::FileLock> lock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, uint64_t> segments_;  // index -> bytes readable (published)
  uint64_t total_bytes_ = 0;               // sum of segments_
  uint64_t active_ = 0;
  std::unique_ptr<fs::WritableFile> active_file_;
  bool active_broken_ = false;  // a write failed: cut before the next one
  QueuePosition cursor_;
  QueuePosition read_pos_;
  uint64_t queued_records_ = 0;
  bool interrupted_ = false;
  uint64_t corrupt_segments_ = 0;
  std::set<uint64_t> reported_corrupt_;

  // Reader state (one reader at a time).
  int read_fd_ = -1;
  uint64_t read_fd_segment_ = 0;
  std::string read_buf_;
  std::atomic<size_t> memory_bytes_{0};  // mirrors read_buf_.capacity() for other threads
};

}  // namespace vigil::forward
