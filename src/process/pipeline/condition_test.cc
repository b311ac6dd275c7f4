#include "process/pipeline/condition.h"

#include <gtest/gtest.h>

#include "process/pipeline/test_util.h"

namespace vigil::pipeline {
namespace {

using testing::Rec;

model::LogRecord Sample() {
  model::LogRecord r = Rec("GET /api/users timeout after 30s",
                           model::Labels::FromStrings({"job", "api", "host", "h1"}));
  r.severity_number = 17;
  r.severity_text = "error";
  r.attributes.push_back({"status", "503"});
  r.attributes.push_back({"http.method", "GET"});
  r.resource.push_back({"service.name", "checkout"});
  return r;
}

bool Eval(std::string_view text, const model::LogRecord& r) {
  auto c = Condition::Compile(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status().ToString();
  return c.ok() && c->Eval(r);
}

TEST(ConditionTest, EmptyConditionAlwaysHolds) {
  auto c = Condition::Compile("  ");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->always());
  EXPECT_TRUE(c->Eval(Sample()));
}

TEST(ConditionTest, ComparesEveryFieldKind) {
  auto r = Sample();
  EXPECT_TRUE(Eval(R"(labels.job == "api")", r));
  EXPECT_FALSE(Eval(R"(labels.job != "api")", r));
  EXPECT_TRUE(Eval(R"(attributes.http.method == 'GET')", r));
  EXPECT_TRUE(Eval(R"(resource.service.name == checkout)", r));
  EXPECT_TRUE(Eval(R"(severity == "error")", r));
  EXPECT_TRUE(Eval(R"(severity_number >= 17)", r));
  EXPECT_FALSE(Eval(R"(severity_number > 17)", r));
  EXPECT_TRUE(Eval(R"(body =~ "timeout|refused")", r));
  EXPECT_TRUE(Eval(R"(body !~ "^POST")", r));
  // Bare names: the attribute, else the stream label.
  EXPECT_TRUE(Eval(R"(status == 503)", r));
  EXPECT_TRUE(Eval(R"(host == "h1")", r));
  EXPECT_TRUE(Eval(R"(missing == "")", r));
}

TEST(ConditionTest, NumbersCompareNumericallyNotBytewise) {
  auto r = Sample();
  EXPECT_TRUE(Eval("status > 99", r));  // "503" > "99" is false as strings
  EXPECT_TRUE(Eval("status == 503.0", r));
  EXPECT_FALSE(Eval("body > 3", r));              // not a number: false
  EXPECT_TRUE(Eval(R"(labels.job > "aaa")", r));  // strings compare bytewise
}

TEST(ConditionTest, SeverityWordsStandForNumbers) {
  auto r = Sample();
  EXPECT_TRUE(Eval("severity_number >= warn", r));
  EXPECT_FALSE(Eval("severity_number < warning", r));
  EXPECT_FALSE(Condition::Compile("severity_number >= loud").ok());
}

TEST(ConditionTest, AndBindsTighterThanOr) {
  auto r = Sample();
  // false and false or true -> true;  false and (false or true) -> false
  EXPECT_TRUE(Eval(R"(labels.job == "x" and labels.job == "y" or status == 503)", r));
  EXPECT_FALSE(Eval(R"(labels.job == "x" and (labels.job == "y" or status == 503))", r));
  EXPECT_TRUE(Eval(R"(not labels.job == "x" && (status == 1 || status == 503))", r));
  EXPECT_FALSE(Eval(R"(!(status == 503))", r));
}

TEST(ConditionTest, ErrorsSayWhatIsWrong) {
  for (const char* bad : {"labels.job", "labels.job ==", "== 3", "(a == 1", "a == 1)", "a =~ \"(\"",
                          "a == 1 and", "a ~~ 1", "a == \"unterminated", "labels. == 1"}) {
    auto c = Condition::Compile(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_NE(c.status().message().find("condition"), std::string::npos) << c.status().message();
    }
  }
}

TEST(ConditionTest, DeepNestingIsRefusedNotAStackOverflow) {
  std::string text(5000, '(');
  text += "a == 1";
  text += std::string(5000, ')');
  EXPECT_FALSE(Condition::Compile(text).ok());
}

}  // namespace
}  // namespace vigil::pipeline
