#include "query/logql/ip.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace vigil::logql {

bool IpMatcher::ParseAddr(std::string_view s, Addr* out, bool* v4) {
  if (s.empty() || s.size() > 45) return false;
  std::string str(s);
  uint8_t buf[16];
  if (inet_pton(AF_INET, str.c_str(), buf) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, buf, 4);
    *v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, str.c_str(), buf) == 1) {
    std::memcpy(out->data(), buf, 16);
    *v4 = false;
    return true;
  }
  return false;
}

Result<std::shared_ptr<const IpMatcher>> IpMatcher::Make(std::string_view pattern) {
  auto m = std::shared_ptr<IpMatcher>(new IpMatcher());
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("invalid ip pattern \"{}\"", pattern));
  };
  bool v4 = false;
  if (size_t dash = pattern.find('-'); dash != std::string_view::npos) {
    bool v4b = false;
    if (!ParseAddr(pattern.substr(0, dash), &m->lo_, &v4) ||
        !ParseAddr(pattern.substr(dash + 1), &m->hi_, &v4b) || v4 != v4b || m->hi_ < m->lo_) {
      return bad();
    }
    return std::shared_ptr<const IpMatcher>(m);
  }
  if (size_t slash = pattern.find('/'); slash != std::string_view::npos) {
    Addr base;
    if (!ParseAddr(pattern.substr(0, slash), &base, &v4)) return bad();
    std::string_view bits_text = pattern.substr(slash + 1);
    if (bits_text.empty() || bits_text.size() > 3) return bad();
    int bits = 0;
    for (char c : bits_text) {
      if (c < '0' || c > '9') return bad();
      bits = bits * 10 + (c - '0');
    }
    if (bits > (v4 ? 32 : 128)) return bad();
    if (v4) bits += 96;
    for (int i = 0; i < 16; ++i) {
      int keep = std::min(8, std::max(0, bits - i * 8));
      uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
      m->lo_[i] = base[i] & mask;
      m->hi_[i] = base[i] | static_cast<uint8_t>(~mask);
    }
    return std::shared_ptr<const IpMatcher>(m);
  }
  if (!ParseAddr(pattern, &m->lo_, &v4)) return bad();
  m->hi_ = m->lo_;
  return std::shared_ptr<const IpMatcher>(m);
}

bool IpMatcher::InRange(const Addr& a) const { return !(a < lo_) && !(hi_ < a); }

bool IpMatcher::MatchesAddress(std::string_view value) const {
  Addr a;
  bool v4;
  return ParseAddr(value, &a, &v4) && InRange(a);
}

bool IpMatcher::MatchesLine(std::string_view line) const {
  auto is_ip_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
           c == ':';
  };
  size_t i = 0;
  while (i < line.size()) {
    if (!is_ip_char(line[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < line.size() && is_ip_char(line[j])) ++j;
    std::string_view tok = line.substr(i, j - i);
    // Trailing punctuation ("1.2.3.4." or "::1:") is not part of the address.
    while (!tok.empty() && (tok.back() == '.' ||
                            (tok.back() == ':' && tok.size() > 2 && tok[tok.size() - 2] != ':'))) {
      tok.remove_suffix(1);
    }
    if (MatchesAddress(tok)) return true;
    i = j;
  }
  return false;
}

}  // namespace vigil::logql
