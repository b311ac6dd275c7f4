// Functions over instant vectors and scalars: math, clamp, round, time and
// date functions, vector/scalar conversions, absent, sorting, timestamp.
#include <cmath>
#include <numbers>

#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"

namespace vigil::promql::eval {

namespace {

double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}
double GoMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::min(a, b);
}

template <typename F>
Status SimpleFloat(InstantCall& c, F f) {
  for (const EvalSample& s : c.args[0]) {
    EvalSample r = s;
    r.f = f(s.f);
    r.drop_name = true;
    c.out->push_back(r);
  }
  return Status::OK();
}

#define VIGIL_MATH_FN(Name, expr)                         \
  Status Name(InstantCall& c) {                           \
    return SimpleFloat(c, [](double v) { return expr; }); \
  }

VIGIL_MATH_FN(Abs, std::fabs(v))
VIGIL_MATH_FN(Ceil, std::ceil(v))
VIGIL_MATH_FN(Floor, std::floor(v))
VIGIL_MATH_FN(Exp, std::exp(v))
VIGIL_MATH_FN(Sqrt, std::sqrt(v))
VIGIL_MATH_FN(Ln, std::log(v))
VIGIL_MATH_FN(Log2, std::log2(v))
VIGIL_MATH_FN(Log10, std::log10(v))
VIGIL_MATH_FN(Sin, std::sin(v))
VIGIL_MATH_FN(Cos, std::cos(v))
VIGIL_MATH_FN(Tan, std::tan(v))
VIGIL_MATH_FN(Asin, std::asin(v))
VIGIL_MATH_FN(Acos, std::acos(v))
VIGIL_MATH_FN(Atan, std::atan(v))
VIGIL_MATH_FN(Sinh, std::sinh(v))
VIGIL_MATH_FN(Cosh, std::cosh(v))
VIGIL_MATH_FN(Tanh, std::tanh(v))
VIGIL_MATH_FN(Asinh, std::asinh(v))
VIGIL_MATH_FN(Acosh, std::acosh(v))
VIGIL_MATH_FN(Atanh, std::atanh(v))
VIGIL_MATH_FN(Rad, v* std::numbers::pi / 180)
VIGIL_MATH_FN(Deg, v * 180 / std::numbers::pi)
VIGIL_MATH_FN(Sgn, v < 0 ? -1.0 : (v > 0 ? 1.0 : v))

#undef VIGIL_MATH_FN

Status Clamp(InstantCall& c, double lo, double hi) {
  if (hi < lo) return Status::OK();
  return SimpleFloat(c, [lo, hi](double v) { return GoMax(lo, GoMin(hi, v)); });
}

double ScalarArg(const InstantCall& c, size_t i) {
  return c.args[i].empty() ? std::nan("") : c.args[i][0].f;
}

Status ClampFn(InstantCall& c) { return Clamp(c, ScalarArg(c, 1), ScalarArg(c, 2)); }
Status ClampMax(InstantCall& c) {
  return Clamp(c, -std::numeric_limits<double>::infinity(), ScalarArg(c, 1));
}
Status ClampMin(InstantCall& c) {
  return Clamp(c, ScalarArg(c, 1), std::numeric_limits<double>::infinity());
}

Status Round(InstantCall& c) {
  double to_nearest = c.args.size() >= 2 ? ScalarArg(c, 1) : 1;
  // Multiplying by the inverse is less prone to floating point errors.
  double inv = 1.0 / to_nearest;
  return SimpleFloat(c, [inv](double v) { return std::floor(v * inv + 0.5) / inv; });
}

Status Pi(InstantCall& c) {
  c.out->push_back(EvalSample{c.ev->query()->labels().Empty(), c.ts, std::numbers::pi, false, 0});
  return Status::OK();
}

Status Time(InstantCall& c) {
  c.out->push_back(EvalSample{c.ev->query()->labels().Empty(), c.ts,
                              static_cast<double>(c.ts) / 1000, false, 0});
  return Status::OK();
}

Status VectorFn(InstantCall& c) {
  c.out->push_back(EvalSample{c.ev->query()->labels().Empty(), c.ts, ScalarArg(c, 0), false, 0});
  return Status::OK();
}

Status ScalarFn(InstantCall& c) {
  double v = c.args[0].size() == 1 ? c.args[0][0].f : std::nan("");
  c.out->push_back(EvalSample{c.ev->query()->labels().Empty(), c.ts, v, false, 0});
  return Status::OK();
}

Status Timestamp(InstantCall& c) {
  for (const EvalSample& s : c.args[0]) {
    EvalSample r = s;
    r.f = static_cast<double>(s.t) / 1000;
    r.drop_name = true;
    c.out->push_back(r);
  }
  return Status::OK();
}

Status Absent(InstantCall& c) {
  if (!c.args[0].empty()) return Status::OK();
  c.out->push_back(EvalSample{c.ev->AbsentLabels(*c.call->args[0]), c.ts, 1, true, 0});
  return Status::OK();
}

