#include "storage/tsdb/block/block_writer.h"

#include <fmt/format.h>

#include "base/time.h"
#include "storage/tsdb/block/tombstones.h"
#include "storage/tsdb/block/ulid.h"

namespace vigil::tsdb::block {

namespace {

Status WriteSynced(const std::string& path, std::string_view data) {
  VIGIL_ASSIGN_OR_RETURN(auto f, fs::WritableFile::Create(path));
  VIGIL_RETURN_IF_ERROR(f->Append(data));
  VIGIL_RETURN_IF_ERROR(f->Sync());
  return f->Close();
}

}  // namespace

Result<std::unique_ptr<BlockWriter>> BlockWriter::Create(const std::string& parent_dir,
                                                         std::string ulid,
                                                         BlockWriterOptions options) {
  if (ulid.empty()) ulid = NewULID(NowMillis());
  if (!IsValidULID(ulid)) return Status::InvalidArgument("block name is not a ULID: " + ulid);
  std::unique_ptr<BlockWriter> w(new BlockWriter());
  w->ulid_ = std::move(ulid);
  w->parent_ = parent_dir;
  w->dir_ = fs::Join(parent_dir, w->ulid_);
  w->tmp_dir_ = w->dir_ + kTmpSuffix;
  if (fs::Exists(w->dir_)) return Status::AlreadyExists("block directory exists: " + w->dir_);
  VIGIL_RETURN_IF_ERROR(fs::RemoveAll(w->tmp_dir_));
  VIGIL_RETURN_IF_ERROR(fs::CreateDirs(w->tmp_dir_));
  VIGIL_ASSIGN_OR_RETURN(
      w->chunks_, ChunkWriter::Create(fs::Join(w->tmp_dir_, kChunksDir), options.max_segment_size));
  VIGIL_ASSIGN_OR_RETURN(
      w->index_, IndexWriter::Create(fs::Join(w->tmp_dir_, kIndexFile), options.index_group_size));
  return w;
}

BlockWriter::~BlockWriter() {
  if (!finished_) {
    chunks_.reset();
    index_.reset();
    (void)fs::RemoveAll(tmp_dir_);
  }
}

Status BlockWriter::AddSeries(const model::Labels& labels, std::span<const ChunkData> chunks) {
  if (finished_ || failed_) return Status::Internal("BlockWriter: not writable");
  // Check what IndexWriter would refuse before writing any chunk bytes, so a
  // refused series leaves nothing behind.
  VIGIL_RETURN_IF_ERROR(index_->CheckSeries(labels));
  for (const auto& c : chunks) {
    VIGIL_RETURN_IF_ERROR(IndexWriter::CheckChunkTimes(c.mint, c.maxt));
  }
  metas_.clear();
  for (const auto& c : chunks) {
    auto ref = chunks_->Write(c.encoding, c.bytes);
    if (!ref.ok()) {
      failed_ = true;
      return ref.status();
    }
    metas_.push_back(ChunkMeta{c.mint, c.maxt, *ref});
    min_t_ = std::min(min_t_, c.mint);
    max_t_ = std::max(max_t_, c.maxt);
  }
  Status s = index_->AddSeries(labels, metas_);
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  num_chunks_ += chunks.size();
  return Status::OK();
}

Result<BlockMeta> BlockWriter::Finish(BlockMeta partial) {
  if (finished_ || failed_) return Status::Internal("BlockWriter: not writable");
  failed_ = true;  // until everything below succeeded
  BlockMeta m = std::move(partial);
  m.ulid = ulid_;
  if (m.max_time <= m.min_time) {
    if (num_chunks_ > 0) {
      m.min_time = min_t_;
      m.max_time = max_t_ == INT64_MAX ? max_t_ : max_t_ + 1;
    } else {
      m.min_time = m.max_time = 0;
    }
  }
  m.stats.num_series = index_->num_series();
  m.stats.num_chunks = num_chunks_;
  m.stats.num_tombstones = 0;
  if (m.compaction.level < 1) m.compaction.level = 1;
  if (m.compaction.sources.empty()) m.compaction.sources = {ulid_};
  m.version = kMetaVersion;

  VIGIL_RETURN_IF_ERROR(chunks_->Finish());
  VIGIL_RETURN_IF_ERROR(index_->Finish());
  VIGIL_RETURN_IF_ERROR(WriteSynced(fs::Join(tmp_dir_, kTombstonesFile), Tombstones().Encode()));
  VIGIL_RETURN_IF_ERROR(WriteSynced(fs::Join(tmp_dir_, "meta.json"), EncodeMetaJSON(m)));
  VIGIL_RETURN_IF_ERROR(fs::SyncDir(tmp_dir_));
  VIGIL_RETURN_IF_ERROR(fs::Rename(tmp_dir_, dir_));
  finished_ = true;
  failed_ = false;
  VIGIL_RETURN_IF_ERROR(fs::SyncDir(parent_));
  return m;
}

}  // namespace vigil::tsdb::block
