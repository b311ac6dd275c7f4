#include "visual/plot/ticks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace vigil::plot {

namespace {

// ---- Values -----------------------------------------------------------------

// The display unit of an axis: labels show value / factor, then suffix.
struct Scale {
  double factor = 1;
  std::string_view suffix;
};

Scale ChooseScale(double max_abs, Unit unit) {
  switch (unit) {
    case Unit::kBytes: {
      static constexpr std::array<std::string_view, 6> kNames = {" B",   " KiB", " MiB",
                                                                 " GiB", " TiB", " PiB"};
      Scale s{1, kNames[0]};
      for (size_t i = 1; i < kNames.size() && max_abs >= std::ldexp(1.0, 10 * int(i)); ++i) {
        s = {std::ldexp(1.0, 10 * int(i)), kNames[i]};
      }
      return s;
    }
    case Unit::kSeconds:
      // Minutes, hours and days only from two of them, so that 90 s reads
      // "90 s" and not "1.5 min".
      if (max_abs >= 2 * 86400) return {86400, " d"};
      if (max_abs >= 2 * 3600) return {3600, " h"};
      if (max_abs >= 2 * 60) return {60, " min"};
      if (max_abs >= 1 || max_abs == 0) return {1, " s"};
      if (max_abs >= 1e-3) return {1e-3, " ms"};
      if (max_abs >= 1e-6) return {1e-6, " µs"};
      return {1e-9, " ns"};
    case Unit::kPercent:
      return {1, "%"};
    case Unit::kNone:
      break;
  }
  if (max_abs >= 1e12) return {1e12, "T"};
  if (max_abs >= 1e9) return {1e9, "G"};
  if (max_abs >= 1e6) return {1e6, "M"};
  if (max_abs >= 1e3) return {1e3, "k"};
  return {1, ""};
}

// 1, 2 or 5 times a power of ten, at least x (> 0).
double NiceStep(double x) {
  double e = std::floor(std::log10(x));
  double base = std::pow(10.0, e);
  double f = x / base;
  // A little slack, so that 0.2000000001 is 0.2 and not 0.5.
  double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  return nice * base;
}

}  // namespace

ValueAxis ComputeValueAxis(double lo, double hi, int max_ticks, Unit unit) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (std::max(std::abs(lo), std::abs(hi)) > 1e300) {
    // Near the largest doubles nice steps overflow: the two ends are the ticks.
    return ValueAxis{lo, hi, hi - lo, {lo, hi}, {FormatNumber(lo), FormatNumber(hi)}};
  }
  if (hi == lo) {
    if (lo > 0) {
      lo = 0, hi *= 1.1;
    } else if (lo < 0) {
      hi = 0, lo *= 1.1;
    } else {
      hi = 1;
    }
  }
  max_ticks = std::max(max_ticks, 1);
  Scale scale = ChooseScale(std::max(std::abs(lo), std::abs(hi)), unit);
  const double slo = lo / scale.factor;
  const double shi = hi / scale.factor;
  double step = NiceStep((shi - slo) / max_ticks);
  double first = std::floor(slo / step + 1e-9);
  double last = std::ceil(shi / step - 1e-9);
  // Whole bytes, milliseconds and so on have no useful fractions of a base unit.
  if (scale.factor == 1 && unit == Unit::kBytes && step < 1) {
    step = 1, first = std::floor(slo), last = std::ceil(shi);
  }
  const int n = std::clamp(static_cast<int>(last - first), 0, 4 * max_ticks + 4);
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 20);

  ValueAxis axis;
  axis.step = step * scale.factor;
  axis.min = first * step * scale.factor;
  axis.max = last * step * scale.factor;
  for (int i = 0; i <= n; ++i) {
    // From the index, not by repeated addition, so that ticks do not drift.
    double scaled = (first + i) * step;
    if (std::abs(scaled) < step * 1e-9) scaled = 0;
    axis.ticks.push_back(scaled * scale.factor);
    std::string label;
    if (scaled == 0) {
      label = unit == Unit::kNone ? "0" : fmt::format("0{}", scale.suffix);
    } else if (decimals > 6 || std::abs(scaled) >= 1e15) {
      label = fmt::format("{:g}{}", scaled, scale.suffix);
    } else {
      label = fmt::format("{:.{}f}{}", scaled, decimals, scale.suffix);
    }
    axis.labels.push_back(std::move(label));
  }
  return axis;
}

