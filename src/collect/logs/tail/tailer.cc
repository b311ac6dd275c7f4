#include "collect/logs/tail/tailer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "base/checksum.h"
#include "base/file.h"
#include "base/last_error.h"
#include "base/logging.h"
#include "base/strconv.h"
#include "collect/logs/tail/file_glob.h"
#include "collect/logs/tail/positions.h"

namespace vigil::logs {
namespace {

constexpr size_t kReadBlock = 1 << 20;
// Blocks read from one file before the others get their turn.
constexpr int kBlocksPerTurn = 16;
constexpr int64_t kInitialBackoffMs = 10;
constexpr int64_t kMaxBackoffMs = 5000;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
int64_t SteadyMillis() { return SteadyNanos() / 1000000; }
int64_t UnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Label values must be UTF-8; a path need not be.
std::string ValidUtf8(std::string_view s) {
  if (model::IsValidUTF8(s)) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width <= 1) {
      Utf8AppendRune(&out, kUtf8RuneError);
      i += 1;
    } else {
      out.append(s.substr(i, width));
      i += width;
    }
  }
  return out;
}

// A token bucket over all files. Refills continuously; holds at most a
// tenth of a second's bytes (at least 4 KiB or the whole rate) so reads stay
// smooth.
class RateLimiter {
 public:
  explicit RateLimiter(uint64_t rate) : rate_(rate) {
    burst_ = std::max<double>(static_cast<double>(rate) / 10,
                              std::min<double>(static_cast<double>(rate), 4096));
    tokens_ = burst_;
    last_ns_ = SteadyNanos();
  }
  bool enabled() const { return rate_ > 0; }
  size_t Take(size_t want) {
    Refill();
    size_t n = std::min<size_t>(want, static_cast<size_t>(tokens_));
    tokens_ -= static_cast<double>(n);
    return n;
  }
  void Refund(size_t n) { tokens_ = std::min(burst_, tokens_ + static_cast<double>(n)); }
  // Until a useful amount (a block or the burst) is there.
  int64_t WaitMillis() {
    Refill();
    double want = std::min<double>(burst_, kReadBlock);
    if (tokens_ >= want) return 0;
    return static_cast<int64_t>((want - tokens_) * 1000 / static_cast<double>(rate_)) + 1;
  }

 private:
  void Refill() {
    int64_t now = SteadyNanos();
    tokens_ = std::min(
        burst_, tokens_ + static_cast<double>(now - last_ns_) * static_cast<double>(rate_) / 1e9);
    last_ns_ = now;
  }
  uint64_t rate_;
  double burst_ = 0;
  double tokens_ = 0;
  int64_t last_ns_ = 0;
};

struct TrackedFile {
  ~TrackedFile() {
    if (fd >= 0) close(fd);
  }
  uint64_t dev = 0;
  uint64_t ino = 0;
  std::string source;
  std::string path;
  int fd = -1;
  model::Labels stream;
  std::vector<model::LogAttribute> attributes;  // log.file.path

  uint64_t read_offset = 0;  // next byte read()
  // The unterminated line being read: at most max_line_bytes + 1 bytes (one
  // more for a '\r'); overflowed once the line got longer than that.
  std::string partial;
  bool overflowed = false;
  // An unterminated line was flushed at idle_flush_ms: the '\n' that ends it
  // later does not make an empty line.
  bool swallow_newline = false;

  bool pending = false;  // a multiline record is being assembled
  std::string pending_body;
  int pending_lines = 0;
  bool pending_truncated = false;
  uint64_t pending_end = 0;  // offset after its last line
  int64_t pending_touch_ms = 0;

  uint64_t emitted_offset = 0;    // covered by records handed over or in the batch
  uint64_t committed_offset = 0;  // covered by records the sink accepted
  uint64_t seq = 0;               // batches accepted
  bool in_batch = false;
  uint64_t fingerprint_len = 0;  // see positions.h
  uint64_t fingerprint = 0;

  bool seen = false;  // matched by the latest scan
  bool rotated = false;
  int64_t last_growth_ms = 0;
  bool at_eof = false;
};

