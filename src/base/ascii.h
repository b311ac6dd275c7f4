// ASCII-only character helpers for protocol text (header names, enum
// spellings, hex digits): locale-free, unlike <cctype>, and never touching
// bytes >= 0x80.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace vigil {

constexpr char AsciiToLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// a == b ignoring the case of ASCII letters.
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

}  // namespace vigil