namespace {

std::string TrimZeros(std::string s) {
  if (s.find('.') == std::string::npos || s.find('e') != std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// `digits` significant digits in fixed notation, trailing zeros trimmed.
std::string Significant(double v, int digits) {
  int magnitude = static_cast<int>(std::floor(std::log10(std::abs(v))));
  int decimals = std::max(0, digits - 1 - magnitude);
  return TrimZeros(fmt::format("{:.{}f}", v, decimals));
}

// JavaScript's toExponential(2): "1.23e-5", with no leading zeros in the exponent.
std::string Exponential(double v) {
  std::string s = fmt::format("{:.2e}", v);
  size_t e = s.find('e');
  if (e == std::string::npos || e + 2 >= s.size()) return s;
  size_t digits = e + 2;
  while (digits + 1 < s.size() && s[digits] == '0') s.erase(digits, 1);
  if (s[e + 1] == '+') s.erase(e + 1, 1);
  return s;
}

}  // namespace

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "—";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  const double a = std::abs(v);
  if (a == 0) return "0";
  static constexpr std::array<std::pair<double, std::string_view>, 4> kSuffixes = {
      {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
  for (const auto& [n, suffix] : kSuffixes) {
    if (a >= n) return Significant(v / n, 3) + std::string(suffix);
  }
  if (a >= 1e-3) return Significant(v, 3);
  return Exponential(v);
}

std::string FormatValue(double v, Unit unit) {
  switch (unit) {
    case Unit::kBytes: {
      if (std::isnan(v)) return "—";
      if (std::isinf(v)) return FormatNumber(v);
      static constexpr std::array<std::string_view, 5> kNames = {"B", "KiB", "MiB", "GiB", "TiB"};
      size_t i = 0;
      double x = v;
      while (std::abs(x) >= 1024 && i + 1 < kNames.size()) x /= 1024, ++i;
      if (i > 0) return fmt::format("{:.1f} {}", x, kNames[i]);
      // Under 1 KiB: as any other number (a rate of 670.98849 B/s reads as
      // 671 B), but 1000 to 1023 B in digits, never "1k B".
      return (std::abs(x) >= 1000 ? Significant(x, 3) : FormatNumber(x)) + " B";
    }
    case Unit::kSeconds:
      if (v > 0 && v < 1) return FormatNumber(v * 1000) + " ms";
      return FormatNumber(v) + " s";
    case Unit::kPercent:
      return FormatNumber(v) + "%";
    case Unit::kNone:
      break;
  }
  return FormatNumber(v);
}

// ---- Time -------------------------------------------------------------------

namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHr = 60 * kMin;
constexpr int64_t kDayMs = 24 * kHr;

struct Civil {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;
  int64_t ms_of_day = 0;
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil ToCivil(int64_t ms) {
  using namespace std::chrono;
  int64_t days = FloorDiv(ms, kDayMs);
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), ms - days * kDayMs};
}

int64_t FromCivil(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  sys_days d{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
  return static_cast<int64_t>(d.time_since_epoch().count()) * kDayMs;
}

std::string DateText(const Civil& c) {
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::string TimeOfDay(int64_t ms_of_day, bool seconds, bool millis) {
  int64_t h = ms_of_day / kHr, m = ms_of_day / kMin % 60, s = ms_of_day / kSec % 60;
  if (millis) return fmt::format("{:02}:{:02}:{:02}.{:03}", h, m, s, ms_of_day % kSec);
  if (seconds) return fmt::format("{:02}:{:02}:{:02}", h, m, s);
  return fmt::format("{:02}:{:02}", h, m);
}

constexpr std::array<int64_t, 29> kFixedSteps = {
    1,        2,        5,         10,         20,        50,        100,       200,
    500,      kSec,     2 * kSec,  5 * kSec,   10 * kSec, 15 * kSec, 30 * kSec, kMin,
    2 * kMin, 5 * kMin, 10 * kMin, 15 * kMin,  30 * kMin, kHr,       2 * kHr,   3 * kHr,
    6 * kHr,  12 * kHr, kDayMs,    2 * kDayMs, 7 * kDayMs};
constexpr std::array<int, 4> kMonthSteps = {1, 2, 3, 6};
constexpr int64_t kAverageMonthMs = 2'629'746'000;  // 365.2425 days / 12

}  // namespace

std::vector<TimeTick> ComputeTimeTicks(int64_t start_ms, int64_t end_ms, int max_ticks) {
  std::vector<TimeTick> out;
  if (end_ms < start_ms) std::swap(start_ms, end_ms);
  // Calendar arithmetic below holds for years 0000 to 9999 only (as RFC 3339).
  constexpr int64_t kYear0 = -62'167'219'200'000;
  constexpr int64_t kYear10000 = 253'402'300'800'000;
  if (start_ms < kYear0 || end_ms >= kYear10000) return out;
  max_ticks = std::max(max_ticks, 1);
  const int64_t span = end_ms - start_ms;
  for (int64_t step : kFixedSteps) {
    if (span / step > max_ticks) continue;
    const bool sub_day = step < kDayMs;
    int64_t t = FloorDiv(start_ms, step) * step;
    if (t < start_ms) t += step;
    Civil prev{};
    for (; t <= end_ms; t += step) {
      Civil c = ToCivil(t);
      TimeTick tick;
      tick.t_ms = t;
      if (sub_day) {
        tick.label = TimeOfDay(c.ms_of_day, step < kMin, step < kSec);
        if (out.empty() || c.day != prev.day || c.month != prev.month || c.year != prev.year) {
          tick.date = DateText(c);
        }
      } else {
        tick.label = fmt::format("{:02}-{:02}", c.month, c.day);
        if (out.empty() || c.year != prev.year) tick.date = fmt::format("{:04}", c.year);
      }
      prev = c;
      out.push_back(std::move(tick));
    }
    return out;
  }
  // Calendar months, then years: steps of 1, 2, 3, 6 months or 1, 2, 5, 10... years.
  int months = 0;
  for (int m : kMonthSteps) {
    if (span / (m * kAverageMonthMs) <= max_ticks) {
      months = m;
      break;
    }
  }
  for (int64_t years = 1; months == 0; years *= 10) {
    for (int64_t f : {1, 2, 5}) {
      if (span / (f * years * 12 * kAverageMonthMs) <= max_ticks) {
        months = static_cast<int>(f * years * 12);
        break;
      }
    }
  }
  Civil c = ToCivil(start_ms);
  int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1);
  index = FloorDiv(index, months) * months;
  for (;; index += months) {
    int year = static_cast<int>(FloorDiv(index, 12));
    unsigned month = static_cast<unsigned>(index - int64_t{year} * 12 + 1);
    int64_t t = FromCivil(year, month, 1);
    if (t < start_ms) continue;
    if (t > end_ms) break;
    TimeTick tick;
    tick.t_ms = t;
    tick.label =
        months % 12 == 0 ? fmt::format("{:04}", year) : fmt::format("{:04}-{:02}", year, month);
    out.push_back(std::move(tick));
  }
  return out;
}

int64_t NiceStepAtLeast(int64_t min_ms) {
  static constexpr std::array<int64_t, 18> kSteps = {
      kSec,      2 * kSec,  5 * kSec,  10 * kSec, 15 * kSec, 30 * kSec, kMin,    2 * kMin, 5 * kMin,
      10 * kMin, 15 * kMin, 30 * kMin, kHr,       2 * kHr,   3 * kHr,   6 * kHr, 12 * kHr, kDayMs};
  if (min_ms < kSec) return std::max<int64_t>(min_ms, 1);
  for (int64_t s : kSteps) {
    if (s >= min_ms) return s;
  }
  return (min_ms + kDayMs - 1) / kDayMs * kDayMs;
}

std::string FormatUtc(int64_t ms) {
  Civil c = ToCivil(ms);
  bool seconds = c.ms_of_day % kMin != 0;
  return fmt::format("{} {} UTC", DateText(c), TimeOfDay(c.ms_of_day, seconds, false));
}

}  // namespace vigil::plot
