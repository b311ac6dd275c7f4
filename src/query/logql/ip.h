// LogQL's ip() matcher: `ip("192.168.0.1")`, `ip("10.0.0.0/8")`,
// `ip("192.168.0.10-192.168.0.20")`, IPv4 and IPv6, used by the line filter
// `|= ip("...")` (some address in the line is in the range) and the label
// filter `addr = ip("...")` (the label's value is an address in the range).
//
// Owner: helper "logql". Thread-safety: immutable after Make.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/result.h"

namespace vigil::logql {

class IpMatcher {
 public:
  static Result<std::shared_ptr<const IpMatcher>> Make(std::string_view pattern);

  // The whole value is an address in the range.
  bool MatchesAddress(std::string_view value) const;
  // Some address-shaped token of the line is in the range.
  bool MatchesLine(std::string_view line) const;

 private:
  using Addr = std::array<uint8_t, 16>;  // IPv4 as v4-mapped IPv6
  static bool ParseAddr(std::string_view s, Addr* out, bool* v4);
  bool InRange(const Addr& a) const;

  Addr lo_{};
  Addr hi_{};
};

}  // namespace vigil::logql
