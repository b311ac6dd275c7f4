#include <gtest/gtest.h>

#include <string>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

// 2024-03-05T14:07:09.123456789Z
constexpr int64_t kTime = 1709647629123456789;

std::string Render(std::string_view text, const Fields& labels = {}, std::string_view line = "",
                   int64_t time_ns = kTime) {
  auto t = Template::Make(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString() << " for " << text;
  if (!t.ok()) return "<make failed>";
  Template::Context ctx;
  ctx.labels = &labels;
  ctx.line = line;
  ctx.time_ns = time_ns;
  auto r = (*t)->Execute(ctx);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for " << text;
  return r.ok() ? *r : "<execute failed>";
}

Status ExecError(std::string_view text, const Fields& labels = {}) {
  auto t = Template::Make(text);
  if (!t.ok()) return Status::Internal("make failed: " + t.status().ToString());
  Template::Context ctx;
  ctx.labels = &labels;
  auto r = (*t)->Execute(ctx);
  return r.ok() ? Status::OK() : r.status();
}

const Fields kLabels = {{"method", "GET"},
                        {"status", "200"},
                        {"path", "/api/v1/Users"},
                        {"msg", "  hello world  "},
                        {"n", "12"}};

TEST(TemplateTest, LabelsTextAndMissingLabelEmpty) {
  EXPECT_EQ(Render("{{.method}} {{ .path }} [{{.nope}}]", kLabels), "GET /api/v1/Users []");
  EXPECT_EQ(Render("plain text only"), "plain text only");
  EXPECT_EQ(Render(""), "");
}

TEST(TemplateTest, PipelinesAndCaseFunctions) {
  EXPECT_EQ(Render("{{ .method | lower }} {{ .path | ToUpper }} {{ upper .method }}", kLabels),
            "get /API/V1/USERS GET");
  EXPECT_EQ(Render("{{ .msg | trim | title }}", kLabels), "Hello World");
  EXPECT_EQ(Render("{{ \"\xc3\xa9t\xc3\xa9\" | upper }}"), "\xc3\x89T\xc3\x89");
}

TEST(TemplateTest, LineAndTimestampFunctions) {
  EXPECT_EQ(Render("{{ __line__ | lower }}", {}, "ERROR Boom"), "error boom");
  EXPECT_EQ(Render("{{ __timestamp__ | unixEpoch }}"), "1709647629");
  EXPECT_EQ(Render("{{ __timestamp__ | unixEpochMillis }}"), "1709647629123");
  EXPECT_EQ(Render("{{ __timestamp__ | unixEpochNanos }}"), "1709647629123456789");
  EXPECT_EQ(Render("{{ __timestamp__ | date \"2006-01-02T15:04:05.000Z07:00\" }}"),
            "2024-03-05T14:07:09.123Z");
  EXPECT_EQ(Render("{{ date \"Mon Jan _2 3:04PM 06\" __timestamp__ }}"), "Tue Mar  5 2:07PM 24");
  EXPECT_EQ(Render("{{ __timestamp__ }}"), "2024-03-05 14:07:09.123456789 +0000 UTC");
}

TEST(TemplateTest, ToDateAndUnixToTime) {
  EXPECT_EQ(
      Render(
          "{{ toDate \"2006-01-02 15:04:05 -0700\" \"2024-01-05 10:00:00 +0200\" | unixEpoch }}"),
      "1704441600");
  EXPECT_EQ(Render("{{ (toDate \"2006-01-02\" \"garbage\") | date \"2006\" }}"), "0001");
  EXPECT_EQ(Render("{{ unixToTime \"1704441600\" | date \"2006-01-02\" }}"), "2024-01-05");
  EXPECT_EQ(Render("{{ unixToTime \"1704441600123\" | unixEpochNanos }}"), "1704441600123000000");
  EXPECT_FALSE(ExecError("{{ unixToTime \"12\" }}").ok());
}

TEST(TemplateTest, IfElseIfElseAndComparisons) {
  std::string_view t =
      R"x({{ if eq .status "200" }}ok{{ else if eq .status "404" }}missing{{ else }}other{{ end }})x";
  EXPECT_EQ(Render(t, {{"status", "200"}}), "ok");
  EXPECT_EQ(Render(t, {{"status", "404"}}), "missing");
  EXPECT_EQ(Render(t, {{"status", "500"}}), "other");
  EXPECT_EQ(Render("{{if .nope}}yes{{else}}no{{end}}", kLabels), "no");
  EXPECT_EQ(Render("{{ if and .method (ne .method \"POST\") }}y{{ end }}", kLabels), "y");
  EXPECT_EQ(Render("{{ if or .nope .n }}{{ .n }}{{ end }}", kLabels), "12");
  EXPECT_EQ(Render("{{ if not .nope }}empty{{ end }}", kLabels), "empty");
  EXPECT_EQ(Render("{{ if gt (int .n) 10 }}big{{ end }}", kLabels), "big");
  EXPECT_EQ(Render("{{ if eq .status \"500\" \"200\" }}any{{ end }}", kLabels), "any");
  EXPECT_FALSE(ExecError("{{ if gt .n 10 }}x{{ end }}", kLabels).ok());  // string vs int, as Go
}

TEST(TemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(Render("a  {{- .method -}}  b", kLabels), "aGETb");
  EXPECT_EQ(Render("a {{/* a comment */}}b"), "a b");
  EXPECT_EQ(Render("a \n{{- /* c */ -}}\n b"), "ab");
  EXPECT_EQ(Render("{{ -3 }}"), "-3");
}

TEST(TemplateTest, SprigStringFunctions) {
  EXPECT_EQ(Render("{{ .path | trunc 4 }}|{{ trunc -5 .path }}|{{ trunc 99 .method }}", kLabels),
            "/api|Users|GET");
  EXPECT_EQ(Render("{{ substr 1 4 .path }}|{{ substr 5 -1 .path }}", kLabels), "api|v1/Users");
  EXPECT_EQ(Render("{{ .path | replace \"/\" \"_\" }}", kLabels), "_api_v1_Users");
  EXPECT_EQ(Render("{{ Replace .path \"/\" \"-\" 2 }}", kLabels), "-api-v1/Users");
  EXPECT_EQ(Render("{{ trimAll \"/s\" .path }}|{{ trimPrefix \"/api\" .path }}|{{ trimSuffix "
                   "\"Users\" .path }}",
                   kLabels),
            "api/v1/User|/v1/Users|/api/v1/");
  EXPECT_EQ(Render("{{ TrimPrefix .path \"/api\" }}|{{ TrimSpace .msg }}|{{ Trim .msg \" h\" }}",
                   kLabels),
            "/v1/Users|hello world|ello world");
  EXPECT_EQ(
      Render(
          "{{ contains \"v1\" .path }} {{ hasPrefix \"/api\" .path }} {{ hasSuffix \"x\" .path }}",
          kLabels),
      "true true false");
  EXPECT_EQ(Render("{{ repeat 3 \"ab\" }}|{{ indent 2 \"a\\nb\" }}|{{ nindent 1 \"c\" }}"),
            "ababab|  a\n  b|\n c");
  EXPECT_EQ(
      Render("[{{ alignLeft 5 .method }}][{{ alignRight 5 .method }}][{{ alignLeft 2 .method }}]",
             kLabels),
      "[GET  ][  GET][GE]");
  EXPECT_EQ(Render("{{ .nope | default \"none\" }} {{ .method | default \"none\" }}", kLabels),
            "none GET");
  EXPECT_EQ(Render("{{ b64enc \"hello!!\" }} {{ b64dec \"aGVsbG8hIQ==\" }} {{ b64dec \"aGk=\" }} "
                   "{{ \"\" | b64enc }}"),
            "aGVsbG8hIQ== hello!! hi ");
  EXPECT_EQ(Render("{{ b64dec \"a*==\" }}"), "illegal base64 data at input byte 1");
  EXPECT_EQ(Render("{{ urlencode \"a b&c\" }} {{ urldecode \"a+b%26c\" }}"), "a+b%26c a b&c");
}

TEST(TemplateTest, RegexFunctionsFollowGoExpansion) {
  EXPECT_EQ(Render(R"x({{ regexReplaceAll "(\\w+)@(\\w+)" .email "${2}:$1" }})x",
                   {{"email", "bob@host x@y"}}),
            "host:bob y:x");
  EXPECT_EQ(Render(R"x({{ regexReplaceAllLiteral "o" "foo" "$1" }})x"), "f$1$1");
  EXPECT_EQ(Render(R"x({{ regexReplaceAll "a*" "baaac" "-" }})x"), "-b-c-");
  EXPECT_EQ(Render(R"x({{ regexReplaceAll "(?P<x>\\d)" "a1b2" "<$x>" }})x"), "a<1>b<2>");
  EXPECT_EQ(Render(R"x({{ __line__ | count "o" }})x", {}, "foo boo"), "4");
  EXPECT_FALSE(ExecError(R"x({{ regexReplaceAll "(" "x" "y" }})x").ok());
}

TEST(TemplateTest, MathFunctions) {
  EXPECT_EQ(Render("{{ add 1 2 .n }} {{ sub .n 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }}",
                   kLabels),
            "15 10 24 3 1");
  EXPECT_EQ(
      Render("{{ addf 1.5 2 }} {{ divf 1 4 }} {{ mulf 0.5 3 }} {{ max 1 9 3 }} {{ minf 2.5 1.5 }}"),
      "3.5 0.25 1.5 9 1.5");
  EXPECT_EQ(Render("{{ ceil 1.2 }} {{ floor 1.8 }} {{ round 3.14159 2 }} {{ add \"abc\" 1 }}"),
            "2 1 3.14 1");
  EXPECT_FALSE(ExecError("{{ div 1 0 }}").ok());
}

TEST(TemplateTest, PrintfAndPrint) {
  EXPECT_EQ(Render(R"x({{ printf "%s=%d %5.2f|%-4s|%q %v %x" "a" 42 3.14159 "b" "q" true 255 }})x"),
            "a=42  3.14|b   |\"q\" true ff");
  EXPECT_EQ(Render(R"x({{ printf "%d %s" "x" }})x"), "%!d(string=x) %!s(MISSING)");
  EXPECT_EQ(Render(R"x({{ printf "%05d|%+d|%%" 42 7 }})x"), "00042|+7|%");
  EXPECT_EQ(Render(R"x({{ print 1 2 "a" "b" 3 }})x"), "1 2ab3");
  EXPECT_EQ(Render("{{ len .method }} {{ index . \"status\" }}", kLabels), "3 200");
  EXPECT_EQ(Render("{{ html \"<a href='x'>\" }}"), "&lt;a href=&#39;x&#39;&gt;");
}

TEST(TemplateTest, VariablesAndParentheses) {
  EXPECT_EQ(Render("{{ $m := .method | lower }}{{ $m }}-{{ $.status }}", kLabels), "get-200");
  EXPECT_EQ(Render("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"), "2");
  EXPECT_EQ(Render("{{ printf \"%s!\" (.method | lower) }}", kLabels), "get!");
  EXPECT_EQ(Render("{{ 'a' }} {{ 1.5 }} {{ 0x10 }} {{ true }} {{ `raw\\n` }}"),
            "97 1.5 16 true raw\\n");
}

TEST(TemplateTest, DotPrintsSortedMap) {
  EXPECT_EQ(Render("{{ . }}", {{"b", "2"}, {"a", "1"}}), "map[a:1 b:2]");
}

TEST(TemplateTest, MakeRejectsUnknownFunctionsAndBadSyntax) {
  for (std::string_view text :
       {"{{ nosuchfunc .a }}", "{{ .a", "{{ if .a }}x", "{{ end }}", "{{ else }}",
        "{{ range .a }}{{ end }}", "{{ }}", "{{ \"unterminated }}", "{{ .a | .b }}", "{{ .a .b }}",
        "{{ (lower .a }}", "{{ nil }}", "{{ if }}{{ end }}", "{{ with .a }}x{{ end }}",
        "{{/* unclosed }}", "{{ 1x }}", "{{ a := 1 }}",
        "{{ if .a }}{{ else }}{{ else }}{{ end }}"}) {
    EXPECT_FALSE(Template::Make(text).ok()) << text;
  }
}

TEST(TemplateTest, DeepNestingRejectedNotStackOverflow) {
  std::string parens = "{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}";
  EXPECT_FALSE(Template::Make(parens).ok());
  std::string ifs;
  for (int i = 0; i < 10000; ++i) ifs += "{{ if 1 }}";
  EXPECT_FALSE(Template::Make(ifs).ok());
  EXPECT_EQ(Render("{{ (((1))) }}"), "1");
}

TEST(TemplateTest, ExecutionErrorsAreStatusNotCrash) {
  EXPECT_FALSE(ExecError("{{ trunc .method \"x\" }}", kLabels).ok());
  EXPECT_FALSE(ExecError("{{ substr 5 2 \"abcdef\" }}").ok());
  EXPECT_FALSE(ExecError("{{ lower }}").ok());
  EXPECT_FALSE(ExecError("{{ .method.x }}", kLabels).ok());
  EXPECT_FALSE(ExecError("{{ $nope }}").ok());
  EXPECT_FALSE(ExecError("{{ repeat 100000000 \"abc\" }}").ok());
  EXPECT_FALSE(ExecError("{{ date \"2006\" \"notatime\" }}").ok());
}

TEST(TemplateTest, SharedTemplateGivesSameResultRepeatedly) {
  auto t = Template::Make("{{ .a | upper }}");
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 3; ++i) {
    Fields labels = {{"a", std::string(1, static_cast<char>('a' + i))}};
    Template::Context ctx;
    ctx.labels = &labels;
    auto r = (*t)->Execute(ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, std::string(1, static_cast<char>('A' + i)));
  }
}

}  // namespace
}  // namespace vigil::logparse
