// Series colours, the same palette as the web UI (ui/src/lib/colors.js) so a
// chart image and the UI's chart of one query show each series in the same
// colour, and the UI's light theme colours for the chart's frame.
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

// ui/src/style.css, light theme: --panel, --text, --muted, --grid, --line.
inline constexpr uint32_t kBackground = 0xffffff;
inline constexpr uint32_t kText = 0x1d2330;
inline constexpr uint32_t kMuted = 0x5d6678;
inline constexpr uint32_t kGrid = 0xe8ebf0;
inline constexpr uint32_t kAxisLine = 0xdde1e8;

}  // namespace vigil::plot
