#include "query/logql/line_pattern.h"

#include <fmt/format.h>

namespace vigil::logql {

Result<std::shared_ptr<const LinePattern>> LinePattern::Make(std::string_view pattern) {
  auto p = std::shared_ptr<LinePattern>(new LinePattern());
  size_t i = 0;
  std::string lit;
  while (i < pattern.size()) {
    if (pattern[i] == '<') {
      size_t close = pattern.find('>', i);
      bool valid = close != std::string_view::npos && close > i + 1;
      if (valid) {
        for (size_t k = i + 1; k < close; ++k) {
          char c = pattern[k];
          if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (k > i + 1 && c >= '0' && c <= '9'))) {
            valid = false;
            break;
          }
        }
      }
      if (valid) {
        if (!p->parts_.empty() && p->parts_.back().is_capture && lit.empty()) {
          return Status::InvalidArgument(
              fmt::format("invalid pattern \"{}\": consecutive captures are not allowed", pattern));
        }
        if (!lit.empty()) p->parts_.push_back({false, std::move(lit)});
        lit.clear();
        p->parts_.push_back({true, ""});
        i = close + 1;
        continue;
      }
    }
    lit.push_back(pattern[i++]);
  }
  if (!lit.empty()) p->parts_.push_back({false, std::move(lit)});
  if (p->parts_.empty()) {
    return Status::InvalidArgument(fmt::format("invalid pattern \"{}\": empty", pattern));
  }
  return std::shared_ptr<const LinePattern>(p);
}

bool LinePattern::Matches(std::string_view line) const {
  size_t pos = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& part = parts_[i];
    if (!part.is_capture) {
      if (line.compare(pos, part.literal.size(), part.literal) != 0) return false;
      pos += part.literal.size();
      continue;
    }
    if (i + 1 == parts_.size()) return true;  // the last capture takes the rest
    const std::string& next = parts_[i + 1].literal;
    size_t found = line.find(next, pos);
    if (found == std::string_view::npos) return false;
    pos = found;
  }
  return pos == line.size();
}

}  // namespace vigil::logql
