#include "storage/tsdb/querier.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace vigil::tsdb {

// --- ChunkSeriesIterator ---

ChunkSeriesIterator::ChunkSeriesIterator(std::vector<ChunkView> chunks,
                                         std::vector<std::shared_ptr<const void>> keepalive,
                                         int64_t mint, int64_t maxt)
    : owned_chunks_(std::move(chunks)),
      chunks_(owned_chunks_),
      keepalive_(std::move(keepalive)),
      mint_(mint),
      maxt_(maxt) {
  FindOverlaps();
}

ChunkSeriesIterator::ChunkSeriesIterator(SharedTag, std::span<const ChunkView> chunks,
                                         std::shared_ptr<const void> owner, int64_t mint,
                                         int64_t maxt)
    : chunks_(chunks), owner_(std::move(owner)), mint_(mint), maxt_(maxt) {
  FindOverlaps();
}

std::unique_ptr<ChunkSeriesIterator> ChunkSeriesIterator::OverShared(
    std::span<const ChunkView> chunks, std::shared_ptr<const void> owner, int64_t mint,
    int64_t maxt) {
  return std::unique_ptr<ChunkSeriesIterator>(
      new ChunkSeriesIterator(SharedTag{}, chunks, std::move(owner), mint, maxt));
}

void ChunkSeriesIterator::FindOverlaps() {
  int64_t max_end = INT64_MIN;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (i > 0 && chunks_[i].mint <= max_end) overlapping_ = true;
    max_end = std::max(max_end, chunks_[i].maxt);
  }
}

bool ChunkSeriesIterator::Accept(int64_t t) const {
  if (t < mint_ || t > maxt_) return false;
  const block::Intervals* del = chunks_[idx_].deleted;
  return del == nullptr || !block::IsDeleted(*del, t);
}

bool ChunkSeriesIterator::LoadChunk(size_t i) {
  const ChunkView& c = chunks_[i];
  int e = static_cast<int>(c.encoding);
  if (e < 1 || e > 2) {
    status_ = Status::Corruption(fmt::format("chunk with unknown encoding {}", e));
    return false;
  }
  if (!iters_[e]) {
    iters_[e] = chunkenc::NewIterator(c.encoding, c.data);
  } else {
    iters_[e]->Reset(c.data);
  }
  it_ = iters_[e].get();
  return true;
}

bool ChunkSeriesIterator::OpenChunkFrom(int64_t t) {
  while (idx_ < chunks_.size() && chunks_[idx_].maxt < t) ++idx_;
  if (idx_ >= chunks_.size() || chunks_[idx_].mint > maxt_ || !LoadChunk(idx_)) {
    done_ = true;
    return false;
  }
  return true;
}

bool ChunkSeriesIterator::FinishChunk() {
  if (!it_->status().ok()) {
    status_ = it_->status();
    done_ = true;
    return false;
  }
  it_ = nullptr;
  ++idx_;
  return true;
}

ChunkSeriesIterator::Take ChunkSeriesIterator::TakeCurrent() {
  int64_t t = it_->t();
  if (t > maxt_) {
    done_ = true;
    return Take::kEnd;
  }
  if (!Accept(t)) return Take::kSkip;
  t_ = t;
  v_ = it_->v();
  return Take::kYes;
}

bool ChunkSeriesIterator::NextSequential() {
  for (;;) {
    if (it_ != nullptr) {
      while (it_->Next()) {
        Take take = TakeCurrent();
        if (take != Take::kSkip) return take == Take::kYes;
      }
      if (!FinishChunk()) return false;
    }
    if (!OpenChunkFrom(mint_)) return false;
  }
}

void ChunkSeriesIterator::Materialize() {
  std::vector<std::pair<model::Sample, size_t>> all;  // sample, chunk order
  std::vector<model::Sample> buf;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const ChunkView& c = chunks_[i];
    if (c.maxt < mint_ || c.mint > maxt_) continue;
    buf.clear();
    Status s = chunkenc::DecodeAll(c.encoding, c.data, &buf);
    if (!s.ok()) {
      status_ = s;
      return;
    }
    for (const auto& smp : buf) {
      if (smp.t < mint_ || smp.t > maxt_) continue;
      if (c.deleted != nullptr && block::IsDeleted(*c.deleted, smp.t)) continue;
      all.emplace_back(smp, i);
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first.t < b.first.t; });
  merged_.reserve(all.size());
  for (const auto& [smp, i] : all) {
    if (!merged_.empty() && merged_.back().t == smp.t) continue;  // the first chunk's sample wins
    merged_.push_back(smp);
  }
}

bool ChunkSeriesIterator::TakeMerged() {
  if (!status_.ok() || pos_ >= merged_.size()) {
    done_ = true;
    return false;
  }
  t_ = merged_[pos_].t;
  v_ = merged_[pos_].v;
  return true;
}

