#include "config/text_forms.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace vigil::config::detail {
namespace {

TEST(TextFormsTest, Base2BytesAcceptsBothUnitFamiliesAndFractions) {
  EXPECT_EQ(*ParseBase2Bytes("0"), 0u);
  EXPECT_EQ(*ParseBase2Bytes("10B"), 10u);
  EXPECT_EQ(*ParseBase2Bytes("1KiB"), 1024u);
  EXPECT_EQ(*ParseBase2Bytes("15MB"), 15u << 20);
  EXPECT_EQ(*ParseBase2Bytes("1.5GiB"), 3u << 29);
  EXPECT_EQ(*ParseBase2Bytes("1MB512KB"), (1u << 20) + (512u << 10));
  EXPECT_EQ(ParseBase2Bytes("100").status().message(), "units: unknown unit  in 100");
  EXPECT_EQ(ParseBase2Bytes("1kb").status().message(), "units: unknown unit kb in 1kb");
  EXPECT_EQ(ParseBase2Bytes("").status().message(), "units: invalid ");
  EXPECT_FALSE(ParseBase2Bytes("MB").ok());
}

TEST(TextFormsTest, ExpandEnvMatchesGoOsExpand) {
  setenv("VIGIL_TF_A", "x", 1);
  EXPECT_EQ(ExpandEnv("${VIGIL_TF_A}"), "x");
  EXPECT_EQ(ExpandEnv("$VIGIL_TF_A-y"), "x-y");
  EXPECT_EQ(ExpandEnv("$$VIGIL_TF_A"), "$VIGIL_TF_A");
  EXPECT_EQ(ExpandEnv("cost$"), "cost$");
  EXPECT_EQ(ExpandEnv("a $ b"), "a $ b");
  EXPECT_EQ(ExpandEnv("a${}b"), "ab");
  EXPECT_EQ(ExpandEnv("a${b"), "ab");
  EXPECT_EQ(ExpandEnv("${VIGIL_TF_UNSET_X}"), "");
  unsetenv("VIGIL_TF_A");
}

TEST(TextFormsTest, Base64IsStrict) {
  EXPECT_EQ(*DecodeBase64("/w=="), "\xff");
  EXPECT_EQ(*DecodeBase64("aGk="), "hi");
  EXPECT_FALSE(DecodeBase64("/w==$1").has_value());
  EXPECT_FALSE(DecodeBase64("/w=").has_value());
  EXPECT_FALSE(DecodeBase64("a=bc").has_value());
}

TEST(TextFormsTest, URLParseFindsSchemeAndHost) {
  auto u = ParseURL("HTTPS://user:pw@example.com:443/path?q");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "example.com:443");
  EXPECT_EQ(ParseURL("http://")->host, "");
  EXPECT_EQ(ParseURL("invalid")->scheme, "");
  EXPECT_EQ(ParseURL("::x").status().message(), "parse \"::x\": missing protocol scheme");
}

TEST(TextFormsTest, JoinDirKeepsAbsoluteAndCleans) {
  EXPECT_EQ(JoinDir("/etc/p", "a/../b.yml"), "/etc/p/b.yml");
  EXPECT_EQ(JoinDir("/etc/p", "/abs"), "/abs");
  EXPECT_EQ(JoinDir(".", "x.yml"), "x.yml");
  EXPECT_EQ(JoinDir("", "x.yml"), "x.yml");
  EXPECT_EQ(JoinDir("/etc/p", ""), "");
}

TEST(TextFormsTest, YamlScalarResolutionIsYaml11) {
  EXPECT_EQ(YamlBool("yes"), true);
  EXPECT_EQ(YamlBool("OFF"), false);
  EXPECT_FALSE(YamlBool("1").has_value());
  EXPECT_TRUE(IsYamlNull("~"));
  EXPECT_TRUE(YamlIntSyntax("0x1f"));
  EXPECT_TRUE(YamlFloatSyntax("1.5e3"));
  EXPECT_TRUE(YamlFloatSyntax(".inf"));
  EXPECT_FALSE(YamlFloatSyntax("1.5s"));
  EXPECT_EQ(CanonicalHeaderKey("x-scope-orgid"), "X-Scope-Orgid");
}

}  // namespace
}  // namespace vigil::config::detail
