#include "storage/tsdb/chunkenc/chunkenc.h"

#include <fmt/format.h>

#include "base/coding.h"
#include "storage/tsdb/chunkenc/compact.h"
#include "storage/tsdb/chunkenc/xor.h"

namespace vigil::tsdb::chunkenc {

namespace {

Status UnknownEncoding(Encoding e) {
  return Status::InvalidArgument(
      fmt::format("unknown chunk encoding {}", static_cast<unsigned>(e)));
}

Status TooManySamples(size_t n) {
  return Status::InvalidArgument(
      fmt::format("chunk of {} samples, at most {}", n, kMaxSamplesPerChunk));
}

}  // namespace

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kXor:
      return "xor";
    case Encoding::kCompact:
      return "compact";
  }
  return "unknown";
}

bool IsKnownEncoding(uint8_t e) {
  return e == static_cast<uint8_t>(Encoding::kXor) || e == static_cast<uint8_t>(Encoding::kCompact);
}

bool Iterator::Seek(int64_t t) {
  if (has_sample_ && t_ >= t) return true;
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

std::unique_ptr<Iterator> NewIterator(Encoding e, std::string_view bytes) {
  switch (e) {
    case Encoding::kXor:
      return std::make_unique<XorIterator>(bytes);
    case Encoding::kCompact:
      return std::make_unique<CompactIterator>(bytes);
  }
  // An unknown encoding yields an iterator that reports the error: callers
  // get one code path for "cannot read this chunk".
  class ErrorIterator final : public Iterator {
   public:
    explicit ErrorIterator(Status s) { SetError(std::move(s)); }
    void Reset(std::string_view) override {}
    bool Next() override { return false; }
    Encoding encoding() const override { return Encoding{0}; }

   private:
    void SetError(Status s) {
      status_ = std::move(s);
      done_ = true;
    }
  };
  return std::make_unique<ErrorIterator>(UnknownEncoding(e));
}

Status Validate(Encoding e, std::string_view bytes) {
  switch (e) {
    case Encoding::kXor: {
      XorIterator it(bytes);
      while (it.Next()) {
      }
      return it.status();
    }
    case Encoding::kCompact: {
      CompactIterator it(bytes);
      int n = 0;
      int64_t last = 0;
      while (it.Next()) {
        ++n;
        last = it.t();
      }
      VIGIL_RETURN_IF_ERROR(it.status());
      if (n > 0 && last != it.max_time()) {
        return Status::Corruption("compact chunk: last timestamp differs from the header's");
      }
      return Status::OK();
    }
  }
  return UnknownEncoding(e);
}

int NumSamples(Encoding e, std::string_view bytes) {
  switch (e) {
    case Encoding::kXor:
      return bytes.size() < 2 ? -1 : DecodeFixed16BE(bytes.data());
    case Encoding::kCompact: {
      uint64_t n;
      const char* p = DecodeUvarint(bytes.data(), bytes.data() + bytes.size(), &n);
      if (p == nullptr || n > static_cast<uint64_t>(kMaxSamplesPerChunk)) return -1;
      return static_cast<int>(n);
    }
  }
  return -1;
}

Result<TimeRange> TimeBounds(Encoding e, std::string_view bytes) {
  switch (e) {
    case Encoding::kXor: {
      XorIterator it(bytes);
      if (!it.Next()) {
        if (!it.status().ok()) return it.status();
        return Status::NotFound("empty chunk");
      }
      TimeRange r{it.t(), it.t()};
      while (it.Next()) r.max_t = it.t();
      if (!it.status().ok()) return it.status();
      return r;
    }
    case Encoding::kCompact: {
      CompactIterator it(bytes);
      if (!it.status().ok()) return it.status();
      if (it.num_samples() == 0) return Status::NotFound("empty chunk");
      return TimeRange{it.min_time(), it.max_time()};
    }
  }
  return UnknownEncoding(e);
}

Result<std::string> EncodeXor(std::span<const model::Sample> samples) {
  if (samples.size() > static_cast<size_t>(kMaxSamplesPerChunk)) {
    return TooManySamples(samples.size());
  }
  XorChunk c(samples.size() * 2 + 32);
  for (const model::Sample& s : samples) c.Append(s.t, s.v);
  return std::string(c.Bytes());
}

Result<std::string> EncodeCompact(std::span<const model::Sample> samples) {
  std::string out;
  CompactEncoder enc;
  VIGIL_RETURN_IF_ERROR(enc.Encode(samples, &out));
  return out;
}

Status EncodeTo(Encoding e, std::span<const model::Sample> samples, std::string* out) {
  switch (e) {
    case Encoding::kXor: {
      VIGIL_ASSIGN_OR_RETURN(std::string bytes, EncodeXor(samples));
      out->append(bytes);
      return Status::OK();
    }
    case Encoding::kCompact: {
      CompactEncoder enc;
      return enc.Encode(samples, out);
    }
  }
  return UnknownEncoding(e);
}

Status DecodeAll(Encoding e, std::string_view bytes, std::vector<model::Sample>* out) {
  std::unique_ptr<Iterator> it = NewIterator(e, bytes);
  int n = NumSamples(e, bytes);
  if (n > 0) out->reserve(out->size() + static_cast<size_t>(n));
  while (it->Next()) out->push_back(it->sample());
  return it->status();
}

Result<std::string> Recode(Encoding from, std::string_view bytes, Encoding to) {
  std::vector<model::Sample> samples;
  VIGIL_RETURN_IF_ERROR(DecodeAll(from, bytes, &samples));
  std::string out;
  VIGIL_RETURN_IF_ERROR(EncodeTo(to, samples, &out));
  return out;
}

}  // namespace vigil::tsdb::chunkenc