bool ChunkSeriesIterator::Next() {
  if (done_) return false;
  if (overlapping_) {
    if (!started_) {
      Materialize();
      started_ = true;
    } else {
      ++pos_;
    }
    return TakeMerged();
  }
  started_ = true;
  return NextSequential();
}

bool ChunkSeriesIterator::Seek(int64_t t) {
  if (done_) return false;
  if (started_ && t_ >= t) return true;
  if (overlapping_) {
    if (!started_) {
      Materialize();
      started_ = true;
    }
    auto it = std::lower_bound(merged_.begin() + static_cast<long>(pos_), merged_.end(), t,
                               [](const model::Sample& a, int64_t b) { return a.t < b; });
    pos_ = static_cast<size_t>(it - merged_.begin());
    return TakeMerged();
  }
  started_ = true;
  int64_t target = std::max(t, mint_);
  // Skip whole chunks that end before the target.
  if (it_ != nullptr && chunks_[idx_].maxt < target) {
    it_ = nullptr;
    ++idx_;
  }
  if (it_ == nullptr && !OpenChunkFrom(target)) return false;
  if (it_->Seek(target)) {
    Take take = TakeCurrent();
    if (take != Take::kSkip) return take == Take::kYes;
  } else if (!FinishChunk()) {
    return false;
  }
  return NextSequential();
}

// --- Series sets ---

namespace {

// The series of a set are shared with their iterators (which may outlive the
// set), so an iterator neither copies a series' chunk list nor its keepalive.
using SharedSeries = std::shared_ptr<const std::vector<SeriesChunks>>;

class ChunkSeries final : public storage::Series {
 public:
  ChunkSeries(const SharedSeries* all, int64_t mint, int64_t maxt)
      : all_(all), mint_(mint), maxt_(maxt) {}
  const model::Labels& labels() const override { return data_->labels; }
  std::unique_ptr<storage::SeriesIterator> Iterator() const override {
    return ChunkSeriesIterator::OverShared(data_->chunks, *all_, mint_, maxt_);
  }
  void Reset(const SeriesChunks* data) { data_ = data; }

 private:
  const SharedSeries* all_;
  const SeriesChunks* data_ = nullptr;
  int64_t mint_, maxt_;
};

class ChunkSeriesSet final : public storage::SeriesSet {
 public:
  ChunkSeriesSet(std::vector<SeriesChunks> series, int64_t mint, int64_t maxt)
      : series_(std::make_shared<const std::vector<SeriesChunks>>(std::move(series))),
        current_(&series_, mint, maxt) {}
  bool Next() override {
    if (pos_ >= series_->size()) return false;
    current_.Reset(&(*series_)[pos_++]);
    return true;
  }
  const storage::Series& At() const override { return current_; }
  Status status() const override { return Status::OK(); }
  // Labels live in series_, which the set owns.
  bool LabelsOutliveNext() const override { return true; }

 private:
  SharedSeries series_;
  size_t pos_ = 0;
  ChunkSeries current_;
};

void AppendSeries(SeriesChunks* into, SeriesChunks&& from) {
  for (auto& c : from.chunks) into->chunks.push_back(c);
  for (auto& k : from.keepalive) into->keepalive.push_back(std::move(k));
}

}  // namespace

std::vector<SeriesChunks> MergeSources(std::vector<std::vector<SeriesChunks>> sources) {
  std::erase_if(sources, [](const auto& s) { return s.empty(); });
  if (sources.empty()) return {};
  if (sources.size() == 1) return std::move(sources[0]);
  size_t total = 0;
  for (const auto& s : sources) total += s.size();
  std::vector<SeriesChunks> out;
  out.reserve(total);
  std::vector<size_t> pos(sources.size(), 0);
  for (;;) {
    // Few sources (the head and the blocks of the range): a linear minimum is fine.
    int best = -1;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (pos[i] >= sources[i].size()) continue;
      if (best < 0 || sources[i][pos[i]].labels < sources[best][pos[best]].labels) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) break;
    SeriesChunks cur = std::move(sources[best][pos[best]++]);
    bool merged = false;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (static_cast<int>(i) == best || pos[i] >= sources[i].size()) continue;
      if (sources[i][pos[i]].labels == cur.labels) {
        AppendSeries(&cur, std::move(sources[i][pos[i]++]));
        merged = true;
      }
    }
    if (merged) {
      std::stable_sort(cur.chunks.begin(), cur.chunks.end(),
                       [](const ChunkView& a, const ChunkView& b) { return a.mint < b.mint; });
    }
    out.push_back(std::move(cur));
  }
  return out;
}

std::unique_ptr<storage::SeriesSet> NewChunkSeriesSet(std::vector<SeriesChunks> series,
                                                      int64_t mint, int64_t maxt) {
  return std::make_unique<ChunkSeriesSet>(std::move(series), mint, maxt);
}

