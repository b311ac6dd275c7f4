// The functions of the template subset: Go's builtins (and, or, not, eq, ...,
// print, printf, len, index, html, urlquery), Loki's additions (__line__,
// __timestamp__, ToUpper, ..., unixEpoch, unixToTime, alignLeft, ...) and the
// sprig functions Loki registers (lower, trunc, substr, regexReplaceAll,
// default, add, date, toDate, ...).
#include <fmt/format.h>
#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/strconv.h"
#include "process/logparse/template_value.h"

namespace vigil::logparse::tmpl {

using Kind = Value::Kind;

namespace {

Status ArgError(std::string_view what) { return Status::InvalidArgument(what); }

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNil:
      return "nil";
    case Kind::kString:
      return "string";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kBool:
      return "bool";
    case Kind::kTime:
      return "time.Time";
    case Kind::kLabels:
      return "map[string]string";
  }
  return "?";
}

// A string argument; Go would refuse other types, we print them (%v) to be
// forgiving where the result is the same for strings.
Result<std::string> Str(const Value& v, const Template::Context& ctx) {
  if (v.kind == Kind::kString) return v.str;
  if (v.kind == Kind::kLabels || v.kind == Kind::kNil) {
    return ArgError(fmt::format("wrong type for value; expected string; got {}", KindName(v.kind)));
  }
  return PrintString(v, ctx);
}

// An int parameter of a Go function (trunc, substr, repeat, indent, ...):
// ints, integral floats, and strings holding an int (labels are strings).
Result<int64_t> IntParam(const Value& v) {
  switch (v.kind) {
    case Kind::kInt:
      return v.i;
    case Kind::kFloat:
      if (std::trunc(v.f) == v.f && std::fabs(v.f) < 9.2e18) return static_cast<int64_t>(v.f);
      break;
    case Kind::kString: {
      auto r = ParseGoInt(v.str);
      if (r.ok()) return *r;
      break;
    }
    default:
      break;
  }
  return ArgError(fmt::format("wrong type for value; expected int; got {}", KindName(v.kind)));
}

// sprig's cast.ToInt64 / ToFloat64: what cannot be converted is 0.
int64_t CastInt(const Value& v) {
  switch (v.kind) {
    case Kind::kInt:
      return v.i;
    case Kind::kFloat:
      if (std::isnan(v.f)) return 0;
      if (v.f >= 9.2e18) return INT64_MAX;
      if (v.f <= -9.2e18) return INT64_MIN;
      return static_cast<int64_t>(v.f);
    case Kind::kBool:
      return v.b ? 1 : 0;
    case Kind::kString: {
      auto r = ParseGoInt(v.str);
      return r.ok() ? *r : 0;
    }
    default:
      return 0;
  }
}

double CastFloat(const Value& v) {
  switch (v.kind) {
    case Kind::kInt:
      return static_cast<double>(v.i);
    case Kind::kFloat:
      return v.f;
    case Kind::kBool:
      return v.b ? 1 : 0;
    case Kind::kString: {
      auto r = ParseGoFloat(v.str);
      return r.ok() ? *r : 0;
    }
    default:
      return 0;
  }
}

// Wrapping arithmetic, as Go's int64.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

constexpr size_t kMaxResultBytes = 1 << 20;

// --- regexps: compiled once per pattern and thread ---------------------------

Result<std::shared_ptr<RE2>> CompileCached(const std::string& pattern) {
  thread_local std::unordered_map<std::string, std::shared_ptr<RE2>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<RE2>(pattern, options);
  if (!re->ok()) return ArgError(fmt::format("error parsing regexp: {}", re->error()));
  if (cache.size() >= 64) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

// Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$.
void Expand(std::string* out, std::string_view repl, const RE2& re,
            const std::vector<re2::StringPiece>& groups) {
  for (size_t i = 0; i < repl.size();) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out->push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (repl[i] == '$') {
      out->push_back('$');
      ++i;
      continue;
    }
    std::string_view name;
    if (repl[i] == '{') {
      size_t close = repl.find('}', i + 1);
      if (close == std::string_view::npos) {
        out->push_back('$');
        continue;
      }
      name = repl.substr(i + 1, close - i - 1);
      bool valid = !name.empty();
      for (char k : name)
        valid = valid && ((k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z') ||
                          (k >= '0' && k <= '9') || k == '_');
      if (!valid) {
        out->push_back('$');
        continue;
      }
      i = close + 1;
    } else {
      size_t start = i;
      while (i < repl.size() &&
             ((repl[i] >= 'a' && repl[i] <= 'z') || (repl[i] >= 'A' && repl[i] <= 'Z') ||
              (repl[i] >= '0' && repl[i] <= '9') || repl[i] == '_')) {
        ++i;
      }
      if (i == start) {
        out->push_back('$');
        continue;
      }
      name = repl.substr(start, i - start);
    }
    int index = -1;
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char k) { return k >= '0' && k <= '9'; });
    if (numeric) {
      if (name.size() < 10) index = std::stoi(std::string(name));
    } else {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[index].data() != nullptr) {
      out->append(groups[index].data(), groups[index].size());
    }
  }
}

// Go's Regexp.ReplaceAllString / ReplaceAllLiteralString, including its rule
// for empty matches right after a match.
std::string ReplaceAll(const RE2& re, std::string_view src, std::string_view repl, bool literal) {
  std::string out;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  re2::StringPiece text(src.data(), src.size());
  size_t last_match_end = 0;
  size_t search = 0;
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t a0 = static_cast<size_t>(groups[0].data() - src.data());
    size_t a1 = a0 + groups[0].size();
    out.append(src.substr(last_match_end, a0 - last_match_end));
    if (a1 > last_match_end || a0 == 0) {
      if (literal) {
        out.append(repl);
      } else {
        Expand(&out, repl, re, groups);
      }
    }
    last_match_end = a1;
    size_t width = 0;
    if (search < src.size()) {
      int w = 0;
      Utf8DecodeRune(src, search, &w);
      width = static_cast<size_t>(w);
    }
    if (search + width > a1) {
      search += width;
    } else if (search + 1 > a1) {
      ++search;
    } else {
      search = a1;
    }
    if (out.size() > kMaxResultBytes) break;
  }
  if (last_match_end <= src.size()) out.append(src.substr(last_match_end));
  return out;
}

