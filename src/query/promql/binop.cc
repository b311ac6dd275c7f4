// Binary operators: arithmetic, comparisons and set operators between
// scalars and instant vectors, with Prometheus' vector matching.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "query/promql/eval.h"
#include "query/promql/eval_util.h"

namespace vigil::promql::eval {

namespace {

bool IsArithmetic(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
    case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

bool IsComparisonOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

// The value of lhs op rhs and whether a comparison holds (always true for
// arithmetic). Comparisons yield lhs.
void ElemBinop(BinaryOp op, double lhs, double rhs, double* v, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      *v = lhs + rhs;
      return;
    case BinaryOp::kSub:
      *v = lhs - rhs;
      return;
    case BinaryOp::kMul:
      *v = lhs * rhs;
      return;
    case BinaryOp::kDiv:
      *v = lhs / rhs;
      return;
    case BinaryOp::kPow:
      *v = std::pow(lhs, rhs);
      return;
    case BinaryOp::kMod:
      *v = std::fmod(lhs, rhs);
      return;
    case BinaryOp::kAtan2:
      *v = std::atan2(lhs, rhs);
      return;
    case BinaryOp::kEql:
      *v = lhs;
      *keep = lhs == rhs;
      return;
    case BinaryOp::kNeq:
      *v = lhs;
      *keep = lhs != rhs;
      return;
    case BinaryOp::kGtr:
      *v = lhs;
      *keep = lhs > rhs;
      return;
    case BinaryOp::kLss:
      *v = lhs;
      *keep = lhs < rhs;
      return;
    case BinaryOp::kGte:
      *v = lhs;
      *keep = lhs >= rhs;
      return;
    case BinaryOp::kLte:
      *v = lhs;
      *keep = lhs <= rhs;
      return;
    default:
      *v = 0;
      *keep = false;
  }
}

double ScalarBinop(BinaryOp op, double lhs, double rhs) {
  double v;
  bool keep;
  ElemBinop(op, lhs, rhs, &v, &keep);
  if (IsComparisonOp(op)) return keep ? 1 : 0;
  return v;
}

// Per-step scratch of set operators: which signatures a side has, stamped
// with the step so nothing needs clearing.
class SigPresence {
 public:
  void Reset(uint32_t num_sigs) {
    if (stamp_.size() < num_sigs) stamp_.resize(num_sigs, 0);
    ++gen_;
  }
  void Mark(uint32_t sig) { stamp_[sig] = gen_; }
  bool Has(uint32_t sig) const { return stamp_[sig] == gen_; }

 private:
  std::vector<uint64_t> stamp_;
  uint64_t gen_ = 0;
};

struct PairHash {
  size_t operator()(const std::pair<const void*, const void*>& p) const {
    return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
  }
};

// The labels of one side kept (on) or dropped (ignoring, plus __name__) by
// the matching: Prometheus' Labels.MatchLabels.
model::Labels MatchLabels(const model::Labels& l, const VectorMatching& m) {
  std::vector<model::Label> out;
  for (const model::Label& lb : l) {
    bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), lb.name) !=
                  m.matching_labels.end();
    if (m.on ? listed : (!listed && lb.name != model::kMetricName)) out.push_back(lb);
  }
  return model::Labels::FromSorted(std::move(out));
}

// vector <op> vector other than the set operators.
class VectorBinop {
 public:
  VectorBinop(QueryState* q, const BinaryExpr& b) : q_(q), b_(b), m_(*b.matching) {}

