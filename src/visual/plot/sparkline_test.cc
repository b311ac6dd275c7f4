// Sparklines: one block per step or slot, gaps as blanks, aligned lines.
#include "visual/plot/sparkline.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::plot {
namespace {

std::vector<Point> Ramp(int n, int64_t step) {
  std::vector<Point> out;
  for (int i = 0; i < n; ++i) out.push_back({i * step, static_cast<double>(i)});
  return out;
}

TEST(SparklineTest, OneBlockPerStepWhenThereIsRoom) {
  EXPECT_EQ(Sparkline(Ramp(8, 10), 0, 70, 10, 80), "▁▂▃▄▅▆▇█");
  // A flat series sits in the middle.
  std::vector<Point> flat = {{0, 5}, {10, 5}, {20, 5}};
  EXPECT_EQ(Sparkline(flat, 0, 20, 10, 80), "▄▄▄");
}

TEST(SparklineTest, MissingStepsAndNaNAreBlanks) {
  std::vector<Point> p = {{0, 0}, {10, 1}, {30, 3}, {40, std::nan("")}, {50, 7}};
  EXPECT_EQ(Sparkline(p, 0, 50, 10, 80), "▁▂ ▄ █");
}

TEST(SparklineTest, SlotsAverageStepsWhenNarrower) {
  // 16 steps in 8 columns: pairs (0,1), (2,3)... averaged to 0.5, 2.5, ...
  EXPECT_EQ(Sparkline(Ramp(16, 1), 0, 15, 1, 8), "▁▂▃▄▅▆▇█");
  EXPECT_EQ(Sparkline(Ramp(100, 1), 0, 99, 1, 7).size(), 7 * std::string("▁").size());
  EXPECT_EQ(Sparkline({}, 0, 10, 0, 8), "");
}

TEST(TextTest, TruncatesByCodePoints) {
  EXPECT_EQ(TruncateText("abcdef", 4), "abc…");
  EXPECT_EQ(TruncateText("abcd", 4), "abcd");
  EXPECT_EQ(TruncateText("ééééé", 3), "éé…");
  EXPECT_EQ(TruncateText("a\x01"
                         "b\xff",
                         10),
            "a b\xEF\xBF\xBD");
  EXPECT_EQ(TextColumns("é█x"), 3u);
}

TEST(SparklineLinesTest, AlignedColumnsAndStats) {
  std::vector<Series> series = {
      {"up{job=\"node\"}", Ramp(8, 10)},
      {"a", {{0, 1024}, {70, 2048}}},
      {"nothing", {}},
  };
  auto lines = SparklineLines(series, 0, 70, 10, 80, Unit::kBytes);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "up{job=\"node\"}  ▁▂▃▄▅▆▇█  min 0 B      max 7 B      last 7 B");
  EXPECT_EQ(lines[1], "a               ▁      █  min 1.0 KiB  max 2.0 KiB  last 2.0 KiB");
  EXPECT_EQ(lines[2], "nothing         no data");
  for (const auto& l : lines) EXPECT_LE(TextColumns(l), 80u);
}

TEST(SparklineLinesTest, LongNamesAreCutToAThird) {
  std::vector<Series> series = {{std::string(200, 'x'), Ramp(200, 1)}};
  auto lines = SparklineLines(series, 0, 199, 1, 90, Unit::kNone);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].substr(0, 29), std::string(29, 'x'));
  EXPECT_EQ(lines[0].substr(29, 3), "…");
  EXPECT_LE(TextColumns(lines[0]), 90u);
  EXPECT_GE(TextColumns(lines[0]), 80u);
}

}  // namespace
}  // namespace vigil::plot
