#include "storage/tsdb/block/postings.h"

#include <algorithm>
#include <numeric>

namespace vigil::tsdb::block {

namespace {

// Below this size ratio a linear merge beats galloping (measured in
// bench/postings_bench.cc: at 1:16 both take about the same time).
constexpr size_t kGallopRatio = 16;

// First position in [from, p.size()) whose value is >= v, searching
// exponentially from `from` (cheap when the answer is near).
size_t GallopTo(PostingsSpan p, size_t from, uint64_t v) {
  size_t step = 1, lo = from, hi = from;
  while (hi < p.size() && p[hi] < v) {
    lo = hi + 1;
    hi += step;
    step <<= 1;
  }
  if (hi > p.size()) hi = p.size();
  return static_cast<size_t>(std::lower_bound(p.begin() + lo, p.begin() + hi, v) - p.begin());
}

PostingsList IntersectGallop(PostingsSpan small, PostingsSpan large) {
  PostingsList out;
  out.reserve(small.size());
  size_t j = 0;
  for (uint64_t v : small) {
    j = GallopTo(large, j, v);
    if (j == large.size()) break;
    if (large[j] == v) out.push_back(v);
  }
  return out;
}

PostingsList IntersectLinear(PostingsSpan a, PostingsSpan b) {
  PostingsList out;
  out.reserve(std::min(a.size(), b.size()));
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint64_t x = a[i], y = b[j];
    if (x == y) {
      out.push_back(x);
      ++i;
      ++j;
    } else {
      // Branch-light advance: compilers turn these into conditional adds.
      i += x < y;
      j += y < x;
    }
  }
  return out;
}

}  // namespace

PostingsList Intersect(PostingsSpan a, PostingsSpan b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (a.empty()) return {};
  if (a.size() * kGallopRatio < b.size()) return IntersectGallop(a, b);
  return IntersectLinear(a, b);
}

PostingsList IntersectAll(std::span<const PostingsList> lists) {
  if (lists.empty()) return {};
  // Shortest first: every step's result is at most that long.
  std::vector<const PostingsList*> order;
  order.reserve(lists.size());
  for (const auto& l : lists) order.push_back(&l);
  std::sort(order.begin(), order.end(),
            [](const PostingsList* x, const PostingsList* y) { return x->size() < y->size(); });
  PostingsList acc = *order[0];
  for (size_t i = 1; i < order.size() && !acc.empty(); ++i) acc = Intersect(acc, *order[i]);
  return acc;
}

PostingsList Merge(PostingsSpan a, PostingsSpan b) {
  PostingsList out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

PostingsList MergeAll(std::span<const PostingsList> lists) {
  // Pairwise rounds: log2(k) linear passes over the data, sequential memory
  // access, no heap; faster than a k-way heap for the sizes an index yields.
  std::vector<PostingsList> round;
  size_t nonempty = 0;
  for (const auto& l : lists) nonempty += !l.empty();
  if (nonempty == 0) return {};
  round.reserve((nonempty + 1) / 2);
  std::vector<const PostingsList*> in;
  in.reserve(nonempty);
  for (const auto& l : lists) {
    if (!l.empty()) in.push_back(&l);
  }
  if (in.size() == 1) return *in[0];
  for (size_t i = 0; i < in.size(); i += 2) {
    round.push_back(i + 1 < in.size() ? Merge(*in[i], *in[i + 1]) : *in[i]);
  }
  while (round.size() > 1) {
    std::vector<PostingsList> next;
    next.reserve((round.size() + 1) / 2);
    for (size_t i = 0; i < round.size(); i += 2) {
      next.push_back(i + 1 < round.size() ? Merge(round[i], round[i + 1]) : std::move(round[i]));
    }
    round = std::move(next);
  }
  return std::move(round[0]);
}

PostingsList MergeAll(std::span<const PostingsList> lists, uint64_t universe) {
  size_t total = 0;
  uint64_t max_ref = 0;
  for (const auto& l : lists) {
    total += l.size();
    if (!l.empty()) max_ref = std::max(max_ref, l.back());
  }
  // A bitmap costs universe/64 words to clear and scan; worth it once the
  // lists hold more than about one ref per 64 series or there are many lists.
  if (total == 0) return {};
  if (max_ref >= universe || lists.size() <= 2 || total * 64 < universe) return MergeAll(lists);
  std::vector<uint64_t> bits((universe + 63) / 64);
  for (const auto& l : lists) {
    for (uint64_t v : l) bits[v >> 6] |= uint64_t{1} << (v & 63);
  }
  PostingsList out;
  out.reserve(total);
  for (size_t w = 0; w < bits.size(); ++w) {
    uint64_t word = bits[w];
    while (word != 0) {
      out.push_back((uint64_t{w} << 6) | static_cast<uint64_t>(__builtin_ctzll(word)));
      word &= word - 1;
    }
  }
  return out;
}

PostingsList Subtract(PostingsSpan a, PostingsSpan b) {
  if (a.empty() || b.empty()) return PostingsList(a.begin(), a.end());
  PostingsList out;
  out.reserve(a.size());
  if (b.size() * kGallopRatio < a.size()) {
    // Few refs to remove: copy the runs of a between them.
    size_t i = 0;
    for (uint64_t v : b) {
      size_t j = GallopTo(a, i, v);
      out.insert(out.end(), a.begin() + i, a.begin() + j);
      i = j;
      if (i == a.size()) break;
      if (a[i] == v) ++i;
    }
    out.insert(out.end(), a.begin() + i, a.end());
    return out;
  }
  size_t j = 0;
  for (uint64_t v : a) {
    if (j < b.size() && b[j] < v) j = GallopTo(b, j, v);
    if (j < b.size() && b[j] == v) continue;
    out.push_back(v);
  }
  return out;
}

PostingsList MakePostings(std::vector<uint64_t> refs) {
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  return refs;
}

void SortUniqueRefs(std::vector<uint64_t>* refs, uint64_t universe) {
  // A bitmap costs universe/64 words; a sort n log n compares.
  if (refs->size() < 64 || refs->size() * 16 < universe) {
    std::sort(refs->begin(), refs->end());
    refs->erase(std::unique(refs->begin(), refs->end()), refs->end());
    return;
  }
  std::vector<uint64_t> bits((universe + 63) / 64);
  for (uint64_t v : *refs) {
    if (v >= universe) {  // caller's promise broken: fall back
      *refs = MakePostings(std::move(*refs));
      return;
    }
    bits[v >> 6] |= uint64_t{1} << (v & 63);
  }
  refs->clear();
  for (size_t w = 0; w < bits.size(); ++w) {
    for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
      refs->push_back((uint64_t{w} << 6) | static_cast<uint64_t>(__builtin_ctzll(word)));
    }
  }
}

PostingsList AllRefs(uint64_t n) {
  PostingsList out(n);
  std::iota(out.begin(), out.end(), uint64_t{0});
  return out;
}

bool IsValidPostings(PostingsSpan p) {
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i - 1] >= p[i]) return false;
  }
  return true;
}

}  // namespace vigil::tsdb::block