// --- case mapping (ASCII, Latin-1, Greek and Cyrillic basics) ----------------

int32_t UpperRune(int32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if ((r >= 0xE0 && r <= 0xFE && r != 0xF7) || (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) ||
      (r >= 0x430 && r <= 0x44F)) {
    return r - 32;
  }
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  if (r >= 0x100 && r <= 0x17F && r % 2 == 1 && r != 0x131 && r != 0x138 && r != 0x149 &&
      r != 0x17F && !(r >= 0x139 && r <= 0x148) && !(r >= 0x179 && r <= 0x17E)) {
    return r - 1;
  }
  return r;
}

int32_t LowerRune(int32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if ((r >= 0xC0 && r <= 0xDE && r != 0xD7) || (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) ||
      (r >= 0x410 && r <= 0x42F)) {
    return r + 32;
  }
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  if (r >= 0x100 && r <= 0x17F && r % 2 == 0 && r != 0x130 && r != 0x138 &&
      !(r >= 0x139 && r <= 0x148) && !(r >= 0x179 && r <= 0x17E)) {
    return r + 1;
  }
  return r;
}

template <typename Map>
std::string MapRunes(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(map(c)));
      ++i;
      continue;
    }
    int width = 0;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      out.push_back(s[i]);  // invalid bytes pass through
    } else {
      Utf8AppendRune(&out, map(r));
    }
    i += static_cast<size_t>(width);
  }
  return out;
}

std::string Upper(std::string_view s) { return MapRunes(s, UpperRune); }
std::string Lower(std::string_view s) { return MapRunes(s, LowerRune); }

// strings.Title: the first letter of each word upper-cased.
std::string Title(std::string_view s) {
  std::string out;
  bool prev_separator = true;
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = static_cast<unsigned char>(s[i]);
    if (r >= 0x80) r = Utf8DecodeRune(s, i, &width);
    bool separator;
    if (r < 0x80) {
      separator =
          !((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_');
    } else {
      separator = false;  // letters and digits beyond ASCII; spaces are rare here
    }
    if (prev_separator && !separator) {
      Utf8AppendRune(&out, UpperRune(r));
    } else {
      out.append(s.substr(i, static_cast<size_t>(width)));
    }
    prev_separator = separator;
    i += static_cast<size_t>(width);
  }
  return out;
}

bool IsGoSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsGoSpace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && IsGoSpace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// strings.Trim/TrimLeft/TrimRight with a cutset (runes).
bool InCutset(std::string_view s, size_t i, std::string_view cutset, int* width) {
  int32_t r = Utf8DecodeRune(s, i, width);
  for (size_t j = 0; j < cutset.size();) {
    int w = 0;
    int32_t c = Utf8DecodeRune(cutset, j, &w);
    if (c == r) return true;
    j += static_cast<size_t>(w);
  }
  return false;
}

std::string_view TrimLeftCutset(std::string_view s, std::string_view cutset) {
  while (!s.empty()) {
    int w = 0;
    if (!InCutset(s, 0, cutset, &w)) break;
    s.remove_prefix(static_cast<size_t>(w));
  }
  return s;
}

std::string_view TrimRightCutset(std::string_view s, std::string_view cutset) {
  while (!s.empty()) {
    // Step back to the start of the last rune.
    size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4 &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    int w = 0;
    if (!InCutset(s, start, cutset, &w) || start + static_cast<size_t>(w) != s.size()) {
      // An invalid tail byte: compare it alone.
      if (start + static_cast<size_t>(w) != s.size() && InCutset(s, s.size() - 1, cutset, &w)) {
        s.remove_suffix(1);
        continue;
      }
      break;
    }
    s.remove_suffix(static_cast<size_t>(w));
  }
  return s;
}

std::string ReplaceN(std::string_view s, std::string_view old_s, std::string_view new_s,
                     int64_t n) {
  if (n == 0 || (old_s == new_s)) return std::string(s);
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  if (old_s.empty()) {
    // Go: insert new before each rune and at the end.
    for (size_t i = 0; i <= s.size() && (n < 0 || done < n);) {
      out.append(new_s);
      ++done;
      if (i == s.size()) {
        pos = i;
        break;
      }
      int w = 0;
      Utf8DecodeRune(s, i, &w);
      out.append(s.substr(i, static_cast<size_t>(w)));
      i += static_cast<size_t>(w);
      pos = i;
      if (out.size() > kMaxResultBytes) break;
    }
    out.append(s.substr(pos));
    return out;
  }
  while (n < 0 || done < n) {
    size_t at = s.find(old_s, pos);
    if (at == std::string_view::npos) break;
    out.append(s.substr(pos, at - pos));
    out.append(new_s);
    pos = at + old_s.size();
    ++done;
    if (out.size() > kMaxResultBytes) break;
  }
  out.append(s.substr(pos));
  return out;
}

Result<std::string> Repeat(std::string_view s, int64_t count) {
  if (count < 0) return ArgError("negative Repeat count");
  if (s.size() * static_cast<size_t>(count) > kMaxResultBytes) {
    return ArgError("repeat: result too large");
  }
  std::string out;
  for (int64_t i = 0; i < count; ++i) out.append(s);
  return out;
}

std::string Indent(int64_t spaces, std::string_view s) {
  std::string pad(static_cast<size_t>(std::clamp<int64_t>(spaces, 0, 4096)), ' ');
  return pad + ReplaceN(s, "\n", "\n" + pad, -1);
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    int w = 0;
    Utf8DecodeRune(s, i, &w);
    i += static_cast<size_t>(w);
  }
  return n;
}

