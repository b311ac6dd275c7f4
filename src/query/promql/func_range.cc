// Functions over range vectors: rate/increase/delta (with Prometheus'
// extrapolation), irate/idelta, deriv/predict_linear, resets/changes, the
// *_over_time family and double_exponential_smoothing. Each gets the window
// of one series at one step (see func_table.h).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"

namespace vigil::promql::eval {

namespace {

// extrapolatedRate: the increase over the window, extrapolated to the range
// boundaries when the samples come close to them, per second for rates.
Status ExtrapolatedRate(const RangeCall& c, bool is_counter, bool is_rate, double* out, bool* has) {
  std::span<const FPoint> s = c.points;
  if (s.size() < 2) return Status::OK();
  const size_t n1 = s.size() - 1;
  double result = s[n1].f - s[0].f;
  if (is_counter && c.counter_resets != 0) {
    double prev = s[0].f;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].f < prev) result += prev;  // a counter reset
      prev = s[i].f;
    }
  }
  double to_start = static_cast<double>(s[0].t - c.range_start) / 1000;
  double to_end = static_cast<double>(c.range_end - s[n1].t) / 1000;
  double sampled = static_cast<double>(s[n1].t - s[0].t) / 1000;
  double avg_interval = sampled / static_cast<double>(n1);
  // Extrapolate to a boundary only if the samples reach to within 110% of
  // the average interval of it; otherwise assume the series starts or ends
  // half an interval beyond its first or last sample.
  double threshold = avg_interval * 1.1;
  if (to_start >= threshold) to_start = avg_interval / 2;
  if (is_counter) {
    // A counter cannot go below zero: do not extrapolate past the point
    // where it would have been zero.
    double to_zero = to_start;
    if (result > 0 && s[0].f >= 0) to_zero = sampled * (s[0].f / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_interval / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= static_cast<double>(c.range_ms) / 1000;
  *out = result * factor;
  *has = true;
  return Status::OK();
}

Status Rate(const RangeCall& c, double* out, bool* has) {
  return ExtrapolatedRate(c, true, true, out, has);
}
Status Increase(const RangeCall& c, double* out, bool* has) {
  return ExtrapolatedRate(c, true, false, out, has);
}
Status Delta(const RangeCall& c, double* out, bool* has) {
  return ExtrapolatedRate(c, false, false, out, has);
}

Status InstantValue(const RangeCall& c, bool is_rate, double* out, bool* has) {
  std::span<const FPoint> s = c.points;
  if (s.size() < 2) return Status::OK();
  const FPoint& prev = s[s.size() - 2];
  const FPoint& last = s[s.size() - 1];
  int64_t interval = last.t - prev.t;
  if (interval == 0) return Status::OK();
  double v;
  if (is_rate && last.f < prev.f) {
    v = last.f;  // a counter reset: the value since the reset
  } else {
    v = last.f - prev.f;
  }
  if (is_rate) v /= static_cast<double>(interval) / 1000;
  *out = v;
  *has = true;
  return Status::OK();
}

Status Irate(const RangeCall& c, double* out, bool* has) { return InstantValue(c, true, out, has); }
Status Idelta(const RangeCall& c, double* out, bool* has) {
  return InstantValue(c, false, out, has);
}

// Least squares fit of the points, x in seconds relative to intercept_time.
void LinearRegression(std::span<const FPoint> s, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = s[0].f;
  bool const_y = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (const_y && i > 0 && s[i].f != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    sum_x = KahanSumInc(x, sum_x, &c_x);
    sum_y = KahanSumInc(s[i].f, sum_y, &c_y);
    sum_xy = KahanSumInc(x * s[i].f, sum_xy, &c_xy);
    sum_x2 = KahanSumInc(x * x, sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::nan("");
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

Status Deriv(const RangeCall& c, double* out, bool* has) {
  if (c.points.size() < 2) return Status::OK();
  double slope, intercept;
  // An intercept time near the samples keeps the arithmetic precise.
  LinearRegression(c.points, c.points[0].t, &slope, &intercept);
  *out = slope;
  *has = true;
  return Status::OK();
}

Status PredictLinear(const RangeCall& c, double* out, bool* has) {
  if (c.points.size() < 2 || c.scalars.empty()) return Status::OK();
  double slope, intercept;
  LinearRegression(c.points, c.ts, &slope, &intercept);
  *out = slope * c.scalars[0] + intercept;
  *has = true;
  return Status::OK();
}

Status Resets(const RangeCall& c, double* out, bool* has) {
  int resets = 0;
  for (size_t i = 1; i < c.points.size(); ++i) {
    if (c.points[i].f < c.points[i - 1].f) ++resets;
  }
  *out = resets;
  *has = true;
  return Status::OK();
}

Status Changes(const RangeCall& c, double* out, bool* has) {
  int changes = 0;
  for (size_t i = 1; i < c.points.size(); ++i) {
    double a = c.points[i - 1].f, b = c.points[i].f;
    if (a != b && !(std::isnan(a) && std::isnan(b))) ++changes;
  }
  *out = changes;
  *has = true;
  return Status::OK();
}

Status AvgOverTime(const RangeCall& c, double* out, bool* has) {
  std::span<const FPoint> s = c.points;
  // A direct mean with compensated summation as long as the sum does not
  // overflow; then an incremental mean.
  double sum = s[0].f, count = 1, mean = 0, kahan_c = 0;
  bool incremental = false;
  for (size_t i = 1; i < s.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double c2 = kahan_c;
      double v = KahanSumInc(s[i].f, sum, &c2);
      if (!std::isinf(v)) {
        sum = v;
        kahan_c = c2;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      kahan_c /= count - 1;
    }
    double q = (count - 1) / count;
    double c2 = q * kahan_c;
    mean = KahanSumInc(s[i].f / count, q * mean, &c2);
    kahan_c = c2;
  }
  *out = incremental ? mean + kahan_c : sum / count + kahan_c / count;
  *has = true;
  return Status::OK();
}

Status CountOverTime(const RangeCall& c, double* out, bool* has) {
  *out = static_cast<double>(c.points.size());
  *has = true;
  return Status::OK();
}

Status SumOverTime(const RangeCall& c, double* out, bool* has) {
  double sum = 0, kahan_c = 0;
  for (const FPoint& p : c.points) sum = KahanSumInc(p.f, sum, &kahan_c);
  *out = std::isinf(sum) ? sum : sum + kahan_c;
  *has = true;
  return Status::OK();
}

template <typename Better>
void CompareOverTime(const RangeCall& c, Better better, bool timestamp, double* out) {
  double best = c.points[0].f;
  int64_t best_t = c.points[0].t;
  for (const FPoint& p : c.points) {
    if (better(p.f, best)) {
      best = p.f;
      best_t = p.t;
    }
  }
  *out = timestamp ? static_cast<double>(best_t) / 1000 : best;
}

Status MaxOverTime(const RangeCall& c, double* out, bool* has) {
  CompareOverTime(
      c, [](double cur, double m) { return cur > m || std::isnan(m); }, false, out);
  *has = true;
  return Status::OK();
}
Status MinOverTime(const RangeCall& c, double* out, bool* has) {
  CompareOverTime(
      c, [](double cur, double m) { return cur < m || std::isnan(m); }, false, out);
  *has = true;
  return Status::OK();
}
Status TsOfMaxOverTime(const RangeCall& c, double* out, bool* has) {
  CompareOverTime(
      c, [](double cur, double m) { return cur >= m || std::isnan(m); }, true, out);
  *has = true;
  return Status::OK();
}
Status TsOfMinOverTime(const RangeCall& c, double* out, bool* has) {
  CompareOverTime(
      c, [](double cur, double m) { return cur <= m || std::isnan(m); }, true, out);
  *has = true;
  return Status::OK();
}

Status QuantileOverTime(const RangeCall& c, double* out, bool* has) {
  if (c.scalars.empty()) return Status::OK();
  double q = c.scalars[0];
  if (std::isnan(q) || q < 0 || q > 1) {
    c.annotations->AddWarning(
        "PromQL warning: quantile value should be between 0 and 1, got " + FormatGoFloat(q, 'g'),
        c.call->args[0]->pos.start);
  }
  std::vector<double> values;
  values.reserve(c.points.size());
  for (const FPoint& p : c.points) values.push_back(p.f);
  *out = Quantile(q, &values);
  *has = true;
  return Status::OK();
}

double VarianceOverTime(std::span<const FPoint> s) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const FPoint& p : s) {
    count++;
    double delta = p.f - (mean + c_mean);
    mean = KahanSumInc(delta / count, mean, &c_mean);
    aux = KahanSumInc(delta * (p.f - (mean + c_mean)), aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

Status StddevOverTime(const RangeCall& c, double* out, bool* has) {
  *out = std::sqrt(VarianceOverTime(c.points));
  *has = true;
  return Status::OK();
}
Status StdvarOverTime(const RangeCall& c, double* out, bool* has) {
  *out = VarianceOverTime(c.points);
  *has = true;
  return Status::OK();
}

Status MadOverTime(const RangeCall& c, double* out, bool* has) {
  std::vector<double> values;
  values.reserve(c.points.size());
  for (const FPoint& p : c.points) values.push_back(p.f);
  double median = Quantile(0.5, &values);
  values.clear();
  for (const FPoint& p : c.points) values.push_back(std::fabs(p.f - median));
  *out = Quantile(0.5, &values);
  *has = true;
  return Status::OK();
}

Status LastOverTime(const RangeCall& c, double* out, bool* has) {
  *out = c.points.back().f;
  *has = true;
  return Status::OK();
}
Status FirstOverTime(const RangeCall& c, double* out, bool* has) {
  *out = c.points.front().f;
  *has = true;
  return Status::OK();
}
Status TsOfLastOverTime(const RangeCall& c, double* out, bool* has) {
  *out = static_cast<double>(c.points.back().t) / 1000;
  *has = true;
  return Status::OK();
}
Status TsOfFirstOverTime(const RangeCall& c, double* out, bool* has) {
  *out = static_cast<double>(c.points.front().t) / 1000;
  *has = true;
  return Status::OK();
}
Status One(const RangeCall&, double* out, bool* has) {
  *out = 1;
  *has = true;
  return Status::OK();
}

// Go's %f.
std::string GoFixed6(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{:f}", v);
}

Status DoubleExponentialSmoothing(const RangeCall& c, double* out, bool* has) {
  if (c.scalars.size() < 2) return Status::OK();
  double sf = c.scalars[0], tf = c.scalars[1];
  if (sf <= 0 || sf >= 1) {
    return Status::FailedPrecondition("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                                      GoFixed6(sf));
  }
  if (tf <= 0 || tf >= 1) {
    return Status::FailedPrecondition("invalid trend factor. Expected: 0 < tf < 1, got: " +
                                      GoFixed6(tf));
  }
  std::span<const FPoint> s = c.points;
  if (s.size() < 2) return Status::OK();
  double s0 = 0, s1 = s[0].f;
  double b = s[1].f - s[0].f;
  for (size_t i = 1; i < s.size(); ++i) {
    double x = sf * s[i].f;
    // The trend at the previous point (the initial trend for the first).
    if (i - 1 > 0) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  *out = s1;
  *has = true;
  return Status::OK();
}

}  // namespace

// Registered by func_table.cc.
RangeFn LookupRangeFn(std::string_view name) {
  struct Entry {
    std::string_view name;
    RangeFn fn;
  };
  static const Entry kTable[] = {
      {"rate", Rate},
      {"increase", Increase},
      {"delta", Delta},
      {"irate", Irate},
      {"idelta", Idelta},
      {"deriv", Deriv},
      {"predict_linear", PredictLinear},
      {"resets", Resets},
      {"changes", Changes},
      {"avg_over_time", AvgOverTime},
      {"count_over_time", CountOverTime},
      {"sum_over_time", SumOverTime},
      {"min_over_time", MinOverTime},
      {"max_over_time", MaxOverTime},
      {"quantile_over_time", QuantileOverTime},
      {"stddev_over_time", StddevOverTime},
      {"stdvar_over_time", StdvarOverTime},
      {"mad_over_time", MadOverTime},
      {"last_over_time", LastOverTime},
      {"first_over_time", FirstOverTime},
      {"ts_of_last_over_time", TsOfLastOverTime},
      {"ts_of_first_over_time", TsOfFirstOverTime},
      {"ts_of_max_over_time", TsOfMaxOverTime},
      {"ts_of_min_over_time", TsOfMinOverTime},
      {"present_over_time", One},
      {"absent_over_time", One},
      {"double_exponential_smoothing", DoubleExponentialSmoothing},
  };
  for (const Entry& e : kTable) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace vigil::promql::eval
