#include "process/relabel/relabel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// The rule tables name only the fields each case sets.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vigil::relabel {
namespace {

using model::Labels;

// A rule built as the YAML loader builds it: fields passed here count as
// written by the user.
struct Rule {
  Action action = Action::kReplace;
  std::vector<std::string> source_labels;
  const char* separator = nullptr;
  const char* regex = nullptr;
  uint64_t modulus = 0;
  const char* target_label = nullptr;
  const char* replacement = nullptr;

  RelabelConfig Config() const {
    RelabelConfig c;
    c.action = action;
    if (!source_labels.empty()) {
      c.source_labels = source_labels;
      c.source_labels_set = true;
    }
    if (separator) c.separator = separator, c.separator_set = true;
    if (regex) c.regex = regex, c.regex_set = true;
    if (modulus) c.modulus = modulus, c.modulus_set = true;
    if (target_label) c.target_label = target_label, c.target_label_set = true;
    if (replacement) c.replacement = replacement, c.replacement_set = true;
    return c;
  }
};

std::vector<RelabelConfig> Configs(const std::vector<Rule>& rules) {
  std::vector<RelabelConfig> out;
  for (const Rule& r : rules) out.push_back(r.Config());
  return out;
}

struct ProcessCase {
  const char* name;
  Labels input;
  std::vector<Rule> rules;
  Labels want;  // empty: dropped
};

void RunCases(const std::vector<ProcessCase>& cases, bool utf8_names = true) {
  for (const ProcessCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = Relabeler::Compile(Configs(c.rules), utf8_names);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Labels got = (*r)->Process(c.input);
    EXPECT_EQ(got, c.want) << got.ToString() << " want " << c.want.ToString();

    // The builder form agrees, and reports a drop as false.
    model::LabelsBuilder b(c.input);
    bool kept = (*r)->Process(&b);
    EXPECT_EQ(kept, !c.want.empty());
    if (kept) {
      EXPECT_EQ(b.Build(), c.want) << b.Build().ToString();
    }
  }
}

Labels L(std::initializer_list<std::string_view> kv) { return Labels::FromStrings(kv); }

TEST(RelabelProcessTest, ReplaceAction) {
  RunCases({
      {"groups in replacement",
       L({"a", "foo", "b", "bar"}),
       {{.source_labels = {"a"},
         .regex = "f(.*)",
         .target_label = "d",
         .replacement = "ch${1}-ch${1}"}},
       L({"a", "foo", "b", "bar", "d", "choo-choo"})},
      {"joined sources with separator",
       L({"a", "foo", "b", "bar"}),
       {{.source_labels = {"a", "b"},
         .separator = "|",
         .regex = "f(.*)\\|b(.*)",
         .target_label = "a",
         .replacement = "$1-$2"}},
       L({"a", "oo-ar", "b", "bar"})},
      {"missing source label joins as empty",
       L({"a", "foo"}),
       {{.source_labels = {"a", "zzz", "a"}, .target_label = "j"}},
       L({"a", "foo", "j", "foo;;foo"})},
      {"no match leaves the set unchanged",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .regex = "o", .target_label = "d", .replacement = "x"}},
       L({"a", "foo"})},
      {"regex is anchored at both ends",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .regex = "o+", .target_label = "d", .replacement = "x"}},
       L({"a", "foo"})},
      {"(?s) lets . match a newline",
       L({"a", "x\ny"}),
       {{.source_labels = {"a"}, .regex = "x.y", .target_label = "d", .replacement = "nl"}},
       L({"a", "x\ny", "d", "nl"})},
      {"defaults copy the source value",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .target_label = "b"}},
       L({"a", "foo", "b", "foo"})},
      {"empty replacement deletes the target",
       L({"a", "foo", "b", "bar"}),
       {{.source_labels = {"a"}, .target_label = "b", .replacement = ""}},
       L({"a", "foo"})},
      {"empty source value copied deletes the target",
       L({"a", "foo", "b", "bar"}),
       {{.source_labels = {"nope"}, .target_label = "b"}},
       L({"a", "foo"})},
      {"constant without source labels",
       L({"a", "foo"}),
       {{.target_label = "env", .replacement = "prod"}},
       L({"a", "foo", "env", "prod"})},
      {"templated target label",
       L({"a", "some-name-value"}),
       {{.source_labels = {"a"},
         .regex = "some-([^-]+)-([^,]+)",
         .target_label = "${1}",
         .replacement = "${2}"}},
       L({"a", "some-name-value", "name", "value"})},
      {"templated target expanding to empty is skipped",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .regex = "(f)(x)?oo", .target_label = "$2", .replacement = "v"}},
       L({"a", "foo"})},
      {"$1x is group 1x, so empty",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .regex = "(f)oo", .target_label = "t", .replacement = "$1x"}},
       L({"a", "foo"})},
      {"${1}x",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .regex = "(f)oo", .target_label = "t", .replacement = "${1}x"}},
       L({"a", "foo", "t", "fx"})},
      {"$$ is a dollar",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .target_label = "t", .replacement = "$$$1"}},
       L({"a", "foo", "t", "$foo"})},
      {"named group",
       L({"__address__", "10.0.0.1:9100"}),
       {{.source_labels = {"__address__"},
         .regex = "(?P<host>[^:]+):(?P<port>\\d+)",
         .target_label = "instance",
         .replacement = "$host"}},
       L({"__address__", "10.0.0.1:9100", "instance", "10.0.0.1"})},
      {"UTF-8 target label",
       L({"a", "foo"}),
       {{.source_labels = {"a"}, .target_label = "ünïcødé.name", .replacement = "v"}},
       L({"a", "foo", "ünïcødé.name", "v"})},
      {"UTF-8 target from a group that starts with a digit",
       L({"a", "1abc"}),
       {{.source_labels = {"a"}, .target_label = "$1", .replacement = "x"}},
       L({"1abc", "x", "a", "1abc"})},
      {"overwrites an existing label",
       L({"__name__", "up", "job", "a"}),
       {{.source_labels = {"job"}, .regex = "a", .target_label = "job", .replacement = "b"}},
       L({"__name__", "up", "job", "b"})},
      {"rules see earlier rules' results",
       L({"a", "1"}),
       {{.source_labels = {"a"}, .target_label = "b", .replacement = "${1}2"},
        {.source_labels = {"b"}, .target_label = "c", .replacement = "${1}3"}},
       L({"a", "1", "b", "12", "c", "123"})},
  });
}

