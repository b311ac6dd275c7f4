// The last error a long-running component met, kept as text for the
// operator (the Health page, /api/v1/status/logs). Metrics count errors by
// reason; this says what the newest one was, where and when.
//
// Thread-safety: Record and Get may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace vigil {

struct LastError {
  std::string message;  // "" when there was none since start
  int64_t time_ms = 0;  // wall clock of the last Record, 0 = never
  uint64_t count = 0;   // Records since start
};

class LastErrorNote {
 public:
  // Messages are cut to this many bytes (a log line in an error stays short).
  static constexpr size_t kMaxMessageBytes = 512;

  void Record(std::string message);
  LastError Get() const;

 private:
  mutable std::mutex mu_;
  LastError last_;
};

}  // namespace vigil
