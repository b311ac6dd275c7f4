#include "collect/logs/push/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>

namespace vigil::logs {

Status Gunzip(std::string_view in, size_t max_out, std::string* out) {
  out->clear();
  z_stream zs{};
  // 32 + MAX_WBITS: accept both gzip and zlib headers.
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t chunk = std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_out + 1);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    size_t have = out->size();
    if (have > max_out) break;
    size_t grow = std::min(chunk, max_out + 1 - have);
    if (grow == 0) grow = 1;
    out->resize(have + grow);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + have);
    zs.avail_out = static_cast<uInt>(grow);
    rc = inflate(&zs, Z_NO_FLUSH);
    out->resize(have + grow - zs.avail_out);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return Status::InvalidArgument("gzip: truncated stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = fmt::format("gzip: {}", zs.msg != nullptr ? zs.msg : "corrupt stream");
      inflateEnd(&zs);
      return Status::InvalidArgument(msg);
    }
    chunk = std::min(chunk * 2, size_t{16} << 20);
  }
  inflateEnd(&zs);
  if (out->size() > max_out) {
    return Status::ResourceExhausted(
        fmt::format("decompressed body exceeds the limit of {} bytes", max_out));
  }
  return Status::OK();
}

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Status UndoContentEncoding(std::string_view encoding, size_t max_out, std::string_view* body,
                           std::string* scratch) {
  if (encoding.empty() || encoding == "identity") return Status::OK();
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    VIGIL_RETURN_IF_ERROR(Gunzip(*body, max_out, scratch));
    *body = *scratch;
    return Status::OK();
  }
  return Status::InvalidArgument(fmt::format("unsupported Content-Encoding {:?}", encoding));
}

}  // namespace vigil::logs
