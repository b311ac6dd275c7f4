#include "query/promql/promqltest/compare.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "model/sample.h"

namespace vigil::promql::promqltest {

namespace {

Status Mismatch(std::string msg) { return Status::FailedPrecondition(msg); }

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string FormatExpected(const ExpectedSeries& e) {
  std::string out = e.labels.ToString() + " [";
  for (size_t i = 0; i < e.values.size(); ++i) {
    if (i > 0) out += " ";
    out += FormatSequenceValue(e.values[i]);
  }
  return out + "]";
}

std::string JoinMessages(const Annotations& a) {
  std::string out = "[";
  bool first = true;
  for (const auto* list : {&a.warnings, &a.infos}) {
    for (const auto& m : *list) {
      if (!first) out += " ";
      first = false;
      out += m;
    }
  }
  return out + "]";
}

Status ValidateOfType(const EvalCmd& cmd, ExpectType type, const std::vector<std::string>& actual,
                      std::string_view kind, const Annotations& all) {
  auto expected = cmd.ExpectsOf(type);
  if (expected.empty()) return Status::OK();
  if (actual.empty()) {
    return Mismatch(fmt::format("expected {} annotations but none were found", kind));
  }
  for (const Expectation* e : expected) {
    bool found = false;
    for (const auto& a : actual) found = found || e->Matches(a);
    if (!found) {
      return Mismatch(fmt::format(
          "expected {} annotation matching {} {} but no matching annotation was found, found: {}",
          kind, e->is_regex ? "pattern" : "message", Quote(e->text), JoinMessages(all)));
    }
  }
  for (const auto& a : actual) {
    bool found = false;
    for (const Expectation* e : expected) found = found || e->Matches(a);
    if (!found) return Mismatch(fmt::format("unexpected {} annotation {} found", kind, Quote(a)));
  }
  return Status::OK();
}

Status CompareMatrix(const EvalCmd& cmd, const Matrix& m) {
  if (cmd.IsOrdered()) return Mismatch("expected ordered result, but query returned a matrix");
  if (cmd.expect_scalar) {
    return Mismatch(fmt::format("expected scalar result, but got matrix {}", FormatValue(m)));
  }
  VIGIL_RETURN_IF_ERROR(AssertMatrixSorted(m));
  std::set<model::Labels> seen;
  for (const Series& s : m) {
    auto it = cmd.expected.find(s.metric);
    if (it == cmd.expected.end()) {
      return Mismatch(fmt::format("unexpected metric {} in result, has {}", s.metric.ToString(),
                                  FormatSeries(s)));
    }
    seen.insert(s.metric);
    const ExpectedSeries& exp = it->second;
    std::vector<FPoint> floats;
    size_t histograms = 0;
    for (size_t i = 0; i < exp.values.size(); ++i) {
      int64_t ts = cmd.start + static_cast<int64_t>(i) * cmd.step;
      if (ts > cmd.end) {
        return Mismatch(fmt::format(
            "expected {} points for {}, but query time range cannot return this many points",
            exp.values.size(), exp.labels.ToString()));
      }
      const SequenceValue& e = exp.values[i];
      if (e.kind == SequenceValue::Kind::kHistogram) {
        ++histograms;
      } else if (e.kind == SequenceValue::Kind::kFloat) {
        floats.push_back({ts, e.value});
      }
    }
    if (floats.size() != s.floats.size() || histograms != 0) {
      return Mismatch(
          fmt::format("expected {} float points and {} histogram points for {}, but got {}",
                      floats.size(), histograms, exp.labels.ToString(), FormatSeries(s)));
    }
    for (size_t i = 0; i < floats.size(); ++i) {
      const FPoint& want = floats[i];
      const FPoint& got = s.floats[i];
      if (want.t != got.t) {
        return Mismatch(fmt::format(
            "expected float value at index {} for {} to have timestamp {}, but it had timestamp {} "
            "(result has {})",
            i, exp.labels.ToString(), want.t, got.t, FormatSeries(s)));
      }
      if (!AlmostEqual(got.f, want.f)) {
        return Mismatch(fmt::format(
            "expected float value at index {} (t={}) for {} to be {}, but got {} (result has {})",
            i, got.t, exp.labels.ToString(), FormatFloat(want.f), FormatFloat(got.f),
            FormatSeries(s)));
      }
    }
  }
  for (const auto& [labels, exp] : cmd.expected) {
    if (!seen.count(labels)) {
      return Mismatch(fmt::format("expected metric {} not found", labels.ToString()));
    }
  }
  return Status::OK();
}

Status CompareVector(const EvalCmd& cmd, const Vector& v) {
  if (cmd.expect_scalar) {
    return Mismatch(fmt::format("expected scalar result, but got vector {}", FormatVector(v)));
  }
  std::set<model::Labels> seen;
  for (size_t pos = 0; pos < v.size(); ++pos) {
    const Sample& s = v[pos];
    auto it = cmd.expected.find(s.metric);
    if (it == cmd.expected.end()) {
      return Mismatch(fmt::format("unexpected metric {} in result, has value {}",
                                  s.metric.ToString(), FormatFloat(s.f)));
    }
    const ExpectedSeries& exp = it->second;
    if (cmd.IsOrdered() && exp.pos != static_cast<int>(pos) + 1) {
      return Mismatch(fmt::format("expected metric {} with {} at position {} but was at {}",
                                  s.metric.ToString(), FormatExpected(exp), exp.pos, pos + 1));
    }
    if (exp.values.empty()) {
      return Mismatch(fmt::format("no expected value written for {}", exp.labels.ToString()));
    }
    const SequenceValue& e = exp.values[0];
    if (e.kind == SequenceValue::Kind::kHistogram) {
      return Mismatch(fmt::format("expected histogram for {} but got float value {}",
                                  s.metric.ToString(), FormatFloat(s.f)));
    }
    // An omitted expected value ("_") reads as 0 upstream.
    double want = e.kind == SequenceValue::Kind::kFloat ? e.value : 0;
    if (!AlmostEqual(want, s.f)) {
      return Mismatch(fmt::format("expected {} for {} but got {}", FormatFloat(want),
                                  s.metric.ToString(), FormatFloat(s.f)));
    }
    seen.insert(s.metric);
  }
  for (const auto& [labels, exp] : cmd.expected) {
    if (!seen.count(labels)) {
      return Mismatch(fmt::format("expected metric {} with {} not found", labels.ToString(),
                                  FormatExpected(exp)));
    }
  }
  return Status::OK();
}

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  if (model::IsStaleNaN(a) || model::IsStaleNaN(b))
    return model::IsStaleNaN(a) && model::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = std::numeric_limits<double>::min();  // 0x0010000000000000
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

Status AssertMatrixSorted(const Matrix& m) {
  for (size_t i = 0; i + 1 < m.size(); ++i) {
    if (m[i].metric.Compare(m[i + 1].metric) > 0) {
      return Mismatch(fmt::format(
          "matrix results should always be sorted by labels, but matrix is not sorted: series at "
          "index {} with labels {} sorts before series at index {} with labels {}",
          i + 1, m[i + 1].metric.ToString(), i, m[i].metric.ToString()));
    }
  }
  return Status::OK();
}

Status CheckResultShape(const Value& result, int64_t start, int64_t end, int64_t step) {
  const bool range = step > 0;
  if (const auto* v = std::get_if<Vector>(&result)) {
    if (range) return Mismatch("a range query returned an instant vector, not a matrix");
    std::set<model::Labels> seen;
    for (const Sample& s : *v) {
      if (s.t != start) {
        return Mismatch(fmt::format("sample {} has timestamp {}, not the evaluation time {}",
                                    s.metric.ToString(), s.t, start));
      }
      if (!seen.insert(s.metric).second) {
        return Mismatch(fmt::format("the result has {} twice", s.metric.ToString()));
      }
    }
    return Status::OK();
  }
  if (const auto* sc = std::get_if<Scalar>(&result)) {
    if (range) return Mismatch("a range query returned a scalar, not a matrix");
    if (sc->t != start) {
      return Mismatch(
          fmt::format("the scalar has timestamp {}, not the evaluation time {}", sc->t, start));
    }
    return Status::OK();
  }
  if (const auto* m = std::get_if<Matrix>(&result)) {
    std::set<model::Labels> seen;
    for (const Series& s : *m) {
      if (!seen.insert(s.metric).second) {
        return Mismatch(fmt::format("the result has {} twice", s.metric.ToString()));
      }
      if (s.floats.empty()) {
        return Mismatch(fmt::format("the result has {} without any point", s.metric.ToString()));
      }
      for (size_t i = 0; i < s.floats.size(); ++i) {
        int64_t t = s.floats[i].t;
        if (i > 0 && t <= s.floats[i - 1].t) {
          return Mismatch(fmt::format("the points of {} are not in increasing time order: {}",
                                      s.metric.ToString(), FormatSeries(s)));
        }
        if (range && (t < start || t > end || (t - start) % step != 0)) {
          return Mismatch(fmt::format("{} has a point at {}, not a step of the range query: {}",
                                      s.metric.ToString(), t, FormatSeries(s)));
        }
      }
    }
    return Status::OK();
  }
  if (range && std::holds_alternative<String>(result)) {
    return Mismatch("a range query returned a string, not a matrix");
  }
  return Status::OK();
}

Status CompareResult(const EvalCmd& cmd, const Value& result) {
  if (const auto* m = std::get_if<Matrix>(&result)) return CompareMatrix(cmd, *m);
  if (const auto* v = std::get_if<Vector>(&result)) return CompareVector(cmd, *v);
  if (const auto* s = std::get_if<Scalar>(&result)) {
    if (!cmd.expect_scalar) {
      return Mismatch(
          fmt::format("expected vector or matrix result, but got scalar {}", FormatFloat(s->v)));
    }
    auto it = cmd.expected.find(model::Labels());
    if (it == cmd.expected.end() || it->second.values.empty()) {
      return Mismatch("no expected scalar written");
    }
    const SequenceValue& e = it->second.values[0];
    double want = e.kind == SequenceValue::Kind::kFloat ? e.value : 0;
    if (!AlmostEqual(want, s->v)) {
      return Mismatch(
          fmt::format("expected scalar {} but got {}", FormatFloat(want), FormatFloat(s->v)));
    }
    return Status::OK();
  }
  if (const auto* str = std::get_if<String>(&result)) {
    std::string want = cmd.expected_string.value_or("");
    if (want != str->v) {
      return Mismatch(fmt::format("expected string {} but got {}", Quote(want), Quote(str->v)));
    }
    return Status::OK();
  }
  return Mismatch("the query returned no value");
}

std::string_view StripAnnotationPosition(std::string_view m) {
  // " (12:34)" at the very end.
  if (m.size() < 6 || m.back() != ')') return m;
  size_t open = m.rfind(" (");
  if (open == std::string_view::npos) return m;
  std::string_view pos = m.substr(open + 2, m.size() - open - 3);
  size_t colon = pos.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == pos.size()) return m;
  for (size_t i = 0; i < pos.size(); ++i) {
    if (i != colon && !(pos[i] >= '0' && pos[i] <= '9')) return m;
  }
  return m.substr(0, open);
}

Status CheckAnnotations(const EvalCmd& cmd, const Annotations& annotations) {
  Annotations a;
  for (const auto& w : annotations.warnings) a.warnings.emplace_back(StripAnnotationPosition(w));
  for (const auto& i : annotations.infos) a.infos.emplace_back(StripAnnotationPosition(i));
  if (cmd.legacy_warn && a.warnings.empty()) return Mismatch("expected warnings but got none");
  if (cmd.legacy_info && a.infos.empty()) return Mismatch("expected info annotations but got none");
  VIGIL_RETURN_IF_ERROR(ValidateOfType(cmd, ExpectType::kWarn, a.warnings, "warn", a));
  VIGIL_RETURN_IF_ERROR(ValidateOfType(cmd, ExpectType::kInfo, a.infos, "info", a));
  if (!cmd.ExpectsOf(ExpectType::kNoWarn).empty() && !a.warnings.empty()) {
    return Mismatch(fmt::format("unexpected warning annotations: {}", JoinMessages(a)));
  }
  if (!cmd.ExpectsOf(ExpectType::kNoInfo).empty() && !a.infos.empty()) {
    return Mismatch(fmt::format("unexpected info annotations: {}", JoinMessages(a)));
  }
  return Status::OK();
}

Status CheckExpectedFailure(const EvalCmd& cmd, std::string_view error_message) {
  if (!cmd.expected_fail_message.empty() && cmd.expected_fail_message != error_message) {
    return Mismatch(fmt::format("expected error {}, but got: {}", Quote(cmd.expected_fail_message),
                                error_message));
  }
  if (cmd.expected_fail_regexp != nullptr &&
      !RE2::PartialMatch(re2::StringPiece(error_message.data(), error_message.size()),
                         *cmd.expected_fail_regexp)) {
    return Mismatch(fmt::format("expected error matching pattern {}, but got: {}",
                                Quote(cmd.expected_fail_regexp_text), error_message));
  }
  auto fails = cmd.ExpectsOf(ExpectType::kFail);
  if (!fails.empty() && !fails[0]->Matches(error_message)) {
    return Mismatch(fmt::format("expected error matching {}, but got: {}", Quote(fails[0]->text),
                                error_message));
  }
  return Status::OK();
}

std::string FormatVector(const Vector& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} => {} @[{}]", v[i].metric.ToString(), FormatFloat(v[i].f), v[i].t);
  }
  return out + "]";
}

std::string FormatSeries(const Series& s) {
  std::string out =
      fmt::format("{} float point{} [", s.floats.size(), s.floats.size() == 1 ? "" : "s");
  for (size_t i = 0; i < s.floats.size(); ++i) {
    if (i > 0) out += " ";
    out += fmt::format("{} @[{}]", FormatFloat(s.floats[i].f), s.floats[i].t);
  }
  return out + "]";
}

std::string FormatValue(const Value& v) {
  if (const auto* m = std::get_if<Matrix>(&v)) {
    std::string out = "{";
    for (size_t i = 0; i < m->size(); ++i) {
      if (i > 0) out += ", ";
      out += (*m)[i].metric.ToString() + " => " + FormatSeries((*m)[i]);
    }
    return out + "}";
  }
  if (const auto* vec = std::get_if<Vector>(&v)) return FormatVector(*vec);
  if (const auto* s = std::get_if<Scalar>(&v))
    return fmt::format("scalar: {} @[{}]", FormatFloat(s->v), s->t);
  if (const auto* str = std::get_if<String>(&v)) return fmt::format("string: {}", Quote(str->v));
  return "(none)";
}

}  // namespace vigil::promql::promqltest
