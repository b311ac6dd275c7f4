// info(v [, data-label-selector]): adds to every series of v the "data"
// labels of the info series (target_info unless the selector names others)
// that share its identifying labels (instance and job), as Prometheus 3.5's
// experimental info function (promql/info.go) does.
//
// Per step, the newest info sample within the lookback window counts; two
// info series with the same identifying labels and equally new samples are
// an error, as are data labels with conflicting values. With data label
// matchers that do not match the empty string, series without a matching
// info series are dropped. Series that are themselves info series pass
// through unchanged.
#include <fmt/format.h>
#include <re2/re2.h>

#include <map>
#include <set>
#include <unordered_map>

#include "model/sample.h"
#include "query/promql/eval.h"
#include "query/promql/eval_util.h"

namespace vigil::promql::eval {

namespace {

constexpr std::string_view kTargetInfo = "target_info";
constexpr std::string_view kIdentifyingLabels[] = {"instance", "job"};

// The join key of a series with the info metric `name`: the name and the
// series' identifying labels.
std::string InfoSignature(std::string_view name, const model::Labels& l) {
  std::string key(name);
  for (std::string_view id : kIdentifyingLabels) {
    key.push_back('\xff');
    key += id;
    key.push_back('\xfe');
    key += l.Get(id);
  }
  return key;
}

// The first vector selector of e in Prometheus' parser.Inspect order
// (depth first, children in order; an aggregation's argument before its
// parameter), or null.
const VectorSelector* FirstVectorSelector(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      return static_cast<const VectorSelector*>(&e);
    case ExprKind::kMatrixSelector:
      return static_cast<const MatrixSelector&>(e).selector.get();
    case ExprKind::kSubquery:
      return FirstVectorSelector(*static_cast<const SubqueryExpr&>(e).expr);
    case ExprKind::kParen:
      return FirstVectorSelector(*static_cast<const ParenExpr&>(e).expr);
    case ExprKind::kStepInvariant:
      return FirstVectorSelector(*static_cast<const StepInvariantExpr&>(e).expr);
    case ExprKind::kUnary:
      return FirstVectorSelector(*static_cast<const UnaryExpr&>(e).expr);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      const VectorSelector* vs = FirstVectorSelector(*b.lhs);
      return vs != nullptr ? vs : FirstVectorSelector(*b.rhs);
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      const VectorSelector* vs = a.expr != nullptr ? FirstVectorSelector(*a.expr) : nullptr;
      return vs != nullptr || a.param == nullptr ? vs : FirstVectorSelector(*a.param);
    }
    case ExprKind::kCall:
      for (const ExprPtr& arg : static_cast<const Call&>(e).args) {
        if (const VectorSelector* vs = FirstVectorSelector(*arg)) return vs;
      }
      return nullptr;
    case ExprKind::kNumber:
    case ExprKind::kString:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

Status Evaluator::EvalInfo(const Call& c, EvalValue* out) {
  EvalValue base;
  VIGIL_RETURN_IF_ERROR(Eval(*c.args[0], &base));
  EvalMatrix& mat = base.matrix;

  // Data label matchers by label name; __name__ matchers pick the info metrics.
  std::map<std::string, std::vector<const model::Matcher*>> data_matchers;
  std::vector<model::Matcher> name_matchers;
  const VectorSelector* selector = nullptr;
  if (c.args.size() > 1) {
    const Expr& a = Unparen(*c.args[1]);
    if (a.kind == ExprKind::kVectorSelector) selector = static_cast<const VectorSelector*>(&a);
  }
  if (selector != nullptr) {
    for (const model::Matcher& m : selector->matchers) {
      if (m.name() == model::kMetricName) {
        name_matchers.push_back(m);
      } else {
        data_matchers[m.name()].push_back(&m);
      }
    }
  }
  const bool default_name = name_matchers.empty();
  if (default_name) {
    name_matchers.push_back(
        model::Matcher::Equal(std::string(model::kMetricName), std::string(kTargetInfo)));
  }

  // Info series are not enriched; the others give the identifying values to look for.
  std::vector<bool> ignore(mat.size(), false);
  std::map<std::string_view, std::set<std::string_view>> id_values;
  for (size_t i = 0; i < mat.size(); ++i) {
    std::string_view name = mat[i].metric->MetricName();
    for (const model::Matcher& m : name_matchers) {
      if (m.Matches(name)) ignore[i] = true;
    }
    if (ignore[i]) continue;
    for (std::string_view id : kIdentifyingLabels) {
      std::string_view v = mat[i].metric->Get(id);
      if (!v.empty()) id_values[id].insert(v);
    }
  }

  // The info series: their value at a step is the time of the sample seen.
  EvalMatrix info;
  if (!id_values.empty()) {
    VectorSelector isel;
    for (const auto& [id, values] : id_values) {
      std::string re;
      for (std::string_view v : values) {
        if (!re.empty()) re.push_back('|');
        re += re2::RE2::QuoteMeta(re2::StringPiece(v.data(), v.size()));
      }
      VIGIL_ASSIGN_OR_RETURN(
          model::Matcher m,
          model::Matcher::Make(model::MatchType::kRegexMatch, std::string(id), std::move(re)));
      isel.matchers.push_back(std::move(m));
    }
    if (default_name) isel.matchers.push_back(name_matchers[0]);
    if (selector != nullptr) {
      for (const model::Matcher& m : selector->matchers) isel.matchers.push_back(m);
    }
    // As Prometheus' infoSelectHints: the info series are read over the
    // query's range moved by the offset and @ of the first selector of the
    // argument, but evaluated at the steps themselves (offset 0), so only
    // samples inside that read range count.
    if (const VectorSelector* first = FirstVectorSelector(*c.args[0])) {
      isel.offset_ms = first->offset_ms;
      isel.at = first->at;
      isel.at_ms = first->at_ms;
    }
    const int64_t lookback = q_->opts().lookback_ms;
    int64_t read_start = start_, read_end = end_;
    if (isel.at != AtModifier::kNone) read_start = read_end = q_->AtTime(isel.at, isel.at_ms);
    read_start -= isel.offset_ms + lookback - 1;
    read_end -= isel.offset_ms;
    VIGIL_RETURN_IF_ERROR(ForEachSeries(
        isel, 0, "info", [&](const model::Labels* metric, storage::SeriesIterator* it) {
          EvalSeries s;
          s.metric = metric;
          int64_t cursor_t = 0;
          bool have = false;
          double v = 0;
          // A forward-only scan: the newest sample at or before each step.
          bool more = it->Seek(std::max(start_ - lookback + 1, read_start));
          if (more && it->t() > read_end) more = false;
          for (int64_t ts = start_; ts <= end_; ts += interval_) {
            while (more && it->t() <= ts) {
              cursor_t = it->t();
              v = it->v();
              have = true;
              more = it->Next() && it->t() <= read_end;
            }
            if (!more) VIGIL_RETURN_IF_ERROR(it->status());
            if (have && cursor_t > ts - lookback && !model::IsStaleNaN(v)) {
              s.points.push_back(FPoint{ts, static_cast<double>(cursor_t)});
            }
          }
          if (s.points.empty()) return Status::OK();
          int64_t n = static_cast<int64_t>(s.points.size());
          q_->CountLoaded(static_cast<uint64_t>(n));
          VIGIL_RETURN_IF_ERROR(q_->AddSamples(n));
          info.push_back(std::move(s));
          return Status::OK();
        }));
  }

  // Signatures of every base series per info metric name, and of the info series.
  std::set<std::string_view> info_names;
  for (const EvalSeries& s : info) info_names.insert(s.metric->MetricName());
  std::vector<std::vector<std::string>> base_sigs(mat.size());
  for (size_t i = 0; i < mat.size(); ++i) {
    for (std::string_view n : info_names) base_sigs[i].push_back(InfoSignature(n, *mat[i].metric));
  }
  std::vector<std::string> info_sigs;
  for (const EvalSeries& s : info) {
    info_sigs.push_back(InfoSignature(s.metric->MetricName(), *s.metric));
  }
  bool all_match_empty = true;
  for (const auto& [name, ms] : data_matchers) {
    for (const model::Matcher* m : ms) all_match_empty = all_match_empty && m->MatchesEmpty();
  }

  std::vector<size_t> base_cur(mat.size(), 0), info_cur(info.size(), 0);
  std::unordered_map<std::string_view, std::pair<size_t, int64_t>> by_sig;  // info series, time
  std::unordered_map<const model::Labels*, size_t> index;
  std::vector<int64_t> last_ts;
  EvalMatrix output;
  model::LabelsBuilder data;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    VIGIL_RETURN_IF_ERROR(q_->CheckDeadline());
    by_sig.clear();
    for (size_t k = 0; k < info.size(); ++k) {
      const auto& pts = info[k].points;
      if (info_cur[k] >= pts.size() || pts[info_cur[k]].t != ts) continue;
      const int64_t orig_t = static_cast<int64_t>(pts[info_cur[k]++].f);
      auto [it, inserted] = by_sig.emplace(info_sigs[k], std::make_pair(k, orig_t));
      if (inserted || it->second.second > orig_t) continue;
      if (it->second.second < orig_t) {
        it->second = {k, orig_t};
        continue;
      }
      return Status::FailedPrecondition(
          fmt::format("found duplicate series for info metric: existing {} @ {}, new {} @ {}",
                      LabelsString(*info[it->second.first].metric), it->second.second,
                      LabelsString(*info[k].metric), orig_t));
    }
    for (size_t i = 0; i < mat.size(); ++i) {
      const auto& pts = mat[i].points;
      if (base_cur[i] >= pts.size() || pts[base_cur[i]].t != ts) continue;
      const double f = pts[base_cur[i]++].f;
      const model::Labels* metric = mat[i].metric;
      if (!ignore[i]) {
        data.Reset(model::Labels());
        bool any = false;
        for (const std::string& sig : base_sigs[i]) {
          auto it = by_sig.find(sig);
          if (it == by_sig.end()) continue;
          for (const model::Label& l : *info[it->second.first].metric) {
            if (l.name == model::kMetricName) continue;
            if (!data_matchers.empty() && data_matchers.count(l.name) == 0) continue;
            std::string_view have = data.Get(l.name);
            if (!have.empty() && have != l.value) {
              return Status::FailedPrecondition("conflicting label: " + l.name);
            }
            if (metric->Has(l.name)) continue;
            data.Set(l.name, l.value);
            any = true;
          }
        }
        if (!any && !all_match_empty) continue;
        if (any) {
          model::LabelsBuilder b(*metric);
          for (const model::Label& l : data.Build()) b.Set(l.name, l.value);
          metric = q_->labels().Intern(b);
        }
      }
      auto [it, inserted] = index.emplace(metric, output.size());
      if (inserted) {
        output.push_back(EvalSeries{metric, {}, false});
        last_ts.push_back(ts);
      } else if (last_ts[it->second] == ts) {
        return Status::FailedPrecondition("vector cannot contain metrics with the same labelset");
      }
      last_ts[it->second] = ts;
      output[it->second].points.push_back(FPoint{ts, f});
      VIGIL_RETURN_IF_ERROR(q_->AddSamples(1));
    }
  }
  ReleaseMatrix(q_, &mat);
  ReleaseMatrix(q_, &info);
  out->matrix = std::move(output);
  return Status::OK();
}

}  // namespace vigil::promql::eval
