#include "storage/tsdb/block/index_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "base/checksum.h"
#include "base/coding.h"
#include "storage/tsdb/block/index_format.h"
#include "storage/tsdb/block/postings_codec.h"

namespace vigil::tsdb::block {

using namespace index_format;  // NOLINT(build/namespaces)

namespace {

void AppendChecksummed(std::string* buf, size_t from) {
  uint32_t c = Checksum32(buf->data() + from, buf->size() - from);
  Encbuf(buf).PutBE32(c);
}

}  // namespace

Result<std::unique_ptr<IndexWriter>> IndexWriter::Create(std::string path, uint32_t group_size) {
  if (group_size == 0 || group_size > kMaxGroupSize) {
    return Status::InvalidArgument(
        fmt::format("index group size {} not in [1, {}]", group_size, kMaxGroupSize));
  }
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(path), group_size));
}

IndexWriter::~IndexWriter() = default;

uint32_t IndexWriter::Intern(const std::string& s) {
  auto [it, inserted] = symbol_ids_.try_emplace(s, static_cast<uint32_t>(symbols_.size()));
  if (inserted) symbols_.push_back(&it->first);
  return it->second;
}

Status IndexWriter::CheckSeries(const model::Labels& labels) const {
  if (finished_) return Status::Internal("IndexWriter: AddSeries after Finish");
  if (labels.empty()) return Status::InvalidArgument("series without labels");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].name.empty() || labels[i].value.empty()) {
      return Status::InvalidArgument("empty label name or value in " + labels.ToString());
    }
    if (i > 0 && labels[i - 1].name >= labels[i].name) {
      return Status::InvalidArgument("labels not sorted or not unique: " + labels.ToString());
    }
  }
  if (num_series() > 0 && prev_.Compare(labels) >= 0) {
    return Status::InvalidArgument(fmt::format("series {} added after {} (need increasing order)",
                                               labels.ToString(), prev_.ToString()));
  }
  if (num_series() >= kMaxSeries) {
    return Status::ResourceExhausted("too many series for one block index");
  }
  return Status::OK();
}

Status IndexWriter::CheckChunkTimes(int64_t mint, int64_t maxt) {
  int64_t dur;
  if (maxt < mint || __builtin_sub_overflow(maxt, mint, &dur)) {
    return Status::InvalidArgument(fmt::format("chunk has maxt {} < mint {}", maxt, mint));
  }
  return Status::OK();
}

