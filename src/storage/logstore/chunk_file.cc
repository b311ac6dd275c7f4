#include "storage/logstore/chunk_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "base/checksum.h"
#include "base/coding.h"
#include "fmt/format.h"

namespace vigil::logstore {

namespace {

constexpr char kMagic[4] = {'V', 'L', 'C', 'K'};
constexpr uint8_t kVersion = 1;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

std::string ChunkFileHeader() {
  std::string h(kMagic, 4);
  h.push_back(static_cast<char>(kVersion));
  h.append(3, '\0');
  return h;
}

std::string ChunkFileName(int id) { return fmt::format("{:08d}.chunks", id); }

int ParseChunkFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".chunks";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return -1;
  }
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 9) return -1;
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Status CompressBlock(const EntryBlock& block, int level, std::string* data, uint64_t* raw_len) {
  std::string raw;
  block.EncodeTo(&raw);
  *raw_len = raw.size();
  data->resize(ZSTD_compressBound(raw.size()));
  size_t n =
      ZSTD_compressCCtx(ThreadCCtx(), data->data(), data->size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) {
    return Status::Internal(fmt::format("zstd compress: {}", ZSTD_getErrorName(n)));
  }
  data->resize(n);
  return Status::OK();
}

Status DecompressBlock(std::string_view data, uint64_t raw_len, EntryBlock* out) {
  if (raw_len > kMaxChunkRawBytes) return Status::Corruption("log chunk: raw length too large");
  unsigned long long frame = ZSTD_getFrameContentSize(data.data(), data.size());
  if (frame == ZSTD_CONTENTSIZE_ERROR || (frame != ZSTD_CONTENTSIZE_UNKNOWN && frame != raw_len)) {
    return Status::Corruption("log chunk: zstd frame does not match the chunk meta");
  }
  std::string raw;
  raw.resize(raw_len);
  size_t n = ZSTD_decompressDCtx(ThreadDCtx(), raw.data(), raw.size(), data.data(), data.size());
  if (ZSTD_isError(n) || n != raw_len) {
    return Status::Corruption(
        fmt::format("log chunk: zstd: {}", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return EntryBlock::Decode(std::move(raw), out);
}

std::string EncodeChunk(const ChunkMeta& m, std::string_view data) {
  std::string meta;
  Encbuf enc(&meta);
  enc.PutUvarint(m.labels.size());
  for (const auto& l : m.labels) {
    enc.PutUvarintStr(l.name);
    enc.PutUvarintStr(l.value);
  }
  enc.PutVarint(m.min_time_ns);
  enc.PutVarint(m.max_time_ns);
  enc.PutUvarint(m.entries);
  enc.PutUvarint(m.line_bytes);
  enc.PutUvarint(m.max_seq);
  enc.PutUvarint(m.raw_len);
  std::string out;
  out.reserve(kChunkHeaderSize + meta.size() + data.size());
  Encbuf h(&out);
  h.PutBE32(static_cast<uint32_t>(meta.size()));
  h.PutBE32(static_cast<uint32_t>(data.size()));
  h.PutBE32(Checksum32(meta));
  h.PutBE32(Checksum32(data));
  out.append(meta);
  out.append(data);
  return out;
}

Status DecodeChunkMeta(std::string_view meta, ChunkMeta* out) {
  Decbuf dec(meta);
  uint64_t n = dec.Uvarint();
  if (dec.err() || n > dec.Len() / 2) return Status::Corruption("log chunk meta: bad labels");
  std::vector<model::Label> labels(n);
  for (auto& l : labels) {
    l.name = std::string(dec.UvarintStr());
    l.value = std::string(dec.UvarintStr());
  }
  out->min_time_ns = dec.Varint();
  out->max_time_ns = dec.Varint();
  out->entries = dec.Uvarint();
  out->line_bytes = dec.Uvarint();
  out->max_seq = dec.Uvarint();
  out->raw_len = dec.Uvarint();
  if (dec.err() || !dec.Done()) return Status::Corruption("log chunk meta: truncated");
  if (out->raw_len > kMaxChunkRawBytes || out->min_time_ns > out->max_time_ns) {
    return Status::Corruption("log chunk meta: implausible values");
  }
  for (size_t i = 1; i < labels.size(); ++i) {
    if (!(labels[i - 1].name < labels[i].name)) {
      return Status::Corruption("log chunk meta: labels not sorted");
    }
  }
  out->labels = model::Labels::FromSorted(std::move(labels));
  return Status::OK();
}

Status DecodeChunk(std::string_view bytes, ChunkMeta* meta, EntryBlock* block, size_t* consumed) {
  if (bytes.size() < kChunkHeaderSize) return Status::Corruption("log chunk: short header");
  uint32_t meta_len = DecodeFixed32BE(bytes.data());
  uint32_t data_len = DecodeFixed32BE(bytes.data() + 4);
  uint32_t meta_crc = DecodeFixed32BE(bytes.data() + 8);
  uint32_t data_crc = DecodeFixed32BE(bytes.data() + 12);
  uint64_t total = uint64_t{kChunkHeaderSize} + meta_len + data_len;
  if (total > bytes.size()) return Status::Corruption("log chunk: truncated");
  std::string_view m = bytes.substr(kChunkHeaderSize, meta_len);
  std::string_view d = bytes.substr(kChunkHeaderSize + meta_len, data_len);
  if (Checksum32(m) != meta_crc) return Status::Corruption("log chunk: meta checksum mismatch");
  if (Checksum32(d) != data_crc) return Status::Corruption("log chunk: data checksum mismatch");
  Status s = DecodeChunkMeta(m, meta);
  if (!s.ok()) return s;
  s = DecompressBlock(d, meta->raw_len, block);
  if (!s.ok()) return s;
  if (block->size() != meta->entries) return Status::Corruption("log chunk: entry count mismatch");
  *consumed = total;
  return Status::OK();
}

Result<std::shared_ptr<ChunkFile>> ChunkFile::Open(const std::string& path, int id) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  return std::shared_ptr<ChunkFile>(new ChunkFile(fd, path, id));
}

ChunkFile::~ChunkFile() { ::close(fd_); }

Status ChunkFile::ReadAt(uint64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("pread " + path_, errno);
    }
    if (r == 0) return Status::Corruption(fmt::format("{}: short read at {}", path_, offset));
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

Status ChunkFile::Load(const ChunkLocation& loc, EntryBlock* out) const {
  std::string data;
  Status s = ReadAt(loc.data_offset, loc.data_len, &data);
  if (!s.ok()) return s;
  if (Checksum32(data) != loc.data_crc) {
    return Status::Corruption(
        fmt::format("{}: chunk at {} fails its checksum", path_, loc.data_offset));
  }
  return DecompressBlock(data, loc.raw_len, out);
}

Status ScanChunkFile(const ChunkFile& file, uint64_t file_size,
                     const std::function<void(ChunkMeta&&, const ChunkLocation&)>& fn,
                     uint64_t* valid_size) {
  *valid_size = 0;
  std::string buf;
  if (file_size < kChunkFileHeaderSize) return Status::OK();
  Status s = file.ReadAt(0, kChunkFileHeaderSize, &buf);
  if (!s.ok()) return s;
  if (buf != ChunkFileHeader()) {
    return Status::Corruption(file.path() + ": not a log chunk file");
  }
  uint64_t pos = kChunkFileHeaderSize;
  *valid_size = pos;
  while (pos + kChunkHeaderSize <= file_size) {
    s = file.ReadAt(pos, kChunkHeaderSize, &buf);
    if (!s.ok()) return s;
    uint32_t meta_len = DecodeFixed32BE(buf.data());
    uint32_t data_len = DecodeFixed32BE(buf.data() + 4);
    uint32_t meta_crc = DecodeFixed32BE(buf.data() + 8);
    uint32_t data_crc = DecodeFixed32BE(buf.data() + 12);
    uint64_t end = pos + kChunkHeaderSize + meta_len + data_len;
    if (end > file_size || meta_len > (1u << 24)) break;
    std::string meta;
    s = file.ReadAt(pos + kChunkHeaderSize, meta_len, &meta);
    if (!s.ok()) return s;
    if (Checksum32(meta) != meta_crc) break;
    ChunkMeta m;
    if (!DecodeChunkMeta(meta, &m).ok()) break;
    ChunkLocation loc;
    loc.data_offset = pos + kChunkHeaderSize + meta_len;
    loc.data_len = data_len;
    loc.data_crc = data_crc;
    loc.raw_len = m.raw_len;
    fn(std::move(m), loc);
    pos = end;
    *valid_size = pos;
  }
  return Status::OK();
}

}  // namespace vigil::logstore
