// Splitting a TCP syslog byte stream into messages: RFC 6587 octet counting
// ("LEN SP MSG") and newline framing ("MSG LF"), auto-detected from the
// connection's first byte (a digit: octet counting). Used by the syslog
// server; separate from it (and from Asio) so that it is fuzzed and tested on
// its own.
//
// Frames longer than max_message_bytes are cut there and reported truncated;
// the rest of such a frame is skipped. An invalid octet-count header (not
// digits then a space, or more than 10 digits) switches the connection to
// newline framing, which resynchronizes at the next LF. Empty frames are
// dropped.
//
// Owned by the logs/syslog module (helper "ingest").
// Thread-safety: a SyslogFramer holds one connection's state; one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vigil::logs {

enum class SyslogFraming { kAuto, kNewline, kOctetCounting };

class SyslogFramer {
 public:
  SyslogFramer(SyslogFraming framing, size_t max_message_bytes)
      : mode_(framing), max_(max_message_bytes == 0 ? 1 : max_message_bytes) {}

  // Calls on_frame(std::string_view message, bool truncated) for each
  // complete message in data and returns how many bytes were consumed; the
  // caller keeps the rest and passes it again, followed by more bytes. The
  // views are valid only during the call. Never leaves more than
  // max_message_bytes + 11 bytes unconsumed, so a buffer of at least
  // max_message_bytes + 12 bytes always makes progress.
  template <typename F>
  size_t Split(std::string_view data, F&& on_frame) {
    size_t pos = 0;
    while (pos < data.size()) {
      if (skip_ > 0) {
        size_t n = std::min<uint64_t>(skip_, data.size() - pos);
        skip_ -= n;
        pos += n;
        continue;
      }
      if (skip_to_newline_) {
        const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
        if (nl == nullptr) return data.size();
        pos = static_cast<const char*>(nl) - data.data() + 1;
        skip_to_newline_ = false;
        continue;
      }
      if (mode_ == SyslogFraming::kAuto) {
        mode_ = (data[pos] >= '0' && data[pos] <= '9') ? SyslogFraming::kOctetCounting
                                                       : SyslogFraming::kNewline;
      }
      size_t used = mode_ == SyslogFraming::kNewline ? NextNewline(data, pos, on_frame)
                                                     : NextOctet(data, pos, on_frame);
      if (used == kReparse) continue;  // switched to newline framing
      if (used == 0) break;            // incomplete: wait for more bytes
      pos += used;
    }
    return pos;
  }

  // At the end of the stream: what is left (an unterminated last message)
  // becomes a frame, as senders that do not end their last line expect.
  template <typename F>
  void Finish(std::string_view rest, F&& on_frame) {
    if (skip_ > 0 || skip_to_newline_ || rest.empty()) return;
    if (mode_ == SyslogFraming::kOctetCounting) {
      // An incomplete octet-counted frame: deliver what arrived of it.
      size_t sp = rest.find(' ');
      if (sp == std::string_view::npos) return;
      rest.remove_prefix(sp + 1);
    }
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\0')) rest.remove_suffix(1);
    if (rest.empty()) return;
    bool truncated = rest.size() > max_;
    on_frame(truncated ? rest.substr(0, max_) : rest, truncated);
  }

  SyslogFraming mode() const { return mode_; }
  uint64_t framing_errors() const { return framing_errors_; }

 private:
  template <typename F>
  size_t NextNewline(std::string_view data, size_t pos, F& on_frame) {
    size_t avail = data.size() - pos;
    size_t scan = std::min(avail, max_ + 1);
    const void* nl = std::memchr(data.data() + pos, '\n', scan);
    if (nl == nullptr) {
      if (avail <= max_) return 0;
      on_frame(data.substr(pos, max_), true);
      skip_to_newline_ = true;
      return max_;
    }
    size_t len = static_cast<const char*>(nl) - (data.data() + pos);
    std::string_view frame = data.substr(pos, len);
    if (!frame.empty() && frame.back() == '\r') frame.remove_suffix(1);
    if (!frame.empty()) on_frame(frame, false);
    return len + 1;
  }

  template <typename F>
  size_t NextOctet(std::string_view data, size_t pos, F& on_frame) {
    uint64_t len = 0;
    size_t i = pos;
    size_t digits = 0;
    while (i < data.size() && data[i] >= '0' && data[i] <= '9') {
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
      ++i;
      if (++digits > 10) return Desync();
    }
    if (i == data.size()) return 0;  // header incomplete
    if (digits == 0 || data[i] != ' ') {
      // Senders that mix framings: an LF between octet-counted frames is
      // harmless; anything else makes this a newline-framed connection.
      if (digits == 0 && (data[i] == '\n' || data[i] == '\r')) return 1;
      return Desync();
    }
    size_t header = i + 1 - pos;
    size_t avail = data.size() - pos - header;
    if (len <= max_) {
      if (avail < len) return 0;
      if (len > 0) on_frame(data.substr(pos + header, len), false);
      return header + len;
    }
    if (avail < max_) return 0;
    on_frame(data.substr(pos + header, max_), true);
    skip_ = len - max_;
    return header + max_;
  }

  // Nothing consumed, but the framing changed: parse the same bytes again.
  static constexpr size_t kReparse = ~size_t{0};

  size_t Desync() {
    ++framing_errors_;
    mode_ = SyslogFraming::kNewline;
    return kReparse;
  }

  SyslogFraming mode_;
  size_t max_;
  uint64_t skip_ = 0;
  bool skip_to_newline_ = false;
  uint64_t framing_errors_ = 0;
};

}  // namespace vigil::logs
