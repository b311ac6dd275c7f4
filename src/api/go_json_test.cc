#include "api/go_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::api {
namespace {

std::string Sample(double v) {
  std::string s;
  AppendSampleValue(&s, v);
  return s;
}

std::string GoF(double v) {
  std::string s;
  AppendGoFloat(&s, v, 'f');
  return s;
}

std::string Ts(int64_t ms) {
  std::string s;
  AppendTimestamp(&s, ms);
  return s;
}

std::string JsonFloat(double v) {
  std::string s;
  AppendJsonFloat(&s, v);
  return s;
}

std::string Str(std::string_view v, GoEscape e) {
  std::string s;
  AppendJsonString(&s, v, e);
  return s;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Expected strings are what Prometheus printed for the same values.
TEST(GoJsonTest, SampleValuesUseShortestFormWithExponentOutsideTheFixedRange) {
  EXPECT_EQ(Sample(1), "\"1\"");
  EXPECT_EQ(Sample(0), "\"0\"");
  EXPECT_EQ(Sample(-0.0), "\"-0\"");
  EXPECT_EQ(Sample(123.456), "\"123.456\"");
  EXPECT_EQ(Sample(0.1 + 0.2), "\"0.30000000000000004\"");
  EXPECT_EQ(Sample(1e-6), "\"0.000001\"");
  EXPECT_EQ(Sample(1e-7), "\"1e-07\"");
  EXPECT_EQ(Sample(-2.5e-7), "\"-2.5e-07\"");
  EXPECT_EQ(Sample(1e20), "\"100000000000000000000\"");
  EXPECT_EQ(Sample(123456789012345678901.0), "\"123456789012345680000\"");
  EXPECT_EQ(Sample(1e21), "\"1e+21\"");
  EXPECT_EQ(Sample(1.5e300), "\"1.5e+300\"");
  EXPECT_EQ(Sample(5e-324), "\"5e-324\"");
  EXPECT_EQ(Sample(1.7976931348623157e308), "\"1.7976931348623157e+308\"");
}

TEST(GoJsonTest, NaNAndInfinitiesAreSpelledAsGo) {
  EXPECT_EQ(Sample(std::nan("")), "\"NaN\"");
  EXPECT_EQ(Sample(kInf), "\"+Inf\"");
  EXPECT_EQ(Sample(-kInf), "\"-Inf\"");
  EXPECT_EQ(GoF(-kInf), "-Inf");
}

TEST(GoJsonTest, FixedFormatNeverSwitchesToExponents) {
  EXPECT_EQ(GoF(1e-7), "0.0000001");
  EXPECT_EQ(GoF(1e21), "1000000000000000000000");
  EXPECT_EQ(GoF(1e300), "1" + std::string(300, '0'));
  EXPECT_EQ(GoF(-0.0), "-0");
  EXPECT_EQ(GoF(12.5), "12.5");
}

TEST(GoJsonTest, SampleTimestampsKeepThreeDecimalsWhenNotWholeSeconds) {
  EXPECT_EQ(Ts(1'700'000'000'000), "1700000000");
  EXPECT_EQ(Ts(1'700'000'000'500), "1700000000.500");
  EXPECT_EQ(Ts(1'700'000'000'123), "1700000000.123");
  EXPECT_EQ(Ts(3'020), "3.020");
  EXPECT_EQ(Ts(12), "0.012");
  EXPECT_EQ(Ts(1), "0.001");
  EXPECT_EQ(Ts(0), "0");
  EXPECT_EQ(Ts(-1'500), "-1.500");
  EXPECT_EQ(Ts(-1), "-0.001");
  EXPECT_EQ(Ts(std::numeric_limits<int64_t>::min()), "-9223372036854775.808");
}

// Prometheus 2.42 answered stats=all with "resultSortTime":9.21e-07.
TEST(GoJsonTest, JsoniterFloatsKeepTwoExponentDigits) {
  auto f = [](double v) {
    std::string s;
    AppendJsoniterFloat(&s, v);
    return s;
  };
  EXPECT_EQ(f(9.21e-7), "9.21e-07");
  EXPECT_EQ(f(0.000079448), "0.000079448");
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(1e21), "1e+21");
}

TEST(GoJsonTest, JsonFloatsFollowEncodingJson) {
  EXPECT_EQ(JsonFloat(1700000000.5), "1700000000.5");
  EXPECT_EQ(JsonFloat(-1.5), "-1.5");
  EXPECT_EQ(JsonFloat(100), "100");
  EXPECT_EQ(JsonFloat(0), "0");
  EXPECT_EQ(JsonFloat(0.000065718), "0.000065718");
  EXPECT_EQ(JsonFloat(1.022e-6), "0.000001022");
  EXPECT_EQ(JsonFloat(1e-7), "1e-7");
  EXPECT_EQ(JsonFloat(1.5e-10), "1.5e-10");
  EXPECT_EQ(JsonFloat(1e21), "1e+21");
}

TEST(GoJsonTest, HtmlEscapingAsGoStringFields) {
  EXPECT_EQ(Str("<a>&", GoEscape::kHtml), R"("\u003ca\u003e\u0026")");
  EXPECT_EQ(Str("a\"b\\c", GoEscape::kHtml), R"("a\"b\\c")");
  EXPECT_EQ(Str("\n\r\t", GoEscape::kHtml), R"("\n\r\t")");
  EXPECT_EQ(Str("\x01\x1f\b\f", GoEscape::kHtml), R"("\u0001\u001f\u0008\u000c")");
  EXPECT_EQ(Str("\u00fc\u20ac\U0001F600", GoEscape::kHtml), "\"\u00fc\u20ac\U0001F600\"");
  EXPECT_EQ(Str("a\u2028b\u2029", GoEscape::kHtml), R"("a\u2028b\u2029")");
  EXPECT_EQ(Str("\x7f", GoEscape::kHtml), "\"\x7f\"");
}

TEST(GoJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Str("a\xff"
                "b",
                GoEscape::kHtml),
            R"("a\ufffdb")");
  EXPECT_EQ(Str("\xed\xa0\x80", GoEscape::kHtml), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(Str("\xc0\xaf", GoEscape::kHtml), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(Str("\xe2\x82", GoEscape::kHtml), R"("\ufffd\ufffd")");            // truncated
  EXPECT_EQ(Str("\xf4\x90\x80\x80", GoEscape::kHtml), R"("\ufffd\ufffd\ufffd\ufffd")");
}

TEST(GoJsonTest, LabelStringsAreNotHtmlEscapedNorUtf8Checked) {
  EXPECT_EQ(Str("<&>", GoEscape::kPlain), "\"<&>\"");
  EXPECT_EQ(Str("\xff\u2028", GoEscape::kPlain), "\"\xff\u2028\"");
  EXPECT_EQ(Str("\"\\\x01\n", GoEscape::kPlain), R"("\"\\\u0001\n")");
  EXPECT_EQ(Str("\b", GoEscape::kPlain), R"("\u0008")");
}

TEST(GoJsonTest, StdlibStringsUseShortEscapesForBackspaceAndFormFeed) {
  EXPECT_EQ(Str("a\x01\b\f\n\u2028<", GoEscape::kStdlibHtml), R"("a\u0001\b\f\n\u2028\u003c")");
}

TEST(GoJsonTest, WriterSeparatesElementsAndKeys) {
  GoJsonWriter w;
  w.StartObject();
  w.KV("a", "x");
  w.Key("b");
  w.StartArray();
  w.Int(-1);
  w.Uint(2);
  w.Bool(true);
  w.Null();
  w.StartObject();
  w.EndObject();
  w.StartArray();
  w.EndArray();
  w.Timestamp(1500);
  w.SampleValue(2);
  w.Float(0.5);
  w.EndArray();
  w.Key("c<");
  w.LabelString("<");
  w.EndObject();
  EXPECT_EQ(w.Take(), R"({"a":"x","b":[-1,2,true,null,{},[],1.500,"2",0.5],"c\u003c":"<"})");
  w.StartArray();
  w.EndArray();
  EXPECT_EQ(w.Take(), "[]");
}

}  // namespace
}  // namespace vigil::api
