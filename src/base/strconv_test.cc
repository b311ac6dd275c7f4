#include "base/strconv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace vigil {
namespace {

uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// Expected strings below are what Go 1.24 prints for the same input.

TEST(GoQuoteTest, EscapesAsStrconvQuote) {
  EXPECT_EQ(GoQuote(""), R"("")");
  EXPECT_EQ(GoQuote("up"), R"("up")");
  EXPECT_EQ(GoQuote("a\"b\\c'"), R"("a\"b\\c'")");
  EXPECT_EQ(GoQuote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
  EXPECT_EQ(GoQuote(std::string_view("\x00\x1f\x7f", 3)), R"("\x00\x1f\x7f")");
}

TEST(GoQuoteTest, NonPrintableRunesUseUEscapesAndPrintableUnicodeStays) {
  EXPECT_EQ(GoQuote("\u00fc\u65e5\U0001F600"), "\"\u00fc\u65e5\U0001F600\"");
  EXPECT_EQ(GoQuote("\u0080"), R"("\u0080")");  // C1 control
  EXPECT_EQ(GoQuote("\u00a0"), R"("\u00a0")");  // no-break space
  EXPECT_EQ(GoQuote("\u00ad"), R"("\u00ad")");  // soft hyphen (format)
  EXPECT_EQ(GoQuote("\u200b"), R"("\u200b")");
  EXPECT_EQ(GoQuote("\u2028\u2029"), R"("\u2028\u2029")");
  EXPECT_EQ(GoQuote("\u3000"), R"("\u3000")");
  EXPECT_EQ(GoQuote("\ufeff"), R"("\ufeff")");
  EXPECT_EQ(GoQuote("\ue000"), R"("\ue000")");  // private use
  EXPECT_EQ(GoQuote("\xef\xbf\xbe"), R"("\ufffe")");
  EXPECT_EQ(GoQuote("\U0001FFFF"), R"("\U0001ffff")");
  EXPECT_EQ(GoQuote("\U000E0001"), R"("\U000e0001")");  // language tag
  EXPECT_EQ(GoQuote("\U000F0000"), R"("\U000f0000")");
  // Variation selectors are marks, so printable.
  EXPECT_EQ(GoQuote("\U000E0100"), "\"\U000E0100\"");
  // U+FFFD written in the input is a printable rune, not an error.
  EXPECT_EQ(GoQuote("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");
}

TEST(GoQuoteTest, InvalidUtf8BecomesXEscapesByteByByte) {
  EXPECT_EQ(GoQuote("\xff"), R"("\xff")");
  EXPECT_EQ(GoQuote("a\xc3"), R"("a\xc3")");                        // truncated
  EXPECT_EQ(GoQuote("\xc3("), R"("\xc3(")");                        // bad continuation
  EXPECT_EQ(GoQuote("\xc0\x80"), R"("\xc0\x80")");                  // overlong NUL
  EXPECT_EQ(GoQuote("\xe0\x80\xaf"), R"("\xe0\x80\xaf")");          // overlong '/'
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), R"("\xed\xa0\x80")");          // surrogate U+D800
  EXPECT_EQ(GoQuote("\xf4\x90\x80\x80"), R"("\xf4\x90\x80\x80")");  // beyond U+10FFFF
  EXPECT_EQ(GoQuote("\xe6\x97"), R"("\xe6\x97")");
}

TEST(GoQuoteTest, AppendGoQuotedAppends) {
  std::string s = "x=";
  AppendGoQuoted(&s, "a\n");
  EXPECT_EQ(s, R"(x="a\n")");
}

TEST(GoQuoteRuneTest, QuotesAsPercentQOfARune) {
  EXPECT_EQ(GoQuoteRune('x'), "'x'");
  EXPECT_EQ(GoQuoteRune('\n'), R"('\n')");
  EXPECT_EQ(GoQuoteRune(0), R"('\x00')");
  EXPECT_EQ(GoQuoteRune('\''), R"('\'')");
  EXPECT_EQ(GoQuoteRune('"'), "'\"'");
  EXPECT_EQ(GoQuoteRune(0x2028), R"('\u2028')");
  EXPECT_EQ(GoQuoteRune(0xFC), "'\u00fc'");
  // Invalid runes print as U+FFFD, which is printable.
  EXPECT_EQ(GoQuoteRune(0xD800), "'\ufffd'");
  EXPECT_EQ(GoQuoteRune(0x110000), "'\ufffd'");
  EXPECT_EQ(GoQuoteRune(-1), "'\ufffd'");
}

TEST(Utf8Test, DecodesAsGoAndReportsWidthOneForInvalidBytes) {
  int w = 0;
  EXPECT_EQ(Utf8DecodeRune("a", 0, &w), 'a');
  EXPECT_EQ(w, 1);
  EXPECT_EQ(Utf8DecodeRune("x\u00fc", 1, &w), 0xFC);
  EXPECT_EQ(w, 2);
  EXPECT_EQ(Utf8DecodeRune("\u65e5", 0, &w), 0x65E5);
  EXPECT_EQ(w, 3);
  EXPECT_EQ(Utf8DecodeRune("\U0010FFFF", 0, &w), 0x10FFFF);
  EXPECT_EQ(w, 4);
  EXPECT_EQ(Utf8DecodeRune("\xef\xbf\xbd", 0, &w), kUtf8RuneError);
  EXPECT_EQ(w, 3);
  for (std::string_view bad :
       {"\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80", "\xe6\x97", "\xff"}) {
    EXPECT_EQ(Utf8DecodeRune(bad, 0, &w), kUtf8RuneError) << GoQuote(bad);
    EXPECT_EQ(w, 1) << GoQuote(bad);
  }
}

TEST(Utf8Test, AppendRuneEncodesEveryLength) {
  std::string s;
  for (int32_t r : {0x24, 0xA2, 0x20AC, 0x10348}) Utf8AppendRune(&s, r);
  EXPECT_EQ(s, "$\u00a2\u20ac\U00010348");
  EXPECT_TRUE(Utf8ValidRune(0x10FFFF));
  EXPECT_FALSE(Utf8ValidRune(0xDFFF));
  EXPECT_FALSE(Utf8ValidRune(0x110000));
}

TEST(UnquotePromStringTest, ReadsGoEscapesInBothQuotes) {
  EXPECT_EQ(*UnquotePromString(R"("a\x41\u00fc\U0001F600\101\n\t\\")"),
            "aA\u00fc\U0001F600A\n\t\\");
  EXPECT_EQ(*UnquotePromString(R"('a\'b"c')"), "a'b\"c");
  EXPECT_EQ(*UnquotePromString(R"("a\"b'c")"), "a\"b'c");
  EXPECT_EQ(*UnquotePromString(R"("\a\b\f\v\r")"), "\a\b\f\v\r");
  EXPECT_EQ(*UnquotePromString("``"), "");
  EXPECT_EQ(*UnquotePromString(R"(`raw\n"'`)"), R"(raw\n"')");
  // \x and octal escapes are bytes, which may make invalid UTF-8.
  EXPECT_EQ(*UnquotePromString(R"("\xff\377")"), "\xff\xff");
}

TEST(UnquotePromStringTest, KeepsInvalidUtf8OnlyWhenNothingIsEscaped) {
  EXPECT_EQ(*UnquotePromString("\"\xff\""), "\xff");
  EXPECT_EQ(*UnquotePromString("\"\xff\\n\""), "\xef\xbf\xbd\n");
}

TEST(UnquotePromStringTest, RejectsWhatStrutilUnquoteRejects) {
  for (std::string_view bad : {"",          "\"",        "\"a'",        "a",
                               "\"a\"b\"",  "'a'b'",     "\"a\nb\"",    "`a`b`",
                               R"("\'")",   R"('\"')",   R"("\q")",     R"("\x4")",
                               R"("\xg0")", R"("\u12")", R"("\ud800")", R"("\U00110000")",
                               R"("\400")", R"("\08")",  R"("\1")",     R"("a\")"}) {
    auto r = UnquotePromString(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "invalid syntax");
  }
}

TEST(ParseGoIntTest, ReadsBasePrefixesSignsAndUnderscores) {
  EXPECT_EQ(*ParseGoInt("0"), 0);
  EXPECT_EQ(*ParseGoInt("-0"), 0);
  EXPECT_EQ(*ParseGoInt("+7"), 7);
  EXPECT_EQ(*ParseGoInt("0x1F"), 31);
  EXPECT_EQ(*ParseGoInt("0X1f"), 31);
  EXPECT_EQ(*ParseGoInt("-0x10"), -16);
  EXPECT_EQ(*ParseGoInt("0o17"), 15);
  EXPECT_EQ(*ParseGoInt("0O17"), 15);
  EXPECT_EQ(*ParseGoInt("017"), 15);  // a leading 0 is octal
  EXPECT_EQ(*ParseGoInt("0b101"), 5);
  EXPECT_EQ(*ParseGoInt("0B1"), 1);
  EXPECT_EQ(*ParseGoInt("1_000"), 1000);
  EXPECT_EQ(*ParseGoInt("0x_1f"), 31);
  EXPECT_EQ(*ParseGoInt("0_7"), 7);
  EXPECT_EQ(*ParseGoInt("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*ParseGoInt("-9223372036854775808"), std::numeric_limits<int64_t>::min());
}

TEST(ParseGoIntTest, SyntaxAndRangeErrorsAsGo) {
  for (std::string_view bad : {"", "-", "+", "_1", "1_", "1__0", "0x", "0x_", "0b2", "08", "1.5",
                               " 1", "1 ", "0x1g", "--1", "1e3"}) {
    auto r = ParseGoInt(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(),
              "strconv.ParseInt: parsing " + GoQuote(bad) + ": invalid syntax");
  }
  EXPECT_EQ(ParseGoInt("9223372036854775808").status().message(),
            R"(strconv.ParseInt: parsing "9223372036854775808": value out of range)");
  EXPECT_EQ(ParseGoInt("-9223372036854775809").status().message(),
            R"(strconv.ParseInt: parsing "-9223372036854775809": value out of range)");
  // Go reports the overflow before it sees the bad character.
  EXPECT_EQ(ParseGoInt("99999999999999999999x").status().message(),
            R"(strconv.ParseInt: parsing "99999999999999999999x": value out of range)");
}

TEST(ParseGoFloatTest, ReadsDecimalForms) {
  EXPECT_EQ(*ParseGoFloat("1.5"), 1.5);
  EXPECT_EQ(*ParseGoFloat("+1.5"), 1.5);
  EXPECT_EQ(*ParseGoFloat(".5"), 0.5);
  EXPECT_EQ(*ParseGoFloat("5."), 5);
  EXPECT_EQ(*ParseGoFloat("1e3"), 1000);
  EXPECT_EQ(*ParseGoFloat("1E+3"), 1000);
  EXPECT_EQ(*ParseGoFloat("25e-2"), 0.25);
  EXPECT_EQ(*ParseGoFloat("0.1"), 0.1);
  EXPECT_EQ(*ParseGoFloat("4.9e-324"), 5e-324);
  EXPECT_TRUE(std::signbit(*ParseGoFloat("-0")));
  EXPECT_EQ(*ParseGoFloat("1_000.5"), 1000.5);
  EXPECT_EQ(*ParseGoFloat("1_23.50_0_0e+1_2"), 1.235e14);
}

TEST(ParseGoFloatTest, ReadsHexadecimalMantissasWithTheirPExponent) {
  EXPECT_EQ(*ParseGoFloat("0x1p-2"), 0.25);
  EXPECT_EQ(*ParseGoFloat("0x1.8p1"), 3);
  EXPECT_EQ(*ParseGoFloat("-0X_1P4"), -16);
  EXPECT_EQ(*ParseGoFloat("0x1ep0"), 30);  // e is a hex digit here
  for (std::string_view bad : {"0x1", "0x1.8", "0xp1", "0x1e", "0x1p", "0x1p+", "0x1g"}) {
    EXPECT_FALSE(ParseGoFloat(bad).ok()) << bad;
  }
}

TEST(ParseGoFloatTest, InfinityAndNaNSpellings) {
  for (std::string_view s : {"inf", "Inf", "+INF", "infinity", "+Infinity", "iNfInItY"}) {
    EXPECT_EQ(*ParseGoFloat(s), HUGE_VAL) << s;
  }
  EXPECT_EQ(*ParseGoFloat("-inf"), -HUGE_VAL);
  EXPECT_EQ(*ParseGoFloat("-Infinity"), -HUGE_VAL);
  for (std::string_view s : {"nan", "NaN", "NAN"}) {
    auto v = ParseGoFloat(s);
    ASSERT_TRUE(v.ok()) << s;
    EXPECT_EQ(Bits(*v), kGoNaNBits) << s;  // Go's math.NaN(), not the C++ quiet NaN
  }
  for (std::string_view bad : {"+nan", "-NaN", "infin", "infinityy", "nanx", "in", "na", "i"}) {
    EXPECT_FALSE(ParseGoFloat(bad).ok()) << bad;
  }
}

TEST(ParseGoFloatTest, UnderscoresOnlyBetweenDigits) {
  for (std::string_view bad :
       {"_1", "1_", "1__0", "1_.5", "1._5", "1.5_e3", "1e_3", "1e+_3", "1e3_", "-_1.5", "0x_1p_"}) {
    EXPECT_FALSE(ParseGoFloat(bad).ok()) << bad;
  }
}

TEST(ParseGoFloatTest, OverflowIsAnErrorAndUnderflowRoundsToZero) {
  EXPECT_EQ(ParseGoFloat("1e400").status().message(),
            R"(strconv.ParseFloat: parsing "1e400": value out of range)");
  EXPECT_EQ(ParseGoFloat("-1e400").status().message(),
            R"(strconv.ParseFloat: parsing "-1e400": value out of range)");
  EXPECT_FALSE(ParseGoFloat("0x1p2000").ok());
  EXPECT_EQ(*ParseGoFloat("1e-400"), 0);
  EXPECT_TRUE(std::signbit(*ParseGoFloat("-1e-400")));
  EXPECT_EQ(*ParseGoFloat("0x1p-2000"), 0);
  EXPECT_EQ(*ParseGoFloat("0e99999"), 0);
}

TEST(ParseGoFloatTest, SyntaxErrorsQuoteTheInput) {
  for (std::string_view bad :
       {"", "1e", "1e+", "e1", ".", "1.2.3", "1 ", " 1", "0x", "1f", "-", "+", "1,5"}) {
    auto r = ParseGoFloat(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(),
              "strconv.ParseFloat: parsing " + GoQuote(bad) + ": invalid syntax");
  }
  EXPECT_EQ(ParseGoFloat("a\"\n").status().message(),
            R"(strconv.ParseFloat: parsing "a\"\n": invalid syntax)");
}

TEST(ParseGoNumberTest, IntegersFirstThenFloats) {
  EXPECT_EQ(*ParseGoNumber("010"), 8);
  EXPECT_EQ(*ParseGoNumber("0x10"), 16);
  EXPECT_EQ(*ParseGoNumber("08"), 8);  // not octal, so read as a float
  EXPECT_EQ(*ParseGoNumber("08.5"), 8.5);
  EXPECT_EQ(*ParseGoNumber("1e3"), 1000);
  EXPECT_EQ(*ParseGoNumber("0x1p3"), 8);
  EXPECT_EQ(*ParseGoNumber("1_000"), 1000);
  EXPECT_EQ(*ParseGoNumber("99999999999999999999"), 1e20);  // overflows int64
  EXPECT_EQ(*ParseGoNumber("-9223372036854775808"), -9223372036854775808.0);
  EXPECT_EQ(Bits(*ParseGoNumber("NaN")), kGoNaNBits);
  EXPECT_EQ(ParseGoNumber("1e").status().message(),
            R"(strconv.ParseFloat: parsing "1e": invalid syntax)");
  EXPECT_EQ(ParseGoNumber("1e999").status().message(),
            R"(strconv.ParseFloat: parsing "1e999": value out of range)");
}

std::string F(double v, char fmt) { return FormatGoFloat(v, fmt); }

TEST(FormatGoFloatTest, FixedUsesShortestDigitsPaddedWithZeros) {
  EXPECT_EQ(F(0, 'f'), "0");
  EXPECT_EQ(F(-0.0, 'f'), "-0");
  EXPECT_EQ(F(1, 'f'), "1");
  EXPECT_EQ(F(-2.5, 'f'), "-2.5");
  EXPECT_EQ(F(0.1, 'f'), "0.1");
  EXPECT_EQ(F(0.1 + 0.2, 'f'), "0.30000000000000004");
  EXPECT_EQ(F(1e-6, 'f'), "0.000001");
  EXPECT_EQ(F(1.5e-7, 'f'), "0.00000015");
  EXPECT_EQ(F(1e21, 'f'), "1000000000000000000000");
  // Not the exact value of the double (99999999999999991611392).
  EXPECT_EQ(F(1e23, 'f'), "100000000000000000000000");
  EXPECT_EQ(F(123456789012345678901.0, 'f'), "123456789012345680000");
  EXPECT_EQ(F(std::nan(""), 'f'), "NaN");
  EXPECT_EQ(F(HUGE_VAL, 'f'), "+Inf");
  EXPECT_EQ(F(-HUGE_VAL, 'f'), "-Inf");
}

TEST(FormatGoFloatTest, ExponentFormHasAtLeastTwoExponentDigits) {
  EXPECT_EQ(F(0, 'e'), "0e+00");
  EXPECT_EQ(F(1e6, 'e'), "1e+06");
  EXPECT_EQ(F(-1.5e-7, 'e'), "-1.5e-07");
  EXPECT_EQ(F(123.456, 'e'), "1.23456e+02");
  EXPECT_EQ(F(1e100, 'e'), "1e+100");
  EXPECT_EQ(F(5e-324, 'e'), "5e-324");
  EXPECT_EQ(F(1.7976931348623157e308, 'e'), "1.7976931348623157e+308");
}

TEST(FormatGoFloatTest, GeneralSwitchesToExponentBelowMinus4AndFrom6) {
  EXPECT_EQ(F(0, 'g'), "0");
  EXPECT_EQ(F(-0.0, 'g'), "-0");
  EXPECT_EQ(F(1.5, 'g'), "1.5");
  EXPECT_EQ(F(100000, 'g'), "100000");
  EXPECT_EQ(F(999999, 'g'), "999999");
  EXPECT_EQ(F(123456.7, 'g'), "123456.7");
  EXPECT_EQ(F(1e6, 'g'), "1e+06");
  EXPECT_EQ(F(1234567, 'g'), "1.234567e+06");
  EXPECT_EQ(F(0.0001, 'g'), "0.0001");
  EXPECT_EQ(F(0.00012345, 'g'), "0.00012345");
  EXPECT_EQ(F(0.00001, 'g'), "1e-05");
  EXPECT_EQ(F(-2.5e-300, 'g'), "-2.5e-300");
  EXPECT_EQ(F(std::nan(""), 'g'), "NaN");
  EXPECT_EQ(F(-HUGE_VAL, 'g'), "-Inf");
}

TEST(FormatGoFloatTest, AppendGoFloatAppends) {
  std::string s = "v=";
  AppendGoFloat(&s, 0.5, 'f');
  EXPECT_EQ(s, "v=0.5");
}

constexpr int64_t kMs = 1'000'000;

TEST(ParsePromDurationNanosTest, AcceptsUnitsBiggestFirst) {
  EXPECT_EQ(*ParsePromDurationNanos("0"), 0);
  EXPECT_EQ(*ParsePromDurationNanos("0s"), 0);
  EXPECT_EQ(*ParsePromDurationNanos("1ms"), kMs);
  EXPECT_EQ(*ParsePromDurationNanos("10s53ms"), 10'053 * kMs);
  EXPECT_EQ(*ParsePromDurationNanos("1h30m"), 5'400'000 * kMs);
  EXPECT_EQ(*ParsePromDurationNanos("1y"), 365LL * 24 * 3600 * 1000 * kMs);
  EXPECT_EQ(*ParsePromDurationNanos("2w1d"), 15LL * 24 * 3600 * 1000 * kMs);
  EXPECT_EQ(*ParsePromDurationNanos("1y2w3d4h5m6s7ms"),
            ((((((365LL + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000) + 7) * kMs);
  EXPECT_EQ(*ParsePromDurationNanos("0010m"), 600'000 * kMs);
  // The largest value: int64 nanoseconds, truncated to whole milliseconds.
  EXPECT_EQ(*ParsePromDurationNanos("106751d23h47m16s854ms"), 9'223'372'036'854 * kMs);
}

TEST(ParsePromDurationNanosTest, ErrorsAsModelParseDuration) {
  auto msg = [](std::string_view s) { return ParsePromDurationNanos(s).status().message(); };
  EXPECT_EQ(msg(""), "empty duration string");
  for (std::string_view bad : {"1", "1000", "-1m", "m", " 1m", "1m1h", "1s1s", "1ms1s", "5m5"}) {
    EXPECT_EQ(msg(bad), "not a valid duration string: " + GoQuote(bad)) << bad;
  }
  EXPECT_EQ(msg("5x"), R"(unknown unit "x" in duration "5x")");
  EXPECT_EQ(msg("1.5m"), R"(unknown unit "." in duration "1.5m")");
  EXPECT_EQ(msg("1m "), R"(unknown unit "m " in duration "1m ")");
  EXPECT_EQ(msg("1M"), R"(unknown unit "M" in duration "1M")");
  EXPECT_EQ(msg("106751d23h47m16s855ms"), "duration out of range");
  EXPECT_EQ(msg("300y"), "duration out of range");
  EXPECT_EQ(msg("9223372036855ms"), "duration out of range");
  // Digits beyond uint64 fail Go's ParseUint first.
  EXPECT_EQ(msg("18446744073709551616ms"),
            R"(not a valid duration string: "18446744073709551616ms")");
}

TEST(FormatPromDurationTest, YearsAndWeeksOnlyWhenExact) {
  constexpr int64_t kDay = 24 * 3600 * 1000LL;
  EXPECT_EQ(FormatPromDuration(0), "0s");
  EXPECT_EQ(FormatPromDuration(-5), "0s");
  EXPECT_EQ(FormatPromDuration(1), "1ms");
  EXPECT_EQ(FormatPromDuration(1000), "1s");
  EXPECT_EQ(FormatPromDuration(61'001), "1m1s1ms");
  EXPECT_EQ(FormatPromDuration(5'400'000), "1h30m");
  EXPECT_EQ(FormatPromDuration(14 * kDay), "2w");
  EXPECT_EQ(FormatPromDuration(90 * kDay), "90d");
  EXPECT_EQ(FormatPromDuration(365 * kDay), "1y");
  EXPECT_EQ(FormatPromDuration(366 * kDay), "366d");
  EXPECT_EQ(FormatPromDuration(365 * kDay + 1), "365d1ms");
  EXPECT_EQ(FormatPromDuration(*ParsePromDurationNanos("1d2h3m4s5ms") / kMs), "1d2h3m4s5ms");
}

TEST(LegacyNameTest, LabelNamesAndMetricNames) {
  for (std::string_view ok : {"a", "_", "a1", "A_b", "__name__"}) {
    EXPECT_TRUE(IsLegacyLabelName(ok)) << ok;
    EXPECT_TRUE(IsLegacyMetricName(ok)) << ok;
  }
  for (std::string_view bad : {"", "1a", "a-b", "a.b", "\u00fc", "a b"}) {
    EXPECT_FALSE(IsLegacyLabelName(bad)) << bad;
    EXPECT_FALSE(IsLegacyMetricName(bad)) << bad;
  }
  for (std::string_view colon : {"a:b", ":a", "job:rate5m"}) {
    EXPECT_FALSE(IsLegacyLabelName(colon)) << colon;
    EXPECT_TRUE(IsLegacyMetricName(colon)) << colon;
  }
}

}  // namespace
}  // namespace vigil
