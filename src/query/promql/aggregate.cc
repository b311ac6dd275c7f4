// Aggregation operators: sum, avg, count, min, max, group, stddev, stdvar,
// quantile, topk, bottomk, limitk, limit_ratio and count_values, with
// by/without grouping, as Prometheus' rangeEvalAgg evaluates them.
#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/promql/eval.h"
#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"

namespace vigil::promql::eval {

namespace {

constexpr double kMaxInt64 = 9223372036854774784.0;  // largest float that fits an int64
constexpr double kMinInt64 = -9223372036854775808.0;

// The parameter of topk/bottomk/quantile/limitk/limit_ratio, per step.
struct FParams {
  std::vector<double> values;
  bool constant = false;
  double constant_value = 0;
  double min = 0;
  double max = 0;
  bool any_nan = false;
  double At(size_t step) const {
    if (constant) return constant_value;
    return step < values.size() ? values[step] : std::nan("");
  }
};

// Go's math.Max/Min: NaN wins.
double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}
double GoMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::min(a, b);
}

bool TopLess(const EvalSample& a, const EvalSample& b) {
  // vectorByValueHeap: NaN sorts first (the smallest).
  if (std::isnan(a.f)) return true;
  return a.f < b.f;
}
bool BottomLess(const EvalSample& a, const EvalSample& b) {
  // vectorByReverseValueHeap.
  if (std::isnan(a.f)) return true;
  return a.f > b.f;
}

// Prometheus' labels.Hash(): xxhash64 of name\xffvalue\xff... (limit_ratio
// samples series by it, so the same series are chosen as in Prometheus).
uint64_t PrometheusLabelsHash(const model::Labels& l) {
  std::string buf;
  for (const model::Label& lb : l) {
    buf += lb.name;
    buf.push_back('\xff');
    buf += lb.value;
    buf.push_back('\xff');
  }
  return XXH64(buf.data(), buf.size(), 0);
}

bool AddRatioSample(double ratio, const model::Labels& metric) {
  double offset = static_cast<double>(PrometheusLabelsHash(metric)) /
                  static_cast<double>(std::numeric_limits<uint64_t>::max());
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
}

// What an aggregation keeps for one group at one step.
struct Cell {
  double value = 0;
  double mean = 0;
  double kahan_c = 0;
  double count = 0;
  bool seen = false;
  bool incremental_mean = false;
  bool drop_name = false;
};

struct Group : Cell {
  std::vector<double> values;    // quantile
  std::vector<EvalSample> heap;  // topk, bottomk, limitk, limit_ratio
};

// The aggregations whose cell is all they keep are exactly those without a
// parameter: the others need every sample (quantile), whole samples (the k
// operators) or a label per value (count_values).
bool IsCellAggregation(AggregateOp op) { return !AggregateTakesParam(op); }

// A group's first sample at a step (for quantile the caller keeps the value).
void CellStart(AggregateOp op, Cell& g, double f, bool drop_name) {
  g.seen = true;
  g.value = f;
  g.mean = f;
  g.kahan_c = 0;
  g.count = 1;
  g.incremental_mean = false;
  g.drop_name = drop_name;
  if (op == AggregateOp::kStddev || op == AggregateOp::kStdvar) {
    g.value = (std::isnan(f) || std::isinf(f)) ? std::nan("") : 0;
  } else if (op == AggregateOp::kGroup) {
    g.value = 1;
  }
}

// A further sample, in input order, as Prometheus' aggregation() adds it
// (a cell aggregation's op).
void CellAdd(AggregateOp op, Cell& g, double f, bool drop_name) {
  if (drop_name) g.drop_name = true;
  switch (op) {
    case AggregateOp::kSum:
      g.value = KahanSumInc(f, g.value, &g.kahan_c);
      break;
    case AggregateOp::kAvg: {
      g.count++;
      if (!g.incremental_mean) {
        double c2 = g.kahan_c;
        double v = KahanSumInc(f, g.value, &c2);
        if (!std::isinf(v)) {
          g.value = v;
          g.kahan_c = c2;
          break;
        }
        // The sum would overflow: continue with an incremental mean.
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.kahan_c /= g.count - 1;
      }
      double q = (g.count - 1) / g.count;
      double c2 = q * g.kahan_c;
      g.mean = KahanSumInc(f / g.count, q * g.mean, &c2);
      g.kahan_c = c2;
      break;
    }
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    default:  // group: nothing to add
      break;
  }
}

