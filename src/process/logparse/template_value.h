// Internal to vigil_logparse: the dynamic values and the function table of
// the Go text/template subset (template.cc evaluates, template_funcs.cc holds
// Loki's and sprig's functions, go_time.cc Go's time layouts).
//
// Thread-safety: the function table is immutable; values are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse::tmpl {

// One template value. Strings dominate (labels are strings); numbers come
// from literals and math functions, times from __timestamp__, toDate, now.
struct Value {
  enum class Kind : unsigned char { kNil, kString, kInt, kFloat, kBool, kTime, kLabels };
  Kind kind = Kind::kNil;
  std::string str;
  int64_t i = 0;     // kInt; kTime: Unix seconds (UTC)
  int64_t nsec = 0;  // kTime: nanoseconds within the second, 0..999999999
  double f = 0;
  bool b = false;

  static Value String(std::string s) {
    Value v;
    v.kind = Kind::kString;
    v.str = std::move(s);
    return v;
  }
  static Value Int(int64_t n) {
    Value v;
    v.kind = Kind::kInt;
    v.i = n;
    return v;
  }
  static Value Float(double d) {
    Value v;
    v.kind = Kind::kFloat;
    v.f = d;
    return v;
  }
  static Value Bool(bool x) {
    Value v;
    v.kind = Kind::kBool;
    v.b = x;
    return v;
  }
  static Value Time(int64_t sec, int64_t nsec) {
    Value v;
    v.kind = Kind::kTime;
    v.i = sec;
    v.nsec = nsec;
    return v;
  }
};

// Go's truth (text/template's `if`): non-empty, non-zero, true.
bool IsTrue(const Value& v, const Template::Context& ctx);
// fmt.Sprint of one value (%v), appended.
void AppendPrint(std::string* out, const Value& v, const Template::Context& ctx);
std::string PrintString(const Value& v, const Template::Context& ctx);

// Conversions as sprig's cast.ToInt64 / ToFloat64 (strings parsed, bools 0/1);
// errors for what cannot be converted.
Result<int64_t> ToInt(const Value& v);
Result<double> ToFloat(const Value& v);

using Args = std::vector<Value>;
using Function = Result<Value> (*)(Args& args, const Template::Context& ctx);

struct FunctionSpec {
  std::string_view name;
  Function fn;
  int min_args;
  int max_args;  // -1: variadic
};

// nullptr when there is no such function.
const FunctionSpec* LookupFunction(std::string_view name);

// A time.Time in UTC: seconds since the epoch (Go's zero time, year 1, is
// representable, unlike in int64 nanoseconds) and nanoseconds 0..999999999.
struct GoTime {
  int64_t sec = 0;
  int64_t nsec = 0;
};
GoTime GoTimeFromUnixNanos(int64_t unix_ns);
// Go's time layouts ("2006-01-02T15:04:05Z07:00"), always in UTC.
std::string FormatGoTime(GoTime t, std::string_view layout);
Result<GoTime> ParseGoTime(std::string_view layout, std::string_view value);
// time.Time's String(): "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string GoTimeString(GoTime t);

}  // namespace vigil::logparse::tmpl
