#include "process/relabel/go_template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::relabel {
namespace {

// Expands tmpl against the match of pattern (fully anchored) on text.
std::string Expand(const std::string& pattern, const std::string& text, const std::string& tmpl) {
  RE2 re("^(?s:" + pattern + ")$");
  EXPECT_TRUE(re.ok()) << re.error();
  int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sp(n);
  EXPECT_TRUE(re.Match(text, 0, text.size(), RE2::UNANCHORED, sp.data(), n)) << text;
  std::vector<std::string_view> groups;
  for (const auto& s : sp) groups.emplace_back(s.data(), s.size());
  ExpandTemplate t(tmpl, re);
  std::string out;
  t.Expand(groups, &out);
  return out;
}

struct Case {
  const char* tmpl;
  const char* want;
};

TEST(ExpandTemplateTest, NumberedNamedAndEscapedReferencesExpandAsGoRegexpExpand) {
  // Groups: 1="ab", 2="cd", name="cd", n_3="ef"; group 4 (optional) unmatched.
  const std::string pattern = "(ab)(?P<name>cd)(?P<n_3>ef)(x)?";
  const std::string text = "abcdef";
  const Case cases[] = {
      {"$1", "ab"},
      {"${1}", "ab"},
      {"$0", "abcdef"},
      {"${0}", "abcdef"},
      {"$2", "cd"},
      {"$name", "cd"},
      {"${name}", "cd"},
      {"$n_3", "ef"},
      {"$1ü", ""},     // Unicode letters are name characters: the name is "1ü"
      {"$1·", "ab·"},  // U+00B7 is punctuation, not a letter
      {"$1٣", ""},     // Arabic-Indic digit three is a digit
      {"${3}", "ef"},
      {"$4", ""},   // group did not take part
      {"$5", ""},   // group does not exist
      {"$99", ""},  // far beyond the groups
      {"$$", "$"},
      {"$$1", "$1"},
      {"$$$1", "$ab"},
      {"$1x", ""},       // the name is "1x", which is no group
      {"${1}x", "abx"},  // braces end the name
      {"$01", ""},       // leading zero: a name, not a number
      {"${01}", ""},
      {"$1_", ""},  // '_' is a name character
      {"$1-", "ab-"},
      {"$1.$2", "ab.cd"},
      {"a$", "a$"},    // trailing '$' is literal
      {"$-", "$-"},    // no name after '$'
      {"${1", "${1"},  // unclosed brace: literal '$' then text
      {"${}", "${}"},
      {"${-}", "${-}"},
      {"$nope", ""},
      {"${name}${1}", "cdab"},
      {"x${1}y$2z", "xaby"},  // "2z" is the name
      {"x${1}y${2}z", "xabycdz"},
      {"", ""},
      {"plain", "plain"},
      {"$\xff", "$\xff"},  // invalid UTF-8 ends a name (here: no name at all)
      {"$1\xff", "ab\xff"},
      {"$12345678901", ""},  // too long to be a number; no such name
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Expand(pattern, text, c.tmpl), c.want) << "template: " << c.tmpl;
  }
}

TEST(ExpandTemplateTest, LiteralTemplatesNeedNoGroups) {
  RE2 re("^(?s:(a)(b))$");
  EXPECT_TRUE(ExpandTemplate("foo", re).is_literal());
  EXPECT_TRUE(ExpandTemplate("foo$$", re).is_literal());
  EXPECT_EQ(ExpandTemplate("foo$$", re).literal_text(), "foo$");
  EXPECT_TRUE(ExpandTemplate("a${9}b", re).is_literal());  // no group 9: expands to ""
  EXPECT_EQ(ExpandTemplate("a${9}b", re).literal_text(), "ab");
  EXPECT_EQ(ExpandTemplate("a$9b", re).literal_text(), "a");  // the name is "9b"
  EXPECT_FALSE(ExpandTemplate("$2", re).is_literal());
  EXPECT_EQ(ExpandTemplate("$2", re).groups_needed(), 3);
  EXPECT_EQ(ExpandTemplate("$0", re).groups_needed(), 1);
}

TEST(ExpandTemplateTest, FewerGroupsThanReferencedExpandToEmpty) {
  RE2 re("^(?s:(a)(b))$");
  ExpandTemplate t("<$1|$2>", re);
  std::vector<std::string_view> groups = {"ab", "a"};
  std::string out;
  t.Expand(groups, &out);
  EXPECT_EQ(out, "<a|>");
}

}  // namespace
}  // namespace vigil::relabel