Status IndexWriter::AddSeries(const model::Labels& labels, std::span<const ChunkMeta> chunks) {
  VIGIL_RETURN_IF_ERROR(CheckSeries(labels));
  for (const auto& c : chunks) VIGIL_RETURN_IF_ERROR(CheckChunkTimes(c.mint, c.maxt));
  uint64_t ref = num_series();

  bool group_start = ref % group_size_ == 0;
  size_t shared = 0;
  if (!group_start) {
    while (shared < labels.size() && shared < prev_.size() && labels[shared] == prev_[shared]) {
      ++shared;
    }
  }
  Encbuf e(&series_buf_);
  e.PutUvarint(shared);
  e.PutUvarint(labels.size() - shared);
  const uint32_t r = static_cast<uint32_t>(ref);
  for (size_t i = 0; i < labels.size(); ++i) {
    uint32_t name = Intern(labels[i].name);
    uint32_t value = Intern(labels[i].value);
    uint64_t key = (uint64_t{name} << 32) | value;
    auto [it, inserted] = pair_index_.try_emplace(key, static_cast<uint32_t>(pairs_.size()));
    if (inserted) {
      pairs_.emplace_back();
      pairs_.back().name = name;
      pairs_.back().value = value;
      pairs_.back().id = it->second;
    }
    PairPostings& p = pairs_[it->second];
    Encbuf(&p.gaps).PutUvarint(p.count == 0 ? r : r - p.last - 1);
    p.last = r;
    ++p.count;
    if (i >= shared) e.PutUvarint(it->second);
  }

  if (!have_base_ && !chunks.empty()) {
    have_base_ = true;
    base_time_ = chunks[0].mint;
  }
  if (group_start) {
    prev_chunks_.clear();
    prev_ref_ = 0;
  }
  // Series of one target usually have chunks cut at the same times: then one
  // flag replaces all the times.
  bool same_times = !chunks.empty() && chunks.size() == prev_chunks_.size();
  for (size_t i = 0; same_times && i < chunks.size(); ++i) {
    same_times = chunks[i].mint == prev_chunks_[i].mint && chunks[i].maxt == prev_chunks_[i].maxt;
  }
  e.PutUvarint((uint64_t{chunks.size()} << 1) | (same_times ? 1 : 0));
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkMeta& c = chunks[i];
    int64_t dur = WrapSub(c.maxt, c.mint);
    if (!same_times) {
      if (i < prev_chunks_.size()) {
        e.PutVarint(WrapSub(c.mint, prev_chunks_[i].mint));
        e.PutVarint(WrapSub(dur, WrapSub(prev_chunks_[i].maxt, prev_chunks_[i].mint)));
      } else {
        e.PutVarint(WrapSub(c.mint, i == 0 ? base_time_ : chunks[i - 1].maxt));
        e.PutUvarint(static_cast<uint64_t>(dur));
      }
    }
    e.PutVarint(static_cast<int64_t>(c.ref - prev_ref_));
    prev_ref_ = c.ref;
  }
  prev_chunks_.assign(chunks.begin(), chunks.end());
  series_off_.push_back(series_buf_.size());
  prev_ = labels;
  return Status::OK();
}

