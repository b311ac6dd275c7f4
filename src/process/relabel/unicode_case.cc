#include "process/relabel/unicode_case.h"

#include <locale.h>
#include <wctype.h>

#include <cstdint>

#include "base/strconv.h"

namespace vigil::relabel {

namespace {

// The C.UTF-8 locale, made once and kept for the life of the process (the
// global locale is never touched, so other code is unaffected).
locale_t Utf8Locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}

template <bool kLower>
std::string MapCase(std::string_view s) {
  bool ascii = true;
  for (unsigned char c : s) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::string out;
  out.reserve(s.size());
  if (ascii) {
    for (char c : s) {
      if (kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
      if (!kLower && c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));
      out += c;
    }
    return out;
  }
  locale_t loc = Utf8Locale();
  for (size_t i = 0; i < s.size();) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    i += width;
    if (loc != static_cast<locale_t>(0) && r != kUtf8RuneError) {
      wint_t mapped = kLower ? towlower_l(static_cast<wint_t>(r), loc)
                             : towupper_l(static_cast<wint_t>(r), loc);
      if (Utf8ValidRune(static_cast<int32_t>(mapped))) r = static_cast<int32_t>(mapped);
    } else if (loc == static_cast<locale_t>(0) && r < 0x80) {
      // No C.UTF-8 locale (a stripped libc): ASCII still maps.
      if (kLower && r >= 'A' && r <= 'Z') r += 'a' - 'A';
      if (!kLower && r >= 'a' && r <= 'z') r -= 'a' - 'A';
    }
    Utf8AppendRune(&out, r);
  }
  return out;
}

}  // namespace

std::string GoToLower(std::string_view s) { return MapCase<true>(s); }
std::string GoToUpper(std::string_view s) { return MapCase<false>(s); }

}  // namespace vigil::relabel
