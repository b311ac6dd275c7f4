// Helpers of the PromQL evaluator that reproduce Go's and Prometheus'
// behaviour: labels.Labels.String() and Go's sort and heap orders. Go's
// number formatting and quoting (strconv.FormatFloat, strconv.Quote) are
// base/strconv.h's, included here for the evaluator's files. Owned by the
// engine engineer.
//
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "base/strconv.h"
#include "model/labels.h"

namespace vigil::promql::eval {

// labels.Labels.String() of Prometheus: {__name__="up", job="node"}.
std::string LabelsString(const model::Labels& labels);

// Sorts as Go's sort.Sort does for the sizes where it uses insertion sort
// (up to 12 elements), so equal elements end up in the same order; go_less
// is Prometheus' "Less", which need not be a strict order (NaN handling).
// Larger inputs are sorted stably with strict_less.
template <typename T, typename GoLess, typename StrictLess>
void GoSort(std::vector<T>* v, GoLess go_less, StrictLess strict_less) {
  if (v->size() <= 12) {
    for (size_t i = 1; i < v->size(); ++i) {
      for (size_t j = i; j > 0 && go_less((*v)[j], (*v)[j - 1]); --j) {
        std::swap((*v)[j], (*v)[j - 1]);
      }
    }
    return;
  }
  std::stable_sort(v->begin(), v->end(), strict_less);
}

// Go's container/heap on a vector with a strict "less" (the minimum on top).
template <typename T, typename Less>
void GoHeapUp(std::vector<T>* h, size_t j, Less less) {
  while (j > 0) {
    size_t i = (j - 1) / 2;
    if (!less((*h)[j], (*h)[i])) break;
    std::swap((*h)[i], (*h)[j]);
    j = i;
  }
}
template <typename T, typename Less>
bool GoHeapDown(std::vector<T>* h, size_t i0, Less less) {
  size_t n = h->size();
  size_t i = i0;
  for (;;) {
    size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    size_t j = j1;
    if (j1 + 1 < n && less((*h)[j1 + 1], (*h)[j1])) j = j1 + 1;
    if (!less((*h)[j], (*h)[i])) break;
    std::swap((*h)[i], (*h)[j]);
    i = j;
  }
  return i > i0;
}
template <typename T, typename Less>
void GoHeapPush(std::vector<T>* h, T x, Less less) {
  h->push_back(std::move(x));
  GoHeapUp(h, h->size() - 1, less);
}
template <typename T, typename Less>
void GoHeapFix(std::vector<T>* h, size_t i, Less less) {
  if (!GoHeapDown(h, i, less)) GoHeapUp(h, i, less);
}

}  // namespace vigil::promql::eval