  Status Step(int64_t ts, const StepVector& lhs, const StepVector& rhs, uint32_t num_sigs,
              StepVector* out) {
    if (lhs.empty() || rhs.empty()) return Status::OK();
    const bool swap = m_.card == Cardinality::kOneToMany;
    const StepVector& many = swap ? rhs : lhs;
    const StepVector& one = swap ? lhs : rhs;
    if (right_.size() < num_sigs) {
      right_.resize(num_sigs);
      right_stamp_.resize(num_sigs, 0);
      matched_stamp_.resize(num_sigs, 0);
    }
    ++gen_;
    for (size_t i = 0; i < one.size(); ++i) {
      uint32_t sig = one[i].sig;
      if (right_stamp_[sig] == gen_) {
        const EvalSample& dup = one[right_[sig]];
        return Status::FailedPrecondition(fmt::format(
            "found duplicate series for the match group {} on the {} hand-side of the "
            "operation: [{}, {}];many-to-many matching not allowed: matching labels must be "
            "unique on one side",
            LabelsString(MatchLabels(*one[i].metric, m_)), swap ? "left" : "right",
            LabelsString(*one[i].metric), LabelsString(*dup.metric)));
      }
      right_stamp_[sig] = gen_;
      right_[sig] = i;
    }
    inserted_.clear();
    for (const EvalSample& ls : many) {
      uint32_t sig = ls.sig;
      if (right_stamp_[sig] != gen_) continue;
      const EvalSample& rs = one[right_[sig]];
      double fl = ls.f, fr = rs.f;
      if (swap) std::swap(fl, fr);
      double v;
      bool keep;
      ElemBinop(b_.op, fl, fr, &v, &keep);
      if (b_.return_bool) {
        v = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      const model::Labels* metric = ResultMetric(ls.metric, rs.metric);
      if (m_.card == Cardinality::kOneToOne) {
        if (matched_stamp_[sig] == gen_) {
          return Status::FailedPrecondition(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        matched_stamp_[sig] = gen_;
      } else if (!inserted_.emplace(sig, metric).second) {
        return Status::FailedPrecondition(
            "multiple matches for labels: grouping labels must ensure unique matches");
      }
      out->push_back(EvalSample{metric, ts, v, b_.return_bool, 0});
    }
    return Status::OK();
  }

 private:
  struct SigMetricHash {
    size_t operator()(const std::pair<uint32_t, const model::Labels*>& p) const {
      return std::hash<const void*>()(p.second) ^
             (static_cast<size_t>(p.first) * 0x9E3779B97F4A7C15ull);
    }
  };

  const model::Labels* ResultMetric(const model::Labels* lhs, const model::Labels* rhs) {
    auto key = std::make_pair(static_cast<const void*>(lhs), static_cast<const void*>(rhs));
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::vector<model::Label> kept;
    kept.reserve(lhs->size());
    const bool arithmetic = IsArithmetic(b_.op);
    for (const model::Label& l : *lhs) {
      if (arithmetic && IsMetricNameLabel(l.name)) continue;
      if (m_.card == Cardinality::kOneToOne) {
        bool listed = std::find(m_.matching_labels.begin(), m_.matching_labels.end(), l.name) !=
                      m_.matching_labels.end();
        if (listed != m_.on) continue;
      }
      kept.push_back(l);
    }
    model::LabelsBuilder builder(model::Labels::FromSorted(std::move(kept)));
    for (const std::string& name : m_.include) {
      // Included labels come from the "one" side.
      std::string_view v = rhs->Get(name);
      if (!v.empty()) {
        builder.Set(name, v);
      } else {
        builder.Del(name);
      }
    }
    const model::Labels* r = q_->labels().Intern(builder);
    cache_.emplace(key, r);
    return r;
  }

  QueryState* q_;
  const BinaryExpr& b_;
  const VectorMatching& m_;
  std::vector<size_t> right_;
  std::vector<uint64_t> right_stamp_;
  std::vector<uint64_t> matched_stamp_;
  uint64_t gen_ = 0;
  std::unordered_set<std::pair<uint32_t, const model::Labels*>, SigMetricHash> inserted_;
  std::unordered_map<std::pair<const void*, const void*>, const model::Labels*, PairHash> cache_;
};

void VectorScalarBinop(const BinaryExpr& b, const StepVector& vec, double scalar, bool swap,
                       StepVector* out) {
  const bool arithmetic = IsArithmetic(b.op);
  const bool comparison = IsComparisonOp(b.op);
  for (const EvalSample& s : vec) {
    double lf = s.f, rf = scalar;
    if (swap) std::swap(lf, rf);
    double v;
    bool keep;
    ElemBinop(b.op, lf, rf, &v, &keep);
    // A comparison always yields the vector's value, whichever side it is on.
    if (comparison && swap) v = rf;
    if (b.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    EvalSample r = s;
    r.f = v;
    if (arithmetic || b.return_bool) r.drop_name = true;
    out->push_back(r);
  }
}

}  // namespace

Status Evaluator::EvalBinary(const BinaryExpr& b, EvalValue* out) {
  const ValueType lt = b.lhs->type();
  const ValueType rt = b.rhs->type();
  const Expr* exprs[2] = {b.lhs.get(), b.rhs.get()};
  const model::Labels* empty = q_->labels().Empty();

  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    return RangeEval(
        exprs, nullptr,
        [&](int64_t ts, std::span<StepVector> v, uint32_t, StepVector* res) {
          if (v[0].empty() || v[1].empty()) return Status::OK();
          res->push_back(EvalSample{empty, ts, ScalarBinop(b.op, v[0][0].f, v[1][0].f), false, 0});
          return Status::OK();
        },
        out);
  }
  if (lt == ValueType::kVector && rt == ValueType::kVector) {
    if (!b.matching.has_value()) return Status::Internal("vector operation without matching");
    const VectorMatching* matching = &*b.matching;
    switch (b.op) {
      case BinaryOp::kAnd:
      case BinaryOp::kOr:
      case BinaryOp::kUnless: {
        SigPresence presence;
        return RangeEval(
            exprs, matching,
            [&](int64_t, std::span<StepVector> v, uint32_t num_sigs, StepVector* res) {
              const StepVector& lhs = v[0];
              const StepVector& rhs = v[1];
              if (b.op == BinaryOp::kAnd) {
                if (lhs.empty() || rhs.empty()) return Status::OK();
                presence.Reset(num_sigs);
                for (const EvalSample& s : rhs) presence.Mark(s.sig);
                for (const EvalSample& s : lhs) {
                  if (presence.Has(s.sig)) res->push_back(s);
                }
              } else if (b.op == BinaryOp::kOr) {
                if (lhs.empty() || rhs.empty()) {
                  res->insert(res->end(), lhs.begin(), lhs.end());
                  res->insert(res->end(), rhs.begin(), rhs.end());
                  return Status::OK();
                }
                presence.Reset(num_sigs);
                for (const EvalSample& s : lhs) {
                  presence.Mark(s.sig);
                  res->push_back(s);
                }
                for (const EvalSample& s : rhs) {
                  if (!presence.Has(s.sig)) res->push_back(s);
                }
              } else {
                if (lhs.empty() || rhs.empty()) {
                  res->insert(res->end(), lhs.begin(), lhs.end());
                  return Status::OK();
                }
                presence.Reset(num_sigs);
                for (const EvalSample& s : rhs) presence.Mark(s.sig);
                for (const EvalSample& s : lhs) {
                  if (!presence.Has(s.sig)) res->push_back(s);
                }
              }
              return Status::OK();
            },
            out);
      }
      default: {
        VectorBinop binop(q_, b);
        return RangeEval(
            exprs, matching,
            [&](int64_t ts, std::span<StepVector> v, uint32_t num_sigs, StepVector* res) {
              return binop.Step(ts, v[0], v[1], num_sigs, res);
            },
            out);
      }
    }
  }
  if (lt == ValueType::kVector && rt == ValueType::kScalar) {
    return RangeEval(
        exprs, nullptr,
        [&](int64_t, std::span<StepVector> v, uint32_t, StepVector* res) {
          if (v[1].empty()) return Status::OK();
          VectorScalarBinop(b, v[0], v[1][0].f, false, res);
          return Status::OK();
        },
        out);
  }
  if (lt == ValueType::kScalar && rt == ValueType::kVector) {
    return RangeEval(
        exprs, nullptr,
        [&](int64_t, std::span<StepVector> v, uint32_t, StepVector* res) {
          if (v[0].empty()) return Status::OK();
          VectorScalarBinop(b, v[1], v[0][0].f, true, res);
          return Status::OK();
        },
        out);
  }
  return Status::Internal(
      fmt::format("binary operation between {} and {}", ValueTypeName(lt), ValueTypeName(rt)));
}

}  // namespace vigil::promql::eval
