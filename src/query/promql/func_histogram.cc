// histogram_quantile() and histogram_fraction() over classic histograms:
// float series of cumulative bucket counts told apart by their "le" label.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"

namespace vigil::promql::eval {

namespace {

struct Bucket {
  double upper;
  double count;
};

// Go's almost.Equal.
bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = std::numeric_limits<double>::min();
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

// Sorts by upper bound, merges equal bounds, and forces counts to be
// monotonic (ignoring floating point noise). Returns false if there is no
// +Inf bucket. *forced tells whether monotonicity had to be forced.
bool PrepareBuckets(std::vector<Bucket>* b, bool* forced) {
  *forced = false;
  std::sort(b->begin(), b->end(),
            [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b->empty() || !std::isinf(b->back().upper) || b->back().upper < 0) return false;
  // Coalesce buckets with the same upper bound.
  size_t i = 0;
  Bucket last = (*b)[0];
  for (size_t k = 1; k < b->size(); ++k) {
    if ((*b)[k].upper == last.upper) {
      last.count += (*b)[k].count;
    } else {
      (*b)[i++] = last;
      last = (*b)[k];
    }
  }
  (*b)[i++] = last;
  b->resize(i);
  double prev = (*b)[0].count;
  for (size_t k = 1; k < b->size(); ++k) {
    double curr = (*b)[k].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, 1e-12)) {
      (*b)[k].count = prev;
      continue;
    }
    if (curr < prev) {
      (*b)[k].count = prev;
      *forced = true;
      continue;
    }
    prev = curr;
  }
  return true;
}

double BucketQuantile(double q, std::vector<Bucket>* buckets, bool* forced) {
  *forced = false;
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (!PrepareBuckets(buckets, forced)) {
    *forced = false;
    return std::nan("");
  }
  const std::vector<Bucket>& b = *buckets;
  if (b.size() < 2) {
    *forced = false;
    return std::nan("");
  }
  double observations = b.back().count;
  if (observations == 0) {
    *forced = false;
    return std::nan("");
  }
  double rank = q * observations;
  // The first bucket (excluding +Inf) whose count reaches the rank.
  size_t idx =
      static_cast<size_t>(std::partition_point(b.begin(), b.end() - 1,
                                               [rank](const Bucket& x) { return x.count < rank; }) -
                          b.begin());
  if (idx == b.size() - 1) return b[b.size() - 2].upper;
  if (idx == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0;
  double end = b[idx].upper;
  double count = b[idx].count;
  if (idx > 0) {
    start = b[idx - 1].upper;
    count -= b[idx - 1].count;
    rank -= b[idx - 1].count;
  }
  return start + (end - start) * (rank / count);
}

double BucketFraction(double lower, double upper, std::vector<Bucket>* buckets) {
  bool forced;
  if (!PrepareBuckets(buckets, &forced)) return std::nan("");
  const std::vector<Bucket>& b = *buckets;
  double total = b.back().count;
  if (total == 0 || std::isnan(lower) || std::isnan(upper)) return std::nan("");
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (size_t i = 0; i < b.size(); ++i) {
    // The lowest bucket starts at 0 if its upper bound is positive.
    double lo =
        i == 0 ? (b[0].upper > 0 ? 0 : -std::numeric_limits<double>::infinity()) : b[i - 1].upper;
    double hi = b[i].upper;
    double count = i == 0 ? b[0].count : b[i].count - b[i - 1].count;
    if (!lower_set && lo >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lo >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    // Inside a bucket, interpolate linearly (nothing is known of the
    // distribution inside an infinite bucket).
    bool finite = !std::isinf(lo) && !std::isinf(hi);
    if (!lower_set && lo < lower && hi > lower) {
      lower_rank = rank + (finite ? count * (lower - lo) / (hi - lo) : 0);
      lower_set = true;
    }
    if (!upper_set && lo < upper && hi > upper) {
      upper_rank = rank + (finite ? count * (upper - lo) / (hi - lo) : 0);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += count;
  }
  if (!lower_set || lower_rank > total) lower_rank = total;
  if (!upper_set || upper_rank > total) upper_rank = total;
  return (upper_rank - lower_rank) / total;
}

struct Histogram {
  const model::Labels* metric;  // without "le"
  std::vector<Bucket> buckets;
};

// Groups the samples of one step into classic histograms (by all labels but
// "le"), warning about samples whose "le" cannot be parsed.
void GroupBuckets(InstantCall& c, size_t arg, std::vector<Histogram>* out) {
  const StepVector& in = c.args[arg];
  QueryState* q = c.ev->query();
  auto& cache = q->bucket_cache();
  std::unordered_map<const model::Labels*, size_t> index;
  for (const EvalSample& s : in) {
    auto it = cache.find(s.metric);
    if (it == cache.end()) {
      QueryState::BucketInfo info;
      Result<double> upper = ParseGoFloat(s.metric->Get("le"));
      info.ok = upper.ok();
      if (info.ok) info.upper = *upper;
      info.group = info.ok ? q->labels().Intern(s.metric->Without("le")) : nullptr;
      it = cache.emplace(s.metric, info).first;
    }
    const QueryState::BucketInfo& info = it->second;
    if (!info.ok) {
      std::string msg =
          "PromQL warning: bucket label \"le\" is missing or has a malformed value of " +
          GoQuote(s.metric->Get("le"));
      std::string_view name = s.metric->MetricName();
      if (!name.empty()) msg += " for metric name " + GoQuote(name);
      q->annotations().AddWarning(msg, c.call->args[arg]->pos.start);
      continue;
    }
    auto [g, inserted] = index.emplace(info.group, out->size());
    if (inserted) out->push_back(Histogram{info.group, {}});
    (*out)[g->second].buckets.push_back(Bucket{info.upper, s.f});
  }
}

}  // namespace

Status HistogramQuantile(InstantCall& c) {
  if (c.args.size() < 2 || c.args[0].empty()) return Status::OK();
  double q = c.args[0][0].f;
  if (std::isnan(q) || q < 0 || q > 1) {
    c.ev->query()->annotations().AddWarning(
        "PromQL warning: quantile value should be between 0 and 1, got " + FormatGoFloat(q, 'g'),
        c.call->args[0]->pos.start);
  }
  std::vector<Histogram> hists;
  GroupBuckets(c, 1, &hists);
  for (Histogram& h : hists) {
    bool forced;
    double v = BucketQuantile(q, &h.buckets, &forced);
    if (forced) {
      std::string msg =
          "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
          "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
      std::string_view name = h.metric->MetricName();
      if (!name.empty()) msg += " for metric name " + GoQuote(name);
      c.ev->query()->annotations().AddInfo(msg, c.call->args[1]->pos.start);
    }
    c.out->push_back(EvalSample{h.metric, c.ts, v, true, 0});
  }
  return Status::OK();
}

Status HistogramFraction(InstantCall& c) {
  if (c.args.size() < 3 || c.args[0].empty() || c.args[1].empty()) return Status::OK();
  double lower = c.args[0][0].f;
  double upper = c.args[1][0].f;
  std::vector<Histogram> hists;
  GroupBuckets(c, 2, &hists);
  for (Histogram& h : hists) {
    c.out->push_back(EvalSample{h.metric, c.ts, BucketFraction(lower, upper, &h.buckets), true, 0});
  }
  return Status::OK();
}

}  // namespace vigil::promql::eval
