// Series colours, the same palette as the web UI (ui/src/lib/colors.js) so a
// chart image and the UI's chart of one query show each series in the same
// colour, and the UI's light and dark theme colours for the chart's frame.
//
// Thread-safety: constants.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vigil::plot {

// 0xRRGGBB.
inline constexpr std::array<uint32_t, 16> kPalette = {
    0x4e79a7, 0xf28e2b, 0x59a14f, 0xe15759, 0x76b7b2, 0xedc948, 0xb07aa1, 0xff9da7,
    0x9c755f, 0xbab0ac, 0x1f77b4, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0x17becf,
};

inline constexpr uint32_t SeriesColor(size_t i) { return kPalette[i % kPalette.size()]; }

// The frame's colours: ui/src/style.css's --panel, --text, --muted, --grid
// and --line. The series keep the one palette in both.
struct ThemeColors {
  uint32_t background;
  uint32_t text;
  uint32_t muted;
  uint32_t grid;
  uint32_t axis_line;
};

inline constexpr ThemeColors kLightColors = {0xffffff, 0x1d2330, 0x5d6678, 0xe8ebf0, 0xdde1e8};
inline constexpr ThemeColors kDarkColors = {0x1c2028, 0xe3e7ee, 0x9aa3b2, 0x262b35, 0x2e3440};

}  // namespace vigil::plot