Result<std::vector<SeriesChunks>> SelectFromBlock(const std::shared_ptr<block::BlockReader>& block,
                                                  const std::vector<model::Matcher>& matchers,
                                                  int64_t mint, int64_t maxt, bool labels_only) {
  VIGIL_ASSIGN_OR_RETURN(block::PostingsList refs, block->Select(matchers));
  std::shared_ptr<const block::Tombstones> tombstones = block->tombstones();
  std::vector<SeriesChunks> out;
  out.reserve(refs.size());
  block::SeriesCursor cursor = block->NewSeriesCursor();
  std::vector<block::ChunkMeta> metas;
  for (uint64_t ref : refs) {
    SeriesChunks sc;
    VIGIL_RETURN_IF_ERROR(cursor.Get(ref, &sc.labels, &metas));
    const block::Intervals* deleted = tombstones ? tombstones->Get(ref) : nullptr;
    for (const block::ChunkMeta& m : metas) {
      if (m.maxt < mint || m.mint > maxt) continue;
      if (deleted != nullptr && block::CoversRange(*deleted, m.mint, m.maxt)) continue;
      ChunkView cv{m.mint, m.maxt, chunkenc::Encoding::kXor, {}, deleted};
      if (!labels_only) {
        VIGIL_ASSIGN_OR_RETURN(block::Chunk c, block->ReadChunk(m.ref));
        cv.encoding = static_cast<chunkenc::Encoding>(c.encoding);
        cv.data = c.bytes;
      }
      sc.chunks.push_back(cv);
    }
    if (sc.chunks.empty()) continue;
    sc.keepalive.push_back(block);
    if (tombstones) sc.keepalive.push_back(tombstones);
    out.push_back(std::move(sc));
  }
  return out;
}

// --- DbQuerier ---

DbQuerier::DbQuerier(Head* head, std::vector<std::shared_ptr<block::BlockReader>> blocks,
                     int64_t mint, int64_t maxt)
    : head_(head), blocks_(std::move(blocks)), mint_(mint), maxt_(maxt) {}

std::unique_ptr<storage::SeriesSet> DbQuerier::Select(bool /*sorted*/,
                                                      const storage::SelectHints* hints,
                                                      const std::vector<model::Matcher>& matchers) {
  bool labels_only = hints != nullptr && hints->series_only;
  std::vector<std::vector<SeriesChunks>> sources;
  for (const auto& b : blocks_) {
    auto r = SelectFromBlock(b, matchers, mint_, maxt_, labels_only);
    if (!r.ok()) return storage::ErrorSeriesSet(r.status().WithContext("block " + b->meta().ulid));
    sources.push_back(std::move(*r));
  }
  if (head_ != nullptr) {
    auto r = head_->Select(matchers, mint_, maxt_, labels_only);
    if (!r.ok()) return storage::ErrorSeriesSet(r.status());
    sources.push_back(std::move(*r));
  }
  std::vector<SeriesChunks> merged = MergeSources(std::move(sources));
  if (hints != nullptr && hints->limit > 0 && merged.size() > hints->limit) {
    merged.resize(hints->limit);
  }
  return NewChunkSeriesSet(std::move(merged), mint_, maxt_);
}

Result<std::vector<std::string>> DbQuerier::LabelValues(std::string_view name,
                                                        const std::vector<model::Matcher>& matchers,
                                                        size_t limit) {
  std::set<std::string> values;
  for (const auto& b : blocks_) {
    if (matchers.empty()) {
      for (auto& v : b->LabelValues(name)) values.insert(std::move(v));
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(auto series, SelectFromBlock(b, matchers, mint_, maxt_, true));
    for (const auto& s : series) {
      std::string_view v = s.labels.Get(name);
      if (!v.empty()) values.emplace(v);
    }
  }
  if (head_ != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(auto hv, head_->LabelValues(name, matchers));
    for (auto& v : hv) values.insert(std::move(v));
  }
  std::vector<std::string> out(values.begin(), values.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> DbQuerier::LabelNames(const std::vector<model::Matcher>& matchers,
                                                       size_t limit) {
  std::set<std::string> names;
  for (const auto& b : blocks_) {
    if (matchers.empty()) {
      for (auto& n : b->LabelNames()) names.insert(std::move(n));
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(auto series, SelectFromBlock(b, matchers, mint_, maxt_, true));
    for (const auto& s : series) {
      for (const auto& l : s.labels) names.insert(l.name);
    }
  }
  if (head_ != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(auto hn, head_->LabelNames(matchers));
    for (auto& n : hn) names.insert(std::move(n));
  }
  std::vector<std::string> out(names.begin(), names.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace vigil::tsdb
