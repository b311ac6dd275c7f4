// Internal to vigil_logparse: the dynamic values and the function table of
// the Go text/template subset (template.cc evaluates, template_funcs.cc holds
// Loki's and sprig's functions; Go's time layouts are go_time.h's).
//
// Thread-safety: the function table is immutable; values are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "process/logparse/go_time.h"  // GoTime, FormatGoTime, ParseGoTime
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

}  // namespace vigil::logparse::tmpl
