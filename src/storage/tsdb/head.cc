#include "storage/tsdb/head.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_set>

#include <fmt/format.h>

#include "base/coding.h"
#include "base/time.h"
#include "storage/tsdb/block/postings.h"

namespace vigil::tsdb {

using storage::RejectReason;
using storage::SeriesRef;

// --- LabelsBlob ---

LabelsBlob::LabelsBlob(model::LabelsView labels) {
  size_t n = 0;
  for (const auto& l : labels) {
    n += UvarintLength(l.name.size()) + l.name.size() + UvarintLength(l.value.size()) +
         l.value.size();
  }
  data_ = std::make_unique<char[]>(n);
  size_ = static_cast<uint32_t>(n);
  char* p = data_.get();
  for (const auto& l : labels) {
    p += EncodeUvarint(p, l.name.size());
    std::memcpy(p, l.name.data(), l.name.size());
    p += l.name.size();
    p += EncodeUvarint(p, l.value.size());
    std::memcpy(p, l.value.data(), l.value.size());
    p += l.value.size();
  }
}

model::Labels LabelsBlob::ToLabels() const {
  std::vector<model::Label> ls;
  size_t n = 0;
  ForEach([&](model::LabelView) { ++n; });
  ls.reserve(n);
  ForEach([&](model::LabelView l) { ls.push_back({std::string(l.name), std::string(l.value)}); });
  return model::Labels::FromSorted(std::move(ls));
}

bool LabelsBlob::Equals(model::LabelsView labels) const {
  size_t i = 0;
  bool equal = true;
  ForEach([&](model::LabelView l) {
    if (!equal) return;
    if (i >= labels.size() || labels[i].name != l.name || labels[i].value != l.value) equal = false;
    ++i;
  });
  return equal && i == labels.size();
}

std::string_view LabelsBlob::Get(std::string_view name) const {
  std::string_view out;
  ForEach([&](model::LabelView l) {
    if (l.name == name) out = l.value;
  });
  return out;
}

// --- Head ---

Head::Head(const HeadOptions& opts, metrics::Registry* registry)
    : opts_(opts), min_time_(kMaxTime), max_time_(kMinTime) {
  samples_appended_ = registry->NewCounter("vigil_tsdb_head_samples_appended_total",
                                           "Samples appended to the head.");
  ooo_appended_ = registry->NewCounter("vigil_tsdb_head_out_of_order_samples_appended_total",
                                       "Samples appended to the head's out-of-order buffers.");
  series_created_ =
      registry->NewCounter("vigil_tsdb_head_series_created_total", "Series created in the head.");
  series_removed_ =
      registry->NewCounter("vigil_tsdb_head_series_removed_total",
                           "Series removed from the head after their data moved to blocks.");
  chunks_created_ =
      registry->NewCounter("vigil_tsdb_head_chunks_created_total", "Head chunks created.");
  auto& rejected = registry->CounterFamily("vigil_tsdb_samples_rejected_total",
                                           "Samples refused by the TSDB, by reason.", {"reason"});
  for (int r = 0; r < 8; ++r) {
    rejected_[r] = rejected.With({storage::RejectReasonName(static_cast<RejectReason>(r))});
  }
  funcs_.push_back(registry->NewFunc(metrics::Type::kGauge, "vigil_tsdb_head_series",
                                     "Series in the head.", {},
                                     [this] { return static_cast<double>(NumSeries()); }));
  funcs_.push_back(registry->NewFunc(metrics::Type::kGauge, "vigil_tsdb_head_min_time_seconds",
                                     "Oldest sample time in the head.", {}, [this] {
                                       int64_t t = MinTime();
                                       return t == kMaxTime ? 0.0 : t / 1000.0;
                                     }));
  funcs_.push_back(registry->NewFunc(metrics::Type::kGauge, "vigil_tsdb_head_max_time_seconds",
                                     "Newest sample time in the head.", {}, [this] {
                                       int64_t t = MaxTime();
                                       return t == kMinTime ? 0.0 : t / 1000.0;
                                     }));
}

Head::~Head() {
  for (auto& rs : ref_stripes_) {
    rs.by_ref.ForEach([](storage::SeriesRef, MemSeries* s) { delete s; });
  }
}

MemSeries* Head::GetByRef(SeriesRef ref) {
  if (ref == 0) return nullptr;
  RefStripe& rs = ref_stripes_[ref % kStripes];
  std::shared_lock lock(rs.mu);
  MemSeries* s = rs.by_ref.Find(ref);
  if (s == nullptr) return nullptr;
  s->pins.fetch_add(1, std::memory_order_acquire);
  return s;
}

MemSeries* Head::FindLocked(const Stripe& st, uint64_t hash, model::LabelsView labels) const {
  auto [begin, end] = st.by_hash.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    if (it->second->labels.Equals(labels)) return it->second;
  }
  return nullptr;
}

