// Axis arithmetic for charts: "nice" value ticks (1, 2, 5 times a power of
// ten, in the unit the axis is labelled in), time ticks aligned to round UTC
// times (seconds, minutes, hours, days, calendar months and years), the
// value formatting of the web UI (ui/src/lib/format.js) for single values,
// and a nice query step for a chart's width.
//
// Value axes pick one display unit for all their labels, from the largest
// value (k, M, G, T for plain numbers; B, KiB, MiB... for bytes; ns to d for
// seconds), then choose the tick step in that unit, so that a byte axis
// reads "0 GiB, 0.5 GiB, 1.0 GiB, 1.5 GiB": one unit and one number of
// decimals for every label, never "512 MiB" beside "1.5 GiB".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "visual/plot/chart.h"

namespace vigil::plot {

struct ValueAxis {
  double min = 0;  // the axis range: the outer ticks
  double max = 1;
  double step = 1;                  // between ticks, in data units
  std::vector<double> ticks;        // min, min + step, ..., max
  std::vector<std::string> labels;  // one per tick
};

// Ticks covering [lo, hi] with at most max_ticks steps between min and max.
// A flat range gets room around it (a positive constant is shown from 0, so
// up == 1 is a line below the top tick); non-finite bounds give [0, 1].
ValueAxis ComputeValueAxis(double lo, double hi, int max_ticks, Unit unit);

struct TimeTick {
  int64_t t_ms = 0;
  std::string label;  // "14:05", "14:05:30", "03-17", "2024-03", "2024"
  // A second line: the date under the first tick of each day ("2024-03-17")
  // for sub-day steps, the year under the first tick of each year for day
  // steps; "" elsewhere.
  std::string date;
};

// Ticks in [start_ms, end_ms] at multiples of the smallest round step that
// gives at most max_ticks of them, in UTC.
std::vector<TimeTick> ComputeTimeTicks(int64_t start_ms, int64_t end_ms, int max_ticks);

// As the web UI's formatNumber: three significant digits and a k, M, G, T
// suffix ("1.23M", "0.25", "1.5e-5"), "—" for NaN, "+Inf", "-Inf".
std::string FormatNumber(double v);
// As the web UI's formatValue: "1.2 MiB", "250 ms", "12.5%", or FormatNumber.
std::string FormatValue(double v, Unit unit);

// The smallest round query step (1s, 2s, 5s, 10s, 15s, 30s, 1m, ... 12h,
// then whole days) of at least min_ms; below a second, min_ms itself (at
// least 1 ms).
int64_t NiceStepAtLeast(int64_t min_ms);

// "2024-03-17 14:05:30 UTC" (seconds only when not zero).
std::string FormatUtc(int64_t ms);

}  // namespace vigil::plot
