// The condition language of `when` (drop, sample, routes):
//
//   severity_number >= 17 and (labels.job == "api" or body =~ "timeout|refused")
//
// A comparison is `field op value`, op one of == != =~ !~ > >= < <=;
// comparisons combine with `and` / `or` (also && ||), `not` (also !) and
// parentheses; `and` binds tighter than `or`. Fields are those of FieldRef
// (field.h). Values are "double" or 'single' quoted strings (Go escapes),
// numbers, or bare words. =~ and !~ take an RE2 expression that is searched
// for (unanchored; use ^...$ to anchor). == and != compare as numbers when
// the value is a number and the field's text parses as one, else as
// strings; < <= > >= compare numbers when the value is a number (a field
// that is no number is then false), else strings bytewise. Compared with
// severity_number, a severity word (warn, error, ...) stands for its
// number. An absent field reads as "".
//
// Thread-safety: immutable after Compile; Eval may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/log_record.h"

namespace re2 {
class RE2;
}

namespace vigil::pipeline {

class Condition {
 public:
  // An empty text is a condition that always holds.
  static Result<Condition> Compile(std::string_view text);

  Condition();
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  ~Condition();

  bool always() const { return nodes_.empty(); }
  bool Eval(const model::LogRecord& record) const;

  // A parsed node; public for the parser in condition.cc.
  struct Node;

 private:
  bool EvalNode(int index, const model::LogRecord& r, std::string* scratch) const;

  std::vector<Node> nodes_;  // nodes_[root_] is the root
  int root_ = -1;
};

}  // namespace vigil::pipeline
