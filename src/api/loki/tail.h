// Live tailing for /loki/api/v1/tail: a Tailer polls a LogReader and
// produces what is new since its last poll; a TailManager owns the threads
// that run one Tailer per WebSocket connection.
//
// A Tailer's first poll sends history as Loki does: the newest `limit`
// entries in [start, now - delay_for), oldest first. Every later poll reads
// forward from the last timestamp it delivered (inclusive, so entries that
// arrive late with that same timestamp are not missed) up to now -
// delay_for (exclusive), skipping the entries at that timestamp it has
// already delivered (a multiset: identical lines are each delivered once).
// An entry older than the last delivered timestamp that arrives after its
// window was polled is not delivered (Loki pushes live entries to tailers;
// Vigil polls: delay_for covers senders that are a little late).
// The pipeline (filters, parsers, formatters) runs on each new entry; its
// output labels group the entries into the frame's streams.
//
// Owned by helper "lokiapi". Thread-safety: a Tailer belongs to one thread;
// a TailManager is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http/http.h"
#include "base/result.h"
#include "model/matcher.h"
#include "query/logql/engine.h"
#include "storage/logstore/log_reader.h"

namespace vigil::api::loki {

struct TailerOptions {
  std::vector<model::Matcher> matchers;
  std::unique_ptr<logql::EntryPipeline> pipeline;  // null: lines and labels as stored
  int64_t start_ns = 0;
  int64_t delay_ns = 0;
  uint32_t limit = 100;  // history entries
  // Most new entries one live poll returns (the rest come with the next).
  size_t max_entries_per_poll = 5000;
};

class Tailer {
 public:
  Tailer(logstore::LogReader* reader, TailerOptions options);

  // What is new at now_ns, grouped into streams (labels after the
  // pipeline), each stream's entries oldest first; empty when nothing is.
  Result<std::vector<logql::Stream>> Poll(int64_t now_ns);
  // False when the last poll stopped at max_entries_per_poll: poll again
  // at once.
  bool caught_up() const { return caught_up_; }

 private:
  struct Raw {
    int64_t time_ns;
    uint64_t key;  // hash of stream and line, for the boundary multiset
    uint32_t stream;
    logstore::LogEntry entry;
  };
  Status ReadHistory(int64_t end_ns, std::vector<Raw>* out);
  Status ReadLive(int64_t end_ns, std::vector<Raw>* out);
  std::vector<logql::Stream> Render(std::vector<Raw>& raws);

  logstore::LogReader* const reader_;
  TailerOptions options_;
  bool history_done_ = false;
  bool caught_up_ = true;
  int64_t cursor_ns_ = 0;  // next poll starts here (inclusive)
  // Entries delivered at cursor_ns_, by key, with their counts.
  std::unordered_map<uint64_t, uint32_t> delivered_at_cursor_;
  std::vector<model::Labels> stream_labels_;  // of the current poll, by Raw::stream
};

// The threads of the live tails. Destroying it closes every tail's
// WebSocket (1001) and joins the threads.
class TailManager {
 public:
  explicit TailManager(size_t max_tails) : max_tails_(max_tails) {}
  ~TailManager();
  TailManager(const TailManager&) = delete;
  TailManager& operator=(const TailManager&) = delete;

  // Runs `body` on a new thread. False (body not run) when max_tails run
  // already or the manager is stopping.
  bool Start(std::shared_ptr<http::WebSocket> ws, std::function<void()> body);
  size_t active();
  size_t max_tails() const { return max_tails_; }

 private:
  struct Tail {
    std::thread thread;
    std::shared_ptr<http::WebSocket> ws;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void ReapLocked();

  const size_t max_tails_;
  std::mutex mu_;
  bool stopping_ = false;
  std::list<Tail> tails_;
};

}  // namespace vigil::api::loki
