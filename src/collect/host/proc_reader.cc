#include "collect/host/proc_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace vigil::host {

Status ReadFileInto(const std::string& path, std::string* buf) {
  buf->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(path);
    return Status::FromErrno(path, err);
  }
  size_t size = 0;
  if (buf->capacity() < 4096) buf->reserve(4096);
  for (;;) {
    if (buf->capacity() - size < 1024) buf->reserve(buf->capacity() * 2);
    buf->resize(buf->capacity());
    ssize_t n = ::read(fd, buf->data() + size, buf->size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      buf->clear();
      return Status::FromErrno(path, err);
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  buf->resize(size);
  ::close(fd);
  return Status::OK();
}

bool ReadUintFile(const std::string& path, std::string* scratch, uint64_t* value) {
  if (!ReadFileInto(path, scratch).ok()) return false;
  return ParseUint(TrimSpace(*scratch), value);
}

bool ReadDoubleFile(const std::string& path, std::string* scratch, double* value) {
  if (!ReadFileInto(path, scratch).ok()) return false;
  return ParseDouble(TrimSpace(*scratch), value);
}

bool ReadLineFile(const std::string& path, std::string* scratch, std::string* line) {
  if (!ReadFileInto(path, scratch).ok()) return false;
  std::string_view s = *scratch;
  size_t nl = s.find('\n');
  if (nl != std::string_view::npos) s = s.substr(0, nl);
  line->assign(s);
  return true;
}

bool NextLine(std::string_view* rest, std::string_view* line) {
  if (rest->empty()) return false;
  size_t nl = rest->find('\n');
  if (nl == std::string_view::npos) {
    *line = *rest;
    *rest = {};
  } else {
    *line = rest->substr(0, nl);
    rest->remove_prefix(nl + 1);
  }
  return true;
}

namespace {
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

void SplitFields(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) break;
    size_t start = i;
    while (i < n && !IsSpace(line[i])) ++i;
    fields->push_back(line.substr(start, i - start));
  }
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseUint(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseHex(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* v) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace vigil::host
