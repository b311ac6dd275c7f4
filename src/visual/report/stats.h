// The statistics of `vigil report`: a robust baseline for a series (median
// and median absolute deviation, MAD), the points of a time window that lie
// beyond it, and the ranking of first-versus-last changes.
//
// Why median and MAD: a mean and a standard deviation are dragged by the
// very outliers one looks for (one spike of 1000 in a series of ones moves
// the mean and inflates the deviation so that the spike hides itself). The
// median and the MAD ignore up to half of the points being wild. For
// normally distributed data 1.4826 · MAD estimates the standard deviation,
// so "beyond median ± 5 · 1.4826 · MAD" reads as "further than five sigma".
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace vigil::report {

// MAD to standard deviation, for normal data (1 / Φ⁻¹(3/4)).
inline constexpr double kMadToSigma = 1.4826;
// Mean absolute deviation to standard deviation, for normal data
// (√(π/2)); used when more than half of the points equal the median, where
// the MAD is 0 and says nothing (Iglewicz and Hoaglin).
inline constexpr double kMeanAdToSigma = 1.2533;
// How many sigmas out a point must lie to be an anomaly.
inline constexpr double kAnomalySigmas = 5;
// Also at least this fraction of the median away: float jitter on a nearly
// flat line (a rate of 2.000 ± 0.001) is not news.
inline constexpr double kMinRelativeBand = 0.01;
// Fewer finite points than this give no baseline.
inline constexpr size_t kMinBaselinePoints = 10;

struct Point {
  int64_t t_ms = 0;
  double v = 0;  // NaN: no value at this step
};

// The median of the finite values (the mean of the middle two for an even
// count); NaN when there is none.
double Median(std::span<const double> values);
// The median of |x - center| over the finite values; NaN when there is none.
double MedianAbsoluteDeviation(std::span<const double> values, double center);

struct Baseline {
  size_t n = 0;  // finite values it was computed from
  double median = std::numeric_limits<double>::quiet_NaN();
  double mad = std::numeric_limits<double>::quiet_NaN();    // unscaled
  double sigma = std::numeric_limits<double>::quiet_NaN();  // kMadToSigma · MAD, or the fallback
  double low = std::numeric_limits<double>::quiet_NaN();    // median - band
  double high = std::numeric_limits<double>::quiet_NaN();   // median + band
  // Whether points can be judged against it: enough points and a spread
  // (a constant series has no outliers, only a value).
  bool usable() const { return n >= kMinBaselinePoints && sigma > 0; }
};

// The baseline of the finite values: band = max(sigmas · sigma,
// kMinRelativeBand · |median|), sigma = kMadToSigma · MAD, or
// kMeanAdToSigma · mean |x - median| when the MAD is 0.
Baseline RobustBaseline(std::span<const double> values, double sigmas = kAnomalySigmas);

struct Anomaly {
  int64_t t_ms = 0;
  double value = 0;
  double score = 0;  // (value - median) / sigma: how many sigmas out, signed
};

// The finite points at or after from_ms strictly outside (low, high), in
// time order; none when the baseline is not usable.
std::vector<Anomaly> FindAnomalies(std::span<const Point> points, const Baseline& baseline,
                                   int64_t from_ms);

struct Change {
  double first = 0;
  double last = 0;
  // (last - first) / |first|; ±infinity when first is 0 and last is not.
  double relative = 0;
};

// The change from first to last; nullopt when either is not finite or both
// are 0 (nothing happened, and nothing to divide by).
std::optional<Change> CompareValues(double first, double last);

// Indexes into changes, the largest |relative| first (from zero, infinite,
// before any finite change), at most limit of them; equal ones keep their
// input order, so the ranking is deterministic.
std::vector<size_t> RankChanges(std::span<const Change> changes, size_t limit);

}  // namespace vigil::report
