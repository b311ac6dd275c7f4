#include "storage/tsdb/compact.h"

#include <algorithm>
#include <set>

#include "storage/tsdb/block/block_writer.h"
#include "storage/tsdb/chunkenc/chunkenc.h"
#include "storage/tsdb/querier.h"

namespace vigil::tsdb {

namespace {

// True when the chunks can be written as they are: compact, in range, in
// order, nothing deleted, and either one chunk or chunks of the target size.
bool IsClean(const SeriesChunks& s, int64_t mint, int64_t maxt, int samples_per_chunk) {
  for (size_t i = 0; i < s.chunks.size(); ++i) {
    const ChunkView& c = s.chunks[i];
    if (c.encoding != chunkenc::Encoding::kCompact) return false;
    if (s.chunks.size() > 1 && chunkenc::NumSamples(c.encoding, c.data) < samples_per_chunk &&
        i + 1 < s.chunks.size()) {
      return false;  // short chunks are merged (only the last one may be short)
    }
    if (c.mint < mint || c.maxt >= maxt) return false;
    if (c.deleted != nullptr) {
      for (const auto& iv : *c.deleted) {
        if (iv.mint <= c.maxt && c.mint <= iv.maxt) return false;
      }
    }
    if (i > 0 && c.mint <= s.chunks[i - 1].maxt) return false;
  }
  return true;
}

// Decodes, merges and re-chunks a series' samples; appends the new chunks'
// bytes to *storage and their descriptions to *out.
Status Normalize(const SeriesChunks& s, int64_t mint, int64_t maxt, int samples_per_chunk,
                 std::vector<std::string>* storage, std::vector<block::ChunkData>* out,
                 uint64_t* num_samples) {
  std::vector<model::Sample> merged;
  bool overlapping = false;
  for (size_t i = 1; i < s.chunks.size(); ++i) {
    if (s.chunks[i].mint <= s.chunks[i - 1].maxt) overlapping = true;
  }
  if (overlapping) {
    // The merging iterator already implements "first chunk wins" and deletions.
    ChunkSeriesIterator it(s.chunks, {}, mint, maxt - 1);
    while (it.Next()) merged.push_back({it.t(), it.v()});
    VIGIL_RETURN_IF_ERROR(it.status());
  } else {
    std::vector<model::Sample> buf;
    for (const ChunkView& c : s.chunks) {
      buf.clear();
      VIGIL_RETURN_IF_ERROR(chunkenc::DecodeAll(c.encoding, c.data, &buf));
      for (const auto& smp : buf) {
        if (smp.t < mint || smp.t >= maxt) continue;
        if (c.deleted != nullptr && block::IsDeleted(*c.deleted, smp.t)) continue;
        merged.push_back(smp);
      }
    }
  }
  for (size_t start = 0; start < merged.size(); start += samples_per_chunk) {
    size_t n = std::min(merged.size() - start, static_cast<size_t>(samples_per_chunk));
    std::span<const model::Sample> part(merged.data() + start, n);
    VIGIL_ASSIGN_OR_RETURN(std::string bytes, chunkenc::EncodeCompact(part));
    storage->push_back(std::move(bytes));
    *num_samples += n;
    out->push_back(block::ChunkData{
        part.front().t, part.back().t, static_cast<uint8_t>(chunkenc::Encoding::kCompact), {}});
  }
  return Status::OK();
}

}  // namespace

Result<block::BlockMeta> WriteBlock(const std::string& parent_dir, std::vector<SeriesChunks> series,
                                    int64_t mint, int64_t maxt, const WriteBlockOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(auto writer, block::BlockWriter::Create(parent_dir));
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  std::vector<block::ChunkData> chunks;
  std::vector<std::string> storage;
  for (const SeriesChunks& s : series) {
    chunks.clear();
    storage.clear();
    if (IsClean(s, mint, maxt, options.samples_per_chunk)) {
      for (const ChunkView& c : s.chunks) {
        int n = chunkenc::NumSamples(c.encoding, c.data);
        if (n < 0)
          return Status::Corruption("chunk with a malformed header in " + s.labels.ToString());
        num_samples += static_cast<uint64_t>(n);
        chunks.push_back(
            block::ChunkData{c.mint, c.maxt, static_cast<uint8_t>(c.encoding), c.data});
      }
    } else {
      VIGIL_RETURN_IF_ERROR(
          Normalize(s, mint, maxt, options.samples_per_chunk, &storage, &chunks, &num_samples)
              .WithContext("series " + s.labels.ToString()));
      for (size_t i = 0; i < chunks.size(); ++i) chunks[i].bytes = storage[i];
    }
    if (chunks.empty()) continue;
    VIGIL_RETURN_IF_ERROR(writer->AddSeries(s.labels, chunks));
    ++num_series;
  }
  if (num_series == 0) return Status::NotFound("no samples to write");
  // The block's range is that of its data (the writer computes it), so that
  // the newest sample time survives a restart exactly.
  block::BlockMeta partial;
  partial.stats.num_samples = num_samples;
  partial.compaction = options.compaction;
  return writer->Finish(partial);
}

Result<std::vector<SeriesChunks>> ReadAllSeries(const std::shared_ptr<block::BlockReader>& block) {
  VIGIL_ASSIGN_OR_RETURN(block::PostingsList refs, block->AllPostings());
  std::shared_ptr<const block::Tombstones> tombstones = block->tombstones();
  block::SeriesCursor cursor = block->NewSeriesCursor();
  std::vector<SeriesChunks> out;
  out.reserve(refs.size());
  std::vector<block::ChunkMeta> metas;
  for (uint64_t ref : refs) {
    SeriesChunks sc;
    VIGIL_RETURN_IF_ERROR(cursor.Get(ref, &sc.labels, &metas));
    const block::Intervals* deleted = tombstones ? tombstones->Get(ref) : nullptr;
    for (const auto& m : metas) {
      VIGIL_ASSIGN_OR_RETURN(block::Chunk c, block->ReadChunk(m.ref));
      sc.chunks.push_back(
          ChunkView{m.mint, m.maxt, static_cast<chunkenc::Encoding>(c.encoding), c.bytes, deleted});
    }
    sc.keepalive.push_back(block);
    if (tombstones) sc.keepalive.push_back(tombstones);
    out.push_back(std::move(sc));
  }
  return out;
}

Result<block::BlockMeta> CompactBlocks(
    const std::string& parent_dir, const std::vector<std::shared_ptr<block::BlockReader>>& blocks,
    const WriteBlockOptions& options) {
  if (blocks.empty()) return Status::InvalidArgument("no blocks to compact");
  std::vector<std::vector<SeriesChunks>> sources;
  WriteBlockOptions opts = options;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  std::set<std::string> sources_ulids;
  int level = 0;
  for (const auto& b : blocks) {
    const block::BlockMeta& m = b->meta();
    mint = std::min(mint, m.min_time);
    maxt = std::max(maxt, m.max_time);
    level = std::max(level, m.compaction.level);
    for (const auto& s : m.compaction.sources) sources_ulids.insert(s);
    opts.compaction.parents.push_back(block::BlockDesc{m.ulid, m.min_time, m.max_time});
    VIGIL_ASSIGN_OR_RETURN(auto series, ReadAllSeries(b));
    sources.push_back(std::move(series));
  }
  opts.compaction.level = level + 1;
  opts.compaction.sources.assign(sources_ulids.begin(), sources_ulids.end());
  return WriteBlock(parent_dir, MergeSources(std::move(sources)), mint, maxt, opts);
}

}  // namespace vigil::tsdb