TEST(RelabelProcessTest, ReplaceWithLegacyNamesSkipsTargetsThatAreNotLegacyNames) {
  RunCases(
      {
          {"group value is no legacy name",
           L({"a", "1abc"}),
           {{.source_labels = {"a"}, .target_label = "$1", .replacement = "x"}},
           L({"a", "1abc"})},
          {"group value is a legacy name",
           L({"a", "abc"}),
           {{.source_labels = {"a"}, .target_label = "x_$1", .replacement = "y"}},
           L({"a", "abc", "x_abc", "y"})},
      },
      /*utf8_names=*/false);
}

TEST(RelabelProcessTest, KeepAndDropActions) {
  RunCases({
      {"drop on match",
       L({"a", "foo"}),
       {{.action = Action::kDrop, .source_labels = {"a"}, .regex = "f.*"}},
       {}},
      {"drop without match keeps",
       L({"a", "foo"}),
       {{.action = Action::kDrop, .source_labels = {"a"}, .regex = "f"}},
       L({"a", "foo"})},
      {"keep on match",
       L({"a", "foo"}),
       {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "f.*"}},
       L({"a", "foo"})},
      {"keep without match drops",
       L({"a", "foo"}),
       {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "f"}},
       {}},
      {"keep on a missing label matches the empty string",
       L({"a", "foo"}),
       {{.action = Action::kKeep, .source_labels = {"b"}, .regex = ""}},
       L({"a", "foo"})},
      {"keep with no source labels and default regex",
       L({"a", "foo"}),
       {{.action = Action::kKeep}},
       L({"a", "foo"})},
      {"drop over joined values",
       L({"a", "foo", "b", "bar"}),
       {{.action = Action::kDrop, .source_labels = {"a", "b"}, .regex = "foo;bar"}},
       {}},
      {"alternation is anchored as a whole",
       L({"__name__", "go_gc_duration_seconds"}),
       {{.action = Action::kDrop, .source_labels = {"__name__"}, .regex = "go_.*|up"}},
       {}},
      {"a later rule does not run after a drop",
       L({"a", "foo"}),
       {{.action = Action::kDrop, .source_labels = {"a"}, .regex = "foo"},
        {.target_label = "x", .replacement = "y"}},
       {}},
  });
}

