// /api/v1/render's own parameters, default step, series names and the
// chart built from a range query's result.
#include "api/query/render_format.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vigil::api::query {
namespace {

http::Request Req(http::Params params) {
  http::Request r;
  r.method = "GET";
  r.query = std::move(params);
  return r;
}

std::string Error(http::Params params) {
  auto r = ParseRenderOptions(Req(std::move(params)));
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(RenderOptionsTest, Defaults) {
  auto o = ParseRenderOptions(Req({}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->format, plot::Format::kPng);
  EXPECT_EQ(o->width, 800);
  EXPECT_EQ(o->height, 400);
  EXPECT_EQ(o->unit, plot::Unit::kNone);
  EXPECT_FALSE(o->stacked);
  EXPECT_EQ(o->theme, plot::Theme::kLight);
  EXPECT_EQ(o->title, "");
  o = ParseRenderOptions(Req({{"format", "svg"},
                              {"width", "100"},
                              {"height", "4000"},
                              {"unit", "bytes"},
                              {"stacked", "1"},
                              {"theme", "dark"},
                              {"title", "Memory"}}));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->format, plot::Format::kSvg);
  EXPECT_EQ(o->width, 100);
  EXPECT_EQ(o->height, 4000);
  EXPECT_EQ(o->unit, plot::Unit::kBytes);
  EXPECT_TRUE(o->stacked);
  EXPECT_EQ(o->theme, plot::Theme::kDark);
  EXPECT_EQ(o->title, "Memory");
  EXPECT_FALSE(ParseRenderOptions(Req({{"stacked", "false"}}))->stacked);
}

TEST(RenderOptionsTest, ErrorsNameTheParameter) {
  EXPECT_EQ(Error({{"format", "jpeg"}}),
            R"(invalid parameter "format": unknown format "jpeg": use png or svg)");
  EXPECT_EQ(Error({{"width", "wide"}}),
            R"(invalid parameter "width": strconv.Atoi: parsing "wide": invalid syntax)");
  EXPECT_EQ(Error({{"width", "99"}}),
            R"(invalid parameter "width": 99 is outside 100 to 4000 pixels)");
  EXPECT_EQ(Error({{"height", "4001"}}),
            R"(invalid parameter "height": 4001 is outside 100 to 4000 pixels)");
  EXPECT_EQ(Error({{"unit", "watts"}}),
            R"(invalid parameter "unit": unknown unit "watts": use bytes, seconds or percent)");
  EXPECT_EQ(Error({{"stacked", "yes"}}),
            R"(invalid parameter "stacked": strconv.ParseBool: parsing "yes": invalid syntax)");
  EXPECT_EQ(Error({{"theme", "blue"}}),
            R"(invalid parameter "theme": unknown theme "blue": use light or dark)");
}

TEST(AutoStepTest, AboutOnePointPerTwoPixels) {
  EXPECT_EQ(AutoStepMs(0, 3'600'000, 800), 10'000);    // 9 s, rounded to 10 s
  EXPECT_EQ(AutoStepMs(0, 86'400'000, 800), 300'000);  // 216 s -> 5 min
  EXPECT_EQ(AutoStepMs(0, 300'000, 800), 1'000);       // at least a second
  EXPECT_EQ(AutoStepMs(0, 30'000, 800), 75);           // below a minute: finer
  EXPECT_EQ(AutoStepMs(0, 0, 800), 1);
  EXPECT_GT(AutoStepMs(std::numeric_limits<int64_t>::min() / 2,
                       std::numeric_limits<int64_t>::max() / 2, 100),
            0);
}

TEST(SeriesNameTest, AsTheWebUi) {
  EXPECT_EQ(SeriesName(model::Labels()), "{}");
  EXPECT_EQ(SeriesName(model::Labels::FromStrings({"__name__", "up"})), "up");
  EXPECT_EQ(SeriesName(model::Labels::FromStrings({"__name__", "up", "job", "a\"b", "i", "x"})),
            R"(up{i="x", job="a\"b"})");
  EXPECT_EQ(SeriesName(model::Labels::FromStrings({"job", "node"})), R"({job="node"})");
}

TEST(LegendNamesTest, LabelsEverySeriesSharesAreLeftOut) {
  auto a = model::Labels::FromStrings({"__name__", "up", "instance", "a", "job", "node"});
  auto b = model::Labels::FromStrings({"__name__", "up", "instance", "b", "job", "node"});
  auto c = model::Labels::FromStrings({"__name__", "up", "instance", "c"});
  EXPECT_EQ(LegendNames({a}), (std::vector<std::string>{R"(up{instance="a", job="node"})"}));
  EXPECT_EQ(LegendNames({a, b}),
            (std::vector<std::string>{R"({instance="a"})", R"({instance="b"})"}));
  EXPECT_EQ(LegendNames({a, b, c}),
            (std::vector<std::string>{R"({instance="a", job="node"})",
                                      R"({instance="b", job="node"})", R"({instance="c"})"}));
}

TEST(BuildRenderChartTest, GapsHiddenSeriesAndTexts) {
  promql::Matrix m;
  for (int i = 0; i < 3; ++i) {
    promql::Series s;
    s.metric = model::Labels::FromStrings({"__name__", "x", "i", std::to_string(i)});
    s.floats = {{1'700'000'000'000, 1}, {1'700'000'010'000, 2}, {1'700'000'040'000, 3}};
    m.push_back(std::move(s));
  }
  RenderOptions o;
  o.unit = plot::Unit::kSeconds;
  plot::Chart c =
      BuildRenderChart(promql::Value(m), o, "x", 1'700'000'000'000, 1'700'000'040'000, 10'000, 2);
  EXPECT_EQ(c.title, "x");
  EXPECT_EQ(c.unit, plot::Unit::kSeconds);
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.hidden_series, 1u);
  EXPECT_EQ(c.series[0].name, R"({i="0"})");
  ASSERT_EQ(c.series[0].points.size(), 4u);
  EXPECT_EQ(c.series[0].points[2].t_ms, 1'700'000'020'000);
  EXPECT_TRUE(std::isnan(c.series[0].points[2].v));
  EXPECT_EQ(c.series[0].points[3].v, 3);
  EXPECT_EQ(c.subtitle, "2023-11-14 22:13:20 to 22:14 UTC, step 10s, 2 of 3 series drawn");
  o.title = "Mine";
  c = BuildRenderChart(promql::Value(promql::Scalar{1, 2}), o, "x", 0, 86'400'000, 60'000, 200);
  EXPECT_EQ(c.title, "Mine");
  EXPECT_TRUE(c.series.empty());
  EXPECT_EQ(c.subtitle, "1970-01-01 00:00 to 1970-01-02 00:00 UTC, step 1m");
}

}  // namespace
}  // namespace vigil::api::query
