// Synthetic series shaped like real exporters' data, for chunkenc's tests,
// benchmark and size report (not used by the server).
//
// The shapes follow the benchmark workload's description (shared/bench
// README "The workload"): counters at 0.01 s resolution, integer byte/packet
// counters, page-sized memory gauges, 2-decimal load gauges, constants,
// full-precision floats, cumulative histogram buckets; 15 s interval,
// optionally jittered by ±25 ms. kMixWeight gives how many series of each
// shape one host (a node exporter plus 4 pods, 409 series) has.
//
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "model/sample.h"

namespace vigil::tsdb::chunkenc::synthetic {

enum Shape : int {
  kCounterCenti,     // CPU seconds, 0.01 resolution
  kCounterMilli,     // io time seconds, 0.001 resolution
  kCounterBytes,     // network bytes, integers
  kCounterRequests,  // packets / requests / gc count, small integer rates
  kCounterRare,      // error counters: +1 now and then
  kHistogramBucket,  // cumulative bucket counts (incl. +Inf)
  kHistogramSum,     // full-precision float counter
  kGaugePages,       // memory: random walk in 4096-byte steps
  kGaugeInt,         // fds, goroutines, threads
  kGaugeLoad,        // load average, 2 decimals
  kConstant,         // ~13% of series
  kNoiseFull,        // scrape_duration_seconds: full precision
  kNoiseNano,        // go_gc_duration_seconds quantiles: 1e-9 resolution
  kWallClock,        // node_time_seconds: full precision, tracks the timestamp
  kNumShapes,
};

inline const char* ShapeName(int s) {
  static const char* const kNames[kNumShapes] = {
      "counter_0.01", "counter_0.001", "counter_bytes", "counter_requests", "counter_rare",
      "hist_bucket",  "hist_sum",      "gauge_pages",   "gauge_int",        "gauge_load_0.01",
      "constant",     "float_noise",   "noise_1e-9",    "wall_clock"};
  return kNames[s];
}

// Series of each shape per host of 409 series (see the header comment).
inline constexpr int kMixWeight[kNumShapes] = {28, 2, 10, 53, 21, 144, 16, 32, 17, 3, 53, 5, 24, 1};

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Gauss() {
    double a = std::max(Uniform(), 1e-300), b = Uniform();
    return std::sqrt(-2.0 * std::log(a)) * std::cos(6.283185307179586 * b);
  }

 private:
  uint64_t s_;
};

inline double RoundTo(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::nearbyint(v * scale) / scale;
}
inline double RoundMultiple(double v, double step) { return std::nearbyint(v / step) * step; }