TEST(RelabelProcessTest, KeepEqualAndDropEqualActions) {
  RunCases({
      {"keepequal keeps equal",
       L({"a", "1", "b", "1"}),
       {{.action = Action::kKeepEqual, .source_labels = {"a"}, .target_label = "b"}},
       L({"a", "1", "b", "1"})},
      {"keepequal drops different",
       L({"a", "1", "b", "2"}),
       {{.action = Action::kKeepEqual, .source_labels = {"a"}, .target_label = "b"}},
       {}},
      {"dropequal drops equal",
       L({"a", "1", "b", "1"}),
       {{.action = Action::kDropEqual, .source_labels = {"a"}, .target_label = "b"}},
       {}},
      {"dropequal keeps different",
       L({"a", "1", "b", "2"}),
       {{.action = Action::kDropEqual, .source_labels = {"a"}, .target_label = "b"}},
       L({"a", "1", "b", "2"})},
      {"keepequal compares the joined value",
       L({"a", "1", "b", "1;1"}),
       {{.action = Action::kKeepEqual, .source_labels = {"a", "a"}, .target_label = "b"}},
       L({"a", "1", "b", "1;1"})},
      {"missing target equals an empty source",
       L({"a", "1"}),
       {{.action = Action::kDropEqual, .source_labels = {"x"}, .target_label = "y"}},
       {}},
  });
}

TEST(RelabelProcessTest, HashModUsesLastEightBytesOfMd5) {
  RunCases({
      {"modulus 1000",
       L({"a", "foo", "c", "baz"}),
       {{.action = Action::kHashMod, .source_labels = {"c"}, .modulus = 1000, .target_label = "d"}},
       L({"a", "foo", "c", "baz", "d", "976"})},
      {"another value",
       L({"c", "foo"}),
       {{.action = Action::kHashMod, .source_labels = {"c"}, .modulus = 1000, .target_label = "d"}},
       L({"c", "foo", "d", "696"})},
      {"largest modulus",
       L({"c", "cool"}),
       {{.action = Action::kHashMod,
         .source_labels = {"c"},
         .modulus = 18446744073709551615ull,
         .target_label = "d"}},
       L({"c", "cool", "d", "7634823192731665728"})},
      {"joined sources",
       L({"a", "foo", "b", "bar"}),
       {{.action = Action::kHashMod,
         .source_labels = {"a", "b"},
         .modulus = 7,
         .target_label = "shard"}},
       L({"a", "foo", "b", "bar", "shard", "6"})},
      {"empty value hashes too",
       L({"a", "foo"}),
       {{.action = Action::kHashMod, .source_labels = {"x"}, .modulus = 10, .target_label = "h"}},
       L({"a", "foo", "h", "8"})},
  });
}

TEST(RelabelProcessTest, LabelMapAction) {
  RunCases({
      {"prefix rename",
       L({"__meta_kubernetes_pod_label_app", "web", "__meta_kubernetes_pod_label_tier", "fe", "job",
          "k"}),
       {{.action = Action::kLabelMap, .regex = "__meta_kubernetes_pod_label_(.+)"}},
       L({"__meta_kubernetes_pod_label_app", "web", "__meta_kubernetes_pod_label_tier", "fe", "app",
          "web", "job", "k", "tier", "fe"})},
      {"replacement template",
       L({"foo_a", "1", "foo_b", "2", "c", "3"}),
       {{.action = Action::kLabelMap, .regex = "foo_(.*)", .replacement = "bar_$1"}},
       L({"foo_a", "1", "foo_b", "2", "bar_a", "1", "bar_b", "2", "c", "3"})},
      {"anchored: no partial name match",
       L({"xfoo_a", "1"}),
       {{.action = Action::kLabelMap, .regex = "foo_(.*)", .replacement = "bar_$1"}},
       L({"xfoo_a", "1"})},
      {"mapping onto an existing label overwrites it",
       L({"a", "new", "b", "old"}),
       {{.action = Action::kLabelMap, .regex = "a", .replacement = "b"}},
       L({"a", "new", "b", "new"})},
      {"two labels onto one name: the later base label wins",
       L({"x_k", "1", "y_k", "2"}),
       {{.action = Action::kLabelMap, .regex = "[xy]_(.*)"}},
       L({"k", "2", "x_k", "1", "y_k", "2"})},
      // Prometheus' Builder.Range visits base labels first and labels set by
      // earlier rules after them, so the label added by rule 1 wins here
      // although it sorts first.
      {"labels set by earlier rules are visited after the base ones",
       L({"y_k", "base"}),
       {{.target_label = "x_k", .replacement = "added"},
        {.action = Action::kLabelMap, .regex = "[xy]_(.*)"}},
       L({"k", "added", "x_k", "added", "y_k", "base"})},
      {"labels the rule itself sets are not visited",
       L({"a", "1"}),
       {{.action = Action::kLabelMap, .regex = "(.*)", .replacement = "${1}_x"}},
       L({"a", "1", "a_x", "1"})},
  });
}

