// Protobuf wire format, by hand: a bounds-checked field reader and a few
// append helpers. The push decoders read Loki's and OTLP's messages with it
// in place (no generated classes, no per-field allocation), which keeps them
// fast and easy to fuzz; the Loki encoder writes with it.
//
// Owned by the logs/push module (helper "ingest"); internal to it and to
// tests.
//
// Thread-safety: values; a ProtoReader belongs to one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/coding.h"

namespace vigil::logs::wire {

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Walks the fields of one message. Next() returns false at the end or on
// malformed input; error() tells them apart. Unknown fields are skipped by
// the caller simply not looking at them (Next already consumed them).
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool Next() {
    if (p_ >= end_ || error_) return false;
    uint64_t key;
    const char* q = DecodeUvarint(p_, end_, &key);
    if (q == nullptr) return Fail();
    field_ = static_cast<uint32_t>(key >> 3);
    type_ = static_cast<uint32_t>(key & 7);
    if (field_ == 0 || (key >> 3) > 0x1FFFFFFF) return Fail();
    p_ = q;
    switch (type_) {
      case kVarint:
        q = DecodeUvarint(p_, end_, &varint_);
        if (q == nullptr) return Fail();
        p_ = q;
        return true;
      case kFixed64:
        if (end_ - p_ < 8) return Fail();
        std::memcpy(&varint_, p_, 8);  // little-endian hosts only (x86-64, arm64)
        p_ += 8;
        return true;
      case kFixed32: {
        if (end_ - p_ < 4) return Fail();
        uint32_t v;
        std::memcpy(&v, p_, 4);
        varint_ = v;
        p_ += 4;
        return true;
      }
      case kLengthDelimited: {
        uint64_t len;
        q = DecodeUvarint(p_, end_, &len);
        if (q == nullptr || len > static_cast<uint64_t>(end_ - q)) return Fail();
        bytes_ = std::string_view(q, len);
        p_ = q + len;
        return true;
      }
      default:  // groups are not used by any message we read
        return Fail();
    }
  }

  uint32_t field() const { return field_; }
  uint32_t type() const { return type_; }
  // The value of a varint, fixed64 or fixed32 field.
  uint64_t number() const { return varint_; }
  // The payload of a length-delimited field (a view into the input).
  std::string_view bytes() const { return bytes_; }
  bool error() const { return error_; }

  bool Is(uint32_t field, uint32_t type) const { return field_ == field && type_ == type; }

 private:
  bool Fail() {
    error_ = true;
    return false;
  }

  const char* p_;
  const char* end_;
  uint32_t field_ = 0;
  uint32_t type_ = 0;
  uint64_t varint_ = 0;
  std::string_view bytes_;
  bool error_ = false;
};

inline void AppendVarint(std::string* out, uint64_t v) {
  char buf[10];
  int n = EncodeUvarint(buf, v);
  out->append(buf, n);
}

inline void AppendKey(std::string* out, uint32_t field, WireType type) {
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | type);
}

inline void AppendVarintField(std::string* out, uint32_t field, uint64_t v) {
  AppendKey(out, field, kVarint);
  AppendVarint(out, v);
}

inline void AppendBytesField(std::string* out, uint32_t field, std::string_view v) {
  AppendKey(out, field, kLengthDelimited);
  AppendVarint(out, v.size());
  out->append(v);
}

inline void AppendFixed64Field(std::string* out, uint32_t field, uint64_t v) {
  AppendKey(out, field, kFixed64);
  char buf[8];
  std::memcpy(buf, &v, 8);
  out->append(buf, 8);
}

// Nested messages: the caller encodes the child into a scratch string
// (reused across records) and appends it with its length.
inline void AppendMessageField(std::string* out, uint32_t field, std::string_view child) {
  AppendBytesField(out, field, child);
}

}  // namespace vigil::logs::wire