// The value of a cell aggregation's group at a step.
double CellValue(AggregateOp op, const Cell& g) {
  switch (op) {
    case AggregateOp::kAvg:
      return g.incremental_mean ? g.mean + g.kahan_c : g.value / g.count + g.kahan_c / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    case AggregateOp::kSum:
      return g.value + g.kahan_c;
    default:
      return g.value;
  }
}

// The grouping key of a series (labels kept by by(...), or all but those of
// without(...) and __name__), and the labels of its group.
class Grouper {
 public:
  Grouper(LabelsPool* pool, const std::vector<std::string>& sorted_grouping, bool without)
      : pool_(pool), grouping_(sorted_grouping), without_(without) {}

  bool Kept(const std::string& name) const {
    bool listed = std::binary_search(grouping_.begin(), grouping_.end(), name);
    if (without_) return !listed && name != model::kMetricName;
    return listed;
  }

  const std::string& Key(const model::Labels& metric) {
    key_.clear();
    for (const model::Label& l : metric) {
      if (!Kept(l.name)) continue;
      key_ += l.name;
      key_.push_back('\xff');
      key_ += l.value;
      key_.push_back('\xff');
    }
    return key_;
  }

  const model::Labels* GroupLabels(const model::Labels& metric) {
    if (!without_ && grouping_.empty()) return pool_->Empty();
    std::vector<model::Label> kept;
    for (const model::Label& l : metric) {
      if (Kept(l.name)) kept.push_back(l);
    }
    return pool_->Intern(model::Labels::FromSorted(std::move(kept)));
  }

 private:
  LabelsPool* pool_;
  const std::vector<std::string>& grouping_;
  bool without_;
  std::string key_;
};

}  // namespace

double KahanSumInc(double inc, double sum, double* c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    // Neumaier's improvement: the larger term first.
    *c += (sum - t) + inc;
  } else {
    *c += (inc - t) + sum;
  }
  return t;
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // NaN sorts first, as in Prometheus' vectorByValueHeap.
  std::sort(values->begin(), values->end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

namespace {

// A cell aggregation accumulated series by series: each input series'
// points are touched once, in order, instead of every series at every step.
// Each (group, step) cell still takes its samples in input order, so the
// results are bit for bit those of the step-by-step loop.
class SeriesMajorAggregate {
 public:
  SeriesMajorAggregate(AggregateOp op, int64_t start, int64_t end, int64_t interval, size_t steps)
      : op_(op), start_(start), end_(end), interval_(interval), steps_(steps) {}

  size_t groups() const { return cells_.size() / steps_; }
  void AddGroup() { cells_.resize(cells_.size() + steps_); }

  void Add(size_t group, const EvalSeries& s) {
    Cell* row = &cells_[group * steps_];
    size_t next = 0;  // the first step not yet taken for this series
    for (const FPoint& pt : s.points) {
      if (pt.t < start_ || pt.t > end_ || (pt.t - start_) % interval_ != 0) continue;
      size_t k = static_cast<size_t>((pt.t - start_) / interval_);
      if (k < next) continue;  // a repeated timestamp: the first one counts
      next = k + 1;
      Cell& cell = row[k];
      if (!cell.seen) {
        CellStart(op_, cell, pt.f, s.drop_name);
      } else {
        CellAdd(op_, cell, pt.f, s.drop_name);
      }
    }
  }

  // Appends each group's values to result[group] (one series per group).
  Status Emit(QueryState* q, EvalMatrix* result) {
    size_t step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      VIGIL_RETURN_IF_ERROR(q->CheckDeadline());
      int64_t added = 0;
      for (size_t gi = 0; gi < groups(); ++gi) {
        const Cell& cell = cells_[gi * steps_ + step];
        if (!cell.seen) continue;
        EvalSeries& ss = (*result)[gi];
        if (ss.points.empty()) ss.points.reserve(std::min<size_t>(steps_, 4096));
        ss.points.push_back(FPoint{ts, CellValue(op_, cell)});
        ss.drop_name = cell.drop_name;
        ++added;
      }
      VIGIL_RETURN_IF_ERROR(q->AddSamples(added));
    }
    cells_.clear();
    cells_.shrink_to_fit();
    return Status::OK();
  }

 private:
  AggregateOp op_;
  int64_t start_, end_, interval_;
  size_t steps_;
  std::vector<Cell> cells_;  // group-major: steps_ cells per group
};

}  // namespace