TEST(RelabelProcessTest, LabelDropAndLabelKeepActions) {
  RunCases({
      {"labeldrop",
       L({"a", "1", "b", "2", "c", "3"}),
       {{.action = Action::kLabelDrop, .regex = "[ab]"}},
       L({"c", "3"})},
      {"labeldrop is anchored",
       L({"ab", "1", "b", "2"}),
       {{.action = Action::kLabelDrop, .regex = "b"}},
       L({"ab", "1"})},
      {"labelkeep",
       L({"a", "1", "b", "2", "c", "3"}),
       {{.action = Action::kLabelKeep, .regex = "[ab]"}},
       L({"a", "1", "b", "2"})},
      {"labeldrop of a label set by an earlier rule",
       L({"a", "1"}),
       {{.target_label = "tmp", .replacement = "x"},
        {.action = Action::kLabelDrop, .regex = "tmp"}},
       L({"a", "1"})},
      {"labelkeep of nothing drops the set",
       L({"a", "1"}),
       {{.action = Action::kLabelKeep, .regex = "zzz"}},
       {}},
      {"labeldrop of everything drops the set",
       L({"a", "1", "b", "2"}),
       {{.action = Action::kLabelDrop, .regex = ".*"}},
       {}},
  });
}

TEST(RelabelProcessTest, LowercaseAndUppercaseActions) {
  RunCases({
      {"lowercase",
       L({"foo", "bAr123Foo"}),
       {{.action = Action::kLowercase, .source_labels = {"foo"}, .target_label = "foo_lc"}},
       L({"foo", "bAr123Foo", "foo_lc", "bar123foo"})},
      {"uppercase",
       L({"foo", "bAr123Foo"}),
       {{.action = Action::kUppercase, .source_labels = {"foo"}, .target_label = "foo_uc"}},
       L({"foo", "bAr123Foo", "foo_uc", "BAR123FOO"})},
      {"unicode",
       L({"foo", "Straße Ä"}),
       {{.action = Action::kUppercase, .source_labels = {"foo"}, .target_label = "u"},
        {.action = Action::kLowercase, .source_labels = {"foo"}, .target_label = "l"}},
       L({"foo", "Straße Ä", "l", "straße ä", "u", "STRAßE Ä"})},
      {"joined sources",
       L({"a", "A", "b", "B"}),
       {{.action = Action::kLowercase, .source_labels = {"a", "b"}, .target_label = "ab"}},
       L({"a", "A", "ab", "a;b", "b", "B"})},
      {"empty value deletes the target",
       L({"a", "A", "t", "x"}),
       {{.action = Action::kLowercase, .source_labels = {"nope"}, .target_label = "t"}},
       L({"a", "A"})},
  });
}

