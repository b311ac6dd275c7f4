// Every query of the upstream PromQL test scripts (the conformance suite
// beside the repository, ../shared/conformance/promqltest/testdata) must
// parse, and print back to text that parses to the same printed form.
// Skipped when the suite is not there.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "query/promql/parser.h"

namespace vigil::promql {
namespace {

std::filesystem::path UpstreamTestdata() {
  const char* src = std::getenv("VIGIL_SOURCE_DIR");
  std::filesystem::path root = src != nullptr ? src : VIGIL_PARSER_TEST_SOURCE_DIR;
  return root / ".." / "shared" / "conformance" / "promqltest" / "testdata";
}

TEST(ParserUpstreamTest, EveryEvalQueryParsesAndRoundTrips) {
  std::filesystem::path dir = UpstreamTestdata();
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  const RE2 eval(
      R"(eval(?:_fail|_warn|_info|_ordered)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*))");
  ASSERT_TRUE(eval.ok()) << eval.error();
  int queries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      std::string query;
      if (!RE2::FullMatch(line, eval, &query)) continue;
      ++queries;
      const std::string where = entry.path().filename().string() + ":" + std::to_string(line_no);
      Result<ExprPtr> e = ParseExpr(query);
      ASSERT_TRUE(e.ok()) << where << ": " << query << ": " << e.status().message();
      const std::string printed = FormatExpr(**e);
      Result<ExprPtr> again = ParseExpr(printed);
      ASSERT_TRUE(again.ok()) << where << ": " << printed << ": " << again.status().message();
      EXPECT_EQ(FormatExpr(**again), printed) << where;
    }
  }
  EXPECT_GT(queries, 1000);
}

}  // namespace
}  // namespace vigil::promql