Status Evaluator::EvalAggregate(const AggregateExpr& a, EvalValue* out) {
  if (a.op == AggregateOp::kCountValues) return EvalCountValues(a, out);
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  const int64_t original = q_->current_samples();

  FParams fp;
  if (a.param != nullptr) {
    const Expr& p = Unparen(*a.param);
    EvalValue pv;
    VIGIL_RETURN_IF_ERROR(Eval(p, &pv));
    if (!pv.matrix.empty() && !pv.matrix[0].points.empty()) {
      const auto& pts = pv.matrix[0].points;
      if (p.kind == ExprKind::kNumber) {
        fp.constant = true;
        fp.constant_value = pts[0].f;
        fp.min = fp.max = fp.constant_value;
        fp.any_nan = std::isnan(fp.constant_value);
      } else {
        fp.min = std::numeric_limits<double>::max();
        fp.max = -std::numeric_limits<double>::max();
        for (const FPoint& pt : pts) {
          fp.values.push_back(pt.f);
          fp.max = GoMax(fp.max, pt.f);
          fp.min = GoMin(fp.min, pt.f);
          if (std::isnan(pt.f)) fp.any_nan = true;
        }
      }
    }
    ReleaseMatrix(q_, &pv.matrix);
  }

  // sum(rate(x[5m])), count({__name__=~".+"}) and the like: the argument's
  // series are aggregated as they come, in batches, and never held all at
  // once. Each group's row of cells counts as a series of held samples.
  if (IsCellAggregation(a.op) && CanStream(*a.expr)) {
    const size_t steps = num_steps();
    Grouper grouper(&q_->labels(), grouping, a.without);
    std::unordered_map<std::string, size_t> group_index;
    EvalMatrix result;
    SeriesMajorAggregate sum(a.op, start_, end_, interval_, steps);
    VIGIL_RETURN_IF_ERROR(EvalStreaming(*a.expr, [&](EvalMatrix& batch) -> Status {
      for (const EvalSeries& s : batch) {
        auto [it, inserted] = group_index.emplace(grouper.Key(*s.metric), group_index.size());
        if (inserted) {
          result.push_back(EvalSeries{grouper.GroupLabels(*s.metric), {}, false});
          sum.AddGroup();
          VIGIL_RETURN_IF_ERROR(q_->AddSamples(static_cast<int64_t>(steps)));
        }
        sum.Add(it->second, s);
      }
      ReleaseMatrix(q_, &batch);
      return Status::OK();
    }));
    q_->SetCurrentSamples(original);
    VIGIL_RETURN_IF_ERROR(sum.Emit(q_, &result));
    std::erase_if(result, [](const EvalSeries& s) { return s.points.empty(); });
    out->matrix = std::move(result);
    q_->SetCurrentSamples(original + TotalPoints(out->matrix));
    return Status::OK();
  }

  EvalValue in;
  VIGIL_RETURN_IF_ERROR(Eval(*a.expr, &in));
  EvalMatrix& input = in.matrix;

  const bool k_op = a.op == AggregateOp::kTopK || a.op == AggregateOp::kBottomK ||
                    a.op == AggregateOp::kLimitK || a.op == AggregateOp::kLimitRatio;

  // Map input series to groups once.
  Grouper grouper(&q_->labels(), grouping, a.without);
  std::unordered_map<std::string, size_t> group_index;
  std::vector<size_t> series_group(input.size());
  EvalMatrix result;  // one series per group (not for the k operators)
  for (size_t si = 0; si < input.size(); ++si) {
    const std::string& key = grouper.Key(*input[si].metric);
    auto [it, inserted] = group_index.emplace(key, group_index.size());
    if (inserted && !k_op) {
      result.push_back(EvalSeries{grouper.GroupLabels(*input[si].metric), {}, false});
    }
    series_group[si] = it->second;
  }
  std::vector<Group> groups(group_index.size());

  switch (a.op) {
    case AggregateOp::kTopK:
    case AggregateOp::kBottomK:
    case AggregateOp::kLimitK:
      if (fp.max < 1) {
        ReleaseMatrix(q_, &input);
        q_->SetCurrentSamples(original);
        return Status::OK();
      }
      if (fp.any_nan) return Status::FailedPrecondition("Parameter value is NaN");
      if (fp.min <= kMinInt64) {
        return Status::FailedPrecondition(
            fmt::format("Scalar value {} underflows int64", FormatGoFloat(fp.min, 'g')));
      }
      if (fp.max >= kMaxInt64) {
        return Status::FailedPrecondition(
            fmt::format("Scalar value {} overflows int64", FormatGoFloat(fp.max, 'g')));
      }
      break;
    case AggregateOp::kLimitRatio:
      if (fp.max == 0 && fp.min == 0) {
        ReleaseMatrix(q_, &input);
        q_->SetCurrentSamples(original);
        return Status::OK();
      }
      if (fp.any_nan) return Status::FailedPrecondition("Ratio value is NaN");
      if (fp.max > 1.0) {
        q_->annotations().AddWarning(
            fmt::format("PromQL warning: ratio value should be between -1 and 1, got {}, "
                        "capping to {}",
                        FormatGoFloat(fp.max, 'g'), FormatGoFloat(1.0, 'g')),
            a.param->pos.start);
      }
      if (fp.min < -1.0) {
        q_->annotations().AddWarning(
            fmt::format("PromQL warning: ratio value should be between -1 and 1, got {}, "
                        "capping to {}",
                        FormatGoFloat(fp.min, 'g'), FormatGoFloat(-1.0, 'g')),
            a.param->pos.start);
      }
      break;
    case AggregateOp::kQuantile:
      if (fp.any_nan) {
        q_->annotations().AddWarning(
            "PromQL warning: quantile value should be between 0 and 1, got NaN",
            a.param->pos.start);
      }
      if (fp.max > 1) {
        q_->annotations().AddWarning(
            "PromQL warning: quantile value should be between 0 and 1, got " +
                FormatGoFloat(fp.max, 'g'),
            a.param->pos.start);
      }
      if (fp.min < 0) {
        q_->annotations().AddWarning(
            "PromQL warning: quantile value should be between 0 and 1, got " +
                FormatGoFloat(fp.min, 'g'),
            a.param->pos.start);
      }
      break;
    default:
      break;
  }

  std::vector<size_t> cursors(input.size(), 0);
  // Output of the k operators in range queries, by series.
  std::unordered_map<const model::Labels*, size_t> k_index;
  EvalMatrix k_out;
  const size_t steps = num_steps();
  const int64_t held = q_->current_samples();
  int64_t out_points = 0;
  size_t step = 0;

  const bool series_major =
      a.op == AggregateOp::kSum && steps > 1 && groups.size() * steps <= (size_t{1} << 22);
  if (series_major) {
    SeriesMajorAggregate sum(a.op, start_, end_, interval_, steps);
    for (size_t gi = 0; gi < groups.size(); ++gi) sum.AddGroup();
    for (size_t si = 0; si < input.size(); ++si) sum.Add(series_group[si], input[si]);
    VIGIL_RETURN_IF_ERROR(sum.Emit(q_, &result));
  }

  for (int64_t ts = start_; !series_major && ts <= end_; ts += interval_, ++step) {
    VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
    q_->SetCurrentSamples(held + out_points);
    const double param = fp.At(step);
    for (Group& g : groups) g.seen = false;

    if (k_op) {
      int64_t k = 0;
      double ratio = 0;
      bool none = false;  // no output at this step
      if (a.op == AggregateOp::kLimitRatio) {
        if (param == 0) {
          none = true;
        } else {
          ratio = std::clamp(param, -1.0, 1.0);
        }
      } else {
        k = std::min(static_cast<int64_t>(param), static_cast<int64_t>(input.size()));
        if (k < 1) none = true;
      }
      if (none) continue;
      size_t groups_left = groups.size();  // limitk: groups not yet holding k samples
      for (size_t si = 0; si < input.size() && groups_left > 0; ++si) {
        size_t& c = cursors[si];
        const auto& pts = input[si].points;
        while (c < pts.size() && pts[c].t < ts) ++c;
        if (c >= pts.size() || pts[c].t != ts) continue;
        EvalSample s{input[si].metric, ts, pts[c].f, input[si].drop_name, 0};
        ++c;
        Group& g = groups[series_group[si]];
        if (!g.seen) {
          g.seen = true;
          g.heap.clear();
          g.count = 0;  // limitk: 1 once the group holds k samples
          switch (a.op) {
            case AggregateOp::kLimitRatio:
              if (AddRatioSample(ratio, *s.metric)) GoHeapPush(&g.heap, s, TopLess);
              break;
            case AggregateOp::kLimitK:
              g.heap.push_back(s);
              break;
            case AggregateOp::kTopK:
              GoHeapPush(&g.heap, s, TopLess);
              break;
            default:
              GoHeapPush(&g.heap, s, BottomLess);
              break;
          }
          continue;
        }
        switch (a.op) {
          case AggregateOp::kTopK:
            if (static_cast<int64_t>(g.heap.size()) < k) {
              GoHeapPush(&g.heap, s, TopLess);
            } else if (g.heap[0].f < s.f || (std::isnan(g.heap[0].f) && !std::isnan(s.f))) {
              g.heap[0] = s;
              if (k > 1) GoHeapFix(&g.heap, 0, TopLess);
            }
            break;
          case AggregateOp::kBottomK:
            if (static_cast<int64_t>(g.heap.size()) < k) {
              GoHeapPush(&g.heap, s, BottomLess);
            } else if (g.heap[0].f > s.f || (std::isnan(g.heap[0].f) && !std::isnan(s.f))) {
              g.heap[0] = s;
              if (k > 1) GoHeapFix(&g.heap, 0, BottomLess);
            }
            break;
          case AggregateOp::kLimitK:
            if (static_cast<int64_t>(g.heap.size()) < k) GoHeapPush(&g.heap, s, TopLess);
            // Once every group holds k samples nothing more can be added.
            if (g.count == 0 && static_cast<int64_t>(g.heap.size()) == k) {
              g.count = 1;
              --groups_left;
            }
            break;
          default:  // limit_ratio
            if (AddRatioSample(ratio, *s.metric)) GoHeapPush(&g.heap, s, TopLess);
            break;
        }
      }
      int64_t added = 0;
      for (Group& g : groups) {
        if (!g.seen) continue;
        if (a.op == AggregateOp::kTopK && g.heap.size() > 1) {
          // Descending, NaN last.
          GoSort(
              &g.heap, [](const EvalSample& x, const EvalSample& y) { return TopLess(y, x); },
              [](const EvalSample& x, const EvalSample& y) {
                return !std::isnan(x.f) && (std::isnan(y.f) || x.f > y.f);
              });
        } else if (a.op == AggregateOp::kBottomK && g.heap.size() > 1) {
          // Ascending, NaN last.
          GoSort(
              &g.heap, [](const EvalSample& x, const EvalSample& y) { return BottomLess(y, x); },
              [](const EvalSample& x, const EvalSample& y) {
                return !std::isnan(x.f) && (std::isnan(y.f) || x.f < y.f);
              });
        }
        for (const EvalSample& s : g.heap) {
          auto [it, inserted] = k_index.emplace(s.metric, k_out.size());
          if (inserted) k_out.push_back(EvalSeries{s.metric, {}, s.drop_name});
          k_out[it->second].points.push_back(FPoint{ts, s.f});
          ++added;
        }
      }
      out_points += added;
      VIGIL_RETURN_IF_ERROR(q_->AddSamples(added));
      continue;
    }

    for (size_t si = 0; si < input.size(); ++si) {
      size_t& c = cursors[si];
      const auto& pts = input[si].points;
      while (c < pts.size() && pts[c].t < ts) ++c;
      if (c >= pts.size() || pts[c].t != ts) continue;
      const double f = pts[c].f;
      ++c;
      Group& g = groups[series_group[si]];
      if (!g.seen) {
        CellStart(a.op, g, f, input[si].drop_name);
        if (a.op == AggregateOp::kQuantile) {
          g.values.clear();
          g.values.push_back(f);
        }
      } else if (a.op == AggregateOp::kQuantile) {
        if (input[si].drop_name) g.drop_name = true;
        g.values.push_back(f);
      } else {
        CellAdd(a.op, g, f, input[si].drop_name);
      }
    }
    int64_t added = 0;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      double v = a.op == AggregateOp::kQuantile ? Quantile(param, &g.values) : CellValue(a.op, g);
      EvalSeries& ss = result[gi];
      if (ss.points.empty()) ss.points.reserve(std::min<size_t>(steps, 4096));
      ss.points.push_back(FPoint{ts, v});
      ss.drop_name = g.drop_name;
      ++added;
    }
    out_points += added;
    VIGIL_RETURN_IF_ERROR(q_->AddSamples(added));
  }

  ReleaseMatrix(q_, &input);
  if (k_op) {
    out->matrix = std::move(k_out);
  } else {
    std::erase_if(result, [](const EvalSeries& s) { return s.points.empty(); });
    out->matrix = std::move(result);
  }
  q_->SetCurrentSamples(original + TotalPoints(out->matrix));
  return Status::OK();
}

