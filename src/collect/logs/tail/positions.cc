#include "collect/logs/tail/positions.h"

#include <fmt/format.h>

#include <charconv>

#include "base/file.h"

namespace vigil::logs {
namespace {

constexpr std::string_view kHeader = "vigil-tail-positions 1";

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out->push_back(s[i]);
      continue;
    }
    if (++i == s.size()) return false;
    if (s[i] == '\\') {
      out->push_back('\\');
    } else if (s[i] == 'n') {
      out->push_back('\n');
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string FileSourceName(uint64_t dev, uint64_t inode) {
  return fmt::format("file:{}:{}", dev, inode);
}

std::string EncodeFileState(const FilePosition& pos) {
  return fmt::format("{} {} {}:{:016x} {}", pos.offset, pos.seq, pos.fingerprint_len,
                     pos.fingerprint, pos.path);
}

Result<FilePosition> DecodeFileState(std::string_view state) {
  FilePosition pos;
  size_t sp1 = state.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : state.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !ParseUint(state.substr(0, sp1), &pos.offset) ||
      !ParseUint(state.substr(sp1 + 1, sp2 - sp1 - 1), &pos.seq)) {
    return Status::Corruption(
        fmt::format("file tail state \"{}\" is not \"<offset> <seq> <path>\"", state));
  }
  std::string_view rest = state.substr(sp2 + 1);
  size_t sp3 = rest.find(' ');
  std::string_view token = rest.substr(0, sp3);
  size_t colon = token.find(':');
  if (sp3 != std::string_view::npos && colon != std::string_view::npos &&
      token.size() - colon - 1 == 16 && ParseUint(token.substr(0, colon), &pos.fingerprint_len)) {
    std::string_view hex = token.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), pos.fingerprint, 16);
    if (ec == std::errc() && ptr == hex.data() + hex.size()) {
      pos.path = std::string(rest.substr(sp3 + 1));
      return pos;
    }
    pos.fingerprint_len = 0;
    pos.fingerprint = 0;
  }
  pos.path = std::string(rest);
  return pos;
}

std::string EncodePositions(const PositionMap& positions) {
  std::string out(kHeader);
  out.push_back('\n');
  for (const auto& [source, state] : positions) {
    AppendEscaped(&out, source);
    out.push_back(' ');
    AppendEscaped(&out, state);
    out.push_back('\n');
  }
  return out;
}

Result<PositionMap> DecodePositions(std::string_view data) {
  PositionMap out;
  size_t nl = data.find('\n');
  if (data.substr(0, nl) != kHeader) {
    return Status::Corruption("tail positions file does not start with \"" + std::string(kHeader) +
                              "\"");
  }
  size_t pos = nl == std::string_view::npos ? data.size() : nl + 1;
  int line_no = 1;
  std::string source;
  std::string state;
  while (pos < data.size()) {
    ++line_no;
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) {
      return Status::Corruption(fmt::format("tail positions file: line {} is cut short", line_no));
    }
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || !Unescape(line.substr(0, sp), &source) ||
        !Unescape(line.substr(sp + 1), &state) || !DecodeFileState(state).ok()) {
      return Status::Corruption(fmt::format("tail positions file: line {} is malformed", line_no));
    }
    out[source] = state;
  }
  return out;
}

Result<PositionMap> LoadPositions(const std::string& path) {
  if (!fs::Exists(path)) return PositionMap{};
  auto data = fs::ReadFile(path);
  if (!data.ok()) return data.status();
  auto decoded = DecodePositions(*data);
  if (!decoded.ok()) return decoded.status().WithContext(path);
  return decoded;
}

Status SavePositions(const std::string& path, const PositionMap& positions) {
  return fs::WriteFileAtomic(path, EncodePositions(positions));
}

}  // namespace vigil::logs
