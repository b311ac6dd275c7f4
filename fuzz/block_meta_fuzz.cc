// Fuzz target for the small block files read at open: meta.json (simdjson)
// and the tombstones file. Malformed input is a Status, never a crash; what
// decodes re-encodes to something that decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/tsdb/block/meta.h"
#include "storage/tsdb/block/tombstones.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  namespace block = vigil::tsdb::block;
  if (auto meta = block::ParseMetaJSON(s); meta.ok()) {
    auto again = block::ParseMetaJSON(block::EncodeMetaJSON(*meta));
    if (!again.ok() || !(*again == *meta)) std::abort();
  }
  if (auto ts = block::Tombstones::Decode(s); ts.ok()) {
    auto again = block::Tombstones::Decode(ts->Encode());
    if (!again.ok() || !(*again == *ts)) std::abort();
  }
  return 0;
}
