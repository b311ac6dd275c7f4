// Markdown that keeps label values and queries as text.
#include "visual/report/markdown.h"

#include <gtest/gtest.h>

namespace vigil::report {
namespace {

TEST(EscapeTest, PunctuationWithMeaningIsEscaped) {
  EXPECT_EQ(Escape("plain text 1.5"), "plain text 1.5");
  EXPECT_EQ(Escape("a|b"), "a\\|b");
  EXPECT_EQ(Escape("<b>bold</b>"), "\\<b\\>bold\\</b\\>");
  EXPECT_EQ(Escape("*em* _em_ `code` [link](x) ![img](y)"),
            "\\*em\\* \\_em\\_ \\`code\\` \\[link\\](x) \\!\\[img\\](y)");
  EXPECT_EQ(Escape("$1 and $2"), "\\$1 and \\$2");
  EXPECT_EQ(Escape("&amp; #1 ~~x~~ a\\b"), "\\&amp; \\#1 \\~\\~x\\~\\~ a\\\\b");
  // Multi-byte UTF-8 passes through.
  EXPECT_EQ(Escape("café ✓"), "café ✓");
}

TEST(EscapeTest, LineBreaksAndControlsBecomeSpaces) {
  EXPECT_EQ(Escape("line one\nline two\r\n|x"), "line one line two  \\|x");
  EXPECT_EQ(Escape(std::string("a\0b\tc\x7f", 6)), "a b c ");
}

TEST(CodeTest, FenceLongerThanAnyBacktickRun) {
  EXPECT_EQ(Code("up"), "`up`");
  EXPECT_EQ(Code("a`b"), "``a`b``");
  EXPECT_EQ(Code("``x``"), "``` ``x`` ```");
  EXPECT_EQ(Code("`"), "`` ` ``");
  EXPECT_EQ(Code("x\ny"), "`x y`");
  EXPECT_EQ(Code("<b>*x*</b>"), "`<b>*x*</b>`");  // code spans are literal
}

TEST(CodeTest, PipesInTableCells) {
  EXPECT_EQ(Code(R"(up{job=~"a|b"})"), R"(`up{job=~"a|b"}`)");
  EXPECT_EQ(Code(R"(up{job=~"a|b"})", true), R"(`up{job=~"a\|b"}`)");
}

TEST(CodeBlockTest, FencesAndInfo) {
  EXPECT_EQ(CodeBlock("sum(up)", "promql"), "```promql\nsum(up)\n```\n");
  EXPECT_EQ(CodeBlock("a ``` b\n"), "````\na ``` b\n````\n");
}

TEST(DetailsTest, SummaryIsHtmlEscaped) {
  EXPECT_EQ(Details("How <this> is computed", "text"),
            "<details>\n<summary>How &lt;this&gt; is computed</summary>\n\ntext\n\n</details>\n");
}

TEST(ImageTest, AltEscapedAndDestinationSafe) {
  EXPECT_EQ(Image("rate [5m]", "plots/01-up.png"), "![rate \\[5m\\]](plots/01-up.png)");
  EXPECT_EQ(Image("x", "my plots/a(1).png"), "![x](my%20plots/a%281%29.png)");
  EXPECT_EQ(PathUrl("my plots/100%.png"), "my%20plots/100%25.png");
  // A form-encoded URL keeps its escapes.
  EXPECT_EQ(Image("q", "http://h/api/v1/render?query=up%7Bjob%3D%22a%22%7D"),
            "![q](http://h/api/v1/render?query=up%7Bjob%3D%22a%22%7D)");
}

TEST(TableTest, RowsAlignmentAndHostileCells) {
  Table t({"series", "value"}, "lr");
  EXPECT_TRUE(t.empty());
  t.AddRow({Code(R"({path="/a|b"})", true), "1.5"});
  t.AddRow({Escape("two\nlines | here")});  // short row: padded
  t.AddRow({"raw\nbreak", "2"});            // a line break never splits the row
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Render(),
            "| series | value |\n"
            "|---|---:|\n"
            "| `{path=\"/a\\|b\"}` | 1.5 |\n"
            "| two lines \\| here |  |\n"
            "| raw break | 2 |\n");
}

}  // namespace
}  // namespace vigil::report