// sort(): ascending, NaN last; sort_desc(): descending, NaN last.
Status Sort(InstantCall& c) {
  *c.out = c.args[0];
  GoSort(
      c.out, [](const EvalSample& a, const EvalSample& b) { return std::isnan(b.f) || b.f > a.f; },
      [](const EvalSample& a, const EvalSample& b) {
        return !std::isnan(a.f) && (std::isnan(b.f) || a.f < b.f);
      });
  return Status::OK();
}

Status SortDesc(InstantCall& c) {
  *c.out = c.args[0];
  GoSort(
      c.out, [](const EvalSample& a, const EvalSample& b) { return std::isnan(b.f) || b.f < a.f; },
      [](const EvalSample& a, const EvalSample& b) {
        return !std::isnan(a.f) && (std::isnan(b.f) || a.f > b.f);
      });
  return Status::OK();
}

// --- Dates (UTC) ---

struct CivilTime {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute;
  int weekday;  // 0 = Sunday
  int yday;     // 1..366
};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

CivilTime ToCivil(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t rem = unix_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  CivilTime ct;
  ct.hour = static_cast<int>(rem / 3600);
  ct.minute = static_cast<int>(rem % 3600 / 60);
  // 1970-01-01 was a Thursday.
  ct.weekday = static_cast<int>(((days % 7) + 11) % 7);
  // Days to civil (proleptic Gregorian).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  ct.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  ct.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  ct.year = ct.month <= 2 ? y + 1 : y;
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  ct.yday = kCum[ct.month - 1] + ct.day + (ct.month > 2 && IsLeap(ct.year) ? 1 : 0);
  return ct;
}

// Go's int64(float64) on amd64: out-of-range values and NaN become MinInt64.
int64_t GoFloatToInt64(double v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

template <typename F>
Status DateFn(InstantCall& c, F f) {
  if (c.args.empty()) {
    c.out->push_back(
        EvalSample{c.ev->query()->labels().Empty(), c.ts, f(ToCivil(c.ts / 1000)), false, 0});
    return Status::OK();
  }
  for (const EvalSample& s : c.args[0]) {
    EvalSample r = s;
    r.f = f(ToCivil(GoFloatToInt64(s.f)));
    r.drop_name = true;
    c.out->push_back(r);
  }
  return Status::OK();
}

Status DaysInMonthFn(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(DaysInMonth(t.year, t.month)); });
}
Status DayOfMonth(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.day); });
}
Status DayOfWeek(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.weekday); });
}
Status DayOfYear(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.yday); });
}
Status Hour(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.hour); });
}
Status Minute(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.minute); });
}
Status Month(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.month); });
}
Status Year(InstantCall& c) {
  return DateFn(c, [](const CivilTime& t) { return double(t.year); });
}

// Native histograms only: float samples give nothing.
Status NativeHistogramOnly(InstantCall&) { return Status::OK(); }

}  // namespace

Status HistogramQuantile(InstantCall& c);  // func_histogram.cc
Status HistogramFraction(InstantCall& c);
Status SortByLabel(InstantCall& c);  // func_label.cc
Status SortByLabelDesc(InstantCall& c);

InstantFn LookupInstantFn(std::string_view name) {
  struct Entry {
    std::string_view name;
    InstantFn fn;
  };
  static const Entry kTable[] = {
      {"abs", Abs},
      {"ceil", Ceil},
      {"floor", Floor},
      {"exp", Exp},
      {"sqrt", Sqrt},
      {"ln", Ln},
      {"log2", Log2},
      {"log10", Log10},
      {"sin", Sin},
      {"cos", Cos},
      {"tan", Tan},
      {"asin", Asin},
      {"acos", Acos},
      {"atan", Atan},
      {"sinh", Sinh},
      {"cosh", Cosh},
      {"tanh", Tanh},
      {"asinh", Asinh},
      {"acosh", Acosh},
      {"atanh", Atanh},
      {"rad", Rad},
      {"deg", Deg},
      {"sgn", Sgn},
      {"clamp", ClampFn},
      {"clamp_max", ClampMax},
      {"clamp_min", ClampMin},
      {"round", Round},
      {"pi", Pi},
      {"time", Time},
      {"vector", VectorFn},
      {"scalar", ScalarFn},
      {"timestamp", Timestamp},
      {"absent", Absent},
      {"sort", Sort},
      {"sort_desc", SortDesc},
      {"sort_by_label", SortByLabel},
      {"sort_by_label_desc", SortByLabelDesc},
      {"days_in_month", DaysInMonthFn},
      {"day_of_month", DayOfMonth},
      {"day_of_week", DayOfWeek},
      {"day_of_year", DayOfYear},
      {"hour", Hour},
      {"minute", Minute},
      {"month", Month},
      {"year", Year},
      {"histogram_quantile", HistogramQuantile},
      {"histogram_fraction", HistogramFraction},
      {"histogram_count", NativeHistogramOnly},
      {"histogram_sum", NativeHistogramOnly},
      {"histogram_avg", NativeHistogramOnly},
      {"histogram_stddev", NativeHistogramOnly},
      {"histogram_stdvar", NativeHistogramOnly},
  };
  for (const Entry& e : kTable) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace vigil::promql::eval
