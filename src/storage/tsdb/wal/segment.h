// Segment files of a WAL directory: their names, listing them, and the
// append-only file the writer fills.
//
// A segment is named by its index as 8 decimal digits ("00000042"). Other
// entries of the directory (checkpoint.*, lock files) are ignored here.
//
// Thread-safety: the free functions are safe to call concurrently.
// SegmentFile: Append is called by one thread at a time (the Wal holds its
// mutex); Sync may run concurrently with Append from another thread, which is
// what lets the Wal fsync without blocking writers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vigil::tsdb::wal {

// One segment file on disk.
struct SegmentRef {
  int index = 0;
  std::string path;
  bool in_checkpoint = false;  // the segment belongs to a checkpoint directory
};

// "00000042" for 42.
std::string SegmentName(int index);
// The index of a segment file name, or -1 if name is not one (all digits,
// at most 9 of them, so that the index fits an int).
int ParseSegmentName(std::string_view name);

// The segments of dir in index order. A missing directory is an error.
Result<std::vector<SegmentRef>> ListSegments(const std::string& dir);
// The segments of dir with first <= index <= last.
Result<std::vector<SegmentRef>> ListSegmentsInRange(const std::string& dir, int first, int last);

// Truncates a segment file to size and syncs it, so the cut survives a crash.
Status TruncateSegment(const std::string& path, uint64_t size);

// An append-only segment file written with plain write(2) calls: each Append
// is one write (retried on a short count), so when it returns the bytes are in
// the kernel and survive kill -9 of the process.
class SegmentFile {
 public:
  // Creates path; fails if it already exists (a segment is never reused).
  static Result<std::unique_ptr<SegmentFile>> Create(const std::string& path, int index);
  ~SegmentFile();
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  // On error the file may hold part of data; Size() still reports the bytes
  // before this call, and TruncateToSize() restores that state.
  Status Append(std::string_view data);
  Status TruncateToSize();
  Status Sync();  // fdatasync

  uint64_t Size() const { return size_; }
  int index() const { return index_; }
  const std::string& path() const { return path_; }

 private:
  SegmentFile(int fd, std::string path, int index)
      : fd_(fd), path_(std::move(path)), index_(index) {}

  int fd_;
  std::string path_;
  int index_;
  uint64_t size_ = 0;  // bytes successfully appended
};

}  // namespace vigil::tsdb::wal
