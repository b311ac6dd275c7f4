// ULIDs: the names of block directories (as in Prometheus' TSDB).
//
// A ULID is 128 bits: a 48-bit Unix time in milliseconds followed by 80
// random bits, written as 26 characters of Crockford's base32
// (0-9 A-Z without I L O U). Names sort by creation time. The random part is
// not monotonic within a millisecond; block names only need to be unique.
//
// Thread-safety: all functions may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::tsdb::block {

inline constexpr size_t kULIDLength = 26;

// A new ULID for the given time (clamped to [0, 2^48)).
std::string NewULID(int64_t ms_time);

// True if s is 26 base32 characters whose value fits in 128 bits. Lowercase
// letters are accepted; the aliases I, L, O, U are not.
bool IsValidULID(std::string_view s);

// The time part of a valid ULID, in milliseconds.
Result<int64_t> ULIDTime(std::string_view s);

}  // namespace vigil::tsdb::block
