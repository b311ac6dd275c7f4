#include "storage/tsdb/block/chunks.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/checksum.h"
#include "base/coding.h"

namespace vigil::tsdb::block {

namespace {
constexpr uint64_t kMinSegmentSize = 4096;
constexpr uint64_t kMaxSegmentSize = (uint64_t{1} << 32) - 1;

bool IsSegmentName(const std::string& name) {
  return name.size() == 6 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::string ChunkSegmentName(uint32_t index) { return fmt::format("{:06d}", uint64_t{index} + 1); }

Result<std::unique_ptr<ChunkWriter>> ChunkWriter::Create(std::string dir,
                                                         uint64_t max_segment_size) {
  VIGIL_RETURN_IF_ERROR(fs::CreateDirs(dir));
  max_segment_size = std::clamp(max_segment_size, kMinSegmentSize, kMaxSegmentSize);
  return std::unique_ptr<ChunkWriter>(new ChunkWriter(std::move(dir), max_segment_size));
}

ChunkWriter::~ChunkWriter() = default;

Status ChunkWriter::OpenSegment() {
  VIGIL_RETURN_IF_ERROR(CloseSegment());
  VIGIL_ASSIGN_OR_RETURN(file_,
                         fs::WritableFile::Create(fs::Join(dir_, ChunkSegmentName(next_segment_))));
  ++next_segment_;
  char header[kChunkSegmentHeaderSize] = {};
  EncodeFixed32BE(header, kChunkSegmentMagic);
  header[4] = static_cast<char>(kChunkSegmentVersion);
  bytes_written_ += sizeof header;
  return file_->Append(std::string_view(header, sizeof header));
}

Status ChunkWriter::CloseSegment() {
  if (file_ == nullptr) return Status::OK();
  VIGIL_RETURN_IF_ERROR(file_->Sync());
  VIGIL_RETURN_IF_ERROR(file_->Close());
  file_.reset();
  return Status::OK();
}

Result<ChunkRef> ChunkWriter::Write(uint8_t encoding, std::string_view data) {
  uint64_t record = UvarintLength(data.size()) + 1 + data.size() + 4;
  if (kChunkSegmentHeaderSize + record > kMaxSegmentSize) {
    return Status::InvalidArgument(fmt::format("chunk of {} bytes is too large", data.size()));
  }
  // A record that does not fit starts a new segment, unless the segment holds
  // nothing yet (then an oversized chunk gets a segment of its own).
  if (file_ == nullptr ||
      (file_->Size() > kChunkSegmentHeaderSize && file_->Size() + record > max_segment_size_)) {
    VIGIL_RETURN_IF_ERROR(OpenSegment());
  }
  ChunkRef ref = MakeChunkRef(next_segment_ - 1, static_cast<uint32_t>(file_->Size()));
  scratch_.clear();
  Encbuf e(&scratch_);
  e.PutUvarint(data.size());
  e.PutByte(encoding);
  e.PutBytes(data);
  size_t body = scratch_.size() - data.size() - 1;
  e.PutBE32(Checksum32(scratch_.data() + body, data.size() + 1));
  VIGIL_RETURN_IF_ERROR(file_->Append(scratch_));
  bytes_written_ += scratch_.size();
  return ref;
}

Status ChunkWriter::Finish() {
  VIGIL_RETURN_IF_ERROR(CloseSegment());
  return fs::SyncDir(dir_);
}

Result<std::unique_ptr<ChunkReader>> ChunkReader::Open(const std::string& dir) {
  VIGIL_ASSIGN_OR_RETURN(auto names, fs::ListDir(dir));
  std::unique_ptr<ChunkReader> r(new ChunkReader());
  for (const auto& name : names) {
    if (!IsSegmentName(name)) continue;
    std::string want = ChunkSegmentName(static_cast<uint32_t>(r->segments_.size()));
    if (name != want) {
      return Status::Corruption(
          fmt::format("chunk segments in {}: found {}, expected {}", dir, name, want));
    }
    VIGIL_ASSIGN_OR_RETURN(auto file, fs::MmapFile::Open(fs::Join(dir, name)));
    std::string_view d = file->data();
    if (d.size() < kChunkSegmentHeaderSize || DecodeFixed32BE(d.data()) != kChunkSegmentMagic) {
      return Status::Corruption(fmt::format("{}: not a chunk segment (bad header)", file->path()));
    }
    if (static_cast<uint8_t>(d[4]) != kChunkSegmentVersion) {
      return Status::Corruption(
          fmt::format("{}: unsupported chunk segment version {}", file->path(), uint8_t(d[4])));
    }
    r->segments_.push_back(std::move(file));
  }
  return r;
}

Result<Chunk> ChunkReader::Read(ChunkRef ref) const {
  uint32_t seg = ChunkRefSegment(ref);
  uint64_t off = ChunkRefOffset(ref);
  if (seg >= segments_.size()) {
    return Status::Corruption(fmt::format("chunk ref {:#x}: segment {} of {} does not exist", ref,
                                          seg + 1, segments_.size()));
  }
  const fs::MmapFile& f = *segments_[seg];
  std::string_view d = f.data();
  if (off < kChunkSegmentHeaderSize || off >= d.size()) {
    return Status::Corruption(
        fmt::format("{}: chunk offset {} out of bounds (size {})", f.path(), off, d.size()));
  }
  uint64_t len = 0;
  const char* p = DecodeUvarint(d.data() + off, d.data() + d.size(), &len);
  if (p == nullptr) {
    return Status::Corruption(fmt::format("{}: bad chunk length at offset {}", f.path(), off));
  }
  uint64_t avail = static_cast<uint64_t>(d.data() + d.size() - p);
  if (avail < 5 || len > avail - 5) {
    return Status::Corruption(
        fmt::format("{}: chunk at offset {} of {} bytes runs past the end", f.path(), off, len));
  }
  uint32_t want = DecodeFixed32BE(p + 1 + len);
  if (Checksum32(p, len + 1) != want) {
    return Status::Corruption(
        fmt::format("{}: chunk checksum mismatch at offset {}", f.path(), off));
  }
  return Chunk{static_cast<uint8_t>(*p), std::string_view(p + 1, len)};
}

uint64_t ChunkReader::size() const {
  uint64_t n = 0;
  for (const auto& s : segments_) n += s->size();
  return n;
}

}  // namespace vigil::tsdb::block