MemSeries* Head::Insert(SeriesRef ref, uint64_t hash, model::LabelsView labels, bool* created) {
  Stripe& st = stripes_[hash % kStripes];
  MemSeries* s;
  {
    std::unique_lock lock(st.mu);
    if (MemSeries* existing = FindLocked(st, hash, labels)) {
      *created = false;
      return existing;
    }
    if (ref == 0) ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
    s = new MemSeries(ref, hash, labels);
    st.by_hash.emplace(hash, s);
    // Publish by ref while still holding the hash stripe (lock order: hash, then ref).
    RefStripe& rs = ref_stripes_[ref % kStripes];
    std::unique_lock rlock(rs.mu);
    rs.by_ref.Insert(ref, s);
  }
  postings_.Add(s->ref, labels);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  series_created_->Inc();
  *created = true;
  return s;
}

Head::GetOrCreateResult Head::GetOrCreate(model::LabelsView labels) {
  GetOrCreateResult res;
  uint64_t hash = model::HashLabels(labels);
  Stripe& st = stripes_[hash % kStripes];
  {
    std::shared_lock lock(st.mu);
    if (MemSeries* s = FindLocked(st, hash, labels)) {
      s->pins.fetch_add(1, std::memory_order_acquire);
      res.series = s;
      return res;
    }
  }
  model::LabelValidation v = model::ValidateLabels(labels, opts_.label_limits);
  if (!v.ok()) {
    bool limit = v.error == model::LabelError::kTooManyLabels ||
                 v.error == model::LabelError::kNameTooLong ||
                 v.error == model::LabelError::kValueTooLong;
    res.reject = limit ? RejectReason::kLabelLimit : RejectReason::kInvalidLabels;
    res.detail = std::move(v.message);
    return res;
  }
  if (opts_.max_series > 0 && NumSeries() >= opts_.max_series) {
    res.reject = RejectReason::kSeriesLimit;
    res.detail =
        fmt::format("the head holds {} series, the limit (--storage.max-head-series)", NumSeries());
    return res;
  }
  bool created = false;
  MemSeries* s;
  {
    // Insert under the stripe lock and pin before anyone could collect it.
    s = Insert(0, hash, labels, &created);
    s->pins.fetch_add(1, std::memory_order_acquire);
  }
  res.series = s;
  res.created = created;
  return res;
}

MemSeries* Head::CreateWithRef(SeriesRef ref, model::LabelsView labels) {
  ObserveRef(ref);
  bool created;
  return Insert(ref, model::HashLabels(labels), labels, &created);
}

void Head::ObserveRef(SeriesRef ref) {
  uint64_t want = ref + 1;
  uint64_t cur = next_ref_.load(std::memory_order_relaxed);
  while (cur < want && !next_ref_.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
  }
}

int64_t Head::NextBoundary(int64_t t) const {
  int64_t r = opts_.chunk_range_ms;
  int64_t q = t / r;
  if (t % r != 0 && t < 0) --q;  // floor division
  return (q + 1) * r;
}

int64_t Head::AppendableMinValidTime() const {
  int64_t hmax = MaxTime();
  if (hmax == kMinTime) return kMinTime;
  return hmax - std::max(opts_.chunk_range_ms / 2, opts_.ooo_window_ms);
}

