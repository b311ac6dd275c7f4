#include "query/logql/engine.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/strconv.h"
#include "query/logql/ast.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "query/logql/units.h"

namespace vigil::logql {
namespace {

// ---------------------------------------------------------------------------
// Helpers

const LogSelector* FirstSelector(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kLog:
    case Expr::Kind::kRangeAgg:
      return &e.log;
    default:
      break;
  }
  if (e.lhs) {
    if (const LogSelector* s = FirstSelector(*e.lhs)) return s;
  }
  if (e.rhs) return FirstSelector(*e.rhs);
  return nullptr;
}

std::string LabelsString(const std::vector<model::Label>& labels) {
  return model::Labels::FromSorted(labels).ToString();
}

Status PipelineError(const LabelState& st) {
  std::vector<model::Label> labels;
  st.Collect(&labels);
  std::string err(st.Get(kErrorLabel));
  return Status::InvalidArgument(fmt::format(
      "pipeline error: '{}' for series: '{}'.\nUse a label filter to intentionally skip this "
      "error. "
      "(e.g | __error__!=\"{}\").\nTo skip all potential errors you can match empty errors.(e.g "
      "__error__=\"\")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency "
      "| "
      "__error__=\"\" )\n",
      err, LabelsString(labels), err));
}

Status TooManySeries(uint32_t max) {
  return Status::ResourceExhausted(
      fmt::format("maximum of series ({}) reached for a single query", max));
}

struct Sample {
  int64_t t;
  double v;
};

// Difference arrays over a query's steps: an entry adds at the first step
// whose window holds it and subtracts after the last; the running sums are
// then each step's window total.
struct WindowSums {
  explicit WindowSums(size_t steps) : sum(steps + 1, 0.0), count(steps + 1, 0) {}
  std::vector<double> sum;
  std::vector<int64_t> count;
};
constexpr size_t kMaxAdditiveSteps = 4096;

// ---------------------------------------------------------------------------
// Step vectors: a node's value at every evaluation step.

struct StepValues {
  bool is_scalar = false;
  std::vector<double> scalar;                                   // per step, when is_scalar
  std::vector<model::Labels> labels;                            // series table
  std::vector<std::vector<std::pair<uint32_t, double>>> steps;  // per step: (series, value)
};

class SeriesTable {
 public:
  uint32_t Intern(model::Labels labels, StepValues* out) {
    std::string key = Key(labels);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(out->labels.size());
    out->labels.push_back(std::move(labels));
    index_.emplace(std::move(key), id);
    return id;
  }
  static std::string Key(const model::Labels& labels) {
    std::string key;
    for (const auto& l : labels) {
      key += l.name;
      key.push_back('\xff');
      key += l.value;
      key.push_back('\xff');
    }
    return key;
  }

 private:
  std::unordered_map<std::string, uint32_t> index_;
};

model::Labels GroupLabels(const model::Labels& in, const Grouping& g) {
  if (!g.present) return model::Labels();
  std::vector<model::Label> out;
  for (const auto& l : in) {
    bool listed = std::find(g.labels.begin(), g.labels.end(), l.name) != g.labels.end();
    if (listed != g.without) out.push_back(l);
  }
  return model::Labels::FromSorted(std::move(out));
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty()) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values->begin(), values->end());
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  size_t lower = static_cast<size_t>(std::max(0.0, std::floor(rank)));
  size_t upper = static_cast<size_t>(std::min(n - 1, lower + 1.0));
  double weight = rank - std::floor(rank);
  return (*values)[lower] * (1 - weight) + (*values)[upper] * weight;
}

