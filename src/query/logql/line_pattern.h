// The pattern line filter `|> "<_> error <_>"`: literals must appear in
// order, each capture (<_> or <name>) spans anything up to the next literal;
// the whole line must be covered. Loki's pattern filter semantics.
//
// Owner: helper "logql". Thread-safety: immutable after Make.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::logql {

class LinePattern {
 public:
  static Result<std::shared_ptr<const LinePattern>> Make(std::string_view pattern);
  bool Matches(std::string_view line) const;

 private:
  // Alternating parts: literal text, or a capture (empty literal, is_capture).
  struct Part {
    bool is_capture = false;
    std::string literal;
  };
  std::vector<Part> parts_;
};

}  // namespace vigil::logql