// The first `count` runes of s.
std::string_view RunePrefix(std::string_view s, size_t count) {
  size_t i = 0;
  for (size_t n = 0; n < count && i < s.size(); ++n) {
    int w = 0;
    Utf8DecodeRune(s, i, &w);
    i += static_cast<size_t>(w);
  }
  return s.substr(0, i);
}

// url.QueryEscape.
std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.append(fmt::format("%{:02X}", c));
    }
  }
  return out;
}

Result<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size() + 0 || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
        return ArgError(fmt::format("invalid URL escape {:?}", std::string(s.substr(i, 3))));
      }
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// --- comparisons (Go's eq, lt, ...) ----------------------------------------

enum class Order { kLess, kEqual, kGreater, kIncomparable };

Order Compare(const Value& a, const Value& b) {
  auto cmp = [](auto x, auto y) {
    return x < y ? Order::kLess : (y < x ? Order::kGreater : Order::kEqual);
  };
  if (a.kind == Kind::kString && b.kind == Kind::kString) return cmp(a.str, b.str);
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) return cmp(a.i, b.i);
  if (a.kind == Kind::kFloat && b.kind == Kind::kFloat) return cmp(a.f, b.f);
  if (a.kind == Kind::kBool && b.kind == Kind::kBool) return cmp(a.b, b.b);
  if (a.kind == Kind::kTime && b.kind == Kind::kTime) {
    return cmp(std::make_pair(a.i, a.nsec), std::make_pair(b.i, b.nsec));
  }
  return Order::kIncomparable;
}

Status Incomparable() { return ArgError("incompatible types for comparison"); }

Result<Value> FnEq(Args& args, const Template::Context&) {
  for (size_t i = 1; i < args.size(); ++i) {
    Order o = Compare(args[0], args[i]);
    if (o == Order::kIncomparable) return Incomparable();
    if (o == Order::kEqual) return Value::Bool(true);
  }
  return Value::Bool(false);
}

Result<Value> FnNe(Args& args, const Template::Context&) {
  Order o = Compare(args[0], args[1]);
  if (o == Order::kIncomparable) return Incomparable();
  return Value::Bool(o != Order::kEqual);
}

template <bool (*Pred)(Order)>
Result<Value> FnOrder(Args& args, const Template::Context&) {
  if (args[0].kind == Kind::kBool || args[1].kind == Kind::kBool) {
    return ArgError("invalid type for comparison");
  }
  Order o = Compare(args[0], args[1]);
  if (o == Order::kIncomparable) return Incomparable();
  return Value::Bool(Pred(o));
}
bool IsLess(Order o) { return o == Order::kLess; }
bool IsLessEq(Order o) { return o != Order::kGreater; }
bool IsGreater(Order o) { return o == Order::kGreater; }
bool IsGreaterEq(Order o) { return o != Order::kLess; }

Result<Value> FnAnd(Args& args, const Template::Context& ctx) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (!IsTrue(args[i], ctx)) return std::move(args[i]);
  }
  return std::move(args.back());
}

Result<Value> FnOr(Args& args, const Template::Context& ctx) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (IsTrue(args[i], ctx)) return std::move(args[i]);
  }
  return std::move(args.back());
}

Result<Value> FnNot(Args& args, const Template::Context& ctx) {
  return Value::Bool(!IsTrue(args[0], ctx));
}

Result<Value> FnLen(Args& args, const Template::Context& ctx) {
  if (args[0].kind == Kind::kString) return Value::Int(static_cast<int64_t>(args[0].str.size()));
  if (args[0].kind == Kind::kLabels) {
    std::map<std::string_view, bool> keys;
    if (ctx.labels != nullptr) {
      for (const auto& [k, v] : *ctx.labels) keys[k] = true;
    }
    return Value::Int(static_cast<int64_t>(keys.size()));
  }
  return ArgError(fmt::format("len of type {}", KindName(args[0].kind)));
}

Result<Value> FnIndex(Args& args, const Template::Context& ctx) {
  if (args.size() == 1) return std::move(args[0]);
  if (args[0].kind != Kind::kLabels || args.size() != 2 || args[1].kind != Kind::kString) {
    return ArgError("index: only a string key into the labels is supported");
  }
  if (ctx.labels != nullptr) {
    for (auto it = ctx.labels->rbegin(); it != ctx.labels->rend(); ++it) {
      if (it->first == args[1].str) return Value::String(it->second);
    }
  }
  return Value::String("");
}

// fmt.Sprint: a space between operands when neither side is a string.
Result<Value> FnPrint(Args& args, const Template::Context& ctx) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && args[i].kind != Kind::kString && args[i - 1].kind != Kind::kString) {
      out.push_back(' ');
    }
    AppendPrint(&out, args[i], ctx);
  }
  return Value::String(std::move(out));
}

Result<Value> FnPrintln(Args& args, const Template::Context& ctx) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out.push_back(' ');
    AppendPrint(&out, args[i], ctx);
  }
  out.push_back('\n');
  return Value::String(std::move(out));
}

// --- printf -----------------------------------------------------------------

struct FormatSpec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1;
  int precision = -1;
};

void Pad(std::string* out, std::string_view body, const FormatSpec& spec, bool numeric) {
  size_t len = RuneCount(body);
  size_t width = spec.width < 0 ? 0 : static_cast<size_t>(spec.width);
  if (len >= width) {
    out->append(body);
    return;
  }
  size_t pad = width - len;
  if (spec.minus) {
    out->append(body);
    out->append(pad, ' ');
  } else if (spec.zero && numeric) {
    size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    out->append(body.substr(0, sign));
    out->append(pad, '0');
    out->append(body.substr(sign));
  } else {
    out->append(pad, ' ');
    out->append(body);
  }
}

