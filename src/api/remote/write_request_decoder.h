// A hand-written, zero-copy decoder of remote_write 1.0 WriteRequest
// protobuf messages: the ingest hot path.
//
// Labels come out as model::LabelView pointing into the input bytes and
// samples as model::Sample, in flat vectors that keep their capacity between
// calls, so decoding a typical request allocates nothing. The input must stay
// alive and unchanged while the decoded views are used.
//
// Wire format handling follows protobuf's rules (fields in any order, repeated
// scalar fields "last one wins", unknown fields skipped by wire type) with
// these deliberate differences from protoc-generated parsers:
//   stricter: a known field with the wrong wire type is an error (protobuf
//     would keep it as an unknown field); groups (wire types 3/4) are errors;
//     a varint whose tenth byte carries bits beyond 64 is an error (protobuf
//     drops the extra bits); a five-byte tag above 32 bits is an error
//     (protobuf keeps its low 32 bits).
//   more lenient: strings are not checked for UTF-8 here (the write handler
//     validates label names and values); the contents of exemplars and native
//     histograms are not parsed, only counted, and neither are unknown fields.
// Every error is Status::InvalidArgument("proto: <Message>.<field>: <what>").
//
// Thread-safety: a decoder object belongs to one thread (keep one per thread).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "model/sample.h"

namespace vigil::remote {

// The class of a wire-format error (kNone after a successful Decode).
enum class WireError : uint8_t {
  kNone,
  kTruncated,       // a varint, fixed field or length runs past the end
  kVarintOverflow,  // a varint longer than 64 bits
  kBadTag,          // field number 0
  kTagOverflow,     // a tag above 32 bits or longer than 5 bytes
  kLengthOverflow,  // a length prefix longer than 5 bytes or above 2^31
  kWrongWireType,   // a known field with an unexpected wire type (strict)
  kGroup,           // wire type 3 or 4 (groups are not used by these protocols)
  kBadWireType,     // wire type 6 or 7
  kTooLarge,        // input of 4 GiB or more
};
const char* WireErrorName(WireError e);

// One TimeSeries message: where its labels and samples are in the flat
// vectors, and how many exemplars and native histograms it carried.
struct DecodedSeries {
  uint32_t first_label = 0;
  uint32_t num_labels = 0;
  uint32_t first_sample = 0;
  uint32_t num_samples = 0;
  uint32_t num_exemplars = 0;
  uint32_t num_histograms = 0;
};

// One MetricMetadata message. type is the raw enum value (proto3 enums are
// open: values outside 0..7 are possible).
struct DecodedMetadata {
  int32_t type = 0;
  std::string_view metric_family_name;
  std::string_view help;
  std::string_view unit;
};

// A growable array of trivially copyable elements whose append is always
// inlined (std::vector::push_back is often not, in a large parsing loop).
template <typename T>
class PodVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  PodVector() = default;
  ~PodVector() { std::free(data_); }
  PodVector(const PodVector&) = delete;
  PodVector& operator=(const PodVector&) = delete;

  [[gnu::always_inline]] void push_back(const T& v) {
    if (size_ == capacity_) [[unlikely]]
      Grow();
    data_[size_++] = v;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  const T* data() const { return data_; }
  const T& operator[](size_t i) const { return data_[i]; }
  // Frees the memory.
  void Release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  [[gnu::noinline]] void Grow() {
    size_t cap = capacity_ < 64 ? 64 : capacity_ * 2;
    void* p = std::realloc(data_, cap * sizeof(T));
    if (p == nullptr) std::abort();
    data_ = static_cast<T*>(p);
    capacity_ = cap;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

class WriteRequestDecoder {
 public:
  WriteRequestDecoder() = default;
  WriteRequestDecoder(const WriteRequestDecoder&) = delete;
  WriteRequestDecoder& operator=(const WriteRequestDecoder&) = delete;

  // Decodes a serialized WriteRequest, replacing the previous contents. On
  // error the contents are unspecified.
  Status Decode(std::string_view pb);
  WireError last_error() const { return last_error_; }

  size_t num_series() const { return series_.size(); }
  const DecodedSeries& series(size_t i) const { return series_[i]; }
  // Labels as they appear in the message (not validated, not sorted).
  model::LabelsView labels(size_t i) const {
    return model::LabelsView(labels_.data() + series_[i].first_label, series_[i].num_labels);
  }
  std::span<const model::Sample> samples(size_t i) const {
    return std::span<const model::Sample>(samples_.data() + series_[i].first_sample,
                                          series_[i].num_samples);
  }
  const std::vector<DecodedMetadata>& metadata() const { return metadata_; }

  size_t total_labels() const { return labels_.size(); }
  size_t total_samples() const { return samples_.size(); }
  size_t total_exemplars() const { return total_exemplars_; }
  size_t total_histograms() const { return total_histograms_; }

  // Releases the vectors' memory if they grew beyond max_entries elements
  // (after an unusually large request).
  void Trim(size_t max_entries);

 private:
  friend class WriteRequestParser;

  PodVector<DecodedSeries> series_;
  PodVector<model::LabelView> labels_;
  PodVector<model::Sample> samples_;
  std::vector<DecodedMetadata> metadata_;
  size_t total_exemplars_ = 0;
  size_t total_histograms_ = 0;
  WireError last_error_ = WireError::kNone;
};

}  // namespace vigil::remote
