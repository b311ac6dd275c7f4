// Test-only helpers: raw protobuf encoding (for inputs the generated classes
// cannot produce: wrong wire types, odd field orders, invalid UTF-8) and
// building snappy-compressed requests from the generated classes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "api/remote/proto/remote.pb.h"
#include "api/remote/snappy_block.h"
#include "base/coding.h"

namespace vigil::remote::testing {

inline std::string Uvarint(uint64_t v) {
  char b[kMaxVarintLen64];
  return std::string(b, EncodeUvarint(b, v));
}
inline std::string Tag(uint32_t field, uint32_t wire_type) {
  return Uvarint((uint64_t{field} << 3) | wire_type);
}
// A length-delimited field.
inline std::string Len(uint32_t field, std::string_view payload) {
  return Tag(field, 2) + Uvarint(payload.size()) + std::string(payload);
}
inline std::string VarintField(uint32_t field, uint64_t v) { return Tag(field, 0) + Uvarint(v); }
inline std::string Fixed64Field(uint32_t field, uint64_t v) {
  std::string s = Tag(field, 1);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
inline std::string DoubleField(uint32_t field, double v) {
  return Fixed64Field(field, DoubleBits(v));
}
inline std::string Fixed32Field(uint32_t field, uint32_t v) {
  std::string s = Tag(field, 5);
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

inline std::string RawLabel(std::string_view name, std::string_view value) {
  return Len(1, name) + Len(2, value);
}
inline std::string RawSample(double v, int64_t t) {
  return DoubleField(1, v) + VarintField(2, static_cast<uint64_t>(t));
}

inline std::string Snappy(std::string_view data) {
  std::string out;
  SnappyCompress(data, &out);
  return out;
}

// A TimeSeries from label pairs and (t, v) samples.
inline void AddSeries(wire::WriteRequest* req,
                      std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                      std::initializer_list<std::pair<int64_t, double>> samples) {
  wire::TimeSeries* ts = req->add_timeseries();
  for (const auto& [n, v] : labels) {
    wire::Label* l = ts->add_labels();
    l->set_name(std::string(n));
    l->set_value(std::string(v));
  }
  for (const auto& [t, v] : samples) {
    wire::Sample* s = ts->add_samples();
    s->set_timestamp(t);
    s->set_value(v);
  }
}

inline std::string SnappyRequest(const google::protobuf::MessageLite& m) {
  return Snappy(m.SerializeAsString());
}

}  // namespace vigil::remote::testing