std::string FormatIntVerb(int64_t v, char verb, const FormatSpec& spec) {
  std::string digits;
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  switch (verb) {
    case 'x':
      digits = fmt::format("{:x}", mag);
      if (spec.sharp) digits = "0x" + digits;
      break;
    case 'X':
      digits = fmt::format("{:X}", mag);
      if (spec.sharp) digits = "0X" + digits;
      break;
    case 'o':
      digits = fmt::format("{:o}", mag);
      if (spec.sharp) digits = "0" + digits;
      break;
    case 'b':
      digits = fmt::format("{:b}", mag);
      break;
    default:
      digits = fmt::format("{}", mag);
  }
  if (spec.precision >= 0 && digits.size() < static_cast<size_t>(spec.precision)) {
    digits.insert(0, static_cast<size_t>(spec.precision) - digits.size(), '0');
  }
  if (v < 0) return "-" + digits;
  if (spec.plus) return "+" + digits;
  if (spec.space) return " " + digits;
  return digits;
}

std::string FormatFloatVerb(double v, char verb, const FormatSpec& spec) {
  std::string body;
  if (std::isnan(v)) {
    body = "NaN";
  } else if (std::isinf(v)) {
    body = v > 0 ? "+Inf" : "-Inf";
    if (v > 0 && !spec.plus) body = spec.space ? " Inf" : "+Inf";
    return body;
  } else {
    switch (verb) {
      case 'e':
      case 'E':
        body = fmt::format(fmt::runtime(verb == 'e' ? "{:.{}e}" : "{:.{}E}"), v,
                           spec.precision < 0 ? 6 : spec.precision);
        break;
      case 'g':
      case 'G':
      case 'v':
        if (spec.precision < 0) {
          body = FormatGoFloat(v, 'g');
        } else {
          body = fmt::format("{:.{}g}", v, spec.precision);
        }
        break;
      default:
        body = fmt::format("{:.{}f}", v, spec.precision < 0 ? 6 : spec.precision);
    }
  }
  if (!body.empty() && body[0] != '-') {
    if (spec.plus)
      body = "+" + body;
    else if (spec.space)
      body = " " + body;
  }
  return body;
}

void BadVerb(std::string* out, char verb, const Value& v, const Template::Context& ctx) {
  out->append(fmt::format("%!{}({}=", verb, KindName(v.kind)));
  AppendPrint(out, v, ctx);
  out->push_back(')');
}

