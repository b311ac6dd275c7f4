#include "storage/tsdb/block/block_reader.h"

#include <fmt/format.h>

#include "base/file.h"
#include "storage/tsdb/block/block_writer.h"

namespace vigil::tsdb::block {

Result<std::shared_ptr<BlockReader>> BlockReader::Open(const std::string& dir) {
  std::shared_ptr<BlockReader> b(new BlockReader());
  b->dir_ = dir;
  VIGIL_ASSIGN_OR_RETURN(b->meta_, ReadMetaFile(dir));
  VIGIL_ASSIGN_OR_RETURN(b->index_, IndexReader::Open(fs::Join(dir, kIndexFile)));
  VIGIL_ASSIGN_OR_RETURN(b->chunks_, ChunkReader::Open(fs::Join(dir, kChunksDir)));
  if (b->meta_.stats.num_series != b->index_->NumSeries()) {
    return Status::Corruption(fmt::format("block {}: meta.json says {} series, index has {}", dir,
                                          b->meta_.stats.num_series, b->index_->NumSeries()));
  }
  VIGIL_ASSIGN_OR_RETURN(b->tombstones_, b->LoadTombstones());
  return b;
}

Result<std::shared_ptr<const Tombstones>> BlockReader::LoadTombstones() const {
  std::string path = fs::Join(dir_, kTombstonesFile);
  if (!fs::Exists(path)) return std::make_shared<const Tombstones>();
  VIGIL_ASSIGN_OR_RETURN(auto data, fs::ReadFile(path));
  auto t = Tombstones::Decode(data);
  if (!t.ok()) return t.status().WithContext(path);
  if (!t->empty() && t->series().rbegin()->first >= NumSeries()) {
    return Status::Corruption(fmt::format("{}: tombstone for series ref {} beyond {} series", path,
                                          t->series().rbegin()->first, NumSeries()));
  }
  return std::make_shared<const Tombstones>(std::move(t).value());
}

std::shared_ptr<const Tombstones> BlockReader::tombstones() const {
  std::lock_guard<std::mutex> l(mu_);
  return tombstones_;
}

Status BlockReader::ReloadTombstones() {
  std::lock_guard<std::mutex> l(mu_);
  VIGIL_ASSIGN_OR_RETURN(auto t, LoadTombstones());
  tombstones_ = std::move(t);
  return Status::OK();
}

Status BlockReader::WriteTombstones(const Tombstones& t) {
  if (!t.empty() && t.series().rbegin()->first >= NumSeries()) {
    return Status::InvalidArgument(fmt::format("tombstone for series ref {} not in block {}",
                                               t.series().rbegin()->first, dir_));
  }
  std::lock_guard<std::mutex> l(mu_);
  VIGIL_RETURN_IF_ERROR(fs::WriteFileAtomic(fs::Join(dir_, kTombstonesFile), t.Encode()));
  tombstones_ = std::make_shared<const Tombstones>(t);
  return Status::OK();
}

}  // namespace vigil::tsdb::block
