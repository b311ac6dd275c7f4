// File-system access for the storage engine: append-only files, read-only
// memory maps, atomic whole-file writes, directory operations and a lock file.
//
// All functions return Status instead of throwing. Paths are plain strings.
// Durability rules used across Vigil: a file is durable after Sync(); a new
// directory entry (create, rename, unlink) is durable after SyncDir() of its
// parent. WriteFileAtomic does both.
//
// Thread-safety: the free functions are safe to call concurrently. A
// WritableFile is used by one thread at a time. An MmapFile is immutable after
// Open and may be read from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vigil::fs {

bool Exists(const std::string& path);
bool IsDir(const std::string& path);
Status CreateDirs(const std::string& path);
// Names (not paths) of the entries of dir, sorted.
Result<std::vector<std::string>> ListDir(const std::string& dir);
Status RemoveAll(const std::string& path);
Status RemoveFile(const std::string& path);
Status Rename(const std::string& from, const std::string& to);
Status SyncDir(const std::string& dir);
Status Truncate(const std::string& path, uint64_t size);
Result<uint64_t> FileSize(const std::string& path);
// Bytes of all regular files under path, recursively.
Result<uint64_t> DirSize(const std::string& path);
Result<std::string> ReadFile(const std::string& path);
// Writes data to path.tmp, syncs it, renames it over path and syncs the
// directory: readers see either the old or the new content, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view data);
std::string Join(std::string_view dir, std::string_view name);
std::string Dirname(const std::string& path);

// An append-only file with a user-space buffer. Append copies into the
// buffer and writes it out when full; Flush hands everything to the kernel
// (enough to survive kill -9); Sync also asks the device (fdatasync).
class WritableFile {
 public:
  static Result<std::unique_ptr<WritableFile>> Create(const std::string& path);  // truncates
  static Result<std::unique_ptr<WritableFile>> OpenAppend(const std::string& path);
  ~WritableFile();
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  Status Append(std::string_view data);
  Status Flush();
  Status Sync();                           // Flush + fdatasync
  Status Close();                          // Flush + close; the destructor closes without reporting
  uint64_t Size() const { return size_; }  // bytes appended, including buffered ones
  const std::string& path() const { return path_; }

 private:
  WritableFile(int fd, std::string path, uint64_t size);
  Status WriteRaw(const char* p, size_t n);

  int fd_;
  std::string path_;
  uint64_t size_;
  std::string buf_;
};

// A read-only memory map of a whole file. An empty file maps to an empty view.
class MmapFile {
 public:
  static Result<std::unique_ptr<MmapFile>> Open(const std::string& path);
  ~MmapFile();
  MmapFile(const MmapFile&) = delete;
  MmapFile& operator=(const MmapFile&) = delete;

  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MmapFile(void* addr, size_t size, std::string path)
      : addr_(addr), size_(size), path_(std::move(path)) {}
  void* addr_;
  size_t size_;
  std::string path_;
};

// A new directory under /tmp, removed with everything in it on destruction
// (for tests and benchmarks). The name starts with "<prefix>-".
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "vigil");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(std::string_view name) const { return fs::Join(path_, name); }

 private:
  std::string path_;
};

// An exclusive advisory lock (flock) on a file, held until destruction.
// Acquire fails at once with a clear message if another process holds it.
class FileLock {
 public:
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace vigil::fs