RejectReason Head::CheckAppend(const MemSeries& s, int64_t t, double v, bool* is_ooo) const {
  *is_ooo = false;
  if (t < AppendableMinValidTime()) return RejectReason::kTooOld;
  if (t > s.max_t) return RejectReason::kNone;
  if (t == s.max_t) {
    return DoubleBits(v) == s.last_v_bits ? RejectReason::kNone : RejectReason::kDuplicate;
  }
  int64_t hmax = MaxTime();
  if (opts_.ooo_window_ms == 0 || t < hmax - opts_.ooo_window_ms) return RejectReason::kOutOfOrder;
  *is_ooo = true;
  auto it = std::lower_bound(s.ooo.begin(), s.ooo.end(), t,
                             [](const model::Sample& a, int64_t b) { return a.t < b; });
  if (it != s.ooo.end() && it->t == t && DoubleBits(it->v) != DoubleBits(v)) {
    return RejectReason::kDuplicate;
  }
  return RejectReason::kNone;
}

void Head::CloseOpenChunk(MemSeries* s) {
  auto c = std::make_shared<HeadChunk>();
  c->mint = s->open->MinTime();
  c->maxt = s->open->MaxTime();
  auto compact =
      chunkenc::Recode(chunkenc::Encoding::kXor, s->open->Bytes(), chunkenc::Encoding::kCompact);
  if (compact.ok() && compact->size() < s->open->Bytes().size()) {
    c->encoding = chunkenc::Encoding::kCompact;
    c->data = std::move(*compact);
  } else {
    c->encoding = chunkenc::Encoding::kXor;
    c->data = std::string(s->open->Bytes());
  }
  s->closed.push_back(std::move(c));
  s->open.reset();
}

RejectReason Head::AppendLocked(MemSeries* s, int64_t t, double v, bool check_bounds) {
  bool ooo = false;
  if (check_bounds) {
    RejectReason r = CheckAppend(*s, t, v, &ooo);
    if (r != RejectReason::kNone) return r;
  } else if (t < s->max_t) {
    ooo = true;
  } else if (t == s->max_t && DoubleBits(v) != s->last_v_bits) {
    return RejectReason::kDuplicate;
  }
  if (ooo) {
    auto it = std::lower_bound(s->ooo.begin(), s->ooo.end(), t,
                               [](const model::Sample& a, int64_t b) { return a.t < b; });
    if (it != s->ooo.end() && it->t == t) {
      return DoubleBits(it->v) == DoubleBits(v) ? RejectReason::kNone : RejectReason::kDuplicate;
    }
    s->ooo.insert(it, model::Sample{t, v});
    ooo_appended_->Inc();
    return RejectReason::kNone;
  }
  if (t == s->max_t)
    return RejectReason::kNone;  // an exact duplicate is ignored, as Prometheus does
  if (s->open &&
      (s->open->NumSamples() >= opts_.samples_per_chunk || t >= NextBoundary(s->open->MinTime()))) {
    CloseOpenChunk(s);
  }
  if (!s->open) {
    s->open = std::make_unique<chunkenc::XorChunk>(2 * opts_.samples_per_chunk);
    chunks_created_->Inc();
  }
  if (!s->open->Append(t, v)) {
    CloseOpenChunk(s);
    s->open = std::make_unique<chunkenc::XorChunk>(2 * opts_.samples_per_chunk);
    chunks_created_->Inc();
    s->open->Append(t, v);
  }
  s->max_t = t;
  s->last_v_bits = DoubleBits(v);
  return RejectReason::kNone;
}

void Head::UpdateTimeBounds(int64_t mint, int64_t maxt) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_acq_rel)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_acq_rel)) {
  }
}

// --- Reading ---

namespace {

// What keeps the chunk bytes of one Select's series alive while a query
// reads them. One per Select rather than one per series: a select over 100k
// series would otherwise spend much of its time allocating and freeing.
struct HeadSelectArena {
  std::vector<HeadChunkPtr> shared;
  std::deque<std::string> owned;  // a deque: elements never move, so views into them stay valid
  std::deque<block::Intervals> deleted;
};

// Appends labels to *keys so that comparing two keys bytewise orders them as
// model::Labels::operator< does: each name and value ends in a zero byte,
// which sorts before any other byte. Returns false if a name or value holds a
// zero byte itself (then the keys do not order correctly).
bool AppendSortKey(const LabelsBlob& labels, std::string* keys) {
  bool ok = true;
  labels.ForEach([&](model::LabelView l) {
    if (l.name.find('\0') != std::string_view::npos ||
        l.value.find('\0') != std::string_view::npos) {
      ok = false;
    }
    keys->append(l.name);
    keys->push_back('\0');
    keys->append(l.value);
    keys->push_back('\0');
  });
  return ok;
}

}  // namespace

