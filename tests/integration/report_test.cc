// `vigil report` end to end: the real binary scrapes itself for a few
// seconds and holds a few pushed log lines (one stream with a hostile job
// label), then `vigil report` writes the Markdown summary with every
// section and PNG charts that are real PNGs, prints it to stdout with
// links to /api/v1/render instead, and fails cleanly on bad flags and an
// unreachable server.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

// The target of every Markdown link and image, "](target)", in order (no
// std::regex: g++ 12 warns inside <regex> under -O1 sanitizer builds).
std::vector<std::string> LinkTargets(const std::string& md) {
  std::vector<std::string> out;
  for (size_t at = md.find("]("); at != std::string::npos; at = md.find("](", at + 2)) {
    size_t end = md.find(')', at + 2);
    if (end == std::string::npos) break;
    out.push_back(md.substr(at + 2, end - at - 2));
  }
  return out;
}

std::string FirstLinkTarget(const std::string& md, std::string_view prefix,
                            std::string_view suffix) {
  for (const std::string& t : LinkTargets(md)) {
    if (t.starts_with(prefix) && t.ends_with(suffix)) return t;
  }
  return "";
}

class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    vigil_ = StartScrapingItself(dir_->path(), 10).release();
    // Log lines: errors and others under a job whose value holds a pipe, a
    // newline and markup, which must stay text in the report's table.
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    std::string values_error, values_info;
    for (int i = 0; i < 3; ++i) {
      values_error += (i ? "," : "") + std::string("[\"") + std::to_string(now_ns - i * 1000) +
                      "\",\"failed <b>" + std::to_string(i) + "</b>\"]";
    }
    for (int i = 0; i < 7; ++i) {
      values_info += (i ? "," : "") + std::string("[\"") + std::to_string(now_ns - i * 1000 - 1) +
                     "\",\"ok\"]";
    }
    push_status_ =
        HttpPost(vigil_->Url("/loki/api/v1/push"),
                 R"({"streams":[{"stream":{"job":"shop|eu\n<b>x</b>","level":"error"},"values":[)" +
                     values_error +
                     R"(]},{"stream":{"job":"shop|eu\n<b>x</b>","level":"info"},"values":[)" +
                     values_info + "]}]}",
                 {"Content-Type: application/json"})
            .status;
  }
  static void TearDownTestSuite() {
    delete vigil_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_EQ(push_status_, 204);
    ASSERT_GE(InstantValue(*vigil_, "count_over_time(up{job=\"vigil\"}[1m])"), 10)
        << vigil_->process().Log();
  }

  // `vigil report args...` against this server; stdout and stderr in *out.
  static int Report(std::vector<std::string> args, std::string* out, bool server = true) {
    std::vector<std::string> argv = {std::getenv("VIGIL_BINARY"), "report"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (server) {
      argv.push_back("--server");
      argv.push_back(vigil_->Url(""));
    }
    return RunCommand(argv, out, 120'000);
  }

  static TempDir* dir_;
  static Vigil* vigil_;
  static long push_status_;
};

TempDir* ReportTest::dir_ = nullptr;
Vigil* ReportTest::vigil_ = nullptr;
long ReportTest::push_status_ = 0;

constexpr const char* kSections[] = {"## Overview",    "## Busiest series",  "## Biggest changes",
                                     "## Error rates", "## Cloud API spend", "## Anomalies"};

TEST_F(ReportTest, WritesEverySectionAndPngCharts) {
  std::string out;
  const std::string md_path = dir_->path() + "/x.md";
  ASSERT_EQ(Report({"--since", "5m", "--out", md_path}, &out), 0) << out;
  const std::string md = ReadFileOrEmpty(md_path);
  ASSERT_FALSE(md.empty()) << out;
  EXPECT_TRUE(md.starts_with("# Vigil report\n")) << md.substr(0, 200);
  size_t at = 0;
  for (const char* section : kSections) {
    size_t found = md.find(std::string("\n") + section + "\n");
    ASSERT_NE(found, std::string::npos) << section << "\n" << md;
    EXPECT_GT(found, at) << section << " is out of order";
    at = found;
  }
  // Each section shows its queries, collapsed.
  size_t details = 0;
  for (size_t p = md.find("<details>"); p != std::string::npos; p = md.find("<details>", p + 1)) {
    ++details;
  }
  EXPECT_EQ(details, 6u) << md;
  EXPECT_NE(md.find("```promql\nsum by (job) (up)\ncount by (job) (up)\n```"), std::string::npos);
  // The numbers of a self-scraping server, from its API.
  EXPECT_NE(md.find("**1 of 1** targets were up"), std::string::npos) << md;
  EXPECT_NE(md.find("| `vigil` | 1 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("samples ingested, about"), std::string::npos) << md;
  EXPECT_NE(md.find("**Scrapes:** all "), std::string::npos) << md;
  // No clouds here: a sentence, not an error or an empty table.
  EXPECT_NE(md.find("No cloud collectors: "), std::string::npos) << md;
  EXPECT_EQ(md.find("is not available"), std::string::npos) << md;

  // The pushed log lines: 3 errors of 10, the hostile job escaped into one
  // table row (a raw `|` would split the cell, a newline the row).
  EXPECT_NE(md.find("**Logs:** 3 of 10 log lines were at an error level (30%):"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| `job=\"shop\\|eu\\n<b>x</b>\"` | 3 | 10 | 30% |\n"), std::string::npos)
      << md;
  EXPECT_EQ(md.find("<b>x</b>\n"), std::string::npos);

  // Every chart the report links is a PNG file in x-plots/, beside it.
  size_t images = 0;
  for (const std::string& target : LinkTargets(md)) {
    if (!target.starts_with("x-plots/") || !target.ends_with(".png")) continue;
    ++images;
    const std::string bytes = ReadFileOrEmpty(dir_->path() + "/" + target);
    EXPECT_TRUE(IsPng(bytes)) << target << " " << bytes.size();
  }
  EXPECT_GE(images, 1u) << md;
  auto files = fs::ListDir(dir_->path() + "/x-plots");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), images);
}

TEST_F(ReportTest, PlotsDirectoryOfChoice) {
  std::string out;
  const std::string md_path = dir_->path() + "/sub/y.md";
  ASSERT_TRUE(fs::CreateDirs(dir_->path() + "/sub").ok());
  ASSERT_EQ(
      Report({"--since", "2m", "--out", md_path, "--plots", dir_->path() + "/charts dir"}, &out), 0)
      << out;
  const std::string md = ReadFileOrEmpty(md_path);
  // Linked relative to the report, the space encoded.
  std::string link = FirstLinkTarget(md, "../charts%20dir/", ".png");
  ASSERT_FALSE(link.empty()) << md;
  std::string file = link.substr(3);
  file.replace(file.find("%20"), 3, " ");
  EXPECT_TRUE(IsPng(ReadFileOrEmpty(dir_->path() + "/" + file))) << file;
}

TEST_F(ReportTest, StdoutLinksToTheRenderEndpoint) {
  std::string out;
  ASSERT_EQ(Report({"--since", "5m"}, &out), 0) << out;
  for (const char* section : kSections) EXPECT_NE(out.find(section), std::string::npos) << section;
  std::string link;
  for (const std::string& target : LinkTargets(out)) {
    if (target.starts_with("http://") && target.find("/api/v1/render?") != std::string::npos) {
      link = target;
      break;
    }
  }
  ASSERT_FALSE(link.empty()) << out;
  // The link draws the chart.
  HttpResult r = HttpGet(link);
  EXPECT_EQ(r.status, 200) << link << "\n" << r.body;
  EXPECT_TRUE(IsPng(r.body));
}

TEST_F(ReportTest, BadFlagsAndUnreachableServer) {
  std::string out;
  EXPECT_EQ(Report({"--since", "yesterday-ish"}, &out), 2);
  EXPECT_NE(out.find("vigil report: --since: cannot parse"), std::string::npos) << out;
  EXPECT_EQ(Report({"--since", "1h", "--plots", dir_->path() + "/p"}, &out), 2);
  EXPECT_NE(out.find("--plots needs --out"), std::string::npos) << out;
  EXPECT_EQ(Report({"--since", "1h", "--server", "http://127.0.0.1:1"}, &out, false), 1);
  EXPECT_NE(out.find("connection refused"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::itest
