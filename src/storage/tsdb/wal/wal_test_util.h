// Helpers shared by the WAL's tests: a temporary directory and readers that
// collect everything they see.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "base/file.h"
#include "storage/tsdb/wal/reader.h"

namespace vigil::tsdb::wal::testing {

using TempDir = fs::TempDir;

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;  // start of each record in its segment
  std::vector<uint64_t> ends;
  std::vector<int> segments;  // segment index of each record
  std::vector<Corruption> corruptions;
  Status status;
};

inline ReadResult Drain(Reader& r, std::vector<Corruption>* sink) {
  ReadResult out;
  while (r.Next()) {
    out.records.emplace_back(r.record());
    out.offsets.push_back(r.offset());
    out.ends.push_back(r.end_offset());
    out.segments.push_back(r.segment().index);
  }
  out.status = r.status();
  out.corruptions = *sink;
  return out;
}

inline ReadResult ReadMemory(std::string_view data) {
  std::vector<Corruption> seen;
  ReaderOptions o;
  o.log_corruptions = false;
  o.reporter = [&seen](const Corruption& c) { seen.push_back(c); };
  auto r = Reader::FromMemory(data, std::move(o));
  return Drain(*r, &seen);
}

inline ReadResult ReadSegments(std::vector<SegmentRef> segs,
                               metrics::Registry* registry = nullptr) {
  std::vector<Corruption> seen;
  ReaderOptions o;
  o.log_corruptions = false;
  o.registry = registry;
  o.reporter = [&seen](const Corruption& c) { seen.push_back(c); };
  auto r = Reader::Open(std::move(segs), std::move(o));
  return Drain(*r, &seen);
}

inline ReadResult ReadDir(const std::string& dir, metrics::Registry* registry = nullptr) {
  auto segs = ListSegments(dir);
  EXPECT_TRUE(segs.ok()) << segs.status().ToString();
  return ReadSegments(segs.ok() ? *segs : std::vector<SegmentRef>{}, registry);
}

// A record of n bytes whose content depends on seed (compressible if text).
inline std::string MakeRecord(size_t n, uint32_t seed, bool compressible = false) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = compressible ? static_cast<char>('a' + (x >> 28) % 4) : static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace vigil::tsdb::wal::testing
