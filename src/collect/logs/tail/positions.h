// Where the file tailer is in each file: the state string carried in every
// batch's SourceOffset and the positions file that keeps the same states
// for sinks that do not store offsets.
//
// A file's source name is "file:<dev>:<inode>" and its state
// "<offset> <seq> <n>:<hash> <path>": offset is the byte just after the last
// line handed over, seq counts the batches accepted for that file, <hash>
// (16 hex digits) is Hash64 (base/checksum.h) of the file's first n bytes
// (n <= 1024), so that a different file that got the same inode (or a file
// truncated and refilled while Vigil was down) is not resumed in its middle;
// path is where the file was found (informative; it may contain spaces).
// The fingerprint is optional when decoding ("<offset> <seq> <path>").
//
// The positions file is text, rewritten whole with fs::WriteFileAtomic:
//   vigil-tail-positions 1
//   <source> <state with '\' and newline escaped as \\ and \n>
//
// Owner: helper "tail". Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace vigil::logs {

// Bytes at the start of a file that identify it.
inline constexpr uint64_t kFingerprintBytes = 1024;

struct FilePosition {
  uint64_t offset = 0;
  uint64_t seq = 0;
  uint64_t fingerprint_len = 0;  // 0: no fingerprint
  uint64_t fingerprint = 0;
  std::string path;
  bool operator==(const FilePosition&) const = default;
};

std::string FileSourceName(uint64_t dev, uint64_t inode);
std::string EncodeFileState(const FilePosition& pos);
// Corruption if the state is not "<offset> <seq> [<n>:<hash>] <path>".
Result<FilePosition> DecodeFileState(std::string_view state);

// source -> state.
using PositionMap = std::map<std::string, std::string>;
std::string EncodePositions(const PositionMap& positions);
Result<PositionMap> DecodePositions(std::string_view data);
// An absent file is an empty map.
Result<PositionMap> LoadPositions(const std::string& path);
Status SavePositions(const std::string& path, const PositionMap& positions);

}  // namespace vigil::logs