Result<std::vector<SeriesChunks>> Head::Select(const std::vector<model::Matcher>& matchers,
                                               int64_t mint, int64_t maxt, bool labels_only) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<SeriesRef> refs, SelectRefs(matchers));
  auto arena = std::make_shared<HeadSelectArena>();
  const std::shared_ptr<const void> keep = arena;
  std::vector<SeriesChunks> out;
  out.reserve(refs.size());
  std::string keys;
  std::vector<size_t> key_ends;  // keys of out[i] end at key_ends[i]
  key_ends.reserve(refs.size());
  bool keys_usable = true;
  for (SeriesRef ref : refs) {
    MemSeries* s = GetByRef(ref);
    if (s == nullptr) continue;
    SeriesChunks sc;
    const block::Intervals* deleted = nullptr;
    {
      std::lock_guard lock(s->mu);
      // A chunk whose samples are all deleted is not read at all, so a series
      // whose data is all deleted disappears from results, as in Prometheus.
      for (const HeadChunkPtr& c : s->closed) {
        if (c->maxt < mint || c->mint > maxt || block::CoversRange(s->deleted, c->mint, c->maxt))
          continue;
        sc.chunks.push_back(ChunkView{c->mint, c->maxt, c->encoding, c->data, nullptr});
        arena->shared.push_back(c);
      }
      if (s->open && s->open->NumSamples() > 0 && s->open->MaxTime() >= mint &&
          s->open->MinTime() <= maxt &&
          !block::CoversRange(s->deleted, s->open->MinTime(), s->open->MaxTime())) {
        std::string_view bytes;
        if (!labels_only) bytes = arena->owned.emplace_back(s->open->Bytes());
        sc.chunks.push_back(ChunkView{s->open->MinTime(), s->open->MaxTime(),
                                      chunkenc::Encoding::kXor, bytes, nullptr});
      }
      if (!s->ooo.empty()) {
        auto lo = std::lower_bound(s->ooo.begin(), s->ooo.end(), mint,
                                   [](const model::Sample& a, int64_t b) { return a.t < b; });
        auto hi = std::upper_bound(s->ooo.begin(), s->ooo.end(), maxt,
                                   [](int64_t b, const model::Sample& a) { return b < a.t; });
        size_t n = static_cast<size_t>(hi - lo);
        if (n > 0 && labels_only && !block::CoversRange(s->deleted, lo->t, (hi - 1)->t)) {
          sc.chunks.push_back(ChunkView{lo->t, (hi - 1)->t, chunkenc::Encoding::kXor, {}, nullptr});
        } else if (n > 0 && !block::CoversRange(s->deleted, lo->t, (hi - 1)->t)) {
          // At most one chunk's worth is kept per series; larger buffers are split.
          std::vector<model::Sample> in_range(lo, hi);
          if (in_range.size() > static_cast<size_t>(chunkenc::kMaxSamplesPerChunk)) {
            in_range.resize(chunkenc::kMaxSamplesPerChunk);
          }
          auto enc = chunkenc::EncodeXor(in_range);
          if (enc.ok()) {
            std::string_view bytes = arena->owned.emplace_back(std::move(*enc));
            sc.chunks.push_back(ChunkView{in_range.front().t, in_range.back().t,
                                          chunkenc::Encoding::kXor, bytes, nullptr});
          }
        }
      }
      if (!sc.chunks.empty() && !s->deleted.empty()) {
        deleted = &arena->deleted.emplace_back(s->deleted);
      }
    }
    if (!sc.chunks.empty()) {
      sc.labels = s->labels.ToLabels();
      keys_usable = AppendSortKey(s->labels, &keys) && keys_usable;
      key_ends.push_back(keys.size());
    }
    Unpin(s);
    if (sc.chunks.empty()) continue;
    if (deleted != nullptr) {
      for (auto& c : sc.chunks) c.deleted = deleted;
    }
    // Usually in order already; stable_sort would allocate a buffer even then.
    auto by_mint = [](const ChunkView& a, const ChunkView& b) { return a.mint < b.mint; };
    if (!std::is_sorted(sc.chunks.begin(), sc.chunks.end(), by_mint)) {
      std::stable_sort(sc.chunks.begin(), sc.chunks.end(), by_mint);
    }
    sc.keepalive.push_back(keep);
    out.push_back(std::move(sc));
  }
  if (!keys_usable) {
    std::sort(out.begin(), out.end(),
              [](const SeriesChunks& a, const SeriesChunks& b) { return a.labels < b.labels; });
    return out;
  }
  // Sorting by one flat key per series compares with a single memcmp instead
  // of a label-by-label walk (the sort dominated selects of many series).
  auto key = [&](uint32_t i) {
    size_t begin = i == 0 ? 0 : key_ends[i - 1];
    return std::string_view(keys.data() + begin, key_ends[i] - begin);
  };
  std::vector<uint32_t> order(out.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  std::vector<SeriesChunks> sorted;
  sorted.reserve(out.size());
  for (uint32_t i : order) sorted.push_back(std::move(out[i]));
  return sorted;
}

