#include "visual/plot/chart.h"

#include <fmt/format.h>

namespace vigil::plot {

Result<Unit> ParseUnit(std::string_view s) {
  if (s.empty() || s == "none") return Unit::kNone;
  if (s == "bytes") return Unit::kBytes;
  if (s == "seconds") return Unit::kSeconds;
  if (s == "percent") return Unit::kPercent;
  return Status::InvalidArgument(
      fmt::format("unknown unit \"{}\": use bytes, seconds or percent", s));
}

Result<Format> ParseFormat(std::string_view s) {
  if (s.empty() || s == "png") return Format::kPng;
  if (s == "svg") return Format::kSvg;
  return Status::InvalidArgument(fmt::format("unknown format \"{}\": use png or svg", s));
}

Result<Theme> ParseTheme(std::string_view s) {
  if (s.empty() || s == "light") return Theme::kLight;
  if (s == "dark") return Theme::kDark;
  return Status::InvalidArgument(fmt::format("unknown theme \"{}\": use light or dark", s));
}

std::string_view ContentType(Format f) { return f == Format::kPng ? "image/png" : "image/svg+xml"; }

}  // namespace vigil::plot
