// Chart images: a PNG of the requested size that is not blank (decoded
// again with cairo), SVG that is well formed and carries names as escaped
// text, the size limits, and charts without data.
#include "visual/plot/render.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "visual/plot/palette.h"

namespace vigil::plot {
namespace {

constexpr int64_t kStart = 1'710'680'700'000;
constexpr int64_t kStep = 15'000;

Chart SampleChart(int series = 3) {
  Chart c;
  c.title = "rate(node_cpu_seconds_total[1m])";
  c.subtitle = "2024-03-17 13:05 to 14:05 UTC, step 15s";
  c.start_ms = kStart;
  c.end_ms = kStart + 240 * kStep;
  for (int s = 0; s < series; ++s) {
    Series se;
    se.name = "{cpu=\"" + std::to_string(s) + "\"}";
    for (int i = 0; i <= 240; ++i) {
      double v = 0.5 + 0.4 * std::sin(i / 15.0 + s);
      if (s == 1 && i >= 100 && i < 120) v = std::nan("");  // a gap
      se.points.push_back({kStart + i * kStep, v});
    }
    c.series.push_back(std::move(se));
  }
  return c;
}

uint32_t BigEndian32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

struct ReadState {
  std::string_view data;
  size_t at = 0;
};

cairo_status_t ReadBytes(void* closure, unsigned char* out, unsigned int length) {
  auto* st = static_cast<ReadState*>(closure);
  if (st->data.size() - st->at < length) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(out, st->data.data() + st->at, length);
  st->at += length;
  return CAIRO_STATUS_SUCCESS;
}

struct Pixels {
  int width = 0, height = 0;
  size_t not_background = 0;
  size_t near_first_colour = 0;  // pixels close to palette colour 0
  uint32_t corner = 0;           // the top-left pixel: the background
};

Pixels Decode(const std::string& png, uint32_t background = kLightColors.background) {
  ReadState st{png};
  cairo_surface_t* s = cairo_image_surface_create_from_png_stream(ReadBytes, &st);
  Pixels p;
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return p;
  }
  cairo_surface_flush(s);
  p.width = cairo_image_surface_get_width(s);
  p.height = cairo_image_surface_get_height(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  const uint32_t want = SeriesColor(0);
  auto close = [](uint32_t a, uint32_t b) {
    for (int shift : {0, 8, 16}) {
      if (std::abs(static_cast<int>((a >> shift) & 0xff) - static_cast<int>((b >> shift) & 0xff)) >
          24) {
        return false;
      }
    }
    return true;
  };
  for (int y = 0; y < p.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
    for (int x = 0; x < p.width; ++x) {
      uint32_t rgb = row[x] & 0xffffff;
      if (rgb != background) ++p.not_background;
      if (close(rgb, want)) ++p.near_first_colour;
    }
  }
  p.corner = *reinterpret_cast<const uint32_t*>(data) & 0xffffff;
  cairo_surface_destroy(s);
  return p;
}

TEST(RenderTest, PngHasTheSignatureAndTheRequestedSize) {
  auto png = Render(SampleChart(), Format::kPng, 640, 320);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  ASSERT_GT(png->size(), 33u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(BigEndian32(*png, 16), 640u);
  EXPECT_EQ(BigEndian32(*png, 20), 320u);
}

TEST(RenderTest, PngIsNotBlank) {
  auto png = Render(SampleChart(), Format::kPng, 800, 400);
  ASSERT_TRUE(png.ok());
  Pixels p = Decode(*png);
  EXPECT_EQ(p.width, 800);
  EXPECT_EQ(p.height, 400);
  // Text, grid and three lines: well over a few percent of the image.
  EXPECT_GT(p.not_background, 800u * 400 / 50);
  // The first series' line (about 700 px long, 1.5 px wide) and its swatch.
  EXPECT_GT(p.near_first_colour, 500u);
  EXPECT_EQ(p.corner, kLightColors.background);
}

TEST(RenderTest, DarkThemeDrawsOnTheDarkBackgroundInTheSamePalette) {
  Chart chart = SampleChart();
  chart.theme = Theme::kDark;
  auto png = Render(chart, Format::kPng, 800, 400);
  ASSERT_TRUE(png.ok());
  Pixels p = Decode(*png, kDarkColors.background);
  EXPECT_EQ(p.corner, kDarkColors.background);
  EXPECT_GT(p.not_background, 800u * 400 / 50);
  EXPECT_GT(p.near_first_colour, 500u);
  auto svg = Render(chart, Format::kSvg, 800, 400);
  ASSERT_TRUE(svg.ok());
  auto light_svg = Render(SampleChart(), Format::kSvg, 800, 400);
  ASSERT_TRUE(light_svg.ok());
  EXPECT_NE(*svg, *light_svg);
}

TEST(ChartTest, ParseTheme) {
  EXPECT_EQ(*ParseTheme(""), Theme::kLight);
  EXPECT_EQ(*ParseTheme("light"), Theme::kLight);
  EXPECT_EQ(*ParseTheme("dark"), Theme::kDark);
  EXPECT_FALSE(ParseTheme("solarized").ok());
}

TEST(RenderTest, StackedAndEmptyChartsRender) {
  Chart stacked = SampleChart(5);
  stacked.stacked = true;
  auto png = Render(stacked, Format::kPng, 800, 400);
  ASSERT_TRUE(png.ok());
  Pixels filled = Decode(*png);
  auto lines = Render(SampleChart(5), Format::kPng, 800, 400);
  ASSERT_TRUE(lines.ok());
  // The bands are filled: many more coloured pixels than lines alone.
  EXPECT_GT(filled.not_background, Decode(*lines).not_background * 3 / 2);

  Chart empty;
  empty.title = "absent(up)";
  empty.start_ms = kStart;
  empty.end_ms = kStart + 3'600'000;
  for (Format f : {Format::kPng, Format::kSvg}) {
    auto r = Render(empty, f, 300, 200);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->empty());
  }
}

TEST(RenderTest, SizeLimits) {
  for (auto [w, h] : {std::pair{99, 400}, {800, 99}, {4001, 400}, {800, 4001}}) {
    auto r = Render(SampleChart(), Format::kPng, w, h);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << w << "x" << h;
  }
  auto small = Render(SampleChart(), Format::kPng, 100, 100);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(BigEndian32(*small, 16), 100u);
}

// Tags balance and every & starts an entity: enough to know a parser takes it.
void ExpectWellFormed(std::string_view xml) {
  std::vector<std::string> open;
  size_t i = 0;
  while ((i = xml.find_first_of("<&", i)) != std::string_view::npos) {
    if (xml[i] == '&') {
      size_t semi = xml.find(';', i);
      ASSERT_NE(semi, std::string_view::npos);
      std::string_view entity = xml.substr(i, semi - i + 1);
      EXPECT_TRUE(entity == "&amp;" || entity == "&lt;" || entity == "&gt;" || entity == "&quot;" ||
                  entity == "&apos;" || entity.starts_with("&#"))
          << entity;
      i = semi;
      continue;
    }
    size_t close = xml.find('>', i);
    ASSERT_NE(close, std::string_view::npos);
    std::string_view tag = xml.substr(i + 1, close - i - 1);
    i = close;
    if (tag.starts_with("?") || tag.starts_with("!")) continue;
    EXPECT_EQ(tag.find('<'), std::string_view::npos) << tag;
    if (tag.ends_with("/")) continue;
    std::string_view name = tag.substr(0, tag.find_first_of(" \n\t/"));
    if (tag.starts_with("/")) {
      name = tag.substr(1);
      ASSERT_FALSE(open.empty()) << "</" << name << "> closes nothing";
      EXPECT_EQ(open.back(), name);
      open.pop_back();
    } else {
      open.emplace_back(name);
    }
  }
  EXPECT_TRUE(open.empty()) << open.size() << " tags left open, first <" << open.front() << ">";
}

TEST(RenderTest, SvgIsWellFormedAndEscapesNames) {
  Chart c = SampleChart();
  c.title = "sum(x) < 2 & \"y\" > 1";
  c.series[0].name = "{a=\"<b>&</b>\"}";
  auto svg = Render(c, Format::kSvg, 800, 400);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_TRUE(svg->starts_with("<?xml")) << svg->substr(0, 100);
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  EXPECT_NE(svg->find("width=\"800px\" height=\"400px\""), std::string::npos);
  EXPECT_NE(svg->find("<title>sum(x) &lt; 2 &amp; &quot;y&quot; &gt; 1</title>"),
            std::string::npos);
  EXPECT_NE(svg->find("{a=&quot;&lt;b&gt;&amp;&lt;/b&gt;&quot;}"), std::string::npos);
  EXPECT_EQ(svg->find("<b>"), std::string::npos);
  EXPECT_EQ(svg->find("</b>"), std::string::npos);
  ExpectWellFormed(*svg);
}

TEST(RenderTest, ControlCharactersAndInvalidUtf8DoNotStopDrawing) {
  Chart c = SampleChart(1);
  c.title = "bad \xff\xfe title\x01";
  c.series[0].name = "x\x1b[31m\xc3";
  auto png = Render(c, Format::kPng, 400, 200);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_GT(Decode(*png).near_first_colour, 100u);
  auto svg = Render(c, Format::kSvg, 400, 200);
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->find('\x1b'), std::string::npos);
  ExpectWellFormed(*svg);
}

TEST(RenderTest, ManySeriesEndWithMore) {
  Chart c = SampleChart(60);
  c.hidden_series = 7;
  auto svg = Render(c, Format::kSvg, 400, 300);
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("+7 more</desc>"), std::string::npos);
  auto png = Render(c, Format::kPng, 400, 300);
  ASSERT_TRUE(png.ok());
}

}  // namespace
}  // namespace vigil::plot