Result<std::vector<std::string>> Head::LabelValues(std::string_view name,
                                                   const std::vector<model::Matcher>& matchers) {
  if (matchers.empty()) return postings_.LabelValues(name);
  VIGIL_ASSIGN_OR_RETURN(std::vector<SeriesRef> refs, SelectRefs(matchers));
  std::unordered_set<std::string> values;
  for (SeriesRef ref : refs) {
    MemSeries* s = GetByRef(ref);
    if (s == nullptr) continue;
    std::string_view v = s->labels.Get(name);
    if (!v.empty()) values.emplace(v);
    Unpin(s);
  }
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> Head::LabelNames(const std::vector<model::Matcher>& matchers) {
  if (matchers.empty()) return postings_.LabelNames();
  VIGIL_ASSIGN_OR_RETURN(std::vector<SeriesRef> refs, SelectRefs(matchers));
  std::unordered_set<std::string> names;
  for (SeriesRef ref : refs) {
    MemSeries* s = GetByRef(ref);
    if (s == nullptr) continue;
    s->labels.ForEach([&](model::LabelView l) { names.emplace(l.name); });
    Unpin(s);
  }
  std::vector<std::string> out(names.begin(), names.end());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::pair<SeriesRef, block::Interval>>> Head::Delete(
    int64_t mint, int64_t maxt, const std::vector<model::Matcher>& matchers) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<SeriesRef> refs, SelectRefs(matchers));
  std::vector<std::pair<SeriesRef, block::Interval>> out;
  for (SeriesRef ref : refs) {
    MemSeries* s = GetByRef(ref);
    if (s == nullptr) continue;
    {
      std::lock_guard lock(s->mu);
      block::AddInterval(&s->deleted, block::Interval{mint, maxt});
    }
    Unpin(s);
    out.emplace_back(ref, block::Interval{mint, maxt});
  }
  return out;
}

void Head::ApplyTombstone(SeriesRef ref, block::Interval iv) {
  MemSeries* s = GetByRef(ref);
  if (s == nullptr) return;
  {
    std::lock_guard lock(s->mu);
    block::AddInterval(&s->deleted, iv);
  }
  Unpin(s);
}

// --- Moving data to blocks ---

std::vector<Head::SeriesCopy> Head::CopyBefore(int64_t boundary) {
  std::vector<SeriesCopy> out;
  ForEachSeries([&](MemSeries* s) {
    SeriesCopy c;
    {
      std::lock_guard lock(s->mu);
      for (const HeadChunkPtr& ch : s->closed) {
        if (ch->maxt < boundary) c.closed.push_back(ch);
      }
      if (s->open && s->open->NumSamples() > 0 && s->open->MaxTime() < boundary) {
        c.open_bytes = std::string(s->open->Bytes());
        c.open_samples = s->open->NumSamples();
        c.open_mint = s->open->MinTime();
        c.open_maxt = s->open->MaxTime();
      }
      for (const auto& smp : s->ooo) {
        if (smp.t >= boundary) break;
        c.ooo.push_back(smp);
      }
      if (c.closed.empty() && c.open_samples == 0 && c.ooo.empty()) return;
      c.deleted = s->deleted;
    }
    c.ref = s->ref;
    c.labels = s->labels.ToLabels();
    out.push_back(std::move(c));
  });
  return out;
}

