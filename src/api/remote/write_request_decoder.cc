#include "api/remote/write_request_decoder.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>

#include "base/coding.h"

namespace vigil::remote {

namespace {

// Protobuf wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLen = 2;
constexpr uint32_t kStartGroup = 3;
constexpr uint32_t kEndGroup = 4;
constexpr uint32_t kFixed32 = 5;

constexpr uint32_t MakeTag(uint32_t field, uint32_t wire_type) { return (field << 3) | wire_type; }

inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t u;
  std::memcpy(&u, p, sizeof u);
  if constexpr (std::endian::native == std::endian::big) u = __builtin_bswap64(u);
  return u;
}

// Decodes a varint from p, which must have at least 10 readable bytes.
// Returns the position after it, or null if it is longer than 64 bits. Each
// byte adds all its 8 bits, minus the continuation bit the byte before added
// (hence b - 1), which keeps every step free of masks; unrolled, the shifts
// are constants.
inline const uint8_t* DecodeVarintUnchecked(const uint8_t* p, uint64_t* v) {
  uint64_t r = p[0];
  if (r < 0x80) {
    *v = r;
    return p + 1;
  }
#pragma GCC unroll 8
  for (int i = 1; i < 9; ++i) {
    uint64_t b = p[i];
    r += (b - 1) << (7 * i);
    if (b < 0x80) {
      *v = r;
      return p + i + 1;
    }
  }
  uint64_t b = p[9];  // the tenth byte holds bit 63 only
  if (b > 1) return nullptr;
  *v = r + ((b - 1) << 63);
  return p + 10;
}

}  // namespace

