// Postings: sorted lists of series refs and the set operations that answer
// label matchers, shared by the head's in-memory index and by blocks.
//
// A postings list is a std::vector<uint64_t> sorted in strictly increasing
// order (no duplicates). Every function takes and returns lists in that form
// and allocates its result; inputs are never modified. Lists are materialized
// rather than lazy iterators: blocks decode a whole list at a time anyway,
// and vectors let the operations pick the best algorithm from the sizes
// (galloping when one list is much shorter, a bitmap for wide unions).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace vigil::tsdb::block {

using PostingsList = std::vector<uint64_t>;
using PostingsSpan = std::span<const uint64_t>;

// Refs present in both.
PostingsList Intersect(PostingsSpan a, PostingsSpan b);
// Refs present in every list; {} for no lists.
PostingsList IntersectAll(std::span<const PostingsList> lists);
// Refs present in either.
PostingsList Merge(PostingsSpan a, PostingsSpan b);
// Refs present in any list.
PostingsList MergeAll(std::span<const PostingsList> lists);
// Like MergeAll when every ref is known to be < universe (the number of
// series of an index): uses a bitmap when the lists are dense in it.
PostingsList MergeAll(std::span<const PostingsList> lists, uint64_t universe);
// Refs of a that are not in b.
PostingsList Subtract(PostingsSpan a, PostingsSpan b);

// Sorts and removes duplicates.
PostingsList MakePostings(std::vector<uint64_t> refs);
// The same in place for refs known to be < universe: a bitmap pass instead
// of a sort when refs are dense in the universe.
void SortUniqueRefs(std::vector<uint64_t>* refs, uint64_t universe);
// 0, 1, ..., n-1.
PostingsList AllRefs(uint64_t n);
bool IsValidPostings(PostingsSpan p);

}  // namespace vigil::tsdb::block