class TailerImpl final : public Tailer {
 public:
  TailerImpl(TailerOptions options, model::LogSink* sink, std::unique_ptr<RE2> multiline,
             PositionMap positions)
      : opts_(std::move(options)),
        sink_(sink),
        multiline_(std::move(multiline)),
        saved_positions_(std::move(positions)),
        limiter_(opts_.read_rate_bytes_per_sec),
        buf_(new char[kReadBlock]) {
    if (opts_.registry == nullptr) {
      own_registry_ = std::make_unique<metrics::Registry>();
      opts_.registry = own_registry_.get();
    }
    auto* r = opts_.registry;
    files_gauge_ = r->GaugeFamily("vigil_tail_files", "Files the tailer follows.", {"tailer"})
                       .With({opts_.name});
    bytes_read_ = r->CounterFamily("vigil_tail_bytes_read_total",
                                   "Bytes the tailer read from files.", {"tailer"})
                      .With({opts_.name});
    lines_ = r->CounterFamily("vigil_tail_lines_total",
                              "Records (lines or multiline records) the sink accepted.", {"tailer"})
                 .With({opts_.name});
    rotations_ =
        &r->CounterFamily("vigil_tail_rotations_total",
                          "Rotations seen, by kind (rename, truncate).", {"tailer", "kind"});
    errors_ = &r->CounterFamily("vigil_tail_errors_total", "Tailer errors, by reason.",
                                {"tailer", "reason"});
    if (opts_.positions_min_interval_ms < 0) {
      opts_.positions_min_interval_ms = opts_.initial_state ? 1000 : 0;
    }
    rotate_wait_ms_ = std::max<int64_t>(opts_.idle_flush_ms, 4LL * opts_.poll_interval_ms);
    batch_.records.reserve(opts_.batch_lines);
    thread_ = std::thread([this] { Run(); });
  }

  ~TailerImpl() override { Stop(); }

