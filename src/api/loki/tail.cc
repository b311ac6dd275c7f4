#include "api/loki/tail.h"

#include <algorithm>
#include <map>

#include "base/logging.h"

namespace vigil::api::loki {
namespace {

// A cheap 64-bit FNV-1a; the key only tells entries apart at one
// timestamp, so collisions cost at most one entry in a pathological case.
uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t EntryKey(const model::Labels& stream, const std::string& line) {
  uint64_t h = stream.Hash();
  h = Fnv1a(h ^ 0xcbf29ce484222325ull, line);
  return h;
}

}  // namespace

Tailer::Tailer(logstore::LogReader* reader, TailerOptions options)
    : reader_(reader), options_(std::move(options)), cursor_ns_(options_.start_ns) {}

Status Tailer::ReadHistory(int64_t end_ns, std::vector<Raw>* out) {
  logstore::SelectParams sp;
  sp.matchers = options_.matchers;
  sp.start_ns = cursor_ns_;
  sp.end_ns = end_ns;
  sp.direction = logstore::Direction::kBackward;
  Result<std::unique_ptr<logstore::StreamSet>> set = reader_->Select(sp);
  if (!set.ok()) return set.status();
  logstore::StreamSet& streams = *set.value();
  while (streams.Next()) {
    uint32_t index = static_cast<uint32_t>(stream_labels_.size());
    stream_labels_.push_back(streams.labels());
    std::unique_ptr<logstore::EntryIterator> it = streams.Entries();
    // A stream's newest `limit` entries are all the global newest can hold.
    for (uint32_t n = 0; n < options_.limit && it->Next(); ++n) {
      const logstore::LogEntry& e = it->At();
      out->push_back(Raw{e.time_ns, EntryKey(stream_labels_[index], e.line), index, e});
    }
    if (Status st = it->status(); !st.ok()) return st;
  }
  if (Status st = streams.status(); !st.ok()) return st;
  // Newest first, then keep `limit`, then oldest first.
  std::stable_sort(out->begin(), out->end(),
                   [](const Raw& a, const Raw& b) { return a.time_ns > b.time_ns; });
  if (out->size() > options_.limit) out->resize(options_.limit);
  std::reverse(out->begin(), out->end());
  return Status::OK();
}

Status Tailer::ReadLive(int64_t end_ns, std::vector<Raw>* out) {
  logstore::SelectParams sp;
  sp.matchers = options_.matchers;
  sp.start_ns = cursor_ns_;
  sp.end_ns = end_ns;
  sp.direction = logstore::Direction::kForward;
  Result<std::unique_ptr<logstore::StreamSet>> set = reader_->Select(sp);
  if (!set.ok()) return set.status();
  logstore::StreamSet& streams = *set.value();
  // A stream cut short at time T: nothing after T may be delivered this
  // time, or the next poll (from the last delivered time) would skip the
  // stream's unread entries before it.
  int64_t cut_ns = end_ns;
  bool cut = false;
  while (streams.Next()) {
    uint32_t index = static_cast<uint32_t>(stream_labels_.size());
    stream_labels_.push_back(streams.labels());
    std::unique_ptr<logstore::EntryIterator> it = streams.Entries();
    // Entries after the cursor; those at it (mostly delivered already) do
    // not count. A cut never splits a timestamp, so every poll progresses.
    size_t fresh = 0;
    int64_t prev_ns = cursor_ns_;
    while (it->Next()) {
      const logstore::LogEntry& e = it->At();
      if (e.time_ns > cut_ns) break;
      if (e.time_ns > cursor_ns_) {
        if (fresh >= options_.max_entries_per_poll && e.time_ns != prev_ns) {
          cut = true;
          cut_ns = std::min(cut_ns, prev_ns);
          break;
        }
        ++fresh;
      }
      prev_ns = e.time_ns;
      out->push_back(Raw{e.time_ns, EntryKey(stream_labels_[index], e.line), index, e});
    }
    if (Status st = it->status(); !st.ok()) return st;
  }
  if (Status st = streams.status(); !st.ok()) return st;
  if (cut) {
    out->erase(
        std::remove_if(out->begin(), out->end(), [&](const Raw& r) { return r.time_ns > cut_ns; }),
        out->end());
  }
  caught_up_ = !cut;
  std::stable_sort(out->begin(), out->end(),
                   [](const Raw& a, const Raw& b) { return a.time_ns < b.time_ns; });
  return Status::OK();
}

std::vector<logql::Stream> Tailer::Render(std::vector<Raw>& raws) {
  std::vector<logql::Stream> result;
  std::map<model::Labels, size_t> by_labels;
  model::Labels labels;
  for (Raw& r : raws) {
    const model::Labels& stream = stream_labels_[r.stream];
    if (options_.pipeline) {
      if (!options_.pipeline->Process(stream, r.time_ns, &r.entry.line, &labels)) continue;
    } else {
      labels = stream;
    }
    auto [it, inserted] = by_labels.try_emplace(labels, result.size());
    if (inserted) {
      result.emplace_back();
      result.back().labels = labels;
    }
    result[it->second].entries.push_back(std::move(r.entry));
  }
  return result;
}

Result<std::vector<logql::Stream>> Tailer::Poll(int64_t now_ns) {
  int64_t end_ns = now_ns - options_.delay_ns;
  caught_up_ = true;
  stream_labels_.clear();
  if (end_ns <= cursor_ns_) return std::vector<logql::Stream>();
  std::vector<Raw> raws;
  if (!history_done_) {
    if (Status st = ReadHistory(end_ns, &raws); !st.ok()) return st;
    history_done_ = true;
  } else {
    if (Status st = ReadLive(end_ns, &raws); !st.ok()) return st;
    // Drop what was delivered at the cursor already; `unmatched` counts
    // down as entries read again are recognized.
    std::unordered_map<uint64_t, uint32_t> unmatched = delivered_at_cursor_;
    raws.erase(std::remove_if(raws.begin(), raws.end(),
                              [&](const Raw& r) {
                                if (r.time_ns != cursor_ns_) return false;
                                auto it = unmatched.find(r.key);
                                if (it == unmatched.end() || it->second == 0) return false;
                                --it->second;
                                return true;
                              }),
               raws.end());
  }
  if (raws.empty()) {
    // Nothing new: windows before end_ns are done. (The multiset only
    // matters while the cursor sits on a delivered timestamp.)
    if (caught_up_) {
      cursor_ns_ = end_ns;
      delivered_at_cursor_.clear();
    }
    return std::vector<logql::Stream>();
  }
  int64_t last_ns = raws.back().time_ns;
  if (last_ns != cursor_ns_) {
    delivered_at_cursor_.clear();
    cursor_ns_ = last_ns;
  }
  for (const Raw& r : raws) {
    if (r.time_ns == cursor_ns_) ++delivered_at_cursor_[r.key];
  }
  return Render(raws);
}

TailManager::~TailManager() {
  std::list<Tail> tails;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    tails.swap(tails_);
  }
  for (Tail& t : tails) t.ws->Close(1001, "server shutting down");
  for (Tail& t : tails) {
    if (t.thread.joinable()) t.thread.join();
  }
}

void TailManager::ReapLocked() {
  for (auto it = tails_.begin(); it != tails_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = tails_.erase(it);
    } else {
      ++it;
    }
  }
}

bool TailManager::Start(std::shared_ptr<http::WebSocket> ws, std::function<void()> body) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked();
  if (stopping_ || tails_.size() >= max_tails_) return false;
  auto done = std::make_shared<std::atomic<bool>>(false);
  Tail& t = tails_.emplace_back();
  t.ws = std::move(ws);
  t.done = done;
  t.thread = std::thread([body = std::move(body), done] {
    body();
    done->store(true);
  });
  return true;
}

size_t TailManager::active() {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked();
  return tails_.size();
}

}  // namespace vigil::api::loki
