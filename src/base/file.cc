#include "base/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace vigil::fs {

namespace stdfs = std::filesystem;

namespace {
constexpr size_t kWriteBufferSize = 256 * 1024;

Status FromErrorCode(std::string_view context, const std::error_code& ec) {
  return Status::IOError(std::string(context) + ": " + ec.message());
}
}  // namespace

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status CreateDirs(const std::string& path) {
  std::error_code ec;
  stdfs::create_directories(path, ec);
  if (ec) return FromErrorCode("create directory " + path, ec);
  return Status::OK();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return FromErrorCode("list directory " + dir, ec);
  std::sort(names.begin(), names.end());
  return names;
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
  if (ec) return FromErrorCode("remove " + path, ec);
  return Status::OK();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + path, errno);
  }
  return Status::OK();
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::FromErrno("rename " + from + " to " + to, errno);
  }
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  return Status::OK();
}

Status Truncate(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return Status::FromErrno("truncate " + path, errno);
  }
  return Status::OK();
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<uint64_t> DirSize(const std::string& path) {
  std::error_code ec;
  uint64_t total = 0;
  for (stdfs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      auto sz = it->file_size(fec);
      if (!fec) total += sz;
    }
  }
  if (ec) return FromErrorCode("walk " + path, ec);
  return total;
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::FromErrno("read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    auto f = WritableFile::Create(tmp);
    if (!f.ok()) return f.status();
    VIGIL_RETURN_IF_ERROR((*f)->Append(data));
    VIGIL_RETURN_IF_ERROR((*f)->Sync());
    VIGIL_RETURN_IF_ERROR((*f)->Close());
  }
  VIGIL_RETURN_IF_ERROR(Rename(tmp, path));
  return SyncDir(Dirname(path));
}

std::string Join(std::string_view dir, std::string_view name) {
  std::string s(dir);
  if (!s.empty() && s.back() != '/') s += '/';
  s += name;
  return s;
}

std::string Dirname(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

// --- WritableFile ---

WritableFile::WritableFile(int fd, std::string path, uint64_t size)
    : fd_(fd), path_(std::move(path)), size_(size) {
  buf_.reserve(kWriteBufferSize);
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) {
    (void)Flush();
    ::close(fd_);
  }
}

Result<std::unique_ptr<WritableFile>> WritableFile::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + path, errno);
  return std::unique_ptr<WritableFile>(new WritableFile(fd, path, 0));
}

Result<std::unique_ptr<WritableFile>> WritableFile::OpenAppend(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("stat " + path, err);
  }
  return std::unique_ptr<WritableFile>(
      new WritableFile(fd, path, static_cast<uint64_t>(st.st_size)));
}

Status WritableFile::WriteRaw(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + path_, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

Status WritableFile::Append(std::string_view data) {
  if (fd_ < 0) return Status::IOError("append to closed file " + path_);
  size_ += data.size();
  if (buf_.size() + data.size() <= kWriteBufferSize) {
    buf_.append(data);
    return Status::OK();
  }
  VIGIL_RETURN_IF_ERROR(Flush());
  if (data.size() >= kWriteBufferSize) return WriteRaw(data.data(), data.size());
  buf_.append(data);
  return Status::OK();
}

Status WritableFile::Flush() {
  if (buf_.empty()) return Status::OK();
  Status s = WriteRaw(buf_.data(), buf_.size());
  buf_.clear();
  return s;
}

Status WritableFile::Sync() {
  VIGIL_RETURN_IF_ERROR(Flush());
  if (::fdatasync(fd_) != 0) return Status::FromErrno("fdatasync " + path_, errno);
  return Status::OK();
}

Status WritableFile::Close() {
  if (fd_ < 0) return Status::OK();
  Status s = Flush();
  if (::close(fd_) != 0 && s.ok()) s = Status::FromErrno("close " + path_, errno);
  fd_ = -1;
  return s;
}

// --- MmapFile ---

Result<std::unique_ptr<MmapFile>> MmapFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("stat " + path, err);
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = nullptr;
  if (size > 0) {
    addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("mmap " + path, err);
    }
  }
  ::close(fd);  // the mapping stays valid
  return std::unique_ptr<MmapFile>(new MmapFile(addr, size, path));
}

MmapFile::~MmapFile() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

// --- TempDir ---

TempDir::TempDir(std::string_view prefix) {
  std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();  // tests cannot run without one
  path_ = tmpl;
}

TempDir::~TempDir() { (void)RemoveAll(path_); }

// --- FileLock ---

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open lock file " + path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable("data directory is in use by another process (lock file " + path +
                                 " is held)");
    }
    return Status::FromErrno("lock " + path, err);
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace vigil::fs
