// vigil_chunk_sizes: bytes per sample of XOR and compact chunks on synthetic
// exporter data, per shape and for a host's mix, raw and after zstd over a
// concatenation of many chunks. Prints a Markdown table.
//
//   vigil_chunk_sizes [hosts=50] [samples_per_chunk=120] [zstd_level=3]
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/tsdb/chunkenc/compact.h"
#include "storage/tsdb/chunkenc/synthetic_series.h"
#include "storage/tsdb/chunkenc/xor.h"

namespace vigil::tsdb::chunkenc {
namespace {

size_t ZstdSize(const std::string& data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) {
    std::fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
    std::exit(1);
  }
  return n;
}

struct Totals {
  size_t samples = 0;
  std::string xor_bytes, compact_bytes;
  int value_modes[3] = {};
  int exceptions = 0;
  int chunks = 0;
};

void AddChunks(int shape, int series, int n, int jitter, uint64_t seed_base, CompactEncoder* enc,
               Totals* t) {
  for (int i = 0; i < series; ++i) {
    // The 12 buckets of a histogram come from one target and sit next to
    // each other in a block (series are sorted by labels, `le` varies last).
    int64_t target = shape == synthetic::kHistogramBucket ? i / 12 : i;
    std::vector<model::Sample> s = synthetic::GenerateSeries(
        shape, seed_base + static_cast<uint64_t>(i), n, jitter, 15000, target + shape * 100000);
    XorChunk x(static_cast<size_t>(n) * 2 + 32);
    for (const model::Sample& m : s) x.Append(m.t, m.v);
    t->xor_bytes.append(x.Bytes());
    if (!enc->Encode(s, &t->compact_bytes).ok()) std::exit(1);
    t->value_modes[enc->last_choice().value]++;
    t->exceptions += enc->last_choice().exceptions;
    t->samples += s.size();
    t->chunks++;
  }
}

void PrintRow(const char* name, const Totals& t, int level) {
  double n = static_cast<double>(t.samples);
  std::printf("| %-16s | %6zu | %6.3f | %6.3f | %5.2f | %6.3f | %6.3f | %d/%d/%d |\n", name,
              t.samples, t.xor_bytes.size() / n, t.compact_bytes.size() / n,
              static_cast<double>(t.compact_bytes.size()) / t.xor_bytes.size(),
              ZstdSize(t.xor_bytes, level) / n, ZstdSize(t.compact_bytes, level) / n,
              t.value_modes[0], t.value_modes[1], t.value_modes[2]);
}

int Main(int argc, char** argv) {
  int hosts = argc > 1 ? std::atoi(argv[1]) : 50;
  int n = argc > 2 ? std::atoi(argv[2]) : 120;
  int level = argc > 3 ? std::atoi(argv[3]) : 3;
  CompactEncoder enc;
  for (int jitter : {0, 25}) {
    std::printf(
        "\n%d samples per chunk, 15 s interval, timestamp jitter ±%d ms, %d hosts "
        "(%d series); zstd level %d over each row's concatenated chunks\n\n",
        n, jitter, hosts, hosts * 409, level);
    std::printf(
        "| shape            | samples | XOR B/s | compact B/s | ratio | XOR+zstd | "
        "compact+zstd | const/decimal/float |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    Totals mix;
    for (int shape = 0; shape < synthetic::kNumShapes; ++shape) {
      Totals t;
      // At least 40 chunks per shape so rare shapes are measured too.
      int series = std::max(40, synthetic::kMixWeight[shape] * hosts);
      AddChunks(shape, series, n, jitter, 1000, &enc, &t);
      PrintRow(synthetic::ShapeName(shape), t, level);
      // The mix in the host's proportions, grouped by shape as a block's
      // chunk file (series sorted by labels) roughly is.
      AddChunks(shape, synthetic::kMixWeight[shape] * hosts, n, jitter, 1000, &enc, &mix);
    }
    PrintRow("**mix**", mix, level);
  }
  return 0;
}

}  // namespace
}  // namespace vigil::tsdb::chunkenc

int main(int argc, char** argv) { return vigil::tsdb::chunkenc::Main(argc, argv); }
