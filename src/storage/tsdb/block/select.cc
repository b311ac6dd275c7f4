#include "storage/tsdb/block/select.h"

namespace vigil::tsdb::block {

using model::MatchType;

ValueFilter MakeValueFilter(const model::Matcher& m, bool keep_matching) {
  ValueFilter f;
  f.matcher = &m;
  f.keep_matching = keep_matching;
  // The values that pass are either "those equal to / matched by the
  // matcher's operand" (narrowable) or "all but those" (a full scan).
  bool want_operand = false;
  switch (m.type()) {
    case MatchType::kEqual:
    case MatchType::kRegexMatch:
      want_operand = keep_matching;
      break;
    case MatchType::kNotEqual:
    case MatchType::kRegexNoMatch:
      want_operand = !keep_matching;
      break;
  }
  if (!want_operand) return f;
  if (m.type() == MatchType::kEqual || m.type() == MatchType::kNotEqual) {
    f.exact = true;
    f.values = {m.value()};
  } else if (!m.SetValues().empty()) {
    f.exact = true;
    f.values = m.SetValues();
  } else {
    f.prefix = m.Prefix();
  }
  return f;
}

Result<PostingsList> Select(const PostingsIndex& index,
                            const std::vector<model::Matcher>& matchers) {
  if (matchers.empty()) return Status::InvalidArgument("no matchers");
  std::vector<PostingsList> positive;
  for (const auto& m : matchers) {
    if (m.MatchesEmpty()) continue;
    VIGIL_ASSIGN_OR_RETURN(auto p, index.PostingsMatching(m.name(), MakeValueFilter(m, true)));
    if (p.empty()) return PostingsList{};
    positive.push_back(std::move(p));
  }
  if (positive.empty()) {
    return Status::InvalidArgument(
        "at least one matcher must not match the empty string (would select every series)");
  }
  PostingsList result = IntersectAll(positive);
  positive.clear();
  for (const auto& m : matchers) {
    if (result.empty()) break;
    if (!m.MatchesEmpty()) continue;
    VIGIL_ASSIGN_OR_RETURN(auto drop, index.PostingsMatching(m.name(), MakeValueFilter(m, false)));
    result = Subtract(result, drop);
  }
  return result;
}

}  // namespace vigil::tsdb::block
