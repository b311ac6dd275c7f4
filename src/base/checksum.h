// Checksums for on-disk records and files.
//
// Debian 12 packages no CRC32C library for C++ (see docs/decisions.md), so
// Vigil's formats use the low 32 bits of XXH3-64 from libxxhash: as strong as
// CRC32C against torn writes and flipped bits, and faster. Checksum32 of the
// concatenation can be computed incrementally with Checksum32Stream.
//
// Thread-safety: the functions are pure; a Checksum32Stream is not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace vigil {

uint32_t Checksum32(const void* data, size_t n);
inline uint32_t Checksum32(std::string_view s) { return Checksum32(s.data(), s.size()); }

uint64_t Hash64(const void* data, size_t n);
inline uint64_t Hash64(std::string_view s) { return Hash64(s.data(), s.size()); }

class Checksum32Stream {
 public:
  Checksum32Stream();
  ~Checksum32Stream();
  Checksum32Stream(const Checksum32Stream&) = delete;
  Checksum32Stream& operator=(const Checksum32Stream&) = delete;

  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  uint32_t Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vigil
