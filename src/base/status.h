// Status: the result of an operation that can fail, carried as a value.
//
// Modelled on leveldb's Status: a code plus a human-readable message, cheap
// to copy when OK (no allocation). Every module boundary returns Status or
// Result<T> (result.h); exceptions never cross a module boundary.
//
// Thread-safety: a Status is a value; distinct objects may be used from
// distinct threads freely, one object needs external synchronization.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace vigil {

class Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,  // the caller's input is bad; retrying cannot help
    kIOError,
    kResourceExhausted,  // a limit was hit (series, request size, samples)
    kUnavailable,        // transient; retrying later may help
    kDeadlineExceeded,
    kCancelled,
    kAlreadyExists,
    kFailedPrecondition,  // well-formed, but cannot be carried out (e.g. a query whose evaluation
                          // fails)
    kInternal,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  // An IOError whose message ends with strerror(errnum).
  static Status FromErrno(std::string_view context, int errnum);
  static Status ResourceExhausted(std::string_view msg) {
    return Status(Code::kResourceExhausted, msg);
  }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status DeadlineExceeded(std::string_view msg) {
    return Status(Code::kDeadlineExceeded, msg);
  }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status FailedPrecondition(std::string_view msg) {
    return Status(Code::kFailedPrecondition, msg);
  }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsResourceExhausted() const { return code() == Code::kResourceExhausted; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }
  bool IsDeadlineExceeded() const { return code() == Code::kDeadlineExceeded; }
  bool IsCancelled() const { return code() == Code::kCancelled; }
  bool IsFailedPrecondition() const { return code() == Code::kFailedPrecondition; }

  // The message alone (empty when OK).
  const std::string& message() const;
  // "Corruption: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message" (same code).
  Status WithContext(std::string_view prefix) const;

  static const char* CodeName(Code code);

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg)
      : rep_(std::make_shared<const Rep>(Rep{code, std::string(msg)})) {}

  // Shared and immutable, so copies are cheap and thread-compatible.
  std::shared_ptr<const Rep> rep_;
};

}  // namespace vigil

// Evaluates expr (a Status) and returns it from the current function if not OK.
#define VIGIL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::vigil::Status _vigil_status = (expr);        \
    if (!_vigil_status.ok()) return _vigil_status; \
  } while (0)
