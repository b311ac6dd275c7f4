#include "api/query/csv.h"

#include <gtest/gtest.h>

namespace vigil::api::query {
namespace {

std::string Row(std::initializer_list<std::string_view> fields) {
  CsvWriter w;
  for (std::string_view f : fields) w.Field(f);
  w.EndRow();
  return w.Take();
}

TEST(CsvWriterTest, PlainFieldsAreWrittenAsTheyAre) {
  EXPECT_EQ(Row({"a", "b c", " lead", ""}), "a,b c, lead,\r\n");
  EXPECT_EQ(Row({""}), "\r\n");
}

// RFC 4180 2.6 and 2.7: commas, quotes and line breaks need quotes; quotes
// inside are doubled.
TEST(CsvWriterTest, QuotesFieldsWithSeparatorsQuotesAndLineBreaks) {
  EXPECT_EQ(Row({"a,b"}), "\"a,b\"\r\n");
  EXPECT_EQ(Row({"say \"hi\""}), "\"say \"\"hi\"\"\"\r\n");
  EXPECT_EQ(Row({"\""}), "\"\"\"\"\r\n");
  EXPECT_EQ(Row({"line1\nline2", "cr\rhere", "crlf\r\n"}),
            "\"line1\nline2\",\"cr\rhere\",\"crlf\r\n\"\r\n");
}

TEST(CsvWriterTest, Utf8PassesAndInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(Row({"grüße", "日本,語"}), "grüße,\"日本,語\"\r\n");
  EXPECT_EQ(Row({"a\xff"
                 "b"}),
            "a\xEF\xBF\xBD"
            "b\r\n");
  // Quoted, with a truncated sequence (each byte one U+FFFD) and a quote.
  EXPECT_EQ(Row({"\xe6\x97,\""}), "\"\xEF\xBF\xBD\xEF\xBF\xBD,\"\"\"\r\n");
}

TEST(CsvWriterTest, RawFieldsAndRows) {
  CsvWriter w;
  w.RawField()->append("1.5");
  w.Field("x");
  w.RawField()->append("2");
  w.EndRow();
  w.Field("y");
  w.EndRow();
  EXPECT_EQ(w.Take(), "1.5,x,2\r\ny\r\n");
  EXPECT_EQ(w.Take(), "");
  w.Field("z");
  w.EndRow();
  EXPECT_EQ(w.Take(), "z\r\n");
}

}  // namespace
}  // namespace vigil::api::query
