#include "storage/logstore/stream_iterator.h"

#include <algorithm>

namespace vigil::logstore {

namespace {

class StreamIterator : public EntryIterator {
 public:
  StreamIterator(std::vector<IterSource> sources, int64_t start_ns, int64_t end_ns,
                 Direction direction, std::vector<std::string> line_contains, bool want_lines,
                 bool want_metadata)
      : sources_(std::move(sources)),
        start_(start_ns),
        end_(end_ns),
        forward_(direction == Direction::kForward),
        want_lines_(want_lines),
        want_metadata_(want_metadata),
        line_contains_(std::move(line_contains)) {
    line_contains_.erase(std::remove(line_contains_.begin(), line_contains_.end(), std::string()),
                         line_contains_.end());
    for (size_t i = 0; i < sources_.size(); ++i) pending_.push_back(i);
    // Loading order: the source whose first entry (in the direction of
    // reading) comes first; ties in arrival order.
    std::stable_sort(pending_.begin(), pending_.end(), [&](size_t a, size_t b) {
      if (forward_) return sources_[a].min_time_ns < sources_[b].min_time_ns;
      return sources_[a].max_time_ns > sources_[b].max_time_ns;
    });
    if (!forward_) {
      // Among equal max times the later-arrived source is read first.
      std::stable_sort(pending_.begin(), pending_.end(), [&](size_t a, size_t b) {
        if (sources_[a].max_time_ns != sources_[b].max_time_ns) {
          return sources_[a].max_time_ns > sources_[b].max_time_ns;
        }
        return a > b;
      });
    }
  }

  bool Next() override {
    if (!status_.ok()) return false;
    for (;;) {
      int best = Best();
      while (next_pending_ < pending_.size()) {
        const IterSource& src = sources_[pending_[next_pending_]];
        bool due = best < 0 || (forward_ ? src.min_time_ns <= CursorTime(active_[best])
                                         : src.max_time_ns >= CursorTime(active_[best]));
        if (!due) break;
        if (!Load(pending_[next_pending_++])) return false;
        best = Best();
      }
      if (best < 0) return false;
      Cursor& c = active_[best];
      // Keeps the block alive when its exhausted cursor is dropped below.
      current_ = c.block;
      const EntryBlock& b = *current_;
      size_t i = forward_ ? c.pos : c.pos - 1;
      if (forward_) {
        ++c.pos;
      } else {
        --c.pos;
      }
      if (c.pos == c.end) active_.erase(active_.begin() + best);
      std::string_view line = b.Line(i);
      if (!Contains(line)) continue;
      entry_.time_ns = b.time(i);
      entry_.line_size = line.size();
      if (want_lines_) entry_.line.assign(line.data(), line.size());
      entry_.metadata.clear();
      if (want_metadata_ && !DecodeMeta(b.Meta(i), &entry_.metadata)) {
        status_ = Status::Corruption("log chunk: malformed structured metadata");
        return false;
      }
      return true;
    }
  }

  const LogEntry& At() const override { return entry_; }
  Status status() const override { return status_; }

 private:
  // Forward: pos counts up to end. Backward: pos counts down to end, the
  // next entry being pos - 1.
  struct Cursor {
    std::shared_ptr<const EntryBlock> block;
    size_t pos;
    size_t end;
    size_t order;
  };

  int64_t CursorTime(const Cursor& c) const { return c.block->time(forward_ ? c.pos : c.pos - 1); }

  int Best() const {
    int best = -1;
    for (size_t i = 0; i < active_.size(); ++i) {
      if (best < 0) {
        best = static_cast<int>(i);
        continue;
      }
      int64_t t = CursorTime(active_[i]);
      int64_t bt = CursorTime(active_[best]);
      bool better = forward_ ? (t < bt || (t == bt && active_[i].order < active_[best].order))
                             : (t > bt || (t == bt && active_[i].order > active_[best].order));
      if (better) best = static_cast<int>(i);
    }
    return best;
  }

  bool Load(size_t index) {
    IterSource& src = sources_[index];
    std::shared_ptr<const EntryBlock> block = src.block;
    if (!block) {
      auto loaded = std::make_shared<EntryBlock>();
      status_ = src.file->Load(src.loc, loaded.get());
      if (!status_.ok()) return false;
      block = std::move(loaded);
    }
    size_t lo = block->LowerBound(start_);
    size_t hi = block->LowerBound(end_);
    if (lo >= hi) return true;
    Cursor c{block, forward_ ? lo : hi, forward_ ? hi : lo, index};
    active_.push_back(std::move(c));
    return true;
  }

  bool Contains(std::string_view line) const {
    for (const auto& s : line_contains_) {
      if (line.find(s) == std::string_view::npos) return false;
    }
    return true;
  }

  std::vector<IterSource> sources_;
  const int64_t start_;
  const int64_t end_;
  const bool forward_;
  const bool want_lines_;
  const bool want_metadata_;
  std::vector<std::string> line_contains_;
  std::vector<size_t> pending_;
  size_t next_pending_ = 0;
  std::vector<Cursor> active_;
  std::shared_ptr<const EntryBlock> current_;
  LogEntry entry_;
  Status status_;
};

}  // namespace

std::unique_ptr<EntryIterator> NewStreamIterator(std::vector<IterSource> sources, int64_t start_ns,
                                                 int64_t end_ns, Direction direction,
                                                 std::vector<std::string> line_contains,
                                                 bool want_lines, bool want_metadata) {
  return std::make_unique<StreamIterator>(std::move(sources), start_ns, end_ns, direction,
                                          std::move(line_contains), want_lines, want_metadata);
}

}  // namespace vigil::logstore