const char* WireErrorName(WireError e) {
  switch (e) {
    case WireError::kNone:
      return "none";
    case WireError::kTruncated:
      return "truncated";
    case WireError::kVarintOverflow:
      return "varint_overflow";
    case WireError::kBadTag:
      return "bad_tag";
    case WireError::kTagOverflow:
      return "tag_overflow";
    case WireError::kLengthOverflow:
      return "length_overflow";
    case WireError::kWrongWireType:
      return "wrong_wire_type";
    case WireError::kGroup:
      return "group";
    case WireError::kBadWireType:
      return "bad_wire_type";
    case WireError::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

// The parsing functions, one per message type. Each takes the bytes of one
// message [p, end) and returns false after recording the first error.
class WriteRequestParser {
 public:
  explicit WriteRequestParser(WriteRequestDecoder* d) : d_(d) {}

  bool ParseWriteRequest(const uint8_t* p, const uint8_t* end);
  WireError error() const { return err_; }
  Status ToStatus() const;

 private:
  // Records an error. where names the message ("TimeSeries") or the field
  // ("TimeSeries.labels") concerned.
  [[gnu::cold, gnu::noinline]] bool Fail(WireError e, const char* where, uint32_t field = 0,
                                         uint32_t wire_type = 0, uint32_t want = 0) {
    err_ = e;
    where_ = where;
    field_ = field;
    wire_type_ = wire_type;
    want_ = want;
    return false;
  }

  // Varints of one and two bytes (tags, lengths of labels and series) are
  // decoded inline; longer ones (timestamps) take the loop.
  [[gnu::always_inline]] bool Varint(const uint8_t*& p, const uint8_t* end, uint64_t* v,
                                     const char* where) {
    if (p < end && p[0] < 0x80) [[likely]] {
      *v = p[0];
      ++p;
      return true;
    }
    if (end - p >= 2 && p[1] < 0x80) {
      *v = (uint64_t{p[0]} & 0x7f) | (uint64_t{p[1]} << 7);
      p += 2;
      return true;
    }
    return VarintSlow(p, end, v, where);
  }

  bool VarintSlow(const uint8_t*& p, const uint8_t* end, uint64_t* v, const char* where) {
    uint64_t result = 0;
    if (end - p >= kMaxVarintBytes) {
      const uint8_t* q = DecodeVarintUnchecked(p, v);
      if (q == nullptr) return Fail(WireError::kVarintOverflow, where);
      p = q;
      return true;
    }
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (p >= end) return Fail(WireError::kTruncated, where);
      uint8_t b = *p++;
      if (i == kMaxVarintBytes - 1 && b > 1) return Fail(WireError::kVarintOverflow, where);
      result |= uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return Fail(WireError::kVarintOverflow, where);  // not reached
  }

  // Tags and length prefixes are at most five bytes, as in protobuf.
  bool ShortVarint(const uint8_t*& p, const uint8_t* end, uint64_t* v, WireError too_long,
                   const char* where) {
    if (p < end && p[0] < 0x80) [[likely]] {
      *v = p[0];
      ++p;
      return true;
    }
    if (end - p >= 2 && p[1] < 0x80) {
      *v = (uint64_t{p[0]} & 0x7f) | (uint64_t{p[1]} << 7);
      p += 2;
      return true;
    }
    uint64_t result = 0;
    for (int i = 0; i < 5; ++i) {
      if (p >= end) return Fail(WireError::kTruncated, where);
      uint8_t b = *p++;
      result |= uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return Fail(too_long, where);
  }

  bool Tag(const uint8_t*& p, const uint8_t* end, uint32_t* tag, const char* message) {
    uint64_t v = 0;
    if (!ShortVarint(p, end, &v, WireError::kTagOverflow, message)) return false;
    if (v > std::numeric_limits<uint32_t>::max()) [[unlikely]] {
      return Fail(WireError::kTagOverflow, message);
    }
    if ((v >> 3) == 0) [[unlikely]]
      return Fail(WireError::kBadTag, message);
    *tag = static_cast<uint32_t>(v);
    return true;
  }

  // Reads a length prefix and checks the bytes are there; *sub_end is the end
  // of the length-delimited field.
  bool Length(const uint8_t*& p, const uint8_t* end, const uint8_t** sub_end, const char* where) {
    uint64_t n = 0;
    if (!ShortVarint(p, end, &n, WireError::kLengthOverflow, where)) return false;
    if (n > std::numeric_limits<int32_t>::max()) [[unlikely]] {
      return Fail(WireError::kLengthOverflow, where);
    }
    if (n > static_cast<uint64_t>(end - p)) [[unlikely]] {
      return Fail(WireError::kTruncated, where);
    }
    *sub_end = p + n;
    return true;
  }

  bool WrongWireType(const char* where, uint32_t tag, uint32_t want) {
    return Fail(WireError::kWrongWireType, where, tag >> 3, tag & 7, want);
  }

  // Skips a field that this decoder does not read.
  bool Skip(const uint8_t*& p, const uint8_t* end, uint32_t tag, const char* message) {
    switch (tag & 7) {
      case kVarint: {
        uint64_t ignored = 0;
        if (!Varint(p, end, &ignored, message)) {
          field_ = tag >> 3;
          return false;
        }
        return true;
      }
      case kFixed64:
        if (end - p < 8) return Fail(WireError::kTruncated, message, tag >> 3);
        p += 8;
        return true;
      case kLen: {
        const uint8_t* sub = nullptr;
        if (!Length(p, end, &sub, message)) {
          field_ = tag >> 3;
          return false;
        }
        p = sub;
        return true;
      }
      case kFixed32:
        if (end - p < 4) return Fail(WireError::kTruncated, message, tag >> 3);
        p += 4;
        return true;
      case kStartGroup:
      case kEndGroup:
        return Fail(WireError::kGroup, message, tag >> 3, tag & 7);
      default:
        return Fail(WireError::kBadWireType, message, tag >> 3, tag & 7);
    }
  }

  bool ParseTimeSeries(const uint8_t* p, const uint8_t* end);
  bool ParseLabel(const uint8_t* p, const uint8_t* end);
  bool ParseSample(const uint8_t* p, const uint8_t* end);
  bool ParseMetadata(const uint8_t* p, const uint8_t* end);

  static constexpr int kMaxVarintBytes = 10;

  WriteRequestDecoder* d_;
  const uint8_t* input_end_ = nullptr;
  WireError err_ = WireError::kNone;
  const char* where_ = "";
  uint32_t field_ = 0;
  uint32_t wire_type_ = 0;
  uint32_t want_ = 0;
};

bool WriteRequestParser::ParseWriteRequest(const uint8_t* p, const uint8_t* end) {
  input_end_ = end;
  while (p < end) {
    uint32_t tag = 0;
    if (!Tag(p, end, &tag, "WriteRequest")) return false;
    const uint8_t* sub = nullptr;
    switch (tag) {
      case MakeTag(1, kLen):
        if (!Length(p, end, &sub, "WriteRequest.timeseries")) return false;
        if (!ParseTimeSeries(p, sub)) return false;
        p = sub;
        break;
      case MakeTag(3, kLen):
        if (!Length(p, end, &sub, "WriteRequest.metadata")) return false;
        if (!ParseMetadata(p, sub)) return false;
        p = sub;
        break;
      default:
        if ((tag >> 3) == 1) return WrongWireType("WriteRequest.timeseries", tag, kLen);
        if ((tag >> 3) == 3) return WrongWireType("WriteRequest.metadata", tag, kLen);
        if (!Skip(p, end, tag, "WriteRequest")) return false;
    }
  }
  return true;
}

bool WriteRequestParser::ParseTimeSeries(const uint8_t* p, const uint8_t* end) {
  DecodedSeries s;
  s.first_label = static_cast<uint32_t>(d_->labels_.size());
  s.first_sample = static_cast<uint32_t>(d_->samples_.size());
  while (p < end) {
    // Inline fast path for what every encoder writes: a label field of less
    // than 128 bytes holding the name, then the value. Anything else takes
    // the general path below.
    size_t avail = static_cast<size_t>(end - p);
    if (avail >= 6 && p[0] == MakeTag(1, kLen) && p[1] < 0x80 && p[2] == MakeTag(1, kLen) &&
        p[3] < 0x80) {
      size_t label_end = 2 + size_t{p[1]};
      size_t value_tag = 4 + size_t{p[3]};
      if (label_end <= avail && value_tag + 2 <= label_end && p[value_tag] == MakeTag(2, kLen) &&
          p[value_tag + 1] < 0x80 && value_tag + 2 + p[value_tag + 1] == label_end) {
        d_->labels_.push_back(model::LabelView{
            std::string_view(reinterpret_cast<const char*>(p + 4), p[3]),
            std::string_view(reinterpret_cast<const char*>(p + value_tag + 2), p[value_tag + 1])});
        p += label_end;
        continue;
      }
    }
    // The same for a sample: value (fixed64) then timestamp (varint).
    if (avail >= 13 && p[0] == MakeTag(2, kLen) && p[1] < 0x80 && p[2] == MakeTag(1, kFixed64) &&
        p[11] == MakeTag(2, kVarint) && 2 + size_t{p[1]} <= avail) {
      const uint8_t* sample_end = p + 2 + p[1];
      const uint8_t* q = p + 12;
      uint64_t t = 0;
      // Bounded by the whole input rather than the sample, so that the
      // varint loop runs without bounds checks; a varint running past the
      // sample is then reported by the general path.
      if (Varint(q, input_end_, &t, "Sample.timestamp") && q == sample_end) {
        d_->samples_.push_back(model::Sample{static_cast<int64_t>(t), BitsDouble(LoadLE64(p + 3))});
        p = sample_end;
        continue;
      }
      err_ = WireError::kNone;
    }
    uint32_t tag = 0;
    if (!Tag(p, end, &tag, "TimeSeries")) return false;
    const uint8_t* sub = nullptr;
    switch (tag) {
      case MakeTag(1, kLen):
        if (!Length(p, end, &sub, "TimeSeries.labels")) return false;
        if (!ParseLabel(p, sub)) return false;
        p = sub;
        break;
      case MakeTag(2, kLen):
        if (!Length(p, end, &sub, "TimeSeries.samples")) return false;
        if (!ParseSample(p, sub)) return false;
        p = sub;
        break;
      case MakeTag(3, kLen):
        if (!Length(p, end, &sub, "TimeSeries.exemplars")) return false;
        ++s.num_exemplars;
        p = sub;
        break;
      case MakeTag(4, kLen):
        if (!Length(p, end, &sub, "TimeSeries.histograms")) return false;
        ++s.num_histograms;
        p = sub;
        break;
      default:
        switch (tag >> 3) {
          case 1:
            return WrongWireType("TimeSeries.labels", tag, kLen);
          case 2:
            return WrongWireType("TimeSeries.samples", tag, kLen);
          case 3:
            return WrongWireType("TimeSeries.exemplars", tag, kLen);
          case 4:
            return WrongWireType("TimeSeries.histograms", tag, kLen);
        }
        if (!Skip(p, end, tag, "TimeSeries")) return false;
    }
  }
  s.num_labels = static_cast<uint32_t>(d_->labels_.size()) - s.first_label;
  s.num_samples = static_cast<uint32_t>(d_->samples_.size()) - s.first_sample;
  d_->total_exemplars_ += s.num_exemplars;
  d_->total_histograms_ += s.num_histograms;
  d_->series_.push_back(s);
  return true;
}

bool WriteRequestParser::ParseLabel(const uint8_t* p, const uint8_t* end) {
  model::LabelView l;
  while (p < end) {
    uint32_t tag = 0;
    if (!Tag(p, end, &tag, "Label")) return false;
    const uint8_t* sub = nullptr;
    switch (tag) {
      case MakeTag(1, kLen):
        if (!Length(p, end, &sub, "Label.name")) return false;
        l.name = std::string_view(reinterpret_cast<const char*>(p), sub - p);
        p = sub;
        break;
      case MakeTag(2, kLen):
        if (!Length(p, end, &sub, "Label.value")) return false;
        l.value = std::string_view(reinterpret_cast<const char*>(p), sub - p);
        p = sub;
        break;
      default:
        if ((tag >> 3) == 1) return WrongWireType("Label.name", tag, kLen);
        if ((tag >> 3) == 2) return WrongWireType("Label.value", tag, kLen);
        if (!Skip(p, end, tag, "Label")) return false;
    }
  }
  d_->labels_.push_back(l);
  return true;
}

bool WriteRequestParser::ParseSample(const uint8_t* p, const uint8_t* end) {
  uint64_t value_bits = 0;
  uint64_t timestamp = 0;
  while (p < end) {
    uint32_t tag = 0;
    if (!Tag(p, end, &tag, "Sample")) return false;
    switch (tag) {
      case MakeTag(1, kFixed64):
        if (end - p < 8) return Fail(WireError::kTruncated, "Sample.value");
        value_bits = LoadLE64(p);
        p += 8;
        break;
      case MakeTag(2, kVarint):
        if (!Varint(p, end, &timestamp, "Sample.timestamp")) return false;
        break;
      default:
        if ((tag >> 3) == 1) return WrongWireType("Sample.value", tag, kFixed64);
        if ((tag >> 3) == 2) return WrongWireType("Sample.timestamp", tag, kVarint);
        if (!Skip(p, end, tag, "Sample")) return false;
    }
  }
  d_->samples_.push_back(model::Sample{static_cast<int64_t>(timestamp), BitsDouble(value_bits)});
  return true;
}

bool WriteRequestParser::ParseMetadata(const uint8_t* p, const uint8_t* end) {
  DecodedMetadata m;
  while (p < end) {
    uint32_t tag = 0;
    if (!Tag(p, end, &tag, "MetricMetadata")) return false;
    const uint8_t* sub = nullptr;
    auto str = [&](const char* where, std::string_view* out) {
      if (!Length(p, end, &sub, where)) return false;
      *out = std::string_view(reinterpret_cast<const char*>(p), sub - p);
      p = sub;
      return true;
    };
    switch (tag) {
      case MakeTag(1, kVarint): {
        uint64_t v = 0;
        if (!Varint(p, end, &v, "MetricMetadata.type")) return false;
        m.type = static_cast<int32_t>(static_cast<uint32_t>(v));  // as protobuf: low 32 bits
        break;
      }
      case MakeTag(2, kLen):
        if (!str("MetricMetadata.metric_family_name", &m.metric_family_name)) return false;
        break;
      case MakeTag(4, kLen):
        if (!str("MetricMetadata.help", &m.help)) return false;
        break;
      case MakeTag(5, kLen):
        if (!str("MetricMetadata.unit", &m.unit)) return false;
        break;
      default:
        switch (tag >> 3) {
          case 1:
            return WrongWireType("MetricMetadata.type", tag, kVarint);
          case 2:
            return WrongWireType("MetricMetadata.metric_family_name", tag, kLen);
          case 4:
            return WrongWireType("MetricMetadata.help", tag, kLen);
          case 5:
            return WrongWireType("MetricMetadata.unit", tag, kLen);
        }
        if (!Skip(p, end, tag, "MetricMetadata")) return false;
    }
  }
  d_->metadata_.push_back(m);
  return true;
}

Status WriteRequestParser::ToStatus() const {
  std::string what;
  switch (err_) {
    case WireError::kNone:
      return Status::OK();
    case WireError::kTruncated:
      what = field_ != 0 ? fmt::format("unexpected EOF in field {}", field_) : "unexpected EOF";
      break;
    case WireError::kVarintOverflow:
      what = "varint overflows 64 bits";
      break;
    case WireError::kBadTag:
      what = "invalid field number 0";
      break;
    case WireError::kTagOverflow:
      what = "invalid tag (more than 32 bits or 5 bytes)";
      break;
    case WireError::kLengthOverflow:
      what = "invalid length (more than 2^31 or 5 bytes)";
      break;
    case WireError::kWrongWireType:
      what = fmt::format("wrong wire type {} (want {})", wire_type_, want_);
      break;
    case WireError::kGroup:
      what = fmt::format("groups are not supported (field {}, wire type {})", field_, wire_type_);
      break;
    case WireError::kBadWireType:
      what = fmt::format("invalid wire type {} (field {})", wire_type_, field_);
      break;
    case WireError::kTooLarge:
      what = "message of 4 GiB or more";
      break;
  }
  return Status::InvalidArgument(fmt::format("proto: {}: {}", where_, what));
}

Status WriteRequestDecoder::Decode(std::string_view pb) {
  series_.clear();
  labels_.clear();
  samples_.clear();
  metadata_.clear();
  total_exemplars_ = 0;
  total_histograms_ = 0;
  last_error_ = WireError::kNone;
  // Indices into the flat vectors are 32-bit; every element takes at least
  // two input bytes, so this bound keeps them from overflowing.
  if (pb.size() >= std::numeric_limits<uint32_t>::max()) {
    last_error_ = WireError::kTooLarge;
    return Status::InvalidArgument("proto: WriteRequest: message of 4 GiB or more");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(pb.data());
  WriteRequestParser parser(this);
  if (!parser.ParseWriteRequest(p, p + pb.size())) {
    last_error_ = parser.error();
    return parser.ToStatus();
  }
  return Status::OK();
}

void WriteRequestDecoder::Trim(size_t max_entries) {
  auto trim = [max_entries](auto& v) {
    if (v.capacity() > max_entries) v.Release();
  };
  trim(series_);
  trim(labels_);
  trim(samples_);
  if (metadata_.capacity() > max_entries) std::vector<DecodedMetadata>().swap(metadata_);
}

}  // namespace vigil::remote
