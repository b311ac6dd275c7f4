// Reading one stream: merges its chunks (in memory or in chunk files, loaded
// lazily when the merge reaches them) and a copy of its head into one
// time-ordered sequence of entries. Internal to the log store.
//
// Sources are given in arrival order (chunks in the order they were cut, the
// head last); entries with equal times come out in that order (forward) or
// its reverse (backward), which is arrival order because a cut takes all of
// a stream's head. Only entries in [start_ns, end_ns) whose line contains
// every `line_contains` substring are returned.
//
// Thread-safety: an iterator belongs to one thread; the blocks it reads are
// immutable and shared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/logstore/chunk_file.h"
#include "storage/logstore/entry_block.h"
#include "storage/logstore/log_reader.h"

namespace vigil::logstore {

struct IterSource {
  std::shared_ptr<const EntryBlock> block;  // set: in memory (sorted)
  std::shared_ptr<ChunkFile> file;          // else: read from here
  ChunkLocation loc;
  int64_t min_time_ns = 0;
  int64_t max_time_ns = 0;
};

// want_lines / want_metadata false: entries leave line / metadata empty
// (SelectParams' hints); line_size is always set.
std::unique_ptr<EntryIterator> NewStreamIterator(std::vector<IterSource> sources, int64_t start_ns,
                                                 int64_t end_ns, Direction direction,
                                                 std::vector<std::string> line_contains,
                                                 bool want_lines = true, bool want_metadata = true);

}  // namespace vigil::logstore
