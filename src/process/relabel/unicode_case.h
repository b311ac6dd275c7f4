// Go's strings.ToLower and strings.ToUpper, which the lowercase and
// uppercase relabel actions (and the case-insensitive action names) use:
// simple one-rune-to-one-rune Unicode case mapping ("ÄÖ" -> "äö", the
// Kelvin sign K -> "k", "ß" unchanged by ToUpper), and, as strings.Map does,
// each byte of invalid UTF-8 becomes U+FFFD once the string is not pure
// ASCII.
//
// The mapping comes from glibc's C.UTF-8 locale (towlower_l/towupper_l),
// whose tables are Unicode's simple case mappings like Go's; only code
// points whose mapping changed between the two Unicode versions can differ.
//
// Owner: relabel. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vigil::relabel {

std::string GoToLower(std::string_view s);
std::string GoToUpper(std::string_view s);

}  // namespace vigil::relabel
