#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

TEST(SanitizeFieldNameTest, InvalidCharactersBecomeUnderscore) {
  EXPECT_EQ(SanitizeFieldName("http.method"), "http_method");
  EXPECT_EQ(SanitizeFieldName("a-b c"), "a_b_c");
  EXPECT_EQ(SanitizeFieldName("ok_Name9"), "ok_Name9");
}

TEST(SanitizeFieldNameTest, LeadingDigitGetsPrefix) {
  EXPECT_EQ(SanitizeFieldName("1st"), "_1st");
  EXPECT_EQ(SanitizeFieldName("a1"), "a1");
}

TEST(SanitizeFieldNameTest, EmptyAndBlankBecomeUnderscore) {
  EXPECT_EQ(SanitizeFieldName(""), "_");
  EXPECT_EQ(SanitizeFieldName("   "), "_");
}

TEST(SanitizeFieldNameTest, SurroundingSpacesTrimmed) {
  EXPECT_EQ(SanitizeFieldName(" a b "), "a_b");
}

TEST(SanitizeFieldNameTest, MultibyteRuneIsOneUnderscore) {
  EXPECT_EQ(SanitizeFieldName("caf\xc3\xa9"), "caf_");
  EXPECT_EQ(SanitizeFieldName("\xe2\x82\xac"
                              "x"),
            "_x");
  // Invalid UTF-8: one '_' per byte, as Go decodes RuneError with width 1.
  EXPECT_EQ(SanitizeFieldName("a\xff\xfe"), "a__");
  EXPECT_EQ(SanitizeFieldName("a\xe2\x82"), "a__");
}

}  // namespace
}  // namespace vigil::logparse
