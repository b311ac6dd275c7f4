// Replacement templates with the semantics of Go's regexp.Expand, which
// Prometheus uses for `target_label` and `replacement` (replace action) and,
// through ReplaceAllString, for `replacement` (labelmap action):
//
//   $1 ${1}       submatch 1            $name ${name}  named submatch
//   $$            a literal "$"         $1x            submatch "1x": ""
//   $01           name "01" (no leading zeros in numbers): ""
//   $ followed by anything else ("$-", "${1", a trailing "$"): a literal "$"
//
// A name is the longest run of Unicode letters, digits and '_' after the $
// (or inside the braces). A group that does not exist, or did not take part
// in the match, expands to "".
//
// The template is parsed once per rule, against the rule's regex, into
// literal text and group indexes, so expanding is a few appends.
//
// Owner: relabel. Thread-safety: immutable after construction.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

namespace vigil::relabel {

class ExpandTemplate {
 public:
  ExpandTemplate() = default;
  ExpandTemplate(std::string_view tmpl, const RE2& re);

  // Appends the expansion to *out. groups[i] is submatch i, with a null
  // data() when the group did not take part; groups may be shorter than
  // groups_needed() (the missing ones expand to "").
  void Expand(std::span<const std::string_view> groups, std::string* out) const;

  // How many leading submatches Expand reads: highest group referenced + 1.
  int groups_needed() const { return groups_needed_; }
  // True when the template references no group that exists: its expansion is
  // always literal_text().
  bool is_literal() const { return groups_needed_ == 0; }
  const std::string& literal_text() const { return literal_; }

 private:
  struct Piece {
    std::string text;  // literal text before the group
    int group = -1;    // -1: none (the last piece, or text only)
  };
  std::vector<Piece> pieces_;
  std::string literal_;  // concatenated text of all pieces
  int groups_needed_ = 0;
};

}  // namespace vigil::relabel