TEST(RelabelProcessTest, EmptyResultIsDropped) {
  RunCases({
      {"replace deletes the only label",
       L({"a", "1"}),
       {{.source_labels = {"b"}, .target_label = "a"}},
       {}},
  });
  auto r = Relabeler::Compile({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->empty());
  model::LabelsBuilder empty;
  EXPECT_FALSE((*r)->Process(&empty));
  EXPECT_EQ((*r)->Process(L({"a", "1"})), L({"a", "1"}));
}

TEST(RelabelProcessTest, InvalidUtf8IsMatchedAsReplacementCharactersLikeGo) {
  // Go's regexp reads an invalid byte as U+FFFD, which "." matches; RE2 on
  // its own matches nothing there. The groups keep the original bytes.
  RunCases({
      {"(.*) keeps it",
       L({"a", "x\xffy"}),
       {{.action = Action::kKeep, .source_labels = {"a"}}},
       L({"a", "x\xffy"})},
      {"drop .* drops it",
       L({"a", "\xff"}),
       {{.action = Action::kDrop, .source_labels = {"a"}, .regex = ".*"}},
       {}},
      {"groups are the original bytes",
       L({"a", "p\xff\xc3q:r\xe2\x82"}),
       {{.source_labels = {"a"},
         .regex = "(.)(.+):(.*)",
         .target_label = "b",
         .replacement = "$3|$2|$1"}},
       L({"a", "p\xff\xc3q:r\xe2\x82", "b", "r\xe2\x82|\xff\xc3q|p"})},
      {"one invalid byte is one character",
       L({"a", "\xff\xfe"}),
       {{.action = Action::kKeep, .source_labels = {"a"}, .regex = ".."}},
       L({"a", "\xff\xfe"})},
      {"a real U+FFFD matches the same",
       L({"a", "\xef\xbf\xbd\xff"}),
       {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "\\x{FFFD}{2}"}},
       L({"a", "\xef\xbf\xbd\xff"})},
      {"still no match where Go has none",
       L({"a", "\xff"}),
       {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "[a-z]"}},
       {}},
  });
}

// ---------------------------------------------------------------------------
// Action names.

TEST(RelabelActionTest, NamesRoundTripAndParseCaseInsensitively) {
  for (Action a : {Action::kReplace, Action::kKeep, Action::kDrop, Action::kKeepEqual,
                   Action::kDropEqual, Action::kHashMod, Action::kLabelMap, Action::kLabelDrop,
                   Action::kLabelKeep, Action::kLowercase, Action::kUppercase}) {
    auto p = ParseAction(ActionName(a));
    ASSERT_TRUE(p.ok()) << ActionName(a);
    EXPECT_EQ(*p, a);
  }
  EXPECT_EQ(*ParseAction("KeepEqual"), Action::kKeepEqual);
  EXPECT_EQ(*ParseAction("LABELMAP"), Action::kLabelMap);
  // strings.ToLower maps the Kelvin sign to 'k'.
  EXPECT_EQ(*ParseAction("\u212Aeep"), Action::kKeep);
}

TEST(RelabelActionTest, UnknownActionsAreQuotedAsGo) {
  EXPECT_EQ(ParseAction("").status().message(), "unknown relabel action \"\"");
  EXPECT_EQ(ParseAction("Foo").status().message(), "unknown relabel action \"Foo\"");
  EXPECT_EQ(ParseAction("a\"b\xff").status().message(), "unknown relabel action \"a\\\"b\\xff\"");
  EXPECT_EQ(ParseAction("keep ").status().message(), "unknown relabel action \"keep \"");
}

// ---------------------------------------------------------------------------
// Validate.

struct ValidateCase {
  Rule rule;
  const char* want;  // "" for valid
  bool utf8_names = true;
};

