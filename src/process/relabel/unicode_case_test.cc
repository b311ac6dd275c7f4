#include "process/relabel/unicode_case.h"

#include <gtest/gtest.h>

namespace vigil::relabel {
namespace {

TEST(UnicodeCaseTest, AsciiMapsOnlyLetters) {
  EXPECT_EQ(GoToLower("Hello_WORLD-09:"), "hello_world-09:");
  EXPECT_EQ(GoToUpper("Hello_world-09:"), "HELLO_WORLD-09:");
  EXPECT_EQ(GoToLower(""), "");
}

TEST(UnicodeCaseTest, NonAsciiUsesSimpleUnicodeMappingsAsGoStrings) {
  EXPECT_EQ(GoToLower("ÄÖÜ"), "äöü");
  EXPECT_EQ(GoToUpper("äöü"), "ÄÖÜ");
  EXPECT_EQ(GoToUpper("straße"), "STRAßE");  // no one-rune upper case of ß
  EXPECT_EQ(GoToLower("\u212A"), "k");       // Kelvin sign
  EXPECT_EQ(GoToLower("İ"), "i");            // U+0130 simple lower is 'i'
  EXPECT_EQ(GoToUpper("ſ"), "S");            // long s
  EXPECT_EQ(GoToUpper("ǆ"), "Ǆ");
  EXPECT_EQ(GoToLower("ΣΑΣ"), "σασ");  // no final-sigma rule in simple mapping
  EXPECT_EQ(GoToUpper("𐐨"), "𐐀");      // outside the BMP
}

TEST(UnicodeCaseTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(GoToLower("A\xff"), "a\xEF\xBF\xBD");
  EXPECT_EQ(GoToUpper("\xc3"), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace vigil::relabel
