// Chunk encodings: append, encode and iterate cost per sample, and size.
//
// Data: synthetic exporter series (chunkenc/synthetic_series.h), 120 samples
// per chunk at 15 s. Argument 0: the shape (see ShapeName; kNumShapes = the
// host mix of 409 series); argument 1: timestamp jitter in ms.
// Counters: ns/sample is the time per sample (items_per_second inverted),
// B/sample the encoded size.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "base/coding.h"
#include "storage/tsdb/chunkenc/chunkenc.h"
#include "storage/tsdb/chunkenc/compact.h"
#include "storage/tsdb/chunkenc/synthetic_series.h"
#include "storage/tsdb/chunkenc/xor.h"

namespace vigil::tsdb::chunkenc {
namespace {

constexpr int kSamplesPerChunk = 120;

struct Corpus {
  std::vector<std::vector<model::Sample>> series;
  size_t samples = 0;
};

// ~400 chunks: one host's mix, or 400 series of one shape.
Corpus MakeCorpus(int shape, int jitter) {
  Corpus c;
  auto add = [&](int sh, int count) {
    for (int i = 0; i < count; ++i) {
      c.series.push_back(
          synthetic::GenerateSeries(sh, static_cast<uint64_t>(i) + 1, kSamplesPerChunk, jitter));
      c.samples += kSamplesPerChunk;
    }
  };
  if (shape >= synthetic::kNumShapes) {
    for (int sh = 0; sh < synthetic::kNumShapes; ++sh) add(sh, synthetic::kMixWeight[sh]);
  } else {
    add(shape, 400);
  }
  return c;
}

void Label(benchmark::State& state) {
  int shape = static_cast<int>(state.range(0));
  state.SetLabel(std::string(shape >= synthetic::kNumShapes ? "mix" : synthetic::ShapeName(shape)) +
                 (state.range(1) ? " jitter" : ""));
}

void SetCounters(benchmark::State& state, size_t samples_per_iter, size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples_per_iter));
  state.counters["ns/sample"] =
      benchmark::Counter(static_cast<double>(state.iterations() * samples_per_iter),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["B/sample"] = static_cast<double>(bytes) / static_cast<double>(samples_per_iter);
}

void BM_XorAppend(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& s : c.series) {
      XorChunk chunk(256);
      for (const model::Sample& x : s) chunk.Append(x.t, x.v);
      bytes += chunk.Bytes().size();
      benchmark::DoNotOptimize(chunk.Bytes().data());
    }
  }
  SetCounters(state, c.samples, bytes);
  Label(state);
}

void BM_CompactEncode(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  CompactEncoder enc;
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const auto& s : c.series) (void)enc.Encode(s, &out);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, c.samples, out.size());
  Label(state);
}

template <Encoding kEnc>
void BM_Iterate(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  std::vector<std::string> chunks;
  size_t bytes = 0;
  for (const auto& s : c.series) {
    std::string b;
    (void)EncodeTo(kEnc, s, &b);
    bytes += b.size();
    chunks.push_back(std::move(b));
  }
  std::unique_ptr<Iterator> it = NewIterator(kEnc, chunks[0]);
  for (auto _ : state) {
    // Integer sums stay in callee-saved registers across the decoder's calls
    // (a double sum would be spilled and measure store forwarding instead).
    uint64_t acc = 0;
    for (const std::string& b : chunks) {
      it->Reset(b);
      while (it->Next()) acc += static_cast<uint64_t>(it->t()) ^ DoubleBits(it->v());
    }
    benchmark::DoNotOptimize(acc);
  }
  SetCounters(state, c.samples, bytes);
  Label(state);
}

void BM_RecodeXorToCompact(benchmark::State& state) {
  Corpus c = MakeCorpus(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  std::vector<std::string> chunks;
  for (const auto& s : c.series) chunks.push_back(*EncodeXor(s));
  for (auto _ : state) {
    for (const std::string& b : chunks) {
      Result<std::string> r = Recode(Encoding::kXor, b, Encoding::kCompact);
      benchmark::DoNotOptimize(r.ok());
    }
  }
  SetCounters(state, c.samples, 0);
  Label(state);
}

void ShapeArgs(benchmark::internal::Benchmark* b) {
  for (int jitter : {0, 25}) {
    for (int shape = 0; shape <= synthetic::kNumShapes; ++shape) b->Args({shape, jitter});
  }
}
void MixArgs(benchmark::internal::Benchmark* b) {
  b->Args({synthetic::kNumShapes, 0});
  b->Args({synthetic::kNumShapes, 25});
}

BENCHMARK(BM_XorAppend)->Apply(MixArgs);
BENCHMARK(BM_CompactEncode)->Apply(ShapeArgs);
BENCHMARK_TEMPLATE(BM_Iterate, Encoding::kXor)->Apply(ShapeArgs);
BENCHMARK_TEMPLATE(BM_Iterate, Encoding::kCompact)->Apply(ShapeArgs);
BENCHMARK(BM_RecodeXorToCompact)->Apply(MixArgs);

}  // namespace
}  // namespace vigil::tsdb::chunkenc
