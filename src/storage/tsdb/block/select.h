// Select: the series refs of an index that match a set of label matchers,
// with Prometheus' PostingsForMatchers semantics, over any index that can
// answer "postings of the values of a label that pass a filter" (a block's
// IndexReader, or the head's in-memory index).
//
// Semantics: a series matches if every matcher matches its value of the
// matcher's label, an absent label counting as "" (so {a=""} and {a!~".+"}
// select series without a, {a!="x"} also selects series without a). At least
// one matcher must not match "" (PromQL's rule for selectors); otherwise
// Select returns InvalidArgument instead of scanning every series.
//
// Plan: matchers that do not match "" are answered positively (union of the
// postings of matching values) and intersected, smallest first; matchers that
// match "" are answered by subtracting the postings of the values they reject.
// Values are looked up directly for =, != and set regexes ("a|b"), and only
// the values with the regex's literal prefix are scanned for "foo.*" and
// friends (Matcher::SetValues, Matcher::Prefix).
//
// Thread-safety: Select is as thread-safe as the index it reads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/matcher.h"
#include "storage/tsdb/block/postings.h"

namespace vigil::tsdb::block {

// Which values of a label to take: those v with matcher->Matches(v) ==
// keep_matching, narrowed (a necessary condition, for speed) to the listed
// values or to a prefix.
struct ValueFilter {
  const model::Matcher* matcher = nullptr;
  bool keep_matching = true;
  bool exact = false;               // candidates: only `values` (sorted, unique)
  std::vector<std::string> values;  // used when exact
  std::string prefix;               // candidates: values starting with it

  bool Accepts(std::string_view v) const { return matcher->Matches(v) == keep_matching; }
};

// The filter that selects the values for which m.Matches(v) == keep_matching,
// with the narrowing the matcher allows.
ValueFilter MakeValueFilter(const model::Matcher& m, bool keep_matching);

class PostingsIndex {
 public:
  virtual ~PostingsIndex() = default;
  // Every series ref of the index.
  virtual Result<PostingsList> AllPostings() const = 0;
  // Union of the postings of the values of `name` the filter accepts.
  virtual Result<PostingsList> PostingsMatching(std::string_view name,
                                                const ValueFilter& filter) const = 0;
};

Result<PostingsList> Select(const PostingsIndex& index,
                            const std::vector<model::Matcher>& matchers);

}  // namespace vigil::tsdb::block
