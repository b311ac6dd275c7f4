#include "process/logparse/go_time.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::logparse {
namespace {

// 2024-03-05T14:07:09.123456789Z.
constexpr GoTime kRef{1709647629, 123456789};
// 0000-01-01T00:00:00Z: what a layout without a date gives, as in Go.
constexpr int64_t kYearZero = -62167219200;
// 2023-11-14T22:13:00Z.
constexpr int64_t kNov14 = 1699999980;

// Seconds of a parse, or a sentinel when it fails.
int64_t Sec(std::string_view layout, std::string_view value) {
  auto t = ParseGoTime(layout, value);
  return t.ok() ? t->sec : INT64_MIN;
}
int64_t Nsec(std::string_view layout, std::string_view value) {
  auto t = ParseGoTime(layout, value);
  return t.ok() ? t->nsec : -1;
}
std::string Error(std::string_view layout, std::string_view value) {
  auto t = ParseGoTime(layout, value);
  return t.ok() ? "ok" : std::string(t.status().message());
}

TEST(GoTimeFormatTest, FormatsAsGo) {
  EXPECT_EQ(FormatGoTime(kRef, "2006-01-02T15:04:05.999999999Z07:00"),
            "2024-03-05T14:07:09.123456789Z");
  EXPECT_EQ(FormatGoTime(kRef, "Mon Jan _2 3:04PM 06"), "Tue Mar  5 2:07PM 24");
  EXPECT_EQ(FormatGoTime(kRef, "Monday January 2 2006 15:04:05.000 -07:00 MST Z07:00:00"),
            "Tuesday March 5 2024 14:07:09.123 +00:00 UTC Z");
  EXPECT_EQ(FormatGoTime(kRef, "002 __2 _2006 ,999 .000000000000"),
            "065  65 _2024 ,123 .123456789");
  // "Jan"/"Mon" before a lower-case letter are text.
  EXPECT_EQ(FormatGoTime(kRef, "Janet Month 1/2 03:4:5 pm -07 -070000 Z0700"),
            "Janet Month 3/5 02:7:9 pm +00 +000000 Z");
  EXPECT_EQ(FormatGoTime(GoTime{1709647629, 0}, "05.999|05,000"), "09|09,000");
  EXPECT_EQ(GoTimeString(kRef), "2024-03-05 14:07:09.123456789 +0000 UTC");
  EXPECT_EQ(GoTimeString(GoTime{0, 0}), "1970-01-01 00:00:00 +0000 UTC");
}

TEST(GoTimeFormatTest, YearsOutsideFourDigits) {
  GoTime minus5 = GoTimeFromCivil(-5, 1, 1, 0, 0, 0, 0);
  EXPECT_EQ(FormatGoTime(minus5, "2006 06"), "-0005 05");
  GoTime year5 = GoTimeFromCivil(5, 1, 9, 0, 0, 0, 0);
  EXPECT_EQ(FormatGoTime(year5, "2006 06 __2 002 .999"), "0005 05   9 009 ");
}

TEST(GoTimeFormatTest, CompiledLayoutFormatsTheSame) {
  for (std::string_view layout :
       {"2006-01-02T15:04:05.000Z07:00", "Mon Jan _2 15:04:05 MST 2006", "3:04:05pm", "iso", ""}) {
    EXPECT_EQ(GoLayout::Compile(layout).Format(kRef), FormatGoTime(kRef, layout)) << layout;
  }
  std::string out = "t=";
  GoLayout::Compile("15:04").AppendFormat(kRef, &out);
  EXPECT_EQ(out, "t=14:07");
}

TEST(GoLayoutTest, CountsElements) {
  EXPECT_EQ(GoLayout::Compile("iso").field_count(), 0u);
  EXPECT_EQ(GoLayout::Compile("Janet Month").field_count(), 0u);
  EXPECT_EQ(GoLayout::Compile("2006-01-02").field_count(), 3u);
  EXPECT_TRUE(GoLayout::Compile("2006-01-02").has_year());
  EXPECT_TRUE(GoLayout::Compile("02 Jan 06").has_year());
  EXPECT_TRUE(GoLayout::Compile("x_2006").has_year());
  EXPECT_FALSE(GoLayout::Compile("Jan _2 15:04:05").has_year());
  EXPECT_EQ(GoLayout::Compile("a").layout(), "a");
  EXPECT_EQ(GoLayout().field_count(), 0u);
}

TEST(GoTimeParseTest, Rfc3339AndOffsets) {
  EXPECT_EQ(Sec("2006-01-02T15:04:05Z07:00", "2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(Sec("2006-01-02T15:04:05.999999999Z07:00", "2023-11-14T23:13:20.5+01:00"), 1700000000);
  EXPECT_EQ(Nsec("2006-01-02T15:04:05.999999999Z07:00", "2023-11-14T23:13:20.5+01:00"), 500000000);
  // The fraction's mark may be a comma, and may appear without the layout's.
  EXPECT_EQ(Nsec("2006-01-02T15:04:05Z07:00", "2023-11-14T22:13:20,5Z"), 500000000);
  EXPECT_EQ(Sec("02/Jan/2006:15:04:05 -0700", "14/Nov/2023:17:13:20 -0500"), 1700000000);
  EXPECT_EQ(Sec("2006-01-02 15:04 -07", "2023-11-14 23:13 +01"), kNov14);
  EXPECT_EQ(Sec("2006-01-02 15:04 -07:00:00", "2023-11-14 23:13 +01:00:30"), kNov14 - 30);
  EXPECT_EQ(Sec("2006-01-02 15:04 -070000", "2023-11-14 23:13 +010030"), kNov14 - 30);
  // Z stands for UTC in every ISO 8601 form, with seconds too (Go 1.20+).
  EXPECT_EQ(Sec("2006-01-02 15:04 Z070000", "2023-11-14 22:13 Z"), kNov14);
  EXPECT_EQ(Sec("2006-01-02 15:04 Z07:00:00", "2023-11-14 22:13 Z"), kNov14);
  EXPECT_EQ(Sec("2006-01-02 15:04 -0700", "2023-11-14 22:13 Z"), INT64_MIN);
}

TEST(GoTimeParseTest, OffsetRanges) {
  EXPECT_EQ(Sec("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 +24:00"), kNov14 - 86400);
  EXPECT_EQ(Sec("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 +01:60"), kNov14 - 7200);
  EXPECT_EQ(Error("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 +25:00"),
            "parsing time \"2023-11-14 22:13 +25:00\": time zone offset hour out of range");
  EXPECT_EQ(Error("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 +01:61"),
            "parsing time \"2023-11-14 22:13 +01:61\": time zone offset minute out of range");
  EXPECT_EQ(Sec("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 +1:00"), INT64_MIN);
  // Go would take this one offset for none; it is an offset.
  EXPECT_EQ(Sec("2006-01-02 15:04 -07:00:00", "2023-11-14 22:13 -00:00:01"), kNov14 + 1);
  EXPECT_EQ(Sec("2006-01-02 15:04 Z07:00", "2023-11-14 22:13 ++1:00"), INT64_MIN);
}

TEST(GoTimeParseTest, ZoneAbbreviationsHaveGoSyntaxAndReadAsUtc) {
  for (std::string_view zone :
       {"UTC", "GMT", "CET", "CEST", "GMT+3", "GMT-11", "+03", "ChST", "MeST", "WITA", "AKST"}) {
    std::string value = "2023-11-14 22:13 " + std::string(zone);
    EXPECT_EQ(Sec("2006-01-02 15:04 MST", value), kNov14) << zone;
  }
  for (std::string_view zone : {"Z", "XY", "ABCD", "ABCDE", "CETX", "ABCDEFT", "cet"}) {
    std::string value = "2023-11-14 22:13 " + std::string(zone);
    EXPECT_EQ(Sec("2006-01-02 15:04 MST", value), INT64_MIN) << zone;
  }
  // GMT takes signed hours up to 23; more is text after the zone.
  EXPECT_EQ(Error("2006-01-02 15:04 MST", "2023-11-14 22:13 GMT+30"),
            "parsing time \"2023-11-14 22:13 GMT+30\": extra text: \"+30\"");
  // A numeric offset applies despite an abbreviation, unless that says UTC.
  EXPECT_EQ(Sec("2006-01-02 15:04 -0700 MST", "2023-11-14 23:13 +0100 CET"), kNov14);
  EXPECT_EQ(Sec("2006-01-02 15:04 -0700 MST", "2023-11-14 23:13 +0100 UTC"), kNov14 + 3600);
}

TEST(GoTimeParseTest, OmittedElementsAreZeroOrOne) {
  EXPECT_EQ(Sec("15:04", "10:00"), kYearZero + 36000);
  EXPECT_EQ(Sec("Janet", "Janet"), kYearZero);
  EXPECT_EQ(Sec("Jan _2 15:04:05", "Nov  4 22:13:20"), -62140528000);
  GoTime t;
  ASSERT_TRUE(GoLayout::Compile("Jan _2 15:04:05").TryParse("Nov 14 22:13:20", 2023, &t));
  EXPECT_EQ(t.sec, 1700000000);
}

TEST(GoTimeParseTest, NumbersAndRanges) {
  EXPECT_EQ(Sec("15:04", "9:30"), kYearZero + 9 * 3600 + 30 * 60);  // 15 takes one digit
  EXPECT_EQ(Sec("15:04", "09:3"), INT64_MIN);                       // 04 needs two
  EXPECT_EQ(Error("15:04:05", "23:59:60"), "parsing time \"23:59:60\": second out of range");
  EXPECT_EQ(Error("15:04", "24:00"), "parsing time \"24:00\": hour out of range");
  EXPECT_EQ(Error("01/02", "13/01"), "parsing time \"13/01\": month out of range");
  EXPECT_EQ(Error("2006-01-02", "2023-02-29"), "parsing time \"2023-02-29\": day out of range");
  EXPECT_EQ(Sec("2006-01-02", "2024-02-29"), 1709164800);
  EXPECT_EQ(Sec("2006-01-02", "2023-04-31"), INT64_MIN);
  EXPECT_EQ(Sec("06-01-02", "69-01-01"), -31536000);  // 69..99 are 19xx
  EXPECT_EQ(Sec("06-01-02", "68-01-01"), 3092601600);
  EXPECT_EQ(Sec("06", "+7"), INT64_MIN);  // Go's atoi would take it; Vigil wants digits
}

TEST(GoTimeParseTest, NamesIgnoreCaseButAmPmFollowsTheLayout) {
  EXPECT_EQ(Sec("January 2, 2006", "november 14, 2023"), 1699920000);
  EXPECT_EQ(Sec("Mon Jan 2 2006", "TUE NOV 14 2023"), 1699920000);
  EXPECT_EQ(Sec("Mon Jan 2 2006", "Tux Nov 14 2023"), INT64_MIN);
  EXPECT_EQ(Sec("3:04PM", "3:04PM"), kYearZero + 15 * 3600 + 4 * 60);
  EXPECT_EQ(Sec("3:04pm", "3:04pm"), kYearZero + 15 * 3600 + 4 * 60);
  EXPECT_EQ(Sec("3:04PM", "3:04pm"), INT64_MIN);
  EXPECT_EQ(Sec("3:04pm", "3:04PM"), INT64_MIN);
  EXPECT_EQ(Sec("3:04PM", "12:00AM"), kYearZero);
  EXPECT_EQ(Sec("3:04PM", "12:00PM"), kYearZero + 12 * 3600);
}

TEST(GoTimeParseTest, Fractions) {
  EXPECT_EQ(Nsec("15:04:05.000", "10:00:00.250"), 250000000);
  EXPECT_EQ(Sec("15:04:05.000", "10:00:00.25"), INT64_MIN);  // exactly three digits
  EXPECT_EQ(Sec("15:04:05.000", "10:00:00.2500"), INT64_MIN);
  EXPECT_EQ(Sec("15:04:05.000", "10:00:00.+12"), INT64_MIN);  // digits only
  EXPECT_EQ(Nsec("15:04:05.999", "10:00:00"), 0);             // .999 may be absent
  EXPECT_EQ(Nsec("15:04:05.999", "10:00:00.1234567891"), 123456789);
  // .999 does not take a mark without digits.
  EXPECT_EQ(Error("05.999Z07:00", "01.Z"),
            "parsing time \"01.Z\" as \"05.999Z07:00\": cannot parse \".Z\" as \"Z07:00\"");
  // Past the seconds a fraction is read when the layout has none; digits after
  // the ninth are dropped.
  EXPECT_EQ(Nsec("15:04:05", "10:00:00.123456789123"), 123456789);
  // ... but not when the next element is a fraction, even after some text.
  EXPECT_EQ(Sec("05x.000", "01.5x.123"), INT64_MIN);
  EXPECT_EQ(Nsec("05x.000", "01x.123"), 123000000);
  EXPECT_EQ(Nsec("05 ,000", "01 ,123"), 123000000);
}

TEST(GoTimeParseTest, DayOfYear) {
  EXPECT_EQ(Sec("2006-002", "2024-060"), 1709164800);  // Feb 29
  EXPECT_EQ(Sec("2006-002", "2023-060"), 1677628800);  // Mar 1
  EXPECT_EQ(Error("2006-002", "2023-366"), "parsing time \"2023-366\": day-of-year out of range");
  EXPECT_EQ(Sec("2006-002", "2023-06"), INT64_MIN);  // 002 needs three digits
  EXPECT_EQ(Sec("2006 __2", "2023   5"), 1672876800);
  EXPECT_EQ(Sec("2006 __2", "2023  15"), 1673740800);
  EXPECT_EQ(Sec("2006-__2", "2023-  5"), 1672876800);
  EXPECT_EQ(Sec("2006-__2", "2023-   5"), INT64_MIN);  // two padding spaces at most
  EXPECT_EQ(Sec("2006-01-02 002", "2024-03-01 061"), 1709251200);
  EXPECT_EQ(Error("2006-01-02 002", "2024-03-02 061"),
            "parsing time \"2024-03-02 061\": day-of-year does not match day");
  EXPECT_EQ(Sec("2006-01 002", "2024-04 061"), INT64_MIN);
}

TEST(GoTimeParseTest, ASpaceMatchesOneSpace) {
  // The one departure from Go, whose parser lets a run of spaces match any run.
  EXPECT_EQ(Sec("2006 01", "2023  01"), INT64_MIN);
  EXPECT_EQ(Sec("2006  01", "2023 01"), INT64_MIN);
  EXPECT_EQ(Sec("2006 01", "2023 01"), 1672531200);
  // _2 is the way to a padded day, as in Go.
  EXPECT_EQ(Sec("Jan _2", "Nov  4"), -62140608000);
}

TEST(GoTimeParseTest, ErrorsNameTheElement) {
  EXPECT_EQ(Error("2006-01-02", "2023/01/02"),
            "parsing time \"2023/01/02\" as \"2006-01-02\": cannot parse \"/01/02\" as \"-\"");
  EXPECT_EQ(Error("2006", "2023x"), "parsing time \"2023x\": extra text: \"x\"");
  EXPECT_EQ(Error("Mon", "Tux"),
            "parsing time \"Tux\" as \"Mon\": cannot parse \"Tux\" as \"Mon\"");
}

TEST(GoTimeParseTest, TryParseAgreesWithParse) {
  GoLayout layout = GoLayout::Compile("2006-01-02T15:04:05.999999999Z07:00");
  for (std::string_view value : {"2023-11-14T23:13:20.5+01:00", "2023-11-14T22:13:20Z",
                                 "2023-02-30T00:00:00Z", "junk", ""}) {
    GoTime t;
    auto r = layout.Parse(value);
    ASSERT_EQ(layout.TryParse(value, 0, &t), r.ok()) << value;
    if (r.ok()) {
      EXPECT_EQ(t.sec, r->sec);
      EXPECT_EQ(t.nsec, r->nsec);
    }
  }
  // A layout is a value: copies parse alike.
  GoLayout copy = layout;
  EXPECT_EQ(copy.Parse("2023-11-14T22:13:20Z")->sec, 1700000000);
}

TEST(GoTimeTest, UnixNanosConversions) {
  GoTime t = GoTimeFromUnixNanos(-1);
  EXPECT_EQ(t.sec, -1);
  EXPECT_EQ(t.nsec, 999999999);
  int64_t ns = 0;
  ASSERT_TRUE(GoTimeToUnixNanos(GoTime{1700000000, 5}, &ns));
  EXPECT_EQ(ns, 1700000000000000005);
  ASSERT_TRUE(GoTimeToUnixNanos(GoTime{-1, 999999999}, &ns));
  EXPECT_EQ(ns, -1);
  EXPECT_FALSE(GoTimeToUnixNanos(GoTime{-62135596800, 0}, &ns));  // year 1
  EXPECT_FALSE(GoTimeToUnixNanos(GoTimeFromCivil(2262, 4, 12, 0, 0, 0, 0), &ns));
  EXPECT_TRUE(GoTimeToUnixNanos(GoTimeFromCivil(2262, 4, 11, 0, 0, 0, 0), &ns));
  EXPECT_EQ(GoTimeFromCivil(1970, 1, 1, 0, 0, 0, 7).sec, 0);
  EXPECT_EQ(GoTimeFromCivil(1969, 12, 31, 23, 59, 60, 0).sec, 0);  // carries over
  EXPECT_EQ(GoTimeFromCivil(0, 1, 1, 0, 0, 0, 0).sec, kYearZero);
}

}  // namespace
}  // namespace vigil::logparse