  void Stop() override {
    std::lock_guard<std::mutex> stop_lock(stop_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_requested_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  LastError last_error() const override { return last_error_.Get(); }

 private:
  bool StopRequested() {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_requested_;
  }
  // Sleeps up to ms; returns early (true) when Stop is called.
  bool Wait(int64_t ms) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_requested_; });
  }

  // Counts an error by reason, keeps its text for last_error() and logs it.
  void Error(const std::string& reason, std::string message, bool log = true) {
    errors_->With({opts_.name, reason})->Inc();
    if (log) log::Get("tail")->warn("tailer {}: {}", opts_.name, message);
    last_error_.Record(std::move(message));
  }
  std::string LineTooLong(const TrackedFile& f) const {
    return fmt::format(
        "a line in {} is longer than max_line_bytes ({}): kept cut, tagged "
        "log.file.truncated",
        f.path, opts_.max_line_bytes);
  }

  void Run() {
    int64_t next_scan = 0;
    int64_t backoff = kInitialBackoffMs;
    bool first_scan = true;
    while (true) {
      bool stopping = StopRequested();
      int64_t now = SteadyMillis();
      if (stopping || now >= next_scan) {
        Scan(first_scan, now);
        if (first_scan) saved_positions_.clear();
        first_scan = false;
        next_scan = now + opts_.poll_interval_ms;
      }
      bool progress = false;
      bool ok = ReadRound(stopping, &progress);
      if (ok) ok = FlushTimeouts(SteadyMillis(), stopping);
      if (ok) ok = FlushBatch();
      if (!ok) {
        RewindBatch();
        if (stopping || Wait(backoff)) break;  // gives up without advancing
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        continue;
      }
      backoff = kInitialBackoffMs;
      DropFinished(SteadyMillis());
      MaybeWritePositions(stopping);
      if (stopping) break;
      if (!progress) Wait(SleepMillis(SteadyMillis(), next_scan));
    }
    MaybeWritePositions(true);
  }

  // ---- discovery ----

  void Scan(bool first_scan, int64_t now) {
    std::set<std::string> paths;
    for (const auto& include : opts_.include) {
      for (auto& p : ExpandGlob(include)) {
        bool excluded = false;
        for (const auto& ex : opts_.exclude) {
          if (MatchGlob(ex, p)) {
            excluded = true;
            break;
          }
        }
        if (!excluded) paths.insert(std::move(p));
      }
    }
    for (auto& f : files_) f->seen = false;
    for (const auto& path : paths) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (TrackedFile* f = Find(st.st_dev, st.st_ino)) {
        f->seen = true;
        if (f->rotated) {
          f->rotated = false;  // renamed back under a matching name
        }
        continue;
      }
      Open(path, first_scan, now);
    }
    for (auto& f : files_) {
      if (!f->seen && !f->rotated) {
        f->rotated = true;
        rotations_->With({opts_.name, "rename"})->Inc();
        log::Get("tail")->info("tailer {}: {} was rotated or removed; reading it to its end",
                               opts_.name, f->path);
      }
    }
    files_gauge_->Set(static_cast<double>(files_.size()));
  }

  TrackedFile* Find(uint64_t dev, uint64_t ino) {
    auto it = by_id_.find({dev, ino});
    return it == by_id_.end() ? nullptr : it->second;
  }

  void Open(const std::string& path, bool first_scan, int64_t now) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      // Once per path, not at every scan.
      if (open_failed_.insert(path).second) {
        Error("open", fmt::format("cannot open {}: {}", path, strerror(errno)));
      }
      return;
    }
    open_failed_.erase(path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      Error("stat", fmt::format("stat {}: {}", path, strerror(errno)));
      close(fd);
      return;
    }
    if (TrackedFile* existing = Find(st.st_dev, st.st_ino)) {  // replaced since stat()
      existing->seen = true;
      close(fd);
      return;
    }
    auto f = std::make_unique<TrackedFile>();
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->path = path;
    f->source = FileSourceName(f->dev, f->ino);
    std::string label_path = ValidUtf8(path);
    f->stream = model::LabelsBuilder(opts_.labels).Set("filename", label_path).Build();
    f->attributes.push_back({"log.file.path", label_path});
    f->seen = true;
    f->last_growth_ms = now;

    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t offset = 0;
    // Only files present at start resume from a saved state: a file that
    // appears later is new, even if it reuses a forgotten file's inode.
    std::optional<std::string> state;
    if (first_scan && opts_.initial_state) state = opts_.initial_state(f->source);
    if (first_scan && !state) {
      auto it = saved_positions_.find(f->source);
      if (it != saved_positions_.end()) state = it->second;
    }
    if (state) {
      auto pos = DecodeFileState(*state);
      if (!pos.ok()) {
        Error("bad_state", fmt::format("{}: {}; reading {} from its start", f->source,
                                       pos.status().ToString(), path));
      } else {
        f->seq = pos->seq;
        offset = pos->offset;
        uint64_t hash = 0;
        if (offset > size) {  // truncated while we were not looking
          rotations_->With({opts_.name, "truncate"})->Inc();
          offset = 0;
        } else if (pos->fingerprint_len > 0 &&
                   (!HashPrefix(fd, pos->fingerprint_len, &hash) || hash != pos->fingerprint)) {
          rotations_->With({opts_.name, "replaced"})->Inc();
          log::Get("tail")->info(
              "tailer {}: {} does not start as the file saved for {} did; reading it from the "
              "start",
              opts_.name, path, f->source);
          offset = 0;
        }
      }
    } else if (opts_.start_at_end && first_scan) {
      offset = size;
    }
    if (offset > 0 && lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
      Error("read", fmt::format("seek {} to its saved offset {}: {}; reading it from the start",
                                path, offset, strerror(errno)));
      offset = 0;
      lseek(fd, 0, SEEK_SET);
    }
    f->read_offset = f->emitted_offset = f->committed_offset = offset;
    UpdateFingerprint(*f, offset);
    by_id_[{f->dev, f->ino}] = f.get();
    files_.push_back(std::move(f));
    positions_dirty_ = true;
  }

  // Hash64 of the first n bytes; false if the file is shorter.
  static bool HashPrefix(int fd, uint64_t n, uint64_t* hash) {
    char buf[kFingerprintBytes];
    if (n > sizeof(buf)) return false;
    size_t got = 0;
    while (got < n) {
      ssize_t r = pread(fd, buf + got, n - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    *hash = Hash64(buf, n);
    return true;
  }

  // Extends the fingerprint to the first min(offset, 1 KiB) bytes: bytes
  // before an offset handed over are never rewritten by an appending writer.
  void UpdateFingerprint(TrackedFile& f, uint64_t offset) {
    uint64_t want = std::min(offset, kFingerprintBytes);
    if (want <= f.fingerprint_len) return;
    uint64_t hash = 0;
    if (HashPrefix(f.fd, want, &hash)) {
      f.fingerprint_len = want;
      f.fingerprint = hash;
    }
  }

  FilePosition Position(const TrackedFile& f, uint64_t offset, uint64_t seq) const {
    return {offset, seq, f.fingerprint_len, f.fingerprint, f.path};
  }

  // ---- reading ----

  bool ReadRound(bool stopping, bool* progress) {
    for (auto& fp : files_) {
      TrackedFile& f = *fp;
      int max_blocks = stopping ? 4 * kBlocksPerTurn : kBlocksPerTurn;
      for (int b = 0; b < max_blocks; ++b) {
        size_t want = kReadBlock;
        if (limiter_.enabled()) {
          want = limiter_.Take(kReadBlock);
          if (want == 0) {
            rate_limited_ = true;
            break;
          }
        }
        ssize_t n = read(f.fd, buf_.get(), want);
        if (n < 0 && errno == EINTR) {
          if (limiter_.enabled()) limiter_.Refund(want);
          continue;
        }
        if (limiter_.enabled())
          limiter_.Refund(want - static_cast<size_t>(std::max<ssize_t>(n, 0)));
        if (n < 0) {
          f.at_eof = true;  // do not spin on it
          Error("read", fmt::format("read {}: {}", f.path, strerror(errno)));
          break;
        }
        if (n == 0) {
          f.at_eof = true;
          if (!CheckTruncation(f)) return false;
          break;
        }
        f.at_eof = false;
        *progress = true;
        read_time_ns_ = UnixNanos();
        f.last_growth_ms = SteadyMillis();
        bytes_read_->Inc(static_cast<double>(n));
        uint64_t base = f.read_offset;
        f.read_offset += static_cast<uint64_t>(n);
        if (!Process(f, buf_.get(), static_cast<size_t>(n), base)) return false;
        if (static_cast<size_t>(n) < want) break;
      }
    }
    return true;
  }

  // A size below what was read means copytruncate: the lines still held are
  // handed over, then reading restarts at 0.
  bool CheckTruncation(TrackedFile& f) {
    struct stat st;
    if (fstat(f.fd, &st) != 0) {
      Error("stat", fmt::format("stat {}: {}", f.path, strerror(errno)));
      return true;
    }
    if (static_cast<uint64_t>(st.st_size) >= f.read_offset) return true;
    if (!f.partial.empty() || f.overflowed) {
      if (!TakePartialAsLine(f)) return false;
    }
    if (f.pending) EmitPending(f);
    if (!FlushBatch()) return false;
    log::Get("tail")->info("tailer {}: {} was truncated; reading it from the start", opts_.name,
                           f.path);
    rotations_->With({opts_.name, "truncate"})->Inc();
    lseek(f.fd, 0, SEEK_SET);
    f.read_offset = f.emitted_offset = f.committed_offset = 0;
    f.fingerprint_len = 0;
    f.fingerprint = 0;
    f.last_growth_ms = SteadyMillis();
    positions_dirty_ = true;
    return true;
  }

  // Splits data (read from file offset base) into lines. False when a batch
  // could not be handed over (the caller rewinds).
  bool Process(TrackedFile& f, const char* data, size_t n, uint64_t base) {
    const char* p = data;
    const char* end = data + n;
    if (f.swallow_newline && n > 0) {
      f.swallow_newline = false;
      if (*p == '\n') {
        ++p;
        if (f.pending) {
          if (f.pending_end == base) f.pending_end = base + 1;
        } else if (f.emitted_offset == base) {
          f.emitted_offset = base + 1;
        }
      }
    }
    while (p < end) {
      const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) {
        AppendPartial(f, std::string_view(p, static_cast<size_t>(end - p)));
        break;
      }
      uint64_t line_end = base + static_cast<uint64_t>(nl + 1 - data);
      std::string_view piece(p, static_cast<size_t>(nl - p));
      p = nl + 1;
      if (f.partial.empty() && !f.overflowed) {
        if (!OnLine(f, piece, line_end, false)) return false;
      } else {
        AppendPartial(f, piece);
        bool overflowed = f.overflowed;
        f.overflowed = false;
        std::string line = std::move(f.partial);
        f.partial.clear();
        if (!OnLine(f, line, line_end, overflowed)) return false;
      }
    }
    return true;
  }

  void AppendPartial(TrackedFile& f, std::string_view piece) {
    if (f.overflowed) return;
    size_t cap = opts_.max_line_bytes + 1;
    if (f.partial.size() + piece.size() > cap) {
      f.partial.append(piece.substr(0, cap - f.partial.size()));
      f.overflowed = true;
      return;
    }
    f.partial.append(piece);
  }

  // The unterminated line as a line of its own (idle flush, truncation).
  bool TakePartialAsLine(TrackedFile& f) {
    bool overflowed = f.overflowed;
    f.overflowed = false;
    std::string line = std::move(f.partial);
    f.partial.clear();
    return OnLine(f, line, f.read_offset, overflowed);
  }

  bool OnLine(TrackedFile& f, std::string_view line, uint64_t line_end, bool overflowed) {
    if (!overflowed && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool truncated = overflowed || line.size() > opts_.max_line_bytes;
    if (truncated) {
      line = line.substr(0, std::min(line.size(), opts_.max_line_bytes));
      Error("line_too_long", LineTooLong(f), /*log=*/false);
    }
    if (!multiline_) {
      AddRecord(f, line, truncated);
      f.emitted_offset = line_end;
      return MaybeFlush();
    }
    bool starts = RE2::PartialMatch(line, *multiline_);
    if (f.pending && starts) EmitPending(f);
    if (!f.pending) {
      f.pending = true;
      f.pending_body.assign(line);
      f.pending_lines = 1;
      f.pending_truncated = truncated;
    } else {
      size_t room = opts_.max_line_bytes > f.pending_body.size()
                        ? opts_.max_line_bytes - f.pending_body.size()
                        : 0;
      if (line.size() + 1 > room) {
        if (room > 0) {
          f.pending_body.push_back('\n');
          f.pending_body.append(line.substr(0, room - 1));
        }
        if (!f.pending_truncated && !truncated) Error("line_too_long", LineTooLong(f), false);
        f.pending_truncated = true;
      } else {
        f.pending_body.push_back('\n');
        f.pending_body.append(line);
      }
      f.pending_truncated = f.pending_truncated || truncated;
      ++f.pending_lines;
    }
    f.pending_end = line_end;
    f.pending_touch_ms = SteadyMillis();
    if (f.pending_lines >= opts_.multiline_max_lines) EmitPending(f);
    return MaybeFlush();
  }

  void EmitPending(TrackedFile& f) {
    AddRecord(f, std::move(f.pending_body), f.pending_truncated);
    f.pending_body.clear();
    f.pending = false;
    f.pending_lines = 0;
    f.pending_truncated = false;
    f.emitted_offset = f.pending_end;
  }

  template <typename Body>
  void AddRecord(TrackedFile& f, Body&& body, bool truncated) {
    model::LogRecord& r = batch_.records.emplace_back();
    r.observed_time_ns = read_time_ns_ != 0 ? read_time_ns_ : UnixNanos();
    r.body = std::string(std::forward<Body>(body));
    r.stream = f.stream;
    r.attributes = f.attributes;
    if (truncated) r.attributes.push_back({"log.file.truncated", "true"});
    if (!f.in_batch) {
      f.in_batch = true;
      batch_files_.push_back(&f);
    }
  }

  bool MaybeFlush() {
    if (batch_.records.size() < opts_.batch_lines) return true;
    return FlushBatch();
  }

  // ---- timeouts ----

  bool FlushTimeouts(int64_t now, bool stopping) {
    for (auto& fp : files_) {
      TrackedFile& f = *fp;
      if ((!f.partial.empty() || f.overflowed) && now - f.last_growth_ms >= opts_.idle_flush_ms) {
        read_time_ns_ = UnixNanos();
        if (!TakePartialAsLine(f)) return false;
        f.swallow_newline = true;
      }
      if (f.pending && (stopping || now - f.pending_touch_ms >= opts_.multiline_timeout_ms)) {
        read_time_ns_ = UnixNanos();
        EmitPending(f);
        if (!MaybeFlush()) return false;
      }
    }
    return true;
  }

  int64_t SleepMillis(int64_t now, int64_t next_scan) {
    int64_t deadline = next_scan;
    for (auto& fp : files_) {
      const TrackedFile& f = *fp;
      if (!f.partial.empty() || f.overflowed) {
        deadline = std::min(deadline, f.last_growth_ms + opts_.idle_flush_ms);
      }
      if (f.pending) deadline = std::min(deadline, f.pending_touch_ms + opts_.multiline_timeout_ms);
    }
    int64_t ms = deadline - now;
    if (rate_limited_) {
      rate_limited_ = false;
      ms = std::min(ms, limiter_.WaitMillis());
    } else if (!files_.empty()) {
      // Data may have arrived in a file we did not get to read this turn.
      for (auto& fp : files_) {
        if (!fp->at_eof) return 1;
      }
    }
    return std::clamp<int64_t>(ms, 1, opts_.poll_interval_ms);
  }

  // ---- handing over ----

  bool FlushBatch() {
    if (batch_.records.empty()) return true;
    size_t n = batch_.records.size();
    batch_.offsets.clear();
    for (TrackedFile* f : batch_files_) {
      UpdateFingerprint(*f, f->emitted_offset);
      batch_.offsets.push_back(
          {f->source, EncodeFileState(Position(*f, f->emitted_offset, f->seq + 1))});
    }
    model::ConsumeResult result = sink_->Consume(batch_);
    if (!result.status.ok()) {
      // Logged once per failing spell; the note keeps the newest reason.
      Error("consume",
            fmt::format("the pipeline refused a batch of {} records: {}; retrying", n,
                        result.status.ToString()),
            /*log=*/!sink_failing_);
      sink_failing_ = true;
      return false;
    }
    if (sink_failing_) {
      log::Get("tail")->info("tailer {}: sink accepts batches again", opts_.name);
      sink_failing_ = false;
    }
    if (!result.rejected.empty()) {
      errors_->With({opts_.name, "rejected"})->Inc(static_cast<double>(result.rejected.size()));
    }
    for (TrackedFile* f : batch_files_) {
      f->committed_offset = f->emitted_offset;
      ++f->seq;
      f->in_batch = false;
    }
    batch_files_.clear();
    batch_.records.clear();
    batch_.offsets.clear();
    lines_->Inc(static_cast<double>(n));
    positions_dirty_ = true;
    MaybeWritePositions(false);
    return true;
  }

  // Every file of the refused batch goes back to its last accepted offset;
  // what it held (lines, partial line, multiline record) is read again.
  void RewindBatch() {
    for (TrackedFile* f : batch_files_) {
      lseek(f->fd, static_cast<off_t>(f->committed_offset), SEEK_SET);
      f->read_offset = f->emitted_offset = f->committed_offset;
      f->partial.clear();
      f->overflowed = false;
      f->pending = false;
      f->pending_body.clear();
      f->pending_lines = 0;
      f->pending_truncated = false;
      f->in_batch = false;
      f->at_eof = false;
      f->swallow_newline = false;
    }
    batch_files_.clear();
    batch_.records.clear();
    batch_.offsets.clear();
  }

  // Rotated files that were read to their end, fully accepted and quiet.
  void DropFinished(int64_t now) {
    bool dropped = false;
    for (auto it = files_.begin(); it != files_.end();) {
      TrackedFile& f = **it;
      bool done = f.rotated && f.at_eof && !f.in_batch && f.partial.empty() && !f.overflowed &&
                  !f.pending && f.committed_offset == f.read_offset &&
                  now - f.last_growth_ms >= rotate_wait_ms_;
      if (!done) {
        ++it;
        continue;
      }
      log::Get("tail")->info("tailer {}: done with rotated file {} at offset {}", opts_.name,
                             f.path, f.read_offset);
      by_id_.erase({f.dev, f.ino});
      it = files_.erase(it);
      dropped = true;
    }
    if (dropped) {
      positions_dirty_ = true;
      files_gauge_->Set(static_cast<double>(files_.size()));
    }
  }

  void MaybeWritePositions(bool force) {
    if (opts_.positions_file.empty() || !positions_dirty_) return;
    int64_t now = SteadyMillis();
    if (!force && opts_.positions_min_interval_ms > 0 &&
        now - last_positions_write_ms_ < opts_.positions_min_interval_ms) {
      return;
    }
    PositionMap map;
    for (const auto& f : files_) {
      map[f->source] = EncodeFileState(Position(*f, f->committed_offset, f->seq));
    }
    Status s = SavePositions(opts_.positions_file, map);
    if (!s.ok()) {
      Error("positions_write", s.ToString());
      return;
    }
    positions_dirty_ = false;
    last_positions_write_ms_ = now;
  }

  TailerOptions opts_;
  model::LogSink* sink_;
  std::unique_ptr<RE2> multiline_;
  PositionMap saved_positions_;
  RateLimiter limiter_;
  std::unique_ptr<char[]> buf_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Gauge* files_gauge_ = nullptr;
  metrics::Counter* bytes_read_ = nullptr;
  metrics::Counter* lines_ = nullptr;
  metrics::Family<metrics::Counter>* rotations_ = nullptr;
  metrics::Family<metrics::Counter>* errors_ = nullptr;
  int64_t rotate_wait_ms_ = 0;

  // Owned by the tailer thread.
  std::vector<std::unique_ptr<TrackedFile>> files_;  // in the order found
  std::map<std::pair<uint64_t, uint64_t>, TrackedFile*> by_id_;
  model::LogBatch batch_;
  std::vector<TrackedFile*> batch_files_;
  std::set<std::string> open_failed_;
  int64_t read_time_ns_ = 0;
  bool rate_limited_ = false;
  bool sink_failing_ = false;
  LastErrorNote last_error_;
  bool positions_dirty_ = false;
  int64_t last_positions_write_ms_ = 0;

  std::mutex stop_mu_;  // serializes Stop
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  std::thread thread_;  // last: started when everything else is built
};

}  // namespace

