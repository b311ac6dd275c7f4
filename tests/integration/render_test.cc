// Chart images and terminal plots end to end: the real binary scrapes
// itself, /api/v1/render answers PNG and SVG charts of that data (and
// query_range's JSON errors), and `vigil plot` writes image files and
// prints sparklines from the same server.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

uint32_t BigEndian32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

class RenderTest : public ::testing::Test {
 protected:
  // One Vigil for the whole suite, scraping itself every second until it
  // has ten scrapes, so every chart below has lines to draw.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    vigil_ = StartScrapingItself(dir_->path(), 10).release();
  }
  static void TearDownTestSuite() {
    delete vigil_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_GE(InstantValue(*vigil_, "count_over_time(up{job=\"vigil\"}[1m])"), 10)
        << vigil_->process().Log();
  }

  static HttpResult Render(const std::vector<std::pair<std::string, std::string>>& params) {
    return HttpGet(vigil_->Url("/api/v1/render?" + FormEncode(params)));
  }

  // `vigil plot args...` against this server; stdout and stderr in *out.
  static int Plot(std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {std::getenv("VIGIL_BINARY"), "plot"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--server");
    argv.push_back(vigil_->Url(""));
    return RunCommand(argv, out);
  }

  static TempDir* dir_;
  static Vigil* vigil_;
};

TempDir* RenderTest::dir_ = nullptr;
Vigil* RenderTest::vigil_ = nullptr;

TEST_F(RenderTest, PngOfTheDefaultAndRequestedSizes) {
  HttpResult r = Render({{"query", "rate(vigil_http_requests_total[5s])"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "image/png");
  ASSERT_TRUE(IsPng(r.body));
  EXPECT_EQ(BigEndian32(r.body, 16), 800u);
  EXPECT_EQ(BigEndian32(r.body, 20), 400u);
  // Text, grid and lines compress to well over a few kilobytes.
  EXPECT_GT(r.body.size(), 5'000u);

  r = Render({{"query", "up"}, {"width", "320"}, {"height", "200"}, {"unit", "percent"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(IsPng(r.body));
  EXPECT_EQ(BigEndian32(r.body, 16), 320u);
  EXPECT_EQ(BigEndian32(r.body, 20), 200u);
}

TEST_F(RenderTest, SvgByPostWithTitleAndNames) {
  HttpResult r = HttpPost(
      vigil_->Url("/api/v1/render"),
      FormEncode(
          {{"query", "up"}, {"format", "svg"}, {"title", "Targets <up>"}, {"stacked", "true"}}),
      {"Content-Type: application/x-www-form-urlencoded"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "image/svg+xml");
  EXPECT_TRUE(r.body.starts_with("<?xml")) << r.body.substr(0, 200);
  EXPECT_NE(r.body.find("<title>Targets &lt;up&gt;</title>"), std::string::npos);
  EXPECT_NE(r.body.find("up{instance=&quot;127.0.0.1:"), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("</svg>\n")) << r.body.substr(r.body.size() - 100);
}

TEST_F(RenderTest, ErrorsAreQueryRangesJson) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"query", "sum(up"}, {"start", "1700000000"}, {"end", "1700003600"}, {"step", "60"}};
  HttpResult r = Render(params);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_TRUE(r.body.starts_with(R"({"status":"error","errorType":"bad_data","error":)")) << r.body;
  EXPECT_EQ(r.body, HttpGet(vigil_->Url("/api/v1/query_range?" + FormEncode(params))).body);

  r = Render({{"query", "up"}, {"width", "5"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"(invalid parameter \"width\": 5 is outside 100 to 4000 pixels)"),
            std::string::npos)
      << r.body;
}

TEST_F(RenderTest, PlotWritesImageFiles) {
  std::string out;
  const std::string png = dir_->path() + "/up.png";
  ASSERT_EQ(Plot({"up", "--since", "1m", "--out", png, "--width", "500", "--height", "250"}, &out),
            0)
      << out;
  std::string bytes = ReadFileOrEmpty(png);
  ASSERT_TRUE(IsPng(bytes)) << bytes.size();
  EXPECT_EQ(BigEndian32(bytes, 16), 500u);
  EXPECT_EQ(BigEndian32(bytes, 20), 250u);

  const std::string svg = dir_->path() + "/up.svg";
  ASSERT_EQ(Plot({"up", "--since", "1m", "--until", "now", "--step", "2s", "--out", svg, "--title",
                  "mine"},
                 &out),
            0)
      << out;
  EXPECT_NE(ReadFileOrEmpty(svg).find("<title>mine</title>"), std::string::npos);

  const std::string dark = dir_->path() + "/dark.png";
  ASSERT_EQ(Plot({"up", "--since", "1m", "--out", dark, "--theme", "dark"}, &out), 0) << out;
  EXPECT_TRUE(IsPng(ReadFileOrEmpty(dark)));
}

TEST_F(RenderTest, PlotPrintsSparklines) {
  setenv("COLUMNS", "100", 1);
  std::string out;
  ASSERT_EQ(Plot({"up", "--since", "1m", "--sparkline"}, &out), 0) << out;
  // One line for the one series: its name, blocks, and the stats.
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_TRUE(out.starts_with("up{instance=\"127.0.0.1:")) << out;
  EXPECT_NE(out.find("▄"), std::string::npos) << out;  // flat: the middle block
  EXPECT_NE(out.find("min 1  max 1  last 1"), std::string::npos) << out;

  ASSERT_EQ(Plot({"rate(vigil_http_requests_total[5s])", "--since", "1m", "--sparkline"}, &out), 0)
      << out;
  std::istringstream lines(out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    size_t columns = 0;
    for (unsigned char c : line) columns += (c & 0xc0) != 0x80;
    EXPECT_LE(columns, 100u) << line;
    EXPECT_NE(line.find("last "), std::string::npos) << line;
  }
  EXPECT_GE(n, 1) << out;
}

TEST_F(RenderTest, PlotReportsTheApiError) {
  std::string out;
  EXPECT_EQ(Plot({"sum(up", "--out", dir_->path() + "/bad.png"}, &out), 1);
  EXPECT_NE(out.find("vigil plot: bad_data: invalid parameter \"query\""), std::string::npos)
      << out;
  EXPECT_EQ(Plot({"sum(up", "--sparkline"}, &out), 1);
  EXPECT_NE(out.find("bad_data"), std::string::npos) << out;
  EXPECT_EQ(Plot({"up", "--out", dir_->path() + "/x.jpg"}, &out), 2);
  EXPECT_NE(out.find("name it .png or .svg"), std::string::npos) << out;
  EXPECT_EQ(Plot({"up", "--out", dir_->path() + "/x.png", "--theme", "blue"}, &out), 2);
  EXPECT_NE(out.find("--theme: unknown theme \"blue\": use light or dark"), std::string::npos)
      << out;
  EXPECT_FALSE(fs::Exists(dir_->path() + "/bad.png"));
  std::vector<std::string> argv = {
      std::getenv("VIGIL_BINARY"), "plot", "up", "--sparkline", "--server", "http://127.0.0.1:1"};
  EXPECT_EQ(RunCommand(argv, &out), 1);
  EXPECT_NE(out.find("connection refused"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::itest
