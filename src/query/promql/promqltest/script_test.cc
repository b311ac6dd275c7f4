#include "query/promql/promqltest/script.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <map>

#include "base/file.h"
#include "model/sample.h"

namespace vigil::promql::promqltest {
namespace {

const EvalCmd& EvalAt(const Script& s, size_t i) { return std::get<EvalCmd>(s.commands.at(i)); }

TEST(ParseScriptTest, LoadClearAndInstantEvalWithLineNumbers) {
  auto s = ParseScript(R"(# comment
load 5m
  http_requests{job="a"} 0+10x2
  other 1

eval instant at 10m http_requests
  http_requests{job="a"} 20

clear
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->commands.size(), 3u);
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  EXPECT_EQ(load.line, 2);
  EXPECT_EQ(load.interval_ms, 300'000);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].line, 3);
  EXPECT_EQ(load.series[0].values.size(), 3u);
  const EvalCmd& e = EvalAt(*s, 1);
  EXPECT_EQ(e.line, 6);
  EXPECT_FALSE(e.is_range);
  EXPECT_EQ(e.eval_time, 600'000);
  EXPECT_EQ(e.start, 600'000);
  EXPECT_EQ(e.end, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(e.expr, "http_requests");
  ASSERT_EQ(e.expected.size(), 1u);
  EXPECT_EQ(e.expected.begin()->second.pos, 1);
  EXPECT_EQ(std::get<ClearCmd>(s->commands[2]).line, 9);
}

TEST(ParseScriptTest, ACommentEndsABlockLikeABlankLine) {
  // Upstream turns comment lines into empty lines, so the series after the
  // comment is read as a command and the script is invalid.
  auto s = ParseScript("load 1m\n  a 1\n# c\n  b 2\n");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("line 4"), std::string::npos) << s.status().ToString();
}

TEST(ParseScriptTest, RangeEvalWithOffsetsInQuery) {
  auto s = ParseScript(
      "eval range from 0 to 2m step 1m foo offset 1m > 2 or bar\n"
      "  foo{job=\"1\"} _ 3 5\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EvalCmd& e = EvalAt(*s, 0);
  EXPECT_TRUE(e.is_range);
  EXPECT_EQ(e.start, 0);
  EXPECT_EQ(e.end, 120'000);
  EXPECT_EQ(e.step, 60'000);
  EXPECT_EQ(e.expr, "foo offset 1m > 2 or bar");
  EXPECT_EQ(e.expected.begin()->second.values.size(), 3u);
}

TEST(ParseScriptTest, InstantTimeIsTheShortestMatchAfterAt) {
  auto s = ParseScript("eval instant at 50m sum_over_time(metric[100] offset 50s @ 100)\n  {} 1\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(EvalAt(*s, 0).eval_time, 3'000'000);
  EXPECT_EQ(EvalAt(*s, 0).expr, "sum_over_time(metric[100] offset 50s @ 100)");
}

TEST(ParseScriptTest, ScalarLineEndsTheBlock) {
  auto s = ParseScript("eval instant at 50m 1+1\n\t2\n");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(EvalAt(*s, 0).expect_scalar);
  EXPECT_EQ(EvalAt(*s, 0).expected.at(model::Labels()).values[0].value, 2);
  // Anything right after the scalar is a new (invalid) command.
  EXPECT_FALSE(ParseScript("eval instant at 50m 1+1\n\t2\n\t3\n").ok());
}

TEST(ParseScriptTest, LegacyModifiersAndFailMessages) {
  auto s = ParseScript(
      "eval_fail instant at 0m ceil({__name__=~'a|b'})\n"
      "  expected_fail_message vector cannot contain metrics with the same labelset\n"
      "\n"
      "eval_fail instant at 0m foo\n"
      "  expected_fail_regexp vector cannot .*\n"
      "\n"
      "eval_ordered instant at 1m sort(foo)\n  foo{a=\"2\"} 1\n  foo{a=\"1\"} 2\n"
      "\n"
      "eval_warn range from 0 to 1m step 1m foo\n"
      "\n"
      "eval_info instant at 1m foo\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(EvalAt(*s, 0).IsFail());
  EXPECT_EQ(EvalAt(*s, 0).expected_fail_message,
            "vector cannot contain metrics with the same labelset");
  EXPECT_NE(EvalAt(*s, 1).expected_fail_regexp, nullptr);
  EXPECT_TRUE(EvalAt(*s, 2).IsOrdered());
  EXPECT_EQ(
      EvalAt(*s, 2).expected.at(model::Labels::FromStrings({"__name__", "foo", "a", "1"})).pos, 2);
  EXPECT_TRUE(EvalAt(*s, 3).legacy_warn);
  EXPECT_TRUE(EvalAt(*s, 3).is_range);
  EXPECT_TRUE(EvalAt(*s, 4).legacy_info);
}

TEST(ParseScriptTest, ExpectLinesDoNotCountAsPositions) {
  auto s = ParseScript(
      "eval instant at 1m sort(foo)\n"
      "  expect ordered\n"
      "  expect warn msg: PromQL warning: something\n"
      "  expect info regex: went (wrong|boom)\n"
      "  foo{a=\"1\"} 1\n"
      "  expect no_warn\n");
  // warn and no_warn together are refused.
  EXPECT_FALSE(s.ok());
  s = ParseScript(
      "eval instant at 1m sort(foo)\n"
      "  expect ordered\n"
      "  expect warn msg: PromQL warning: something\n"
      "  expect info regex: went (wrong|boom)\n"
      "  expect no_info\n");
  EXPECT_FALSE(s.ok());
  s = ParseScript(
      "eval instant at 1m sort(foo)\n"
      "  expect ordered\n"
      "  expect warn msg: PromQL warning: something  \n"
      "  expect info regex: went (wrong|boom)\n"
      "  expect fail\n"
      "  foo{a=\"1\"} 1\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EvalCmd& e = EvalAt(*s, 0);
  EXPECT_TRUE(e.IsOrdered());
  EXPECT_TRUE(e.IsFail());
  EXPECT_EQ(e.expected.begin()->second.pos, 1);
  auto warns = e.ExpectsOf(ExpectType::kWarn);
  ASSERT_EQ(warns.size(), 1u);
  EXPECT_TRUE(warns[0]->Matches("PromQL warning: something"));
  EXPECT_FALSE(warns[0]->Matches("PromQL warning: something else"));
  auto infos = e.ExpectsOf(ExpectType::kInfo);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_TRUE(infos[0]->Matches("PromQL info: it went boom here"));  // unanchored
  EXPECT_FALSE(infos[0]->Matches("PromQL info: fine"));
  // A bare `expect fail` matches any message.
  EXPECT_TRUE(e.ExpectsOf(ExpectType::kFail)[0]->Matches("anything"));
}

TEST(ParseScriptTest, MultipleValuesInAnInstantEvalAreRefused) {
  EXPECT_FALSE(ParseScript("eval instant at 1m foo\n  foo 1 2\n").ok());
}

TEST(ParseScriptTest, ExpectStringAndRangeVector) {
  auto s = ParseScript(
      "eval instant at 1m \"hello\"\n  expect string \"hello\"\n\n"
      "eval instant at 1m foo[1m]\n  expect range vector from 0 to 1m step 30s\n  foo 1 2 3\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(EvalAt(*s, 0).expected_string, "hello");
  EXPECT_TRUE(EvalAt(*s, 0).exclude_from_range_query);
  const EvalCmd& rv = EvalAt(*s, 1);
  EXPECT_TRUE(rv.expect_range_vector);
  EXPECT_EQ(rv.eval_time, 60'000);
  EXPECT_EQ(rv.step, 30'000);
}

TEST(ParseScriptTest, HistogramExpectationsAreFlagged) {
  auto s = ParseScript(
      "load_with_nhcb 5m\n  a_bucket{le=\"1\"} 1\n\n"
      "eval instant at 1m foo\n  {} {{sum:1 count:1}}\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(std::get<LoadCmd>(s->commands[0]).with_nhcb);
  EXPECT_TRUE(EvalAt(*s, 1).expects_histogram);
}

TEST(ParseScriptTest, SeriesGivenTwiceInOneLoadKeepsTheLaterValues) {
  auto s = ParseScript("load 1m\n  a 1 2\n  b 3\n  a 4\n");
  ASSERT_TRUE(s.ok());
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].values.size(), 1u);
  EXPECT_EQ(load.series[0].values[0].value, 4);
}

TEST(ParseScriptTest, InvalidCommandsAndTimes) {
  EXPECT_FALSE(ParseScript("foo bar\n").ok());
  EXPECT_FALSE(ParseScript("load\n").ok());
  EXPECT_FALSE(ParseScript("load 1.5m\n").ok());
  EXPECT_FALSE(ParseScript("eval instant at 1.5m foo\n").ok());
  EXPECT_FALSE(ParseScript("eval range from 2m to 1m step 1m foo\n").ok());
  EXPECT_FALSE(ParseScript("eval_ordered range from 0 to 1m step 1m foo\n").ok());
  EXPECT_FALSE(ParseScript("eval instant at 1m foo\n  expect sometimes\n").ok());
  EXPECT_FALSE(
      ParseScript("LOAD 1m\n").ok());  // the command word is case-insensitive, the pattern not
}

// The check that the script parser understands every construct the upstream
// files use: every file must parse (all failures are reported, not just the
// first), every line starting with "eval" must become an eval command, and an
// inventory of the constructs met is printed so that a new construct in a
// future testdata drop shows up in the log.
TEST(ParseScriptTest, EveryUpstreamFileParsesAndEveryConstructIsKnown) {
  // The environment (ctest sets it) wins over the checkout this was built from.
  const char* src = std::getenv("VIGIL_SOURCE_DIR");
  std::string dir = std::string(src != nullptr ? src : VIGIL_PROMQLTEST_SOURCE_DIR) +
                    "/../shared/conformance/promqltest/testdata";
  auto names = fs::ListDir(dir);
  if (!names.ok()) GTEST_SKIP() << "no upstream testdata at " << dir;
  std::map<std::string, int> n;
  auto count_values = [&](std::string_view where, const std::vector<SequenceValue>& values) {
    for (const auto& v : values) {
      switch (v.kind) {
        case SequenceValue::Kind::kFloat:
          ++n[std::string(where) + (model::IsStaleNaN(v.value) ? " value stale" : " value float")];
          break;
        case SequenceValue::Kind::kOmitted:
          ++n[std::string(where) + " value _"];
          break;
        case SequenceValue::Kind::kHistogram:
          ++n[std::string(where) + " value {{histogram}}"];
          break;
      }
    }
  };
  for (const auto& name : *names) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".test") continue;
    auto text = fs::ReadFile(fs::Join(dir, name));
    ASSERT_TRUE(text.ok());
    auto s = ParseScript(*text);
    EXPECT_TRUE(s.ok()) << name << ": " << s.status().ToString();
    if (!s.ok()) continue;
    ++n["files"];
    // An independent count: lines whose first word starts with "eval".
    int eval_lines = 0, evals = 0;
    for (size_t pos = 0; pos < text->size();) {
      size_t nl = text->find('\n', pos);
      std::string_view line(text->data() + pos,
                            (nl == std::string::npos ? text->size() : nl) - pos);
      while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
      eval_lines += line.substr(0, 4) == "eval";
      pos = nl == std::string::npos ? text->size() : nl + 1;
    }
    for (const auto& c : s->commands) {
      if (const auto* load = std::get_if<LoadCmd>(&c)) {
        ++n[load->with_nhcb ? "load_with_nhcb" : "load"];
        n["load series"] += static_cast<int>(load->series.size());
        for (const auto& series : load->series) count_values("load", series.values);
      } else if (std::holds_alternative<ClearCmd>(c)) {
        ++n["clear"];
      } else {
        const auto& e = std::get<EvalCmd>(c);
        ++evals;
        ++n[e.is_range ? "eval range" : "eval instant"];
        if (e.legacy_fail) ++n["eval_fail"];
        if (e.legacy_warn) ++n["eval_warn"];
        if (e.legacy_info) ++n["eval_info"];
        if (e.legacy_ordered) ++n["eval_ordered"];
        if (!e.expected_fail_message.empty()) ++n["expected_fail_message"];
        if (e.expected_fail_regexp != nullptr) ++n["expected_fail_regexp"];
        for (const auto& x : e.expects) {
          std::string kind = x.is_regex ? (x.text == "^.*$" ? "" : " regex:") : " msg:";
          ++n[std::string("expect ") + ExpectTypeName(x.type) + kind];
        }
        if (e.expected_string) ++n["expect string"];
        if (e.expect_range_vector) ++n["expect range vector"];
        if (e.expect_scalar) ++n["expected scalar"];
        if (!e.expect_scalar) n["expected series"] += static_cast<int>(e.expected.size());
        if (e.expected.empty() && !e.expected_string && !e.IsFail()) ++n["expected empty result"];
        if (e.expects_histogram) ++n["evals expecting {{histogram}}"];
        for (const auto& [labels, exp] : e.expected) count_values("expected", exp.values);
      }
    }
    EXPECT_EQ(evals, eval_lines) << name << ": some eval line did not become an eval command";
  }
  std::string inventory = "upstream constructs:\n";
  for (const auto& [what, count] : n) inventory += fmt::format("  {:32} {}\n", what, count);
  std::printf("%s", inventory.c_str());
  EXPECT_GT(n["files"], 10);
  EXPECT_GT(n["eval instant"] + n["eval range"], 1000);
}

}  // namespace
}  // namespace vigil::promql::promqltest