Status IndexWriter::Finish() {
  if (finished_) return Status::Internal("IndexWriter: Finish called twice");
  finished_ = true;
  VIGIL_ASSIGN_OR_RETURN(auto file, fs::WritableFile::Create(path_));
  uint64_t toc[5];

  char header[kHeaderSize] = {};
  EncodeFixed32BE(header, kMagic);
  header[4] = static_cast<char>(kVersion);
  VIGIL_RETURN_IF_ERROR(file->Append(std::string_view(header, sizeof header)));

  // Symbols, sorted; remap[temporary id] = final id.
  std::vector<uint32_t> order(symbols_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return *symbols_[a] < *symbols_[b]; });
  std::vector<uint32_t> remap(symbols_.size());
  for (uint32_t i = 0; i < order.size(); ++i) remap[order[i]] = i;
  toc[0] = file->Size();
  std::string buf;
  Encbuf e(&buf);
  Checksum32Stream sum;
  e.PutUvarint(order.size());
  for (size_t i = 0; i <= order.size(); ++i) {
    if (i < order.size()) e.PutUvarintStr(*symbols_[order[i]]);
    if (buf.size() >= (64 << 10) || i == order.size()) {
      sum.Update(buf);
      VIGIL_RETURN_IF_ERROR(file->Append(buf));
      buf.clear();
    }
  }
  e.PutBE32(sum.Digest());
  VIGIL_RETURN_IF_ERROR(file->Append(buf));
  if (file->Size() > UINT32_MAX) return Status::ResourceExhausted("symbol table over 4 GiB");

  // Postings order is (name, value); it also numbers names and values for
  // the series entries.
  std::sort(pairs_.begin(), pairs_.end(), [&](const PairPostings& a, const PairPostings& b) {
    uint32_t an = remap[a.name], bn = remap[b.name];
    return an != bn ? an < bn : remap[a.value] < remap[b.value];
  });
  std::vector<uint32_t> pair_name(pairs_.size()), pair_value(pairs_.size());
  size_t num_names = 0;
  for (size_t i = 0, value = 0; i < pairs_.size(); ++i, ++value) {
    if (i == 0 || pairs_[i].name != pairs_[i - 1].name) {
      ++num_names;
      value = 0;
    }
    pair_name[pairs_[i].id] = static_cast<uint32_t>(num_names - 1);
    pair_value[pairs_[i].id] = static_cast<uint32_t>(value);
  }

  // Series groups.
  toc[1] = file->Size();
  const uint64_t n = num_series();
  std::vector<uint64_t> group_offsets;
  group_offsets.reserve((n + group_size_ - 1) / group_size_);
  std::vector<uint32_t> cur, prev;  // pair ids of the current and previous series
  for (uint64_t g = 0; g * group_size_ < n; ++g) {
    group_offsets.push_back(file->Size());
    buf.clear();
    for (uint64_t s = g * group_size_; s < std::min(n, (g + 1) * group_size_); ++s) {
      Decbuf d(series_buf_.data() + series_off_[s], series_off_[s + 1] - series_off_[s]);
      uint64_t shared = d.Uvarint();
      uint64_t fresh = d.Uvarint();
      e.PutUvarint(shared);
      e.PutUvarint(fresh);
      cur.assign(prev.begin(), prev.begin() + static_cast<ptrdiff_t>(shared));
      for (uint64_t i = 0; i < fresh; ++i) {
        uint32_t pair = static_cast<uint32_t>(d.Uvarint());
        uint32_t next_name = cur.empty() ? 0 : pair_name[cur.back()] + 1;
        e.PutUvarint(pair_name[pair] - next_name);
        e.PutUvarint(pair_value[pair]);
        cur.push_back(pair);
      }
      e.PutBytes(d.Bytes(d.Len()));  // chunk metas
      std::swap(cur, prev);
    }
    AppendChecksummed(&buf, 0);
    VIGIL_RETURN_IF_ERROR(file->Append(buf));
  }
  std::string().swap(series_buf_);

  // Series table.
  toc[2] = file->Size();
  buf.clear();
  e.PutBE32(group_size_);
  e.PutBE64(n);
  e.PutBE64(static_cast<uint64_t>(base_time_));
  for (uint64_t off : group_offsets) e.PutBE64(off);
  AppendChecksummed(&buf, 0);
  VIGIL_RETURN_IF_ERROR(file->Append(buf));

  // Postings, in (name, value) order; the label table records their lengths.
  toc[3] = file->Size();
  std::string table;
  Encbuf t(&table);
  t.PutUvarint(num_names);
  PostingsList refs;
  for (size_t i = 0; i < pairs_.size();) {
    size_t j = i;
    while (j < pairs_.size() && pairs_[j].name == pairs_[i].name) ++j;
    t.PutUvarint(remap[pairs_[i].name]);
    t.PutUvarint(j - i);
    uint32_t prev_value = 0;
    for (size_t k = i; k < j; ++k) {
      PairPostings& p = pairs_[k];
      refs.clear();
      Decbuf d(p.gaps);
      uint64_t v = 0;
      for (uint32_t c = 0; c < p.count; ++c) {
        v += d.Uvarint() + (c == 0 ? 0 : 1);
        refs.push_back(v);
      }
      buf.clear();
      EncodePostings(refs, &buf);
      AppendChecksummed(&buf, 0);
      VIGIL_RETURN_IF_ERROR(file->Append(buf));
      uint32_t value = remap[p.value];
      t.PutUvarint(k == i ? value : value - prev_value);
      t.PutUvarint(buf.size());
      prev_value = value;
      std::string().swap(p.gaps);
    }
    i = j;
  }

  toc[4] = file->Size();
  AppendChecksummed(&table, 0);
  VIGIL_RETURN_IF_ERROR(file->Append(table));

  buf.clear();
  for (uint64_t off : toc) e.PutBE64(off);
  AppendChecksummed(&buf, 0);
  VIGIL_RETURN_IF_ERROR(file->Append(buf));
  file_size_ = file->Size();
  VIGIL_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace vigil::tsdb::block
