#include "storage/tsdb/wal/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "base/file.h"
#include "storage/tsdb/wal/format.h"

namespace vigil::tsdb::wal {

std::string SegmentName(int index) { return fmt::format("{:0{}d}", index, kSegmentNameDigits); }

int ParseSegmentName(std::string_view name) {
  if (name.empty() || name.size() > 9) return -1;
  int v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<std::vector<SegmentRef>> ListSegments(const std::string& dir) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(dir));
  std::vector<SegmentRef> out;
  for (const std::string& name : names) {
    int index = ParseSegmentName(name);
    if (index < 0) continue;
    std::string path = fs::Join(dir, name);
    if (fs::IsDir(path)) continue;
    out.push_back(SegmentRef{index, std::move(path), false});
  }
  // ListDir sorts by name; names of different widths ("9" vs "00000010")
  // would not sort by index.
  std::sort(out.begin(), out.end(),
            [](const SegmentRef& a, const SegmentRef& b) { return a.index < b.index; });
  return out;
}

Result<std::vector<SegmentRef>> ListSegmentsInRange(const std::string& dir, int first, int last) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<SegmentRef> all, ListSegments(dir));
  std::vector<SegmentRef> out;
  for (SegmentRef& s : all) {
    if (s.index >= first && s.index <= last) out.push_back(std::move(s));
  }
  return out;
}

Status TruncateSegment(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open WAL segment " + path, errno);
  Status s;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    s = Status::FromErrno(fmt::format("truncate WAL segment {} to {}", path, size), errno);
  } else if (::fdatasync(fd) != 0) {
    s = Status::FromErrno("fdatasync WAL segment " + path, errno);
  }
  ::close(fd);
  return s;
}

// --- SegmentFile ---

Result<std::unique_ptr<SegmentFile>> SegmentFile::Create(const std::string& path, int index) {
  // O_APPEND: after TruncateToSize the next write lands at the new end.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create WAL segment " + path, errno);
  return std::unique_ptr<SegmentFile>(new SegmentFile(fd, path, index));
}

SegmentFile::~SegmentFile() { ::close(fd_); }

Status SegmentFile::Append(std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(fmt::format("write WAL segment {} at offset {}", path_, size_),
                               errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  size_ += data.size();
  return Status::OK();
}

Status SegmentFile::TruncateToSize() {
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    return Status::FromErrno(fmt::format("truncate WAL segment {} to {}", path_, size_), errno);
  }
  return Status::OK();
}

Status SegmentFile::Sync() {
  if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync WAL segment " + path_, errno);
  return Status::OK();
}

}  // namespace vigil::tsdb::wal