Result<Value> FnPrintf(Args& args, const Template::Context& ctx) {
  auto format_r = Str(args[0], ctx);
  if (!format_r.ok()) return format_r.status();
  const std::string& format = *format_r;
  std::string out;
  size_t next_arg = 1;
  for (size_t i = 0; i < format.size();) {
    char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    FormatSpec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-')
        spec.minus = true;
      else if (f == '+')
        spec.plus = true;
      else if (f == ' ')
        spec.space = true;
      else if (f == '0')
        spec.zero = !spec.minus;
      else if (f == '#')
        spec.sharp = true;
      else
        break;
    }
    auto read_num = [&](int* dst) {
      int n = 0;
      bool any = false;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9' && n < 100000) {
        n = n * 10 + (format[i] - '0');
        ++i;
        any = true;
      }
      if (any) *dst = std::min(n, 4096);
      return any;
    };
    read_num(&spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      if (!read_num(&spec.precision)) spec.precision = 0;
    }
    if (i >= format.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    char verb = format[i++];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (next_arg >= args.size()) {
      out.append(fmt::format("%!{}(MISSING)", verb));
      continue;
    }
    const Value& v = args[next_arg++];
    std::string body;
    bool numeric = false;
    switch (verb) {
      case 'v':
        if (v.kind == Kind::kFloat) {
          body = FormatFloatVerb(v.f, 'v', spec);
          numeric = true;
        } else if (v.kind == Kind::kInt) {
          body = FormatIntVerb(v.i, 'd', spec);
          numeric = true;
        } else {
          body = PrintString(v, ctx);
        }
        break;
      case 's':
        if (v.kind == Kind::kString || v.kind == Kind::kTime) {
          body = PrintString(v, ctx);
          if (spec.precision >= 0)
            body = std::string(RunePrefix(body, static_cast<size_t>(spec.precision)));
        } else {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        break;
      case 'q':
        if (v.kind == Kind::kString) {
          body = GoQuote(v.str);
        } else if (v.kind == Kind::kInt) {
          body = GoQuoteRune(static_cast<int32_t>(v.i));
        } else {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        break;
      case 'd':
      case 'b':
      case 'o':
        if (v.kind != Kind::kInt) {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        body = FormatIntVerb(v.i, verb, spec);
        numeric = true;
        break;
      case 'x':
      case 'X':
        if (v.kind == Kind::kInt) {
          body = FormatIntVerb(v.i, verb, spec);
          numeric = true;
        } else if (v.kind == Kind::kString) {
          for (unsigned char ch : v.str)
            body.append(fmt::format(fmt::runtime(verb == 'x' ? "{:02x}" : "{:02X}"), ch));
        } else {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        break;
      case 'c':
        if (v.kind != Kind::kInt) {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        Utf8AppendRune(&body, Utf8ValidRune(static_cast<int32_t>(v.i)) ? static_cast<int32_t>(v.i)
                                                                       : kUtf8RuneError);
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        if (v.kind != Kind::kFloat) {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        body = FormatFloatVerb(v.f, verb, spec);
        numeric = true;
        break;
      case 't':
        if (v.kind != Kind::kBool) {
          BadVerb(&out, verb, v, ctx);
          continue;
        }
        body = v.b ? "true" : "false";
        break;
      default:
        BadVerb(&out, verb, v, ctx);
        continue;
    }
    Pad(&out, body, spec, numeric);
    if (out.size() > kMaxResultBytes) return ArgError("printf: result too large");
  }
  if (next_arg < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = next_arg; k < args.size(); ++k) {
      if (k > next_arg) out.append(", ");
      out.append(KindName(args[k].kind));
      out.push_back('=');
      AppendPrint(&out, args[k], ctx);
    }
    out.push_back(')');
  }
  return Value::String(std::move(out));
}

Result<Value> FnHtml(Args& args, const Template::Context& ctx) {
  Value joined = *FnPrint(args, ctx);
  std::string out;
  for (char c : joined.str) {
    switch (c) {
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '&':
        out.append("&amp;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      case '"':
        out.append("&#34;");
        break;
      case '\0':
        out.append("\xef\xbf\xbd");
        break;
      default:
        out.push_back(c);
    }
  }
  return Value::String(std::move(out));
}

Result<Value> FnUrlquery(Args& args, const Template::Context& ctx) {
  Value joined = *FnPrint(args, ctx);
  return Value::String(QueryEscape(joined.str));
}

// --- Loki ---------------------------------------------------------------------

Result<Value> FnLine(Args&, const Template::Context& ctx) {
  return Value::String(std::string(ctx.line));
}

Result<Value> FnTimestamp(Args&, const Template::Context& ctx) {
  GoTime t = GoTimeFromUnixNanos(ctx.time_ns);
  return Value::Time(t.sec, t.nsec);
}

#define VIGIL_STR_ARG(var, index)             \
  auto var##_r = Str(args[index], ctx);       \
  if (!var##_r.ok()) return var##_r.status(); \
  const std::string& var = *var##_r
#define VIGIL_INT_ARG(var, index)             \
  auto var##_r = IntParam(args[index]);       \
  if (!var##_r.ok()) return var##_r.status(); \
  int64_t var = *var##_r

Result<Value> FnUpper(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  return Value::String(Upper(s));
}
Result<Value> FnLower(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  return Value::String(Lower(s));
}
Result<Value> FnTitle(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  return Value::String(Title(s));
}
// Go's strings.Replace(s, old, new, n).
Result<Value> FnGoReplace(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(old_s, 1);
  VIGIL_STR_ARG(new_s, 2);
  VIGIL_INT_ARG(n, 3);
  return Value::String(ReplaceN(s, old_s, new_s, n));
}
// sprig's replace old new src.
Result<Value> FnReplace(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(old_s, 0);
  VIGIL_STR_ARG(new_s, 1);
  VIGIL_STR_ARG(s, 2);
  return Value::String(ReplaceN(s, old_s, new_s, -1));
}
Result<Value> FnGoTrim(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(cutset, 1);
  return Value::String(std::string(TrimRightCutset(TrimLeftCutset(s, cutset), cutset)));
}
Result<Value> FnGoTrimLeft(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(cutset, 1);
  return Value::String(std::string(TrimLeftCutset(s, cutset)));
}
Result<Value> FnGoTrimRight(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(cutset, 1);
  return Value::String(std::string(TrimRightCutset(s, cutset)));
}
Result<Value> FnGoTrimPrefix(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(prefix, 1);
  std::string_view v = s;
  if (v.starts_with(prefix)) v.remove_prefix(prefix.size());
  return Value::String(std::string(v));
}
Result<Value> FnGoTrimSuffix(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  VIGIL_STR_ARG(suffix, 1);
  std::string_view v = s;
  if (v.ends_with(suffix)) v.remove_suffix(suffix.size());
  return Value::String(std::string(v));
}
Result<Value> FnTrimSpace(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  return Value::String(std::string(TrimSpace(s)));
}
// sprig argument order: the operand last, so that pipelines work.
Result<Value> FnTrimAll(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(cutset, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::String(std::string(TrimRightCutset(TrimLeftCutset(s, cutset), cutset)));
}
Result<Value> FnTrimPrefix(Args& args, const Template::Context& ctx) {
  std::swap(args[0], args[1]);
  return FnGoTrimPrefix(args, ctx);
}
Result<Value> FnTrimSuffix(Args& args, const Template::Context& ctx) {
  std::swap(args[0], args[1]);
  return FnGoTrimSuffix(args, ctx);
}
Result<Value> FnTrunc(Args& args, const Template::Context& ctx) {
  VIGIL_INT_ARG(c, 0);
  VIGIL_STR_ARG(s, 1);
  int64_t len = static_cast<int64_t>(s.size());
  if (c < 0 && len + c > 0) return Value::String(s.substr(static_cast<size_t>(len + c)));
  if (c >= 0 && len > c) return Value::String(s.substr(0, static_cast<size_t>(c)));
  return Value::String(s);
}
Result<Value> FnSubstr(Args& args, const Template::Context& ctx) {
  VIGIL_INT_ARG(start, 0);
  VIGIL_INT_ARG(end, 1);
  VIGIL_STR_ARG(s, 2);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0) {
    if (end < 0 || end > len) return ArgError("slice bounds out of range");
    return Value::String(s.substr(0, static_cast<size_t>(end)));
  }
  if (end < 0 || end > len) {
    if (start > len) return ArgError("slice bounds out of range");
    return Value::String(s.substr(static_cast<size_t>(start)));
  }
  if (start > end) return ArgError("slice bounds out of range");
  return Value::String(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
}
Result<Value> FnContains(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(sub, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::Bool(s.find(sub) != std::string::npos);
}
Result<Value> FnHasPrefix(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(prefix, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::Bool(std::string_view(s).starts_with(prefix));
}
Result<Value> FnHasSuffix(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(suffix, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::Bool(std::string_view(s).ends_with(suffix));
}
Result<Value> FnIndent(Args& args, const Template::Context& ctx) {
  VIGIL_INT_ARG(n, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::String(Indent(n, s));
}
Result<Value> FnNindent(Args& args, const Template::Context& ctx) {
  VIGIL_INT_ARG(n, 0);
  VIGIL_STR_ARG(s, 1);
  return Value::String("\n" + Indent(n, s));
}
Result<Value> FnRepeat(Args& args, const Template::Context& ctx) {
  VIGIL_INT_ARG(n, 0);
  VIGIL_STR_ARG(s, 1);
  auto r = Repeat(s, n);
  if (!r.ok()) return r.status();
  return Value::String(std::move(r).value());
}
Result<Value> RegexReplace(Args& args, const Template::Context& ctx, bool literal) {
  VIGIL_STR_ARG(pattern, 0);
  VIGIL_STR_ARG(s, 1);
  VIGIL_STR_ARG(repl, 2);
  auto re = CompileCached(pattern);
  if (!re.ok()) return re.status();
  return Value::String(ReplaceAll(**re, s, repl, literal));
}
Result<Value> FnRegexReplaceAll(Args& args, const Template::Context& ctx) {
  return RegexReplace(args, ctx, false);
}
Result<Value> FnRegexReplaceAllLiteral(Args& args, const Template::Context& ctx) {
  return RegexReplace(args, ctx, true);
}
// Loki's count: the number of non-overlapping matches of a regexp.
Result<Value> FnCount(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(pattern, 0);
  VIGIL_STR_ARG(s, 1);
  auto re_r = CompileCached(pattern);
  if (!re_r.ok()) return re_r.status();
  const RE2& re = **re_r;
  re2::StringPiece text(s.data(), s.size());
  re2::StringPiece match;
  size_t pos = 0;
  int64_t n = 0;
  size_t prev_end = std::string::npos;
  while (pos <= s.size() && re.Match(text, pos, s.size(), RE2::UNANCHORED, &match, 1)) {
    size_t start = static_cast<size_t>(match.data() - s.data());
    size_t end = start + match.size();
    if (!(match.empty() && start == prev_end)) ++n;
    prev_end = end;
    pos = end > start ? end : start + 1;
  }
  return Value::Int(n);
}
Result<Value> FnDefault(Args& args, const Template::Context& ctx) {
  if (args.size() < 2 || !IsTrue(args[1], ctx)) return std::move(args[0]);
  return std::move(args[1]);
}
Result<Value> FnUrlencode(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  return Value::String(QueryEscape(s));
}
Result<Value> FnUrldecode(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  auto r = QueryUnescape(s);
  if (!r.ok()) return r.status();
  return Value::String(std::move(r).value());
}
// sprig's b64enc / b64dec (Go's StdEncoding; b64dec answers a failure with
// the error text, as sprig does).
Result<Value> FnB64enc(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  if (s.size() > kMaxResultBytes) return ArgError("b64enc: input too large");
  std::string out(4 * ((s.size() + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n < 0 ? 0 : n));
  return Value::String(std::move(out));
}
Result<Value> FnB64dec(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  auto valid = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  };
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = valid(c) && pad == 0;
    if (c == '=' && i + 2 >= s.size() && i % 4 >= 2) {
      ++pad;
      ok = true;
    }
    if (!ok) return Value::String(fmt::format("illegal base64 data at input byte {}", i));
  }
  if (s.size() % 4 != 0) {
    return Value::String(
        fmt::format("illegal base64 data at input byte {}", s.size() - s.size() % 4));
  }
  std::string out(s.size() / 4 * 3, '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return Value::String("illegal base64 data at input byte 0");
  out.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return Value::String(std::move(out));
}
Result<Value> Align(Args& args, const Template::Context& ctx, bool left) {
  VIGIL_INT_ARG(count, 0);
  VIGIL_STR_ARG(s, 1);
  int64_t len = static_cast<int64_t>(RuneCount(s));
  if (count < 0 || count == len) return Value::String(s);
  if (count > len) {
    if (count > static_cast<int64_t>(kMaxResultBytes)) return ArgError("align: too wide");
    std::string pad(static_cast<size_t>(count - len), ' ');
    return Value::String(left ? s + pad : pad + s);
  }
  if (left) return Value::String(std::string(RunePrefix(s, static_cast<size_t>(count))));
  std::string_view head = RunePrefix(s, static_cast<size_t>(len - count));
  return Value::String(s.substr(head.size()));
}
Result<Value> FnAlignLeft(Args& args, const Template::Context& ctx) {
  return Align(args, ctx, true);
}
Result<Value> FnAlignRight(Args& args, const Template::Context& ctx) {
  return Align(args, ctx, false);
}

// --- math (sprig: ints via cast.ToInt64, floats via cast.ToFloat64) ---------

Result<Value> FnAdd(Args& args, const Template::Context&) {
  int64_t sum = 0;
  for (const Value& v : args) sum = WrapAdd(sum, CastInt(v));
  return Value::Int(sum);
}
Result<Value> FnAdd1(Args& args, const Template::Context&) {
  return Value::Int(WrapAdd(CastInt(args[0]), 1));
}
Result<Value> FnSub(Args& args, const Template::Context&) {
  return Value::Int(WrapSub(CastInt(args[0]), CastInt(args[1])));
}
Result<Value> FnMul(Args& args, const Template::Context&) {
  int64_t product = 1;
  for (const Value& v : args) product = WrapMul(product, CastInt(v));
  return Value::Int(product);
}
Result<Value> FnDiv(Args& args, const Template::Context&) {
  int64_t b = CastInt(args[1]);
  if (b == 0) return ArgError("runtime error: integer divide by zero");
  int64_t a = CastInt(args[0]);
  if (a == INT64_MIN && b == -1) return Value::Int(a);
  return Value::Int(a / b);
}
Result<Value> FnMod(Args& args, const Template::Context&) {
  int64_t b = CastInt(args[1]);
  if (b == 0) return ArgError("runtime error: integer divide by zero");
  int64_t a = CastInt(args[0]);
  if (b == -1) return Value::Int(0);
  return Value::Int(a % b);
}
Result<Value> FnMax(Args& args, const Template::Context&) {
  int64_t m = CastInt(args[0]);
  for (const Value& v : args) m = std::max(m, CastInt(v));
  return Value::Int(m);
}
Result<Value> FnMin(Args& args, const Template::Context&) {
  int64_t m = CastInt(args[0]);
  for (const Value& v : args) m = std::min(m, CastInt(v));
  return Value::Int(m);
}
Result<Value> FnAddf(Args& args, const Template::Context&) {
  double sum = 0;
  for (const Value& v : args) sum += CastFloat(v);
  return Value::Float(sum);
}
Result<Value> FnSubf(Args& args, const Template::Context&) {
  double r = CastFloat(args[0]);
  for (size_t i = 1; i < args.size(); ++i) r -= CastFloat(args[i]);
  return Value::Float(r);
}
Result<Value> FnMulf(Args& args, const Template::Context&) {
  double r = 1;
  for (const Value& v : args) r *= CastFloat(v);
  return Value::Float(r);
}
Result<Value> FnDivf(Args& args, const Template::Context&) {
  double r = CastFloat(args[0]);
  for (size_t i = 1; i < args.size(); ++i) r /= CastFloat(args[i]);
  return Value::Float(r);
}
Result<Value> FnMaxf(Args& args, const Template::Context&) {
  double m = CastFloat(args[0]);
  for (const Value& v : args) m = std::fmax(m, CastFloat(v));
  return Value::Float(m);
}
Result<Value> FnMinf(Args& args, const Template::Context&) {
  double m = CastFloat(args[0]);
  for (const Value& v : args) m = std::fmin(m, CastFloat(v));
  return Value::Float(m);
}
Result<Value> FnCeil(Args& args, const Template::Context&) {
  return Value::Float(std::ceil(CastFloat(args[0])));
}
Result<Value> FnFloor(Args& args, const Template::Context&) {
  return Value::Float(std::floor(CastFloat(args[0])));
}
// sprig's round(a, p, r=.5): rounds half away from zero at p decimals.
Result<Value> FnRound(Args& args, const Template::Context&) {
  double a = CastFloat(args[0]);
  int64_t p = CastInt(args[1]);
  double r = args.size() > 2 ? CastFloat(args[2]) : 0.5;
  double pow = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(p, -308, 308)));
  double digit = pow * a;
  double integral;
  double frac = std::modf(digit, &integral);
  if (frac >= r) {
    integral = std::ceil(digit);
  } else if (frac <= -r) {
    integral = std::floor(digit);
  }
  return Value::Float(integral / pow);
}
Result<Value> FnInt(Args& args, const Template::Context&) { return Value::Int(CastInt(args[0])); }
Result<Value> FnFloat64(Args& args, const Template::Context&) {
  return Value::Float(CastFloat(args[0]));
}

// --- time -------------------------------------------------------------------

Result<GoTime> TimeArg(const Value& v) {
  if (v.kind == Kind::kTime) return GoTime{v.i, v.nsec};
  if (v.kind == Kind::kInt) return GoTime{v.i, 0};  // sprig: ints are Unix seconds
  return ArgError(
      fmt::format("wrong type for value; expected time.Time; got {}", KindName(v.kind)));
}

Result<Value> FnDate(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(layout, 0);
  auto t = TimeArg(args[1]);
  if (!t.ok()) return t.status();
  return Value::String(FormatGoTime(*t, layout));
}
// sprig's toDate: a zero time when the string does not parse.
Result<Value> FnToDate(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(layout, 0);
  VIGIL_STR_ARG(s, 1);
  auto t = ParseGoTime(layout, s);
  if (!t.ok()) return Value::Time(-62135596800, 0);  // 0001-01-01T00:00:00Z
  return Value::Time(t->sec, t->nsec);
}
Result<Value> FnToDateInZone(Args& args, const Template::Context& ctx) {
  // Zones other than UTC are not known to Vigil: the time is read as UTC
  // (what sprig does for a zone it cannot load).
  Args rest{args[0], args[2]};
  return FnToDate(rest, ctx);
}
Result<Value> FnNow(Args&, const Template::Context&) {
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  GoTime t = GoTimeFromUnixNanos(ns);
  return Value::Time(t.sec, t.nsec);
}
Result<Value> FnUnixEpoch(Args& args, const Template::Context&) {
  auto t = TimeArg(args[0]);
  if (!t.ok()) return t.status();
  return Value::String(fmt::format("{}", t->sec));
}
Result<Value> FnUnixEpochMillis(Args& args, const Template::Context&) {
  auto t = TimeArg(args[0]);
  if (!t.ok()) return t.status();
  return Value::String(fmt::format("{}", WrapAdd(WrapMul(t->sec, 1000), t->nsec / 1000000)));
}
Result<Value> FnUnixEpochNanos(Args& args, const Template::Context&) {
  auto t = TimeArg(args[0]);
  if (!t.ok()) return t.status();
  return Value::String(fmt::format("{}", WrapAdd(WrapMul(t->sec, 1000000000), t->nsec)));
}
// Loki's unixToTime: the unit follows from the number of digits.
Result<Value> FnUnixToTime(Args& args, const Template::Context& ctx) {
  VIGIL_STR_ARG(s, 0);
  auto n = ParseGoInt(s);
  bool decimal = !s.empty() && std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                                           [](char c) { return c >= '0' && c <= '9'; });
  if (!n.ok() || !decimal) return ArgError(fmt::format("unable to parse time '{}'", s));
  int64_t v = *n;
  auto split = [](int64_t value, int64_t per_second) {
    int64_t sec = value / per_second;
    int64_t rem = value % per_second;
    if (rem < 0) {
      rem += per_second;
      --sec;
    }
    return Value::Time(sec, rem * (1000000000 / per_second));
  };
  switch (s.size()) {
    case 5:
      return Value::Time(v * 86400, 0);
    case 10:
      return Value::Time(v, 0);
    case 13:
      return split(v, 1000);
    case 16:
      return split(v, 1000000);
    case 19:
      return split(v, 1000000000);
    default:
      return ArgError(fmt::format(
          "unable to parse time '{}' length {} did not match any expected format", s, s.size()));
  }
}

#undef VIGIL_STR_ARG
#undef VIGIL_INT_ARG

constexpr FunctionSpec kFunctions[] = {
    // Go's builtins.
    {"and", FnAnd, 1, -1},
    {"or", FnOr, 1, -1},
    {"not", FnNot, 1, 1},
    {"eq", FnEq, 2, -1},
    {"ne", FnNe, 2, 2},
    {"lt", FnOrder<IsLess>, 2, 2},
    {"le", FnOrder<IsLessEq>, 2, 2},
    {"gt", FnOrder<IsGreater>, 2, 2},
    {"ge", FnOrder<IsGreaterEq>, 2, 2},
    {"len", FnLen, 1, 1},
    {"index", FnIndex, 1, -1},
    {"print", FnPrint, 0, -1},
    {"printf", FnPrintf, 1, -1},
    {"println", FnPrintln, 0, -1},
    {"html", FnHtml, 0, -1},
    {"urlquery", FnUrlquery, 0, -1},
    // Loki.
    {"__line__", FnLine, 0, 0},
    {"__timestamp__", FnTimestamp, 0, 0},
    {"ToLower", FnLower, 1, 1},
    {"ToUpper", FnUpper, 1, 1},
    {"Replace", FnGoReplace, 4, 4},
    {"Trim", FnGoTrim, 2, 2},
    {"TrimLeft", FnGoTrimLeft, 2, 2},
    {"TrimRight", FnGoTrimRight, 2, 2},
    {"TrimPrefix", FnGoTrimPrefix, 2, 2},
    {"TrimSuffix", FnGoTrimSuffix, 2, 2},
    {"TrimSpace", FnTrimSpace, 1, 1},
    {"regexReplaceAll", FnRegexReplaceAll, 3, 3},
    {"regexReplaceAllLiteral", FnRegexReplaceAllLiteral, 3, 3},
    {"count", FnCount, 2, 2},
    {"urlencode", FnUrlencode, 1, 1},
    {"urldecode", FnUrldecode, 1, 1},
    {"alignLeft", FnAlignLeft, 2, 2},
    {"b64enc", FnB64enc, 1, 1},
    {"b64dec", FnB64dec, 1, 1},
    {"alignRight", FnAlignRight, 2, 2},
    {"unixEpoch", FnUnixEpoch, 1, 1},
    {"unixEpochMillis", FnUnixEpochMillis, 1, 1},
    {"unixEpochNanos", FnUnixEpochNanos, 1, 1},
    {"unixToTime", FnUnixToTime, 1, 1},
    // sprig.
    {"lower", FnLower, 1, 1},
    {"upper", FnUpper, 1, 1},
    {"title", FnTitle, 1, 1},
    {"trunc", FnTrunc, 2, 2},
    {"substr", FnSubstr, 3, 3},
    {"replace", FnReplace, 3, 3},
    {"trim", FnTrimSpace, 1, 1},
    {"trimAll", FnTrimAll, 2, 2},
    {"trimPrefix", FnTrimPrefix, 2, 2},
    {"trimSuffix", FnTrimSuffix, 2, 2},
    {"contains", FnContains, 2, 2},
    {"hasPrefix", FnHasPrefix, 2, 2},
    {"hasSuffix", FnHasSuffix, 2, 2},
    {"indent", FnIndent, 2, 2},
    {"nindent", FnNindent, 2, 2},
    {"repeat", FnRepeat, 2, 2},
    {"default", FnDefault, 1, 2},
    {"add", FnAdd, 0, -1},
    {"add1", FnAdd1, 1, 1},
    {"sub", FnSub, 2, 2},
    {"mul", FnMul, 1, -1},
    {"div", FnDiv, 2, 2},
    {"mod", FnMod, 2, 2},
    {"max", FnMax, 1, -1},
    {"min", FnMin, 1, -1},
    {"addf", FnAddf, 0, -1},
    {"subf", FnSubf, 1, -1},
    {"mulf", FnMulf, 1, -1},
    {"divf", FnDivf, 1, -1},
    {"maxf", FnMaxf, 1, -1},
    {"minf", FnMinf, 1, -1},
    {"ceil", FnCeil, 1, 1},
    {"floor", FnFloor, 1, 1},
    {"round", FnRound, 2, 3},
    {"int", FnInt, 1, 1},
    {"int64", FnInt, 1, 1},
    {"float64", FnFloat64, 1, 1},
    {"date", FnDate, 2, 2},
    {"toDate", FnToDate, 2, 2},
    {"toDateInZone", FnToDateInZone, 3, 3},
    {"now", FnNow, 0, 0},
};

}  // namespace

const FunctionSpec* LookupFunction(std::string_view name) {
  for (const FunctionSpec& spec : kFunctions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool IsTrue(const Value& v, const Template::Context& ctx) {
  switch (v.kind) {
    case Kind::kNil:
      return false;
    case Kind::kString:
      return !v.str.empty();
    case Kind::kInt:
      return v.i != 0;
    case Kind::kFloat:
      return v.f != 0;
    case Kind::kBool:
      return v.b;
    case Kind::kTime:
      return true;  // a struct is always true
    case Kind::kLabels:
      return ctx.labels != nullptr && !ctx.labels->empty();
  }
  return false;
}

void AppendPrint(std::string* out, const Value& v, const Template::Context& ctx) {
  switch (v.kind) {
    case Kind::kNil:
      out->append("<no value>");
      break;
    case Kind::kString:
      out->append(v.str);
      break;
    case Kind::kInt:
      out->append(fmt::format("{}", v.i));
      break;
    case Kind::kFloat:
      AppendGoFloat(out, v.f, 'g');
      break;
    case Kind::kBool:
      out->append(v.b ? "true" : "false");
      break;
    case Kind::kTime:
      out->append(GoTimeString(GoTime{v.i, v.nsec}));
      break;
    case Kind::kLabels: {
      // fmt prints maps sorted by key.
      std::map<std::string_view, std::string_view> sorted;
      if (ctx.labels != nullptr) {
        for (const auto& [k, val] : *ctx.labels) sorted[k] = val;
      }
      out->append("map[");
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) out->push_back(' ');
        first = false;
        out->append(k);
        out->push_back(':');
        out->append(val);
      }
      out->push_back(']');
      break;
    }
  }
}

std::string PrintString(const Value& v, const Template::Context& ctx) {
  std::string out;
  AppendPrint(&out, v, ctx);
  return out;
}

}  // namespace vigil::logparse::tmpl
