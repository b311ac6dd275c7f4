// The on-disk encoding of one postings list inside a block index.
//
// Refs are strictly increasing and below 2^32 (a block index holds fewer
// series than that). After the count and the first ref, the others are
// stored as gaps ref[i] - ref[i-1] - 1 (a run of consecutive refs is all
// zeros), bit-packed in blocks of 128 at the block's widest gap (frame of
// reference); the tail of fewer than 128 gaps is packed the same way, or
// written as uvarints when it has fewer than 8. Layout in
// docs/storage-format.md (blocks).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/tsdb/block/postings.h"

namespace vigil::tsdb::block {

inline constexpr size_t kPostingsBlockSize = 128;

// Appends the encoding of refs (strictly increasing, each < 2^32) to out.
void EncodePostings(PostingsSpan refs, std::string* out);

// Decodes one list and appends its refs to out. Every ref must be below
// universe; anything malformed is Corruption (the message has no file name;
// callers add it). Never allocates more than the data can describe.
Status DecodePostings(std::string_view data, uint64_t universe, PostingsList* out);

}  // namespace vigil::tsdb::block