// Prometheus' extrapolatedRate for counters, as Loki's rate_counter uses it.
bool CounterRate(const Sample* s, size_t n, int64_t range_start, int64_t range_end, double range_s,
                 double* out) {
  if (n < 2) return false;
  double result = s[n - 1].v - s[0].v;
  for (size_t i = 1; i < n; ++i) {
    if (s[i].v < s[i - 1].v) result += s[i - 1].v;
  }
  double to_start = static_cast<double>(s[0].t - range_start) / 1e9;
  double to_end = static_cast<double>(range_end - s[n - 1].t) / 1e9;
  double sampled = static_cast<double>(s[n - 1].t - s[0].t) / 1e9;
  double avg_between = sampled / static_cast<double>(n - 1);
  if (result > 0 && s[0].v >= 0) {
    double to_zero = sampled * (s[0].v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_between * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_between / 2;
  interval += to_end < threshold ? to_end : avg_between / 2;
  if (sampled == 0) return false;
  *out = result * (interval / sampled) / range_s;
  return true;
}

bool AggregateWindow(const Expr& e, const Sample* s, size_t n, int64_t range_start,
                     int64_t range_end, std::vector<double>* scratch, double* out) {
  double range_s = static_cast<double>(e.range_ns) / 1e9;
  if (n == 0) return false;
  switch (e.range_op) {
    case RangeOp::kCount:
      *out = static_cast<double>(n);
      return true;
    case RangeOp::kRate:
    case RangeOp::kBytes:
    case RangeOp::kBytesRate:
    case RangeOp::kSum: {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) sum += s[i].v;
      if (e.range_op == RangeOp::kRate && !e.unwrap) sum = static_cast<double>(n);
      *out =
          (e.range_op == RangeOp::kRate || e.range_op == RangeOp::kBytesRate) ? sum / range_s : sum;
      return true;
    }
    case RangeOp::kAvg: {
      double mean = 0;
      for (size_t i = 0; i < n; ++i) mean += (s[i].v - mean) / static_cast<double>(i + 1);
      *out = mean;
      return true;
    }
    case RangeOp::kMin:
    case RangeOp::kMax: {
      double m = s[0].v;
      for (size_t i = 1; i < n; ++i) {
        if (e.range_op == RangeOp::kMin ? (s[i].v < m || std::isnan(m))
                                        : (s[i].v > m || std::isnan(m))) {
          m = s[i].v;
        }
      }
      *out = m;
      return true;
    }
    case RangeOp::kFirst:
      *out = s[0].v;
      return true;
    case RangeOp::kLast:
      *out = s[n - 1].v;
      return true;
    case RangeOp::kStddev:
    case RangeOp::kStdvar: {
      double mean = 0, m2 = 0;
      for (size_t i = 0; i < n; ++i) {
        double d = s[i].v - mean;
        mean += d / static_cast<double>(i + 1);
        m2 += d * (s[i].v - mean);
      }
      double var = m2 / static_cast<double>(n);
      *out = e.range_op == RangeOp::kStddev ? std::sqrt(var) : var;
      return true;
    }
    case RangeOp::kQuantile:
      scratch->clear();
      for (size_t i = 0; i < n; ++i) scratch->push_back(s[i].v);
      *out = Quantile(e.quantile, scratch);
      return true;
    case RangeOp::kRateCounter:
      return CounterRate(s, n, range_start, range_end, range_s, out);
    case RangeOp::kAbsent:
      return false;
  }
  return false;
}

Result<double> ConvertUnwrapped(UnwrapConversion c, std::string_view v) {
  switch (c) {
    case UnwrapConversion::kFloat:
      return ParseGoFloat(v);
    case UnwrapConversion::kDuration:
    case UnwrapConversion::kDurationSeconds: {
      VIGIL_ASSIGN_OR_RETURN(int64_t ns, ParseGoDuration(v));
      return static_cast<double>(ns) / 1e9;
    }
    case UnwrapConversion::kBytes:
      return ParseHumanBytes(v);
  }
  return Status::Internal("unknown conversion");
}

double ArithOp(BinOp op, double a, double b, bool* keep) {
  *keep = true;
  switch (op) {
    case BinOp::kAdd:
      return a + b;
    case BinOp::kSub:
      return a - b;
    case BinOp::kMul:
      return a * b;
    case BinOp::kDiv:
      return a / b;
    case BinOp::kMod:
      return std::fmod(a, b);
    case BinOp::kPow:
      return std::pow(a, b);
    case BinOp::kEq:
      *keep = a == b;
      return a;
    case BinOp::kNe:
      *keep = a != b;
      return a;
    case BinOp::kGt:
      *keep = a > b;
      return a;
    case BinOp::kGe:
      *keep = a >= b;
      return a;
    case BinOp::kLt:
      *keep = a < b;
      return a;
    case BinOp::kLe:
      *keep = a <= b;
      return a;
    default:
      return 0;
  }
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kNe || op == BinOp::kGt || op == BinOp::kGe ||
         op == BinOp::kLt || op == BinOp::kLe;
}

// ---------------------------------------------------------------------------
// Metric evaluation

class Evaluator {
 public:
  Evaluator(logstore::LogReader* reader, const EngineOptions& options, std::vector<int64_t> steps,
            QueryStats* stats)
      : reader_(reader), options_(options), steps_(std::move(steps)), stats_(stats) {}

  Status Eval(const Expr& e, StepValues* out) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        out->is_scalar = true;
        out->scalar.assign(steps_.size(), e.value);
        return Status::OK();
      case Expr::Kind::kVector: {
        out->labels.push_back(model::Labels());
        out->steps.assign(steps_.size(), {{0u, e.value}});
        return Status::OK();
      }
      case Expr::Kind::kRangeAgg:
        return EvalRange(e, out);
      case Expr::Kind::kVectorAgg:
        return EvalVectorAgg(e, out);
      case Expr::Kind::kBinary:
        return EvalBinary(e, out);
      case Expr::Kind::kLabelReplace:
        return EvalLabelReplace(e, out);
      case Expr::Kind::kLog:
        return Status::InvalidArgument("a log query cannot be evaluated as a metric");
    }
    return Status::Internal("unknown expression");
  }

 private:
  // Adds an entry at t to the steps whose window (s - offset - range,
  // s - offset] holds it: t + offset <= s < t + offset + range.
  void AddToWindows(const Expr& e, int64_t t, double v, WindowSums* w) const {
    const int64_t lo = t + e.offset_ns;
    auto first = std::lower_bound(steps_.begin(), steps_.end(), lo);
    auto last = std::lower_bound(first, steps_.end(), lo + e.range_ns);
    if (first == last) return;
    const size_t i0 = static_cast<size_t>(first - steps_.begin());
    const size_t i1 = static_cast<size_t>(last - steps_.begin());
    w->sum[i0] += v;
    w->sum[i1] -= v;
    ++w->count[i0];
    --w->count[i1];
  }

  Status EvalRange(const Expr& e, StepValues* out) {
    // Only line filters, no unwrap, grouped `by` stream labels alone (`sum
    // (count_over_time(...))` pushed down, the commonest dashboard query):
    // an entry's structured metadata cannot change its series, so it is
    // neither read nor turned into labels, and without line filters neither
    // is the line (counting needs timestamps only).
    const bool line_filters_only = Pipeline(&e.log.stages).OnlyLineFilters() && !e.unwrap;
    const bool bytes = e.range_op == RangeOp::kBytes || e.range_op == RangeOp::kBytesRate;
    const bool by_stream_labels =
        line_filters_only && e.grouping.present && !e.grouping.without &&
        std::none_of(e.grouping.labels.begin(), e.grouping.labels.end(),
                     [](const std::string& l) { return l.ends_with("_extracted"); });
    logstore::SelectParams sp;
    sp.matchers = e.log.matchers;
    sp.start_ns = steps_.front() - e.offset_ns - e.range_ns + 1;
    sp.end_ns = steps_.back() - e.offset_ns + 1;
    sp.direction = logstore::Direction::kForward;
    sp.line_contains = Pipeline::LineContainsHints(e.log.stages);
    sp.want_metadata = !(by_stream_labels && e.grouping.labels.empty());
    sp.want_lines = !(by_stream_labels && e.log.stages.empty() && !bytes);
    VIGIL_ASSIGN_OR_RETURN(auto set, reader_->Select(sp));

    Pipeline pipeline(&e.log.stages);
    std::vector<Stage> no_stages;
    Pipeline post(e.unwrap ? &e.unwrap->post_filters : &no_stages);
    LabelState st;
    std::unordered_map<std::string, uint32_t> index;
    std::vector<model::Labels> series_labels;
    std::vector<std::vector<Sample>> samples;
    // Counting and byte sums over up to kMaxAdditiveSteps steps add each
    // entry into the steps whose windows hold it (a difference array per
    // series) instead of keeping every entry: memory no longer grows with
    // the entries a query reads.
    const bool additive = !e.unwrap && steps_.size() <= kMaxAdditiveSteps &&
                          (e.range_op == RangeOp::kCount || e.range_op == RangeOp::kRate ||
                           e.range_op == RangeOp::kBytes || e.range_op == RangeOp::kBytesRate);
    std::vector<WindowSums> sums;
    std::string key;
    std::vector<model::Label> collected;
    Grouping grouping = e.grouping;
    if (e.unwrap && (!grouping.present || grouping.without)) {
      grouping.present = true;
      grouping.without = true;
      grouping.labels.push_back(e.unwrap->label);
    }
    std::sort(grouping.labels.begin(), grouping.labels.end());
    grouping.labels.erase(std::unique(grouping.labels.begin(), grouping.labels.end()),
                          grouping.labels.end());
    // The series of the current entry, from its labels in `st`.
    auto series_of = [&](uint32_t* sid) -> Status {
      key.clear();
      collected.clear();
      if (!grouping.present) {
        st.AppendKey(&key);
      } else if (!grouping.without) {
        // by (...): look the few grouping labels up, in name order.
        for (const auto& name : grouping.labels) {
          const std::string* v = st.Find(name);
          if (v == nullptr || v->empty()) continue;
          key += name;
          key.push_back('\xff');
          key += *v;
          key.push_back('\xff');
        }
      } else {
        std::vector<model::Label> all;
        st.Collect(&all);
        for (auto& l : all) {
          bool listed = std::find(grouping.labels.begin(), grouping.labels.end(), l.name) !=
                        grouping.labels.end();
          if (!listed) collected.push_back(std::move(l));
        }
        for (const auto& l : collected) {
          key += l.name;
          key.push_back('\xff');
          key += l.value;
          key.push_back('\xff');
        }
      }
      auto [pos, inserted] = index.try_emplace(key, static_cast<uint32_t>(series_labels.size()));
      if (inserted) {
        if (series_labels.size() >= options_.max_series) return TooManySeries(options_.max_series);
        if (!grouping.present) {
          st.Collect(&collected);
        } else if (!grouping.without) {
          for (const auto& name : grouping.labels) {
            const std::string* v = st.Find(name);
            if (v != nullptr && !v->empty()) collected.push_back({name, *v});
          }
        }
        series_labels.push_back(model::Labels::FromSorted(collected));
        if (additive) {
          sums.emplace_back(steps_.size());
        } else {
          samples.emplace_back();
        }
      }
      *sid = pos->second;
      return Status::OK();
    };
    static const std::vector<model::LogAttribute> kNoMetadata;
    // Only line filters and no unwrap: every entry of a stream without
    // structured metadata lands in the same series, found once per stream;
    // so does every entry when the series are grouped by labels the stream
    // has (metadata never replaces a stream label).
    while (set->Next()) {
      ++stats_->streams_read;
      const model::Labels& stream = set->labels();
      int64_t stream_sid = -1;
      const bool metadata_irrelevant =
          by_stream_labels && std::all_of(e.grouping.labels.begin(), e.grouping.labels.end(),
                                          [&](const std::string& l) { return stream.Has(l); });
      auto it = set->Entries();
      while (it->Next()) {
        const logstore::LogEntry& entry = it->At();
        ++stats_->entries_read;
        stats_->bytes_read += std::max(entry.line.size(), entry.line_size);
        std::string_view line = entry.line;
        if (line_filters_only && (metadata_irrelevant || entry.metadata.empty())) {
          if (!pipeline.FilterLine(line)) continue;
          if (stream_sid < 0) {
            st.Reset(stream, kNoMetadata);
            uint32_t sid;
            VIGIL_RETURN_IF_ERROR(series_of(&sid));
            stream_sid = sid;
          }
          const double v = bytes ? static_cast<double>(line.size()) : 1.0;
          if (additive) {
            AddToWindows(e, entry.time_ns, v, &sums[stream_sid]);
          } else {
            samples[stream_sid].push_back({entry.time_ns, v});
          }
          continue;
        }
        st.Reset(stream, entry.metadata);
        if (!pipeline.Process(entry.time_ns, &line, &st)) continue;
        double v = 1;
        if (bytes) {
          v = static_cast<double>(line.size());
        } else if (e.unwrap) {
          const std::string* raw = st.Find(e.unwrap->label);
          if (raw == nullptr || raw->empty()) continue;
          auto conv = ConvertUnwrapped(e.unwrap->conversion, *raw);
          if (conv.ok()) {
            v = *conv;
          } else {
            v = 0;
            st.SetError("SampleExtractionErr", conv.status().message());
          }
          if (!post.Process(entry.time_ns, &line, &st)) continue;
        }
        if (st.HasError()) return PipelineError(st);
        uint32_t sid;
        VIGIL_RETURN_IF_ERROR(series_of(&sid));
        if (additive) {
          AddToWindows(e, entry.time_ns, v, &sums[sid]);
        } else {
          samples[sid].push_back({entry.time_ns, v});
        }
      }
      VIGIL_RETURN_IF_ERROR(it->status());
    }
    VIGIL_RETURN_IF_ERROR(set->status());

    out->steps.assign(steps_.size(), {});
    std::vector<double> scratch;
    if (e.range_op == RangeOp::kAbsent) {
      std::vector<model::Label> absent;
      for (const auto& m : e.log.matchers) {
        if (m.type() == model::MatchType::kEqual) absent.push_back({m.name(), m.value()});
      }
      std::sort(absent.begin(), absent.end(),
                [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
      absent.erase(std::unique(absent.begin(), absent.end(),
                               [](const model::Label& a, const model::Label& b) {
                                 return a.name == b.name;
                               }),
                   absent.end());
      for (auto& s : samples) {
        std::stable_sort(s.begin(), s.end(),
                         [](const Sample& a, const Sample& b) { return a.t < b.t; });
      }
      out->labels.push_back(model::Labels::FromSorted(absent));
      for (size_t i = 0; i < steps_.size(); ++i) {
        int64_t hi = steps_[i] - e.offset_ns, lo = hi - e.range_ns;
        bool any = false;
        for (const auto& s : samples) {
          auto it = std::upper_bound(s.begin(), s.end(), lo,
                                     [](int64_t t, const Sample& x) { return t < x.t; });
          if (it != s.end() && it->t <= hi) {
            any = true;
            break;
          }
        }
        if (!any) out->steps[i].push_back({0u, 1.0});
      }
      return Status::OK();
    }
    out->labels = std::move(series_labels);
    if (additive) {
      const double range_s = static_cast<double>(e.range_ns) / 1e9;
      const bool per_second = e.range_op == RangeOp::kRate || e.range_op == RangeOp::kBytesRate;
      for (uint32_t sid = 0; sid < sums.size(); ++sid) {
        double sum = 0;
        int64_t n = 0;
        for (size_t i = 0; i < steps_.size(); ++i) {
          sum += sums[sid].sum[i];
          n += sums[sid].count[i];
          if (n == 0) continue;  // no entry in this window: no point, as Loki
          double v = e.range_op == RangeOp::kCount || e.range_op == RangeOp::kRate
                         ? static_cast<double>(n)
                         : sum;
          out->steps[i].push_back({sid, per_second ? v / range_s : v});
        }
      }
      return Status::OK();
    }
    for (uint32_t sid = 0; sid < samples.size(); ++sid) {
      auto& s = samples[sid];
      std::stable_sort(s.begin(), s.end(),
                       [](const Sample& a, const Sample& b) { return a.t < b.t; });
      size_t lo = 0, hi = 0;
      for (size_t i = 0; i < steps_.size(); ++i) {
        int64_t end = steps_[i] - e.offset_ns, start = end - e.range_ns;
        while (lo < s.size() && s[lo].t <= start) ++lo;
        if (hi < lo) hi = lo;
        while (hi < s.size() && s[hi].t <= end) ++hi;
        double v;
        if (AggregateWindow(e, s.data() + lo, hi - lo, start, end, &scratch, &v)) {
          out->steps[i].push_back({sid, v});
        }
      }
    }
    return Status::OK();
  }

  Status ToVector(StepValues* v) {
    if (!v->is_scalar) return Status::OK();
    v->is_scalar = false;
    v->labels = {model::Labels()};
    v->steps.assign(steps_.size(), {});
    for (size_t i = 0; i < steps_.size(); ++i) v->steps[i].push_back({0u, v->scalar[i]});
    return Status::OK();
  }

  // sum by (...) over a count/rate/bytes/sum range aggregation: grouping the
  // samples before aggregating gives the same values with far fewer series,
  // and, as in Loki, the series limit then applies to the grouped series.
  static bool CanPushDownSum(const Expr& e) {
    if (e.vector_op != VectorOp::kSum || e.lhs->kind != Expr::Kind::kRangeAgg) return false;
    const Expr& r = *e.lhs;
    if (r.grouping.present) return false;
    switch (r.range_op) {
      case RangeOp::kCount:
      case RangeOp::kRate:
      case RangeOp::kBytes:
      case RangeOp::kBytesRate:
      case RangeOp::kSum:
        return true;
      default:
        return false;
    }
  }

  Status EvalVectorAgg(const Expr& e, StepValues* out) {
    StepValues in;
    if (CanPushDownSum(e)) {
      Expr pushed = *e.lhs;
      pushed.grouping = e.grouping;
      pushed.grouping.present = true;
      return EvalRange(pushed, out);
    }
    VIGIL_RETURN_IF_ERROR(Eval(*e.lhs, &in));
    VIGIL_RETURN_IF_ERROR(ToVector(&in));
    if (e.vector_op == VectorOp::kSort || e.vector_op == VectorOp::kSortDesc) {
      *out = std::move(in);
      bool desc = e.vector_op == VectorOp::kSortDesc;
      for (auto& step : out->steps) {
        std::stable_sort(step.begin(), step.end(), [desc](const auto& a, const auto& b) {
          return desc ? a.second > b.second : a.second < b.second;
        });
      }
      return Status::OK();
    }
    // Group of each input series.
    SeriesTable groups;
    StepValues group_labels;
    std::vector<uint32_t> group_of(in.labels.size());
    for (size_t i = 0; i < in.labels.size(); ++i) {
      group_of[i] = groups.Intern(GroupLabels(in.labels[i], e.grouping), &group_labels);
    }
    size_t ngroups = group_labels.labels.size();
    out->steps.assign(steps_.size(), {});
    if (e.vector_op == VectorOp::kTopk || e.vector_op == VectorOp::kBottomk) {
      out->labels = in.labels;
      bool top = e.vector_op == VectorOp::kTopk;
      std::vector<std::vector<std::pair<uint32_t, double>>> per_group(ngroups);
      for (size_t i = 0; i < steps_.size(); ++i) {
        for (auto& g : per_group) g.clear();
        for (const auto& [sid, v] : in.steps[i]) per_group[group_of[sid]].push_back({sid, v});
        for (auto& g : per_group) {
          std::stable_sort(g.begin(), g.end(), [top](const auto& a, const auto& b) {
            if (std::isnan(a.second)) return false;
            if (std::isnan(b.second)) return true;
            return top ? a.second > b.second : a.second < b.second;
          });
          size_t k = std::min<size_t>(g.size(), static_cast<size_t>(e.k));
          for (size_t j = 0; j < k; ++j) out->steps[i].push_back(g[j]);
        }
      }
      return Status::OK();
    }
    out->labels = std::move(group_labels.labels);
    struct Acc {
      bool seen = false;
      double sum = 0, min = 0, max = 0, mean = 0, m2 = 0;
      uint64_t count = 0;
    };
    std::vector<Acc> acc(ngroups);
    for (size_t i = 0; i < steps_.size(); ++i) {
      for (auto& a : acc) a = Acc();
      for (const auto& [sid, v] : in.steps[i]) {
        Acc& a = acc[group_of[sid]];
        if (!a.seen) {
          a.seen = true;
          a.min = a.max = v;
        } else {
          if (v < a.min || std::isnan(a.min)) a.min = v;
          if (v > a.max || std::isnan(a.max)) a.max = v;
        }
        a.sum += v;
        ++a.count;
        double d = v - a.mean;
        a.mean += d / static_cast<double>(a.count);
        a.m2 += d * (v - a.mean);
      }
      for (uint32_t g = 0; g < ngroups; ++g) {
        const Acc& a = acc[g];
        if (!a.seen) continue;
        double v = 0;
        switch (e.vector_op) {
          case VectorOp::kSum:
            v = a.sum;
            break;
          case VectorOp::kAvg:
            v = a.mean;
            break;
          case VectorOp::kMin:
            v = a.min;
            break;
          case VectorOp::kMax:
            v = a.max;
            break;
          case VectorOp::kCount:
            v = static_cast<double>(a.count);
            break;
          case VectorOp::kStdvar:
            v = a.m2 / static_cast<double>(a.count);
            break;
          case VectorOp::kStddev:
            v = std::sqrt(a.m2 / static_cast<double>(a.count));
            break;
          default:
            break;
        }
        out->steps[i].push_back({g, v});
      }
    }
    return Status::OK();
  }

  static std::string Signature(const model::Labels& l, const VectorMatching& m) {
    std::string key;
    for (const auto& lb : l) {
      bool listed = std::find(m.labels.begin(), m.labels.end(), lb.name) != m.labels.end();
      if (m.present && listed != m.on) continue;
      key += lb.name;
      key.push_back('\xff');
      key += lb.value;
      key.push_back('\xff');
    }
    return key;
  }

  Status EvalBinary(const Expr& e, StepValues* out) {
    StepValues l, r;
    VIGIL_RETURN_IF_ERROR(Eval(*e.lhs, &l));
    VIGIL_RETURN_IF_ERROR(Eval(*e.rhs, &r));
    bool cmp = IsComparison(e.bin_op);
    if (l.is_scalar && r.is_scalar) {
      out->is_scalar = true;
      out->scalar.resize(steps_.size());
      for (size_t i = 0; i < steps_.size(); ++i) {
        bool keep;
        double v = ArithOp(e.bin_op, l.scalar[i], r.scalar[i], &keep);
        out->scalar[i] = cmp ? (keep ? 1 : 0) : v;
      }
      return Status::OK();
    }
    if (l.is_scalar || r.is_scalar) {
      bool scalar_left = l.is_scalar;
      StepValues& vec = scalar_left ? r : l;
      StepValues& sc = scalar_left ? l : r;
      out->labels = vec.labels;
      out->steps.assign(steps_.size(), {});
      for (size_t i = 0; i < steps_.size(); ++i) {
        for (const auto& [sid, v] : vec.steps[i]) {
          double a = scalar_left ? sc.scalar[i] : v;
          double b = scalar_left ? v : sc.scalar[i];
          bool keep;
          double res = ArithOp(e.bin_op, a, b, &keep);
          if (cmp) {
            if (e.return_bool) {
              res = keep ? 1 : 0;
            } else if (!keep) {
              continue;
            } else {
              res = v;
            }
          }
          out->steps[i].push_back({sid, res});
        }
      }
      return Status::OK();
    }
    std::vector<std::string> lsig(l.labels.size()), rsig(r.labels.size());
    for (size_t i = 0; i < l.labels.size(); ++i) lsig[i] = Signature(l.labels[i], e.matching);
    for (size_t i = 0; i < r.labels.size(); ++i) rsig[i] = Signature(r.labels[i], e.matching);
    out->steps.assign(steps_.size(), {});
    SeriesTable table;
    if (e.bin_op == BinOp::kAnd || e.bin_op == BinOp::kOr || e.bin_op == BinOp::kUnless) {
      for (size_t i = 0; i < steps_.size(); ++i) {
        std::unordered_map<std::string, bool> rset, lset;
        for (const auto& [sid, v] : r.steps[i]) rset[rsig[sid]] = true;
        for (const auto& [sid, v] : l.steps[i]) {
          lset[lsig[sid]] = true;
          bool in_r = rset.count(lsig[sid]) > 0;
          if (e.bin_op == BinOp::kOr || (e.bin_op == BinOp::kAnd) == in_r) {
            out->steps[i].push_back({table.Intern(l.labels[sid], out), v});
          }
        }
        if (e.bin_op == BinOp::kOr) {
          for (const auto& [sid, v] : r.steps[i]) {
            if (lset.count(rsig[sid]) == 0)
              out->steps[i].push_back({table.Intern(r.labels[sid], out), v});
          }
        }
      }
      return Status::OK();
    }
    bool one_to_many = e.matching.card == VectorMatching::Card::kOneToMany;
    // "one" side: the side that must be unique per signature.
    StepValues& many = one_to_many ? r : l;
    StepValues& one = one_to_many ? l : r;
    std::vector<std::string>& many_sig = one_to_many ? rsig : lsig;
    std::vector<std::string>& one_sig = one_to_many ? lsig : rsig;
    std::unordered_map<std::string, model::Labels> result_labels_cache;
    for (size_t i = 0; i < steps_.size(); ++i) {
      std::unordered_map<std::string, std::pair<uint32_t, double>> one_map;
      for (const auto& [sid, v] : one.steps[i]) {
        if (!one_map.emplace(one_sig[sid], std::make_pair(sid, v)).second) {
          return Status::InvalidArgument(fmt::format(
              "found duplicate series for the match group {} on the {} hand-side of the operation: "
              "many-to-many matching not allowed: matching labels must be unique on one side",
              one.labels[sid].ToString(), one_to_many ? "left" : "right"));
        }
      }
      std::unordered_map<std::string, bool> matched;
      for (const auto& [sid, v] : many.steps[i]) {
        auto it = one_map.find(many_sig[sid]);
        if (it == one_map.end()) continue;
        if (e.matching.card == VectorMatching::Card::kOneToOne) {
          if (!matched.emplace(many_sig[sid], true).second) {
            return Status::InvalidArgument(
                "multiple matches for labels: many-to-one matching must be explicit "
                "(group_left/group_right)");
          }
        }
        double lv = one_to_many ? it->second.second : v;
        double rv = one_to_many ? v : it->second.second;
        bool keep;
        double res = ArithOp(e.bin_op, lv, rv, &keep);
        if (cmp) {
          if (e.return_bool) {
            res = keep ? 1 : 0;
          } else if (!keep) {
            continue;
          }
        }
        // Result labels.
        const model::Labels& base = many.labels[sid];
        model::Labels result;
        if (e.matching.card == VectorMatching::Card::kOneToOne) {
          if (!e.matching.present) {
            result = base;
          } else {
            std::vector<model::Label> keep_labels;
            for (const auto& lb : base) {
              bool listed = std::find(e.matching.labels.begin(), e.matching.labels.end(),
                                      lb.name) != e.matching.labels.end();
              if (listed == e.matching.on) keep_labels.push_back(lb);
            }
            result = model::Labels::FromSorted(std::move(keep_labels));
          }
        } else {
          model::LabelsBuilder b(base);
          const model::Labels& other = one.labels[it->second.first];
          for (const auto& name : e.matching.include) {
            std::string_view v2 = other.Get(name);
            if (v2.empty()) {
              b.Del(name);
            } else {
              b.Set(name, v2);
            }
          }
          result = b.Build();
        }
        out->steps[i].push_back({table.Intern(std::move(result), out), res});
      }
    }
    return Status::OK();
  }

  Status EvalLabelReplace(const Expr& e, StepValues* out) {
    StepValues in;
    VIGIL_RETURN_IF_ERROR(Eval(*e.lhs, &in));
    VIGIL_RETURN_IF_ERROR(ToVector(&in));
    SeriesTable table;
    std::vector<uint32_t> mapped(in.labels.size());
    int groups = e.regex->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> caps(groups + 1);
    const auto& named = e.regex->NamedCapturingGroups();
    for (size_t i = 0; i < in.labels.size(); ++i) {
      const model::Labels& l = in.labels[i];
      std::string_view src = l.Get(e.src);
      model::Labels result = l;
      if (e.regex->Match(re2::StringPiece(src.data(), src.size()), 0, src.size(), RE2::UNANCHORED,
                         caps.data(), groups + 1)) {
        std::string value;
        const std::string& t = e.replacement;
        for (size_t p = 0; p < t.size(); ++p) {
          if (t[p] != '$' || p + 1 >= t.size()) {
            value.push_back(t[p]);
            continue;
          }
          size_t q = p + 1;
          std::string name;
          if (t[q] == '$') {
            value.push_back('$');
            p = q;
            continue;
          }
          if (t[q] == '{') {
            size_t close = t.find('}', q);
            if (close == std::string::npos) {
              value.push_back('$');
              continue;
            }
            name = t.substr(q + 1, close - q - 1);
            p = close;
          } else {
            while (q < t.size() && (std::isalnum(static_cast<unsigned char>(t[q])) || t[q] == '_'))
              ++q;
            if (q == p + 1) {
              value.push_back('$');
              continue;
            }
            name = t.substr(p + 1, q - p - 1);
            p = q - 1;
          }
          int idx = -1;
          if (!name.empty() &&
              std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            idx = std::atoi(name.c_str());
          } else if (auto it = named.find(name); it != named.end()) {
            idx = it->second;
          }
          if (idx >= 0 && idx <= groups) value.append(caps[idx].data(), caps[idx].size());
        }
        result = l.With(e.dst, value);
      }
      mapped[i] = table.Intern(std::move(result), out);
    }
    out->steps.assign(steps_.size(), {});
    for (size_t i = 0; i < steps_.size(); ++i) {
      std::vector<bool> seen(out->labels.size());
      for (const auto& [sid, v] : in.steps[i]) {
        uint32_t m = mapped[sid];
        if (seen[m])
          return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
        seen[m] = true;
        out->steps[i].push_back({m, v});
      }
    }
    return Status::OK();
  }

  logstore::LogReader* reader_;
  const EngineOptions& options_;
  std::vector<int64_t> steps_;
  QueryStats* stats_;
};

bool IsSortExpr(const Expr& e) {
  return e.kind == Expr::Kind::kVectorAgg &&
         (e.vector_op == VectorOp::kSort || e.vector_op == VectorOp::kSortDesc);
}

// ---------------------------------------------------------------------------
// Log queries

Status RunLogQuery(logstore::LogReader* reader, const EngineOptions& options, const Expr& e,
                   const QueryParams& params, QueryResult* result) {
  uint32_t limit = params.limit == 0 ? options.max_entries_limit : params.limit;
  if (limit > options.max_entries_limit) {
    return Status::ResourceExhausted(
        fmt::format("max entries limit per query exceeded, limit > max_entries_limit ({} > {})",
                    limit, options.max_entries_limit));
  }
  logstore::SelectParams sp;
  sp.matchers = e.log.matchers;
  sp.start_ns = params.start_ns;
  sp.end_ns = params.end_ns;
  sp.direction = params.direction;
  sp.line_contains = Pipeline::LineContainsHints(e.log.stages);
  VIGIL_ASSIGN_OR_RETURN(auto set, reader->Select(sp));
  bool forward = params.direction == logstore::Direction::kForward;

  struct Candidate {
    int64_t t;
    uint64_t seq;
    uint32_t stream;
    logstore::LogEntry entry;
  };
  std::vector<Candidate> cands;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<model::Labels> out_labels;
  Pipeline pipeline(&e.log.stages);
  LabelState st;
  std::string key;
  std::vector<model::Label> collected;
  uint64_t seq = 0;
  auto lookup = [&]() -> uint32_t {
    key.clear();
    st.AppendKey(&key);
    auto [pos, inserted] = index.try_emplace(key, static_cast<uint32_t>(out_labels.size()));
    if (inserted) {
      st.Collect(&collected);
      out_labels.push_back(model::Labels::FromSorted(collected));
    }
    return pos->second;
  };
  static const std::vector<model::LogAttribute> kNoMetadata;
  bool line_filters_only = pipeline.OnlyLineFilters();
  while (set->Next()) {
    ++result->stats.streams_read;
    const model::Labels& stream = set->labels();
    int64_t stream_idx = -1;
    auto it = set->Entries();
    uint32_t taken = 0;
    while (it->Next()) {
      const logstore::LogEntry& entry = it->At();
      ++result->stats.entries_read;
      result->stats.bytes_read += entry.line.size();
      if (entry.time_ns < params.start_ns || entry.time_ns >= params.end_ns) continue;
      std::string_view line = entry.line;
      uint32_t out_idx;
      if (line_filters_only && entry.metadata.empty()) {
        if (!pipeline.FilterLine(line)) continue;
        if (stream_idx < 0) {
          st.Reset(stream, kNoMetadata);
          stream_idx = lookup();
        }
        out_idx = static_cast<uint32_t>(stream_idx);
      } else {
        st.Reset(stream, entry.metadata);
        if (!pipeline.Process(entry.time_ns, &line, &st)) continue;
        out_idx = lookup();
      }
      Candidate c{entry.time_ns, seq++, out_idx, logstore::LogEntry()};
      c.entry.time_ns = entry.time_ns;
      c.entry.line.assign(line);
      c.entry.metadata = entry.metadata;
      cands.push_back(std::move(c));
      // More than `limit` entries of one stream can never make the cut.
      if (params.interval_ns == 0 && ++taken >= limit) break;
    }
    VIGIL_RETURN_IF_ERROR(it->status());
  }
  VIGIL_RETURN_IF_ERROR(set->status());
  std::stable_sort(cands.begin(), cands.end(), [forward](const Candidate& a, const Candidate& b) {
    if (a.t != b.t) return forward ? a.t < b.t : a.t > b.t;
    return a.seq < b.seq;
  });
  std::vector<std::vector<logstore::LogEntry>> per_stream(out_labels.size());
  size_t emitted = 0;
  bool have_last = false;
  int64_t last = 0;
  for (auto& c : cands) {
    if (emitted >= limit) break;
    if (params.interval_ns > 0 && have_last) {
      bool ok = forward ? c.t >= last + params.interval_ns : c.t <= last - params.interval_ns;
      if (!ok) continue;
    }
    have_last = true;
    last = c.t;
    per_stream[c.stream].push_back(std::move(c.entry));
    ++emitted;
  }
  for (size_t i = 0; i < out_labels.size(); ++i) {
    if (per_stream[i].empty()) continue;
    result->streams.push_back(Stream{std::move(out_labels[i]), std::move(per_stream[i])});
  }
  std::sort(result->streams.begin(), result->streams.end(),
            [](const Stream& a, const Stream& b) { return a.labels < b.labels; });
  return Status::OK();
}

class EntryPipelineImpl : public EntryPipeline {
 public:
  explicit EntryPipelineImpl(std::shared_ptr<const Expr> expr)
      : expr_(std::move(expr)), pipeline_(&expr_->log.stages) {}

  bool Process(const model::Labels& stream, int64_t time_ns, std::string* line,
               model::Labels* labels) override {
    static const std::vector<model::LogAttribute> kNoMetadata;
    state_.Reset(stream, kNoMetadata);
    std::string_view view = *line;
    if (!pipeline_.Process(time_ns, &view, &state_)) return false;
    if (view.data() != line->data() || view.size() != line->size()) *line = std::string(view);
    state_.Collect(&collected_);
    *labels = model::Labels::FromSorted(collected_);
    return true;
  }

 private:
  std::shared_ptr<const Expr> expr_;
  Pipeline pipeline_;
  LabelState state_;
  std::vector<model::Label> collected_;
};

}  // namespace