size_t Head::RemoveCopied(const std::vector<SeriesCopy>& copies) {
  std::vector<MemSeries*> empty;
  for (const SeriesCopy& c : copies) {
    MemSeries* s = GetByRef(c.ref);
    if (s == nullptr) continue;
    {
      std::lock_guard lock(s->mu);
      if (!c.closed.empty()) {
        std::unordered_set<const HeadChunk*> copied;
        for (const auto& ch : c.closed) copied.insert(ch.get());
        std::erase_if(s->closed,
                      [&](const HeadChunkPtr& ch) { return copied.count(ch.get()) > 0; });
      }
      // An open chunk that got more samples since the copy stays; its
      // samples are written again later and deduplicated when blocks merge.
      if (c.open_samples > 0 && s->open && s->open->NumSamples() == c.open_samples &&
          s->open->MaxTime() == c.open_maxt && s->open->MinTime() == c.open_mint) {
        s->open.reset();
      }
      if (!c.ooo.empty()) {
        std::erase_if(s->ooo, [&](const model::Sample& smp) {
          auto it = std::lower_bound(c.ooo.begin(), c.ooo.end(), smp.t,
                                     [](const model::Sample& a, int64_t b) { return a.t < b; });
          return it != c.ooo.end() && it->t == smp.t && DoubleBits(it->v) == DoubleBits(smp.v);
        });
      }
      if (s->closed.empty() && !s->open && s->ooo.empty()) {
        s->deleted.clear();
        empty.push_back(s);
      }
    }
    Unpin(s);
  }

  // The new lower bound of the head's data; and every series without data,
  // including those created for a sample that was then refused.
  int64_t new_min = kMaxTime;
  std::unordered_set<MemSeries*> seen(empty.begin(), empty.end());
  ForEachSeries([&](MemSeries* s) {
    std::lock_guard lock(s->mu);
    int64_t smin = kMaxTime;
    if (!s->closed.empty()) smin = s->closed.front()->mint;
    if (s->open && s->open->NumSamples() > 0) smin = std::min(smin, s->open->MinTime());
    if (!s->ooo.empty()) smin = std::min(smin, s->ooo.front().t);
    if (smin == kMaxTime) {
      if (seen.insert(s).second) empty.push_back(s);
    } else {
      new_min = std::min(new_min, smin);
    }
  });
  min_time_.store(new_min, std::memory_order_release);

  // Remove series left without data, unless an appender or query holds them.
  // Only this function frees series, and callers serialize it, so the
  // pointers collected above are still valid here.
  std::vector<std::pair<uint64_t, model::Labels>> removed;
  std::vector<MemSeries*> to_free;
  for (MemSeries* s : empty) {
    Stripe& st = stripes_[s->hash % kStripes];
    RefStripe& rs = ref_stripes_[s->ref % kStripes];
    std::unique_lock lock(st.mu);
    std::unique_lock rlock(rs.mu);
    if (s->pins.load(std::memory_order_acquire) != 0) continue;
    {
      std::lock_guard slock(s->mu);
      if (!s->closed.empty() || s->open || !s->ooo.empty()) continue;
    }
    auto [b, e] = st.by_hash.equal_range(s->hash);
    for (auto it = b; it != e; ++it) {
      if (it->second == s) {
        st.by_hash.erase(it);
        break;
      }
    }
    rs.by_ref.Erase(s->ref);
    removed.emplace_back(s->ref, s->labels.ToLabels());
    to_free.push_back(s);
  }
  postings_.Delete(removed);
  // Nobody can pin these any more: they are in no map and no postings list.
  for (MemSeries* s : to_free) delete s;
  num_series_.fetch_sub(removed.size(), std::memory_order_relaxed);
  series_removed_->Inc(static_cast<double>(removed.size()));
  return removed.size();
}

uint64_t Head::NumChunks() {
  uint64_t n = 0;
  ForEachSeries([&](MemSeries* s) {
    std::lock_guard lock(s->mu);
    n += s->closed.size() + (s->open ? 1 : 0);
  });
  return n;
}

}  // namespace vigil::tsdb