Status Evaluator::EvalCountValues(const AggregateExpr& a, EvalValue* out) {
  const Expr& p = Unparen(*a.param);
  if (p.kind != ExprKind::kString) return Status::Internal("count_values without a label");
  const std::string& label = static_cast<const StringLiteral&>(p).value;
  if (label.empty() || !model::IsValidUTF8(label)) {
    return Status::FailedPrecondition("invalid label name " + GoQuote(label));
  }
  std::vector<std::string> grouping = a.grouping;
  if (!a.without) grouping.push_back(label);
  std::sort(grouping.begin(), grouping.end());
  Grouper grouper(&q_->labels(), grouping, a.without);
  const Expr* exprs[1] = {a.expr.get()};
  struct Counted {
    const model::Labels* labels;
    double count;
  };
  std::unordered_map<std::string, size_t> index;
  std::vector<Counted> counts;
  return RangeEval(
      exprs, nullptr,
      [&](int64_t ts, std::span<StepVector> args, uint32_t, StepVector* res) {
        index.clear();
        counts.clear();
        for (const EvalSample& s : args[0]) {
          model::LabelsBuilder b(*s.metric);
          b.Set(label, FormatGoFloat(s.f, 'f'));
          model::Labels metric = b.Build();
          const std::string& key = grouper.Key(metric);
          auto [it, inserted] = index.emplace(key, counts.size());
          if (inserted) {
            counts.push_back(Counted{grouper.GroupLabels(metric), 1});
          } else {
            counts[it->second].count++;
          }
        }
        for (const Counted& c : counts) {
          res->push_back(EvalSample{c.labels, ts, c.count, false, 0});
        }
        return Status::OK();
      },
      out);
}

}  // namespace vigil::promql::eval