TEST(RelabelValidateTest, MessagesAreWordForWordPrometheus) {
  const ValidateCase cases[] = {
      // Valid rules.
      {{.source_labels = {"a"}, .target_label = "b"}, ""},
      {{.target_label = "${1}", .replacement = "x"}, ""},
      {{.action = Action::kKeep, .source_labels = {"a"}, .regex = "x"}, ""},
      {{.action = Action::kLabelDrop, .regex = "x"}, ""},
      {{.action = Action::kLabelMap, .regex = "x_(.*)", .replacement = "$1"}, ""},
      {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 4, .target_label = "h"}, ""},
      {{.action = Action::kKeepEqual, .source_labels = {"a"}, .target_label = "b"}, ""},
      {{.action = Action::kLowercase, .source_labels = {"a"}, .target_label = "b"}, ""},
      {{.target_label = "ünï.code", .replacement = "x"}, ""},
      {{.target_label = "x_${1}", .replacement = "x"}, "", false},
      {{.target_label = "$1", .replacement = "x"}, "", false},

      {{.action = Action::kHashMod, .source_labels = {"a"}, .target_label = "h"},
       "relabel configuration for hashmod requires non-zero modulus"},
      {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 8},
       "relabel configuration for hashmod action requires 'target_label' value"},
      {{.regex = "abcdef"},
       "relabel configuration for replace action requires 'target_label' value"},
      {{.action = Action::kLowercase, .source_labels = {"__name__"}},
       "relabel configuration for lowercase action requires 'target_label' value"},
      {{.action = Action::kUppercase, .source_labels = {"__name__"}},
       "relabel configuration for uppercase action requires 'target_label' value"},
      {{.action = Action::kKeepEqual, .source_labels = {"a"}},
       "relabel configuration for keepequal action requires 'target_label' value"},
      {{.action = Action::kDropEqual, .source_labels = {"a"}},
       "relabel configuration for dropequal action requires 'target_label' value"},

      {{.target_label = "1a", .replacement = "x"},
       "\"1a\" is invalid 'target_label' for replace action",
       false},
      {{.target_label = "a.b", .replacement = "x"},
       "\"a.b\" is invalid 'target_label' for replace action",
       false},
      {{.target_label = "${1}.x", .replacement = "x"},
       "\"${1}.x\" is invalid 'target_label' for replace action",
       false},
      {{.target_label = "\xff", .replacement = "x"},
       "\"\\xff\" is invalid 'target_label' for replace action"},
      {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 2, .target_label = "a-b"},
       "\"a-b\" is invalid 'target_label' for hashmod action",
       false},
      {{.action = Action::kHashMod, .source_labels = {"a"}, .modulus = 2, .target_label = "$1"},
       "\"$1\" is invalid 'target_label' for hashmod action",
       false},
      {{.action = Action::kLowercase, .source_labels = {"a"}, .target_label = "1x"},
       "\"1x\" is invalid 'target_label' for lowercase action",
       false},
      {{.action = Action::kKeepEqual, .source_labels = {"a"}, .target_label = "\xfe"},
       "\"\\xfe\" is invalid 'target_label' for keepequal action"},

      {{.action = Action::kLowercase,
        .source_labels = {"__name__"},
        .target_label = "__name__",
        .replacement = "bar"},
       "'replacement' can not be set for lowercase action"},
      {{.action = Action::kUppercase,
        .source_labels = {"__name__"},
        .target_label = "__name__",
        .replacement = "bar"},
       "'replacement' can not be set for uppercase action"},
      {{.action = Action::kLowercase,
        .source_labels = {"a"},
        .target_label = "b",
        .replacement = "$1"},
       ""},  // replacement compared by value

      {{.action = Action::kLabelMap, .replacement = "1$1"},
       "\"1$1\" is invalid 'replacement' for labelmap action",
       false},
      {{.action = Action::kLabelMap, .replacement = ""},
       "\"\" is invalid 'replacement' for labelmap action"},
      {{.action = Action::kLabelMap, .replacement = "\xff$1"},
       "\"\\xff$1\" is invalid 'replacement' for labelmap action"},

      {{.action = Action::kDropEqual,
        .source_labels = {"abcdef"},
        .regex = "foo",
        .target_label = "bar"},
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.action = Action::kKeepEqual,
        .source_labels = {"abcdef"},
        .regex = "foo",
        .target_label = "bar"},
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      // Prometheus compares the regex with the default by identity: writing
      // the default text still counts as setting it.
      {{.action = Action::kKeepEqual, .source_labels = {"a"}, .regex = "(.*)", .target_label = "b"},
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.action = Action::kKeepEqual,
        .source_labels = {"a"},
        .separator = ",",
        .target_label = "b"},
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.action = Action::kDropEqual, .source_labels = {"a"}, .modulus = 3, .target_label = "b"},
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {{.action = Action::kKeepEqual,
        .source_labels = {"a"},
        .separator = ";",
        .target_label = "b"},
       ""},  // the separator is compared by value

      {{.action = Action::kLabelKeep, .source_labels = {"abcdef"}},
       "labelkeep action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelKeep, .modulus = 8},
       "labelkeep action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelKeep, .separator = ","},
       "labelkeep action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelKeep, .replacement = "yolo-{1}"},
       "labelkeep action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelKeep, .target_label = "yolo"},
       "labelkeep action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelDrop, .source_labels = {"abcdef"}},
       "labeldrop action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelDrop, .target_label = "yolo"},
       "labeldrop action requires only 'regex', and no other fields"},
      {{.action = Action::kLabelDrop, .target_label = ""}, ""},

      // Regex errors come first, as Prometheus reports them while reading
      // the YAML; Go prints the anchored expression.
      {{.regex = "abc(def"}, "error parsing regexp: missing closing ): `^(?s:abc(def)$`"},
      {{.action = Action::kHashMod, .regex = "["},
       "error parsing regexp: missing closing ]: `[)$`"},
      {{.regex = "a**", .target_label = "x"},
       "error parsing regexp: invalid nested repetition operator: `**`"},
      {{.regex = "\\8", .target_label = "x"},
       "error parsing regexp: invalid escape sequence: `\\8`"},
      {{.regex = "(?<", .target_label = "x"},
       "error parsing regexp: invalid named capture: `(?<)$`"},
      {{.regex = "(?P<ü>x)", .target_label = "x"},
       "error parsing regexp: invalid named capture: `(?P<ü>`"},
      {{.regex = "(?<a-b>x)", .target_label = "x"},
       "error parsing regexp: invalid named capture: `(?<a-b>`"},
      {{.regex = "(?<a>x", .target_label = "x"},
       "error parsing regexp: missing closing ): `^(?s:(?<a>x)$`"},
      {{.regex = "a\\C", .target_label = "x"},
       "error parsing regexp: invalid escape sequence: `\\C`"},
      {{.regex = "x{1001}", .target_label = "x"},
       "error parsing regexp: invalid repeat count: `{1001}`"},
      // Go 1.22+ syntax that this RE2 spells differently is accepted.
      {{.regex = "(?<host>[^:]+):\\d+", .target_label = "x"}, ""},
      // Not a group: escaped paren, inside a class, inside \Q...\E.
      {{.regex = "\\(?<a", .target_label = "x"}, ""},
      {{.regex = "[(?<]", .target_label = "x"}, ""},
      {{.regex = "[](?<]", .target_label = "x"}, ""},
      {{.regex = "\\Q(?<\\E", .target_label = "x"}, ""},
      // The anchoring wraps the text, so an unbalanced ")(" still parses in
      // Go (as "^(?s:a)()$"), and Prometheus accepts it.
      {{.regex = "a)(", .target_label = "x"}, ""},
  };
  for (const ValidateCase& c : cases) {
    RelabelConfig cfg = c.rule.Config();
    Status s = Validate(cfg, c.utf8_names);
    SCOPED_TRACE(std::string("want: ") + c.want);
    if (*c.want == '\0') {
      EXPECT_TRUE(s.ok()) << s.ToString();
      EXPECT_TRUE(Relabeler::Compile({cfg}, c.utf8_names).ok());
    } else {
      EXPECT_TRUE(s.IsInvalidArgument());
      EXPECT_EQ(s.message(), c.want);
      auto r = Relabeler::Compile({cfg}, c.utf8_names);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().message(), c.want);
    }
  }
}

TEST(RelabelValidateTest, CompileReportsTheFirstInvalidRule) {
  auto r = Relabeler::Compile(Configs({{.source_labels = {"a"}, .target_label = "b"},
                                       {.action = Action::kHashMod, .target_label = "h"},
                                       {.regex = "("}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "relabel configuration for hashmod requires non-zero modulus");
}

TEST(RelabelValidateTest, DefaultsMatchPrometheus) {
  RelabelConfig c;
  EXPECT_EQ(c.action, Action::kReplace);
  EXPECT_EQ(c.regex, "(.*)");
  EXPECT_EQ(c.separator, ";");
  EXPECT_EQ(c.replacement, "$1");
  EXPECT_EQ(c.modulus, 0u);
  EXPECT_EQ(Validate(c).message(),
            "relabel configuration for replace action requires 'target_label' value");
}

}  // namespace
}  // namespace vigil::relabel
