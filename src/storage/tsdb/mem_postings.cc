#include "storage/tsdb/mem_postings.h"

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "storage/tsdb/block/postings.h"

namespace vigil::tsdb {

void MemPostings::InsertSorted(PostingsVec* list, uint64_t ref) {
  list->push_back(ref);
  for (size_t i = list->size() - 1; i > 0 && (*list)[i - 1] > ref; --i) {
    std::swap((*list)[i - 1], (*list)[i]);
  }
}

void MemPostings::Add(uint64_t ref, model::LabelsView labels) {
  std::unique_lock lock(mu_);
  for (const auto& l : labels) {
    auto it = index_.find(l.name);
    if (it == index_.end()) it = index_.emplace(std::string(l.name), Values{}).first;
    auto vit = it->second.find(l.value);
    if (vit == it->second.end())
      vit = it->second.emplace(std::string(l.value), PostingsVec{}).first;
    InsertSorted(&vit->second, ref);
  }
  InsertSorted(&all_, ref);
}

void MemPostings::Delete(const std::vector<std::pair<uint64_t, model::Labels>>& removed) {
  if (removed.empty()) return;
  std::unordered_set<uint64_t> gone;
  // Each affected list is filtered once, however many removed series it holds.
  std::map<std::string_view, std::unordered_set<std::string_view>> affected;
  for (const auto& [ref, ls] : removed) {
    gone.insert(ref);
    for (const auto& l : ls) affected[l.name].insert(l.value);
  }
  auto is_gone = [&](uint64_t r) { return gone.count(r) > 0; };
  std::unique_lock lock(mu_);
  for (const auto& [name, values] : affected) {
    auto it = index_.find(name);
    if (it == index_.end()) continue;
    for (std::string_view value : values) {
      auto vit = it->second.find(value);
      if (vit == it->second.end()) continue;
      auto& list = vit->second;
      list.erase(std::remove_if(list.begin(), list.end(), is_gone), list.end());
      if (list.empty()) it->second.erase(vit);
    }
    if (it->second.empty()) index_.erase(it);
  }
  all_.erase(std::remove_if(all_.begin(), all_.end(), is_gone), all_.end());
}

PostingsVec MemPostings::Get(std::string_view name, std::string_view value) const {
  std::shared_lock lock(mu_);
  auto it = index_.find(name);
  if (it == index_.end()) return {};
  auto vit = it->second.find(value);
  if (vit == it->second.end()) return {};
  return vit->second;
}

PostingsVec MemPostings::All() const {
  std::shared_lock lock(mu_);
  return all_;
}

Result<block::PostingsList> MemPostings::PostingsMatching(std::string_view name,
                                                          const block::ValueFilter& filter) const {
  std::vector<PostingsVec> lists;
  {
    std::shared_lock lock(mu_);
    auto it = index_.find(name);
    if (it == index_.end()) return PostingsVec{};
    if (filter.exact) {
      for (const std::string& v : filter.values) {
        auto vit = it->second.find(v);
        if (vit != it->second.end() && filter.Accepts(v)) lists.push_back(vit->second);
      }
    } else {
      for (const auto& [value, list] : it->second) {
        if (value.starts_with(filter.prefix) && filter.Accepts(value)) lists.push_back(list);
      }
    }
  }
  if (lists.empty()) return PostingsVec{};
  if (lists.size() == 1) return std::move(lists[0]);
  return block::MergeAll(lists);
}

std::vector<std::string> MemPostings::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(mu_);
    auto it = index_.find(name);
    if (it == index_.end()) return out;
    out.reserve(it->second.size());
    for (const auto& [value, list] : it->second) out.push_back(value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MemPostings::LabelNames() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, values] : index_) out.push_back(name);
  return out;
}

void MemPostings::FillStatus(size_t limit, storage::TsdbStatus* out) const {
  using Entry = std::pair<std::string, uint64_t>;
  std::vector<Entry> by_metric, values_by_name, bytes_by_name, by_pair;
  uint64_t pairs = 0;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, values] : index_) {
      uint64_t bytes = 0;
      for (const auto& [value, list] : values) {
        ++pairs;
        bytes += value.size() * list.size();
        by_pair.emplace_back(name + "=" + value, list.size());
        if (name == model::kMetricName) by_metric.emplace_back(value, list.size());
      }
      values_by_name.emplace_back(name, values.size());
      bytes_by_name.emplace_back(name, bytes);
    }
  }
  auto top = [limit](std::vector<Entry> v) {
    std::sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > limit) v.resize(limit);
    return v;
  };
  out->num_label_pairs = pairs;
  out->series_count_by_metric_name = top(std::move(by_metric));
  out->label_value_count_by_label_name = top(std::move(values_by_name));
  out->memory_in_bytes_by_label_name = top(std::move(bytes_by_name));
  out->series_count_by_label_value_pair = top(std::move(by_pair));
}

}  // namespace vigil::tsdb
