// Fuzzes the block index reader: arbitrary bytes as an `index` file are
// opened and walked (symbols, label names and values, every postings list,
// every series, a few selectors). Any crash, sanitizer report or oversized
// allocation is a bug; Corruption statuses are the expected outcome. The same
// bytes also go through the postings and tombstones decoders.
//
// Checksums would stop almost every mutation at the door, so each input is
// also tried with its checksums recomputed from the structure it claims
// (FixChecksums): that is what reaches the decoders behind them.
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "model/matcher.h"
#include "storage/tsdb/block/index_reader.h"
#include "storage/tsdb/block/postings_codec.h"
#include "storage/tsdb/block/select.h"
#include "storage/tsdb/block/tombstones.h"

namespace {

using namespace vigil;               // NOLINT(build/namespaces)
using namespace vigil::tsdb::block;  // NOLINT(build/namespaces)

const std::string& TempDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/fuzz-block-index-XXXXXX";
    std::string d = ::mkdtemp(tmpl);
    static std::string cleanup = d;
    atexit([] { (void)fs::RemoveAll(cleanup); });
    return d;
  }();
  return dir;
}

// Writes the checksum of [begin, end - 4) at end - 4, if the range is sane.
void Fix(std::string* s, uint64_t begin, uint64_t end) {
  if (begin > end || end > s->size() || end - begin < 4) return;
  EncodeFixed32BE(s->data() + end - 4, Checksum32(s->data() + begin, end - 4 - begin));
}

std::string FixChecksums(std::string s) {
  constexpr size_t kToc = 44, kHeader = 8;
  if (s.size() < kHeader + kToc) return s;
  uint64_t t[6];
  for (int i = 0; i < 5; ++i) t[i] = DecodeFixed64BE(s.data() + s.size() - kToc + 8 * i);
  t[5] = s.size() - kToc;
  bool sane = true;
  for (int i = 1; i < 6; ++i) sane = sane && t[i - 1] <= t[i];
  if (sane) {
    Fix(&s, t[0], t[1]);
    Fix(&s, t[2], t[3]);
    if (t[3] - t[2] >= 24) {
      uint64_t groups = (t[3] - t[2] - 24) / 8;
      for (uint64_t g = 0; g < groups; ++g) {
        uint64_t begin = DecodeFixed64BE(s.data() + t[2] + 20 + 8 * g);
        uint64_t end = g + 1 < groups ? DecodeFixed64BE(s.data() + t[2] + 28 + 8 * g) : t[2];
        if (begin >= t[1] && end <= t[2]) Fix(&s, begin, end);
      }
    }
    Fix(&s, t[4], t[5]);
    if (t[5] - t[4] >= 4) {
      Decbuf d(s.data() + t[4], t[5] - t[4] - 4);
      uint64_t off = t[3];
      uint64_t names = d.Uvarint();
      for (uint64_t i = 0; i < names && !d.err(); ++i) {
        d.Uvarint();
        uint64_t values = d.Uvarint();
        for (uint64_t k = 0; k < values && !d.err(); ++k) {
          d.Uvarint();
          uint64_t len = d.Uvarint();
          if (d.err() || len > t[4] - off) break;
          Fix(&s, off, off + len);
          off += len;
        }
      }
    }
  }
  Fix(&s, s.size() - kToc, s.size());
  return s;
}

void Walk(const IndexReader& r) {
  for (size_t i = 0; i < r.NumSymbols(); ++i) (void)r.Symbol(static_cast<uint32_t>(i));
  size_t lists = 0;
  SeriesCursor cursor(&r);
  for (const auto& name : r.LabelNames()) {
    for (const auto& value : r.LabelValues(name)) {
      if (++lists > 10000) return;
      auto p = r.Postings(name, value);
      if (!p.ok()) continue;
      for (uint64_t ref : *p) {
        if (ref >= r.NumSeries()) abort();  // the reader promised refs < NumSeries
      }
    }
  }
  model::Labels ls;
  std::vector<ChunkMeta> chunks;
  for (uint64_t ref = 0; ref < r.NumSeries() && ref < 20000; ++ref) {
    if (!cursor.Get(ref, &ls, &chunks).ok()) break;
  }
  for (uint64_t ref = r.NumSeries(); ref-- > 0 && ref + 50 > r.NumSeries();) {
    (void)r.Series(ref, &ls, &chunks);
  }
  auto re = model::Matcher::Make(model::MatchType::kRegexMatch, "__name__", ".+");
  auto nre = model::Matcher::Make(model::MatchType::kRegexNoMatch, "a", "x.*");
  if (re.ok() && nre.ok()) {
    (void)Select(r, {*re, *nre, model::Matcher::NotEqual("job", "")});
  }
}

void OpenAndWalk(std::string_view bytes) {
  const std::string path = TempDir() + "/index";
  {
    auto f = fs::WritableFile::Create(path);
    if (!f.ok() || !(*f)->Append(bytes).ok() || !(*f)->Close().ok()) return;
  }
  auto r = IndexReader::Open(path);
  if (r.ok()) Walk(**r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  OpenAndWalk(bytes);
  std::string fixed = FixChecksums(std::string(bytes));
  if (fixed != bytes) OpenAndWalk(fixed);

  PostingsList p;
  (void)DecodePostings(bytes, uint64_t{1} << 20, &p);
  (void)Tombstones::Decode(bytes);
  return 0;
}
