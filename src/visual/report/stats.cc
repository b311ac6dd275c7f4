#include "visual/report/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vigil::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> Finite(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) out.push_back(v);
  }
  return out;
}

// The median of v, reordering it; v holds finite values only.
double MedianInPlace(std::vector<double>& v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid));
  return lower + (upper - lower) / 2;
}

}  // namespace

double Median(std::span<const double> values) {
  std::vector<double> v = Finite(values);
  return MedianInPlace(v);
}

double MedianAbsoluteDeviation(std::span<const double> values, double center) {
  std::vector<double> dev = Finite(values);
  for (double& d : dev) d = std::abs(d - center);
  return MedianInPlace(dev);
}

Baseline RobustBaseline(std::span<const double> values, double sigmas) {
  Baseline b;
  std::vector<double> v = Finite(values);
  b.n = v.size();
  if (v.empty()) return b;
  b.median = Median(v);
  b.mad = MedianAbsoluteDeviation(v, b.median);
  b.sigma = kMadToSigma * b.mad;
  if (b.mad == 0) {
    double sum = 0;
    for (double x : v) sum += std::abs(x - b.median);
    b.sigma = kMeanAdToSigma * sum / static_cast<double>(v.size());
  }
  const double band = std::max(sigmas * b.sigma, kMinRelativeBand * std::abs(b.median));
  b.low = b.median - band;
  b.high = b.median + band;
  return b;
}

std::vector<Anomaly> FindAnomalies(std::span<const Point> points, const Baseline& baseline,
                                   int64_t from_ms) {
  std::vector<Anomaly> out;
  if (!baseline.usable()) return out;
  for (const Point& p : points) {
    if (p.t_ms < from_ms || !std::isfinite(p.v)) continue;
    if (p.v > baseline.low && p.v < baseline.high) continue;
    out.push_back({p.t_ms, p.v, (p.v - baseline.median) / baseline.sigma});
  }
  return out;
}

std::optional<Change> CompareValues(double first, double last) {
  if (!std::isfinite(first) || !std::isfinite(last)) return std::nullopt;
  if (first == 0 && last == 0) return std::nullopt;
  Change c{first, last, 0};
  if (first == 0) {
    c.relative = last > 0 ? std::numeric_limits<double>::infinity()
                          : -std::numeric_limits<double>::infinity();
  } else {
    c.relative = (last - first) / std::abs(first);
  }
  return c;
}

std::vector<size_t> RankChanges(std::span<const Change> changes, size_t limit) {
  std::vector<size_t> order(changes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::abs(changes[a].relative) > std::abs(changes[b].relative);
  });
  // Unchanged values are no change to list.
  std::erase_if(order, [&](size_t i) { return changes[i].relative == 0; });
  if (order.size() > limit) order.resize(limit);
  return order;
}

}  // namespace vigil::report
