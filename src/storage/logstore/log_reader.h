// The read seam of log storage: what the LogQL engine and the Loki API may
// use to read logs. The log store (logstore.h) implements it; tests may use
// an in-memory implementation.
//
// A stream is one label set; its entries are (timestamp, line, structured
// metadata). Select returns the streams matching the matchers that have
// entries in [start_ns, end_ns) (Loki's range: start inclusive, end
// exclusive), each stream's entries in the requested direction. Entries with
// the same timestamp keep their arrival order (forward) or its reverse
// (backward). Identical entries (same stream, timestamp and line) are all
// kept: a log may repeat a line.
//
// The optional `line_contains` hint lists substrings every returned line must
// contain (from `|= "..."` filters ahead of any parser); an implementation
// may use it to skip chunks, and must still return only matching lines or
// may ignore it (the engine filters again).
//
// Thread-safety: a LogReader may be used from several threads at once; a
// StreamIterator / EntryIterator belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "model/labels.h"
#include "model/log_record.h"
#include "model/matcher.h"

namespace vigil::logstore {

enum class Direction { kForward, kBackward };

struct LogEntry {
  int64_t time_ns = 0;
  std::string line;
  std::vector<model::LogAttribute> metadata;  // structured metadata, may be empty
  size_t line_size = 0;  // the line's length, also when the line was not read (want_lines)
};

// The entries of one stream, in the direction asked for.
class EntryIterator {
 public:
  virtual ~EntryIterator() = default;
  virtual bool Next() = 0;
  // Valid after Next returned true, until the next call to Next.
  virtual const LogEntry& At() const = 0;
  virtual Status status() const { return Status::OK(); }
};

class StreamSet {
 public:
  virtual ~StreamSet() = default;
  // Streams in label order (model::Labels::Compare).
  virtual bool Next() = 0;
  virtual const model::Labels& labels() const = 0;
  // A fresh iterator over the current stream's entries.
  virtual std::unique_ptr<EntryIterator> Entries() = 0;
  virtual Status status() const = 0;
};

struct SelectParams {
  std::vector<model::Matcher> matchers;  // at least one must not match ""
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // exclusive
  Direction direction = Direction::kForward;
  std::vector<std::string> line_contains;  // hint, see above
  // Hints for queries that only count: an implementation may then leave
  // LogEntry::metadata, or LogEntry::line, empty (and skip decoding them).
  bool want_metadata = true;
  bool want_lines = true;
};

struct IndexStats {
  uint64_t streams = 0;
  uint64_t chunks = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;  // uncompressed line bytes
};

class LogReader {
 public:
  virtual ~LogReader() = default;
  virtual Result<std::unique_ptr<StreamSet>> Select(const SelectParams& params) = 0;
  // Label names / values of the streams matching `matchers` (all streams
  // when empty) with entries in [start_ns, end_ns); sorted, unique.
  virtual Result<std::vector<std::string>> LabelNames(const std::vector<model::Matcher>& matchers,
                                                      int64_t start_ns, int64_t end_ns) = 0;
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<model::Matcher>& matchers,
                                                       int64_t start_ns, int64_t end_ns) = 0;
  // Stream label sets matching `matchers` in [start_ns, end_ns), sorted.
  virtual Result<std::vector<model::Labels>> Series(const std::vector<model::Matcher>& matchers,
                                                    int64_t start_ns, int64_t end_ns) = 0;
  virtual Result<IndexStats> Stats(const std::vector<model::Matcher>& matchers, int64_t start_ns,
                                   int64_t end_ns) = 0;
};

}  // namespace vigil::logstore
