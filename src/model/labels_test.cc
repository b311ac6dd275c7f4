#include "model/labels.h"

#include <gtest/gtest.h>

namespace vigil::model {
namespace {

TEST(LabelsTest, SortsAndPrintsLikePrometheus) {
  Labels ls = Labels::FromStrings({"job", "node", "__name__", "up", "instance", "a:1"});
  EXPECT_EQ(ls.ToString(), R"({__name__="up", instance="a:1", job="node"})");
  EXPECT_EQ(ls.MetricName(), "up");
  EXPECT_EQ(ls.Get("missing"), "");
}

TEST(LabelsTest, HashOfViewEqualsHashOfLabels) {
  Labels ls = Labels::FromStrings({"__name__", "x", "a", "b"});
  auto view = ls.View();
  EXPECT_EQ(HashLabels(view), ls.Hash());
  EXPECT_TRUE(EqualLabels(view, ls));
  // Moving a byte between name and value must change the hash.
  Labels other = Labels::FromStrings({"__name__", "x", "ab", ""});
  EXPECT_NE(other.Hash(), ls.Hash());
}

TEST(LabelsTest, BuilderSetsAndDeletes) {
  Labels ls = Labels::FromStrings({"__name__", "x", "b", "2"});
  LabelsBuilder b(ls);
  b.Set("a", "1").Set("b", "").Set("c", "3");
  EXPECT_EQ(b.Build().ToString(), R"({__name__="x", a="1", c="3"})");
}

LabelValidation Validate(std::vector<LabelView> v, LabelLimits limits = {}) {
  return ValidateLabels(v, limits);
}

TEST(LabelsTest, ValidationRejectsBadSets) {
  EXPECT_TRUE(Validate({{"__name__", "up"}, {"job", "x"}}).ok());
  EXPECT_EQ(Validate({}).error, LabelError::kEmpty);
  EXPECT_EQ(Validate({{"job", "x"}}).error, LabelError::kMissingName);
  EXPECT_EQ(Validate({{"", "x"}, {"__name__", "up"}}).error, LabelError::kEmptyLabelName);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"b", "1"}, {"a", "2"}}).error, LabelError::kUnsorted);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"a", "1"}, {"a", "2"}}).error,
            LabelError::kDuplicateName);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"a", "\xff"}}).error, LabelError::kInvalidUTF8);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"a", "ok"}}, {2, 0, 0}).error, LabelError::kNone);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"a", "ok"}, {"b", "x"}}, {2, 0, 0}).error,
            LabelError::kTooManyLabels);
  EXPECT_EQ(Validate({{"__name__", "up"}, {"a", "long"}}, {0, 0, 3}).error,
            LabelError::kValueTooLong);
}

TEST(LabelsTest, Utf8NamesAreAllowed) {
  EXPECT_TRUE(Validate({{"__name__", "my.metric"}, {"a.b", "c"}, {"ünï", "ø"}}).ok());
}

TEST(LabelsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUTF8("plain"));
  EXPECT_TRUE(IsValidUTF8("\xe2\x82\xac"));       // €
  EXPECT_TRUE(IsValidUTF8("\xf0\x9f\x98\x80"));   // emoji
  EXPECT_FALSE(IsValidUTF8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUTF8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUTF8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUTF8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

}  // namespace
}  // namespace vigil::model
