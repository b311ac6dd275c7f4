// A small CBOR (RFC 8949) document type for the simulator's Smithy RPCv2
// CBOR protocol, also used as the protocol-neutral document the AWS handlers
// work on (JSON and query-form requests are converted into it).
//
// Decode accepts definite and indefinite lengths, half/single/double floats,
// tag 1 (epoch-seconds timestamps; other tags are skipped and their content
// kept), and refuses what a hostile body could use to exhaust memory or
// stack (depth, string and item limits) with a clear message. Map keys must
// be text strings (all Smithy documents are). Encode writes definite lengths,
// the shortest integer heads, float64 for every float and tag 1 + float64
// for timestamps (the shape the AWS SDKs accepted).
//
// Owner: simaws. Thread-safety: values are plain data; functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vigil::cloudsim::cbor {

class Value {
 public:
  enum class Type { kNull, kBool, kInt, kFloat, kText, kBytes, kArray, kMap, kTimestamp };
  using Map = std::vector<std::pair<std::string, Value>>;  // in document order
  using Array = std::vector<Value>;

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double d);
  static Value Text(std::string s);
  static Value Bytes(std::string s);
  static Value Timestamp(double epoch_seconds);
  static Value MakeArray(Array a = {});
  static Value MakeMap(Map m = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kFloat; }

  bool bool_value() const { return b_; }
  int64_t int_value() const { return i_; }
  // kFloat, kTimestamp, or an int as a double.
  double number() const { return type_ == Type::kInt ? static_cast<double>(i_) : d_; }
  const std::string& str() const { return s_; }  // kText / kBytes
  const Array& array() const { return a_; }
  Array& array() { return a_; }
  const Map& map() const { return m_; }
  Map& map() { return m_; }

  // Map lookup (first key equal to `key`), or null.
  const Value* Find(std::string_view key) const;
  // Appends to a map / array; returns the added value.
  Value& Add(std::string key, Value v);
  Value& Push(Value v);

  bool operator==(const Value& o) const;

 private:
  Type type_ = Type::kNull;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  Array a_;
  Map m_;
};

struct DecodeLimits {
  int max_depth = 64;
  size_t max_string_bytes = 16 << 20;
  size_t max_items = 1 << 22;  // array elements + map entries, in total
};

// Decodes exactly one item filling all of `data`. Errors read like
// "cbor: truncated input at offset 12 (text string of 40 bytes)".
Result<Value> Decode(std::string_view data, const DecodeLimits& limits = {});
std::string Encode(const Value& v);
// Diagnostic notation (RFC 8949 §8), for tests and error messages.
std::string Diagnostic(const Value& v);

}  // namespace vigil::cloudsim::cbor