Result<ParsedQuery> Parse(std::string_view query) {
  VIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> expr, ParseExpr(query));
  ParsedQuery pq;
  pq.is_metric = expr->IsMetric();
  if (const LogSelector* sel = FirstSelector(*expr)) pq.selector = sel->matchers;
  pq.normalized = Format(*expr);
  return pq;
}

Result<std::unique_ptr<EntryPipeline>> EntryPipeline::Make(std::string_view log_query) {
  VIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> expr, ParseExpr(log_query));
  if (expr->IsMetric()) {
    return Status::InvalidArgument("only log queries are supported here, got a metric query");
  }
  return std::unique_ptr<EntryPipeline>(new EntryPipelineImpl(std::move(expr)));
}

Engine::Engine(logstore::LogReader* reader, EngineOptions options)
    : reader_(reader), options_(options) {}

Engine::~Engine() = default;

Result<QueryResult> Engine::Query(const QueryParams& params) {
  auto started = std::chrono::steady_clock::now();
  VIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> expr, ParseExpr(params.query));
  QueryResult result;
  if (params.end_ns < params.start_ns) {
    return Status::InvalidArgument("end timestamp must not be before start time");
  }
  if (!expr->IsMetric()) {
    result.type = QueryResult::Type::kStreams;
    VIGIL_RETURN_IF_ERROR(RunLogQuery(reader_, options_, *expr, params, &result));
  } else {
    std::vector<int64_t> steps;
    bool instant = params.step_ns <= 0;
    if (instant) {
      steps.push_back(params.end_ns);
    } else {
      if ((params.end_ns - params.start_ns) / params.step_ns > 11000) {
        return Status::InvalidArgument(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
            "resolution (?step=XX)");
      }
      for (int64_t t = params.start_ns; t <= params.end_ns; t += params.step_ns) steps.push_back(t);
    }
    Evaluator ev(reader_, options_, steps, &result.stats);
    StepValues v;
    VIGIL_RETURN_IF_ERROR(ev.Eval(*expr, &v));
    if (v.is_scalar) {
      result.type = instant ? QueryResult::Type::kScalar : QueryResult::Type::kMatrix;
      Series s;
      for (size_t i = 0; i < steps.size(); ++i) s.points.push_back({steps[i], v.scalar[i]});
      result.series.push_back(std::move(s));
    } else {
      result.type = instant ? QueryResult::Type::kVector : QueryResult::Type::kMatrix;
      std::vector<Series> series(v.labels.size());
      std::vector<uint32_t> order;  // first appearance, for sort()
      std::vector<bool> present(v.labels.size());
      for (size_t i = 0; i < steps.size(); ++i) {
        for (const auto& [sid, val] : v.steps[i]) {
          if (!present[sid]) {
            present[sid] = true;
            order.push_back(sid);
          }
          series[sid].points.push_back({steps[i], val});
        }
      }
      if (order.size() > options_.max_series) return TooManySeries(options_.max_series);
      if (!(instant && IsSortExpr(*expr))) {
        std::sort(order.begin(), order.end(),
                  [&](uint32_t a, uint32_t b) { return v.labels[a] < v.labels[b]; });
      }
      for (uint32_t sid : order) {
        series[sid].labels = std::move(v.labels[sid]);
        result.series.push_back(std::move(series[sid]));
      }
    }
  }
  result.stats.exec_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace vigil::logql