// n samples of one series of the given shape; `seed` picks the series.
// jitter_ms moves each timestamp uniformly within ±jitter_ms of the grid;
// series with the same `target` (default: the seed) get the same timestamps,
// as all series of one scrape target do.
inline std::vector<model::Sample> GenerateSeries(int shape, uint64_t seed, int n, int jitter_ms = 0,
                                                 int interval_ms = 15000, int64_t target = -1) {
  Rng r(seed * 131 + static_cast<uint64_t>(shape));
  Rng tr(target >= 0 ? static_cast<uint64_t>(target) * 7919 + 17 : seed * 131 + 5);
  std::vector<model::Sample> out;
  out.reserve(static_cast<size_t>(n));
  const int64_t start = 1'767'225'600'000 + static_cast<int64_t>(tr.Next() % 15000);
  const double step_s = interval_ms / 1000.0;
  double state = 0, rate = 0, sigma = 0, hi = 0, frac = 1;
  switch (shape) {
    case kCounterCenti:
      rate = r.Uniform(0.005, 1.0);
      state = RoundTo(r.Uniform(0, 1.5e6), 2);
      break;
    case kCounterMilli:
      rate = r.Uniform(0.01, 0.05);
      state = RoundTo(r.Uniform(0, 1e5), 3);
      break;
    case kCounterBytes:
      rate = r.Uniform(5e4, 3e6);
      state = std::floor(r.Uniform(0, 1e12));
      break;
    case kCounterRequests:
      rate = r.Uniform(0.2, 4000);
      state = std::floor(r.Uniform(0, 1e8));
      break;
    case kCounterRare:
      rate = r.Uniform(0.001, 0.02);
      state = std::floor(r.Uniform(0, 100));
      break;
    case kHistogramBucket: {
      static const double kLe[12] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                     0.5,   1,    2.5,   5,    10,  INFINITY};
      double le = kLe[r.Next() % 12];
      double median = std::array<double, 3>{0.04, 0.02, 0.002}[r.Next() % 3];
      frac = std::isinf(le) ? 1.0 : 0.5 * std::erfc(-std::log(le / median) / 0.8 / std::sqrt(2.0));
      rate = r.Uniform(0.2, 40);
      state = std::floor(r.Uniform(0, 1) * rate * 86400 * 5 * frac);
      break;
    }
    case kHistogramSum:
      rate = r.Uniform(0.2, 40);
      sigma = r.Uniform(0.002, 0.05);  // median latency
      state = std::floor(r.Uniform(0, 1) * rate * 86400 * 5) * sigma;
      break;
    case kGaugePages:
      hi = r.Uniform(1, 8) * 1024 * 1024 * 1024;
      state = RoundMultiple(r.Uniform(0.2, 0.8) * hi, 4096);
      sigma = r.Uniform(1, 20) * 1024 * 1024;
      break;
    case kGaugeInt:
      state = std::floor(r.Uniform(10, 200));
      sigma = r.Uniform(0.2, 3);
      hi = 5000;
      break;
    case kGaugeLoad:
      state = RoundTo(r.Uniform(0.2, 3), 2);
      sigma = r.Uniform(0.03, 0.15);
      hi = 16;
      break;
    case kConstant: {
      static const double kValues[6] = {1, 0, 8589934592.0, 1.7e9, 1100, 1048576};
      state = kValues[r.Next() % 6];
      break;
    }
    case kNoiseFull:
      rate = r.Uniform(0.003, 0.05);
      break;
    case kNoiseNano:
      rate = r.Uniform(2e-5, 1.1e-3);
      break;
    default:
      break;
  }
  for (int i = 0; i < n; ++i) {
    int64_t t = start + static_cast<int64_t>(i) * interval_ms;
    if (jitter_ms > 0) {
      t += static_cast<int64_t>(tr.Next() % static_cast<uint64_t>(2 * jitter_ms + 1)) - jitter_ms;
    }
    double v = 0;
    const bool first = i == 0;
    switch (shape) {
      case kCounterCenti:
      case kCounterMilli:
        if (!first) state += std::max(0.0, rate * step_s * (1 + 0.3 * r.Gauss()));
        v = RoundTo(state, shape == kCounterCenti ? 2 : 3);
        break;
      case kCounterBytes:
      case kCounterRequests:
        if (!first) state += std::max(0.0, std::nearbyint(rate * step_s * (1 + 0.4 * r.Gauss())));
        v = state;
        break;
      case kCounterRare:
        if (!first && r.Uniform() < rate) state += 1;
        v = state;
        break;
      case kHistogramBucket:
        if (!first) {
          double cnt = std::max(0.0, std::nearbyint(rate * step_s * (1 + 0.2 * r.Gauss())));
          state += std::floor(cnt * std::min(1.0, frac * std::exp(0.1 * r.Gauss())));
        }
        v = state;
        break;
      case kHistogramSum:
        if (!first) {
          double cnt = std::max(0.0, std::nearbyint(rate * step_s * (1 + 0.2 * r.Gauss())));
          state += cnt * sigma * std::exp(0.15 * r.Gauss() + 0.32);
        }
        v = state;
        break;
      case kGaugePages:
        if (!first) state = std::clamp(state + sigma * r.Gauss(), 0.0, hi);
        v = RoundMultiple(state, 4096);
        break;
      case kGaugeInt:
        if (!first) state = std::clamp(state + sigma * r.Gauss(), 0.0, hi);
        v = std::nearbyint(state);
        break;
      case kGaugeLoad:
        if (!first) state = std::clamp(state + sigma * r.Gauss(), 0.0, hi);
        v = RoundTo(state, 2);
        break;
      case kConstant:
        v = state;
        break;
      case kNoiseFull:
        v = rate * std::max(0.05, 1 + 0.3 * r.Gauss());
        break;
      case kNoiseNano:
        v = RoundTo(rate * std::max(0.05, 1 + 0.25 * r.Gauss()), 9);
        break;
      case kWallClock:
        v = static_cast<double>(t) / 1000.0 + 0.0005 + 0.004 * r.Uniform();
        break;
      default:
        break;
    }
    out.push_back({t, v});
  }
  return out;
}

}  // namespace vigil::tsdb::chunkenc::synthetic