Result<std::unique_ptr<Tailer>> Tailer::Start(TailerOptions options, model::LogSink* sink) {
  if (sink == nullptr) return Status::InvalidArgument("tailer: no sink");
  if (options.include.empty()) {
    return Status::InvalidArgument("tailer " + options.name + ": no include globs");
  }
  for (const auto* list : {&options.include, &options.exclude}) {
    for (const auto& g : *list) {
      Status s = ValidateGlob(g);
      if (!s.ok()) return s.WithContext("tailer " + options.name);
    }
  }
  if (options.batch_lines == 0 || options.max_line_bytes == 0 || options.poll_interval_ms <= 0 ||
      options.idle_flush_ms < 0 || options.multiline_max_lines <= 0 ||
      options.multiline_timeout_ms < 0 || options.positions_min_interval_ms < -1) {
    return Status::InvalidArgument(
        "tailer " + options.name +
        ": batch_lines, max_line_bytes, poll_interval_ms and multiline_max_lines must be "
        "positive, timeouts not negative");
  }
  if (!options.labels.empty()) {
    auto view = options.labels.View();
    auto v = model::ValidateLabels(view, {}, /*require_name=*/false);
    if (!v.ok()) return Status::InvalidArgument("tailer " + options.name + ": " + v.message);
  }
  std::unique_ptr<RE2> multiline;
  if (!options.multiline_start.empty()) {
    RE2::Options re_opts;
    re_opts.set_log_errors(false);
    multiline = std::make_unique<RE2>(options.multiline_start, re_opts);
    if (!multiline->ok()) {
      return Status::InvalidArgument("tailer " + options.name + ": multiline_start \"" +
                                     options.multiline_start + "\": " + multiline->error());
    }
  }
  PositionMap positions;
  if (!options.positions_file.empty()) {
    Status s = fs::CreateDirs(fs::Dirname(options.positions_file));
    if (!s.ok()) return s.WithContext("tailer " + options.name + ": positions file directory");
    auto loaded = LoadPositions(options.positions_file);
    if (!loaded.ok()) return loaded.status().WithContext("tailer " + options.name);
    positions = std::move(*loaded);
  }
  return std::unique_ptr<Tailer>(
      new TailerImpl(std::move(options), sink, std::move(multiline), std::move(positions)));
}

}  // namespace vigil::logs
