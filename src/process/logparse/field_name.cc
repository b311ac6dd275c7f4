// SanitizeFieldName: Loki's sanitizeLabelKey (trim, '_' prefix before a
// leading digit, every rune outside [a-zA-Z0-9_] replaced by one '_').
#include <string>
#include <string_view>

#include "base/strconv.h"
#include "process/logparse/field_name.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

void AppendSanitizedFieldNamePart(std::string* out, std::string_view name, bool first) {
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      if (first && i == 0 && c >= '0' && c <= '9') out->push_back('_');
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    out->push_back('_');
    // One '_' per UTF-8 sequence, as Go's strings.Map sees runes; an invalid
    // byte is a rune of its own.
    size_t width = 1;
    if (c >= 0xC2 && c <= 0xDF) {
      width = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      width = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      width = 4;
    }
    size_t j = 1;
    while (j < width && i + j < name.size() &&
           (static_cast<unsigned char>(name[i + j]) & 0xC0) == 0x80) {
      ++j;
    }
    i += (j == width) ? width : 1;
  }
}

bool ReplaceRuneErrors(std::string_view value, std::string* out) {
  size_t i = 0;
  while (i < value.size() && static_cast<unsigned char>(value[i]) < 0x80) ++i;
  if (i == value.size()) return false;
  bool changed = false;
  std::string result(value.substr(0, i));
  while (i < value.size()) {
    if (static_cast<unsigned char>(value[i]) < 0x80) {
      result.push_back(value[i++]);
      continue;
    }
    int width = 0;
    int32_t r = Utf8DecodeRune(value, i, &width);
    if (r == kUtf8RuneError) {
      result.push_back(' ');
      changed = true;
    } else {
      result.append(value.substr(i, static_cast<size_t>(width)));
    }
    i += static_cast<size_t>(width);
  }
  if (!changed) return false;
  *out = std::move(result);
  return true;
}

std::string_view TrimFieldName(std::string_view name) {
  while (!name.empty() && IsSpace(name.front())) name.remove_prefix(1);
  while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
  return name;
}

void AppendSanitizedFieldName(std::string* out, std::string_view name) {
  name = TrimFieldName(name);
  if (name.empty()) {
    out->push_back('_');
    return;
  }
  AppendSanitizedFieldNamePart(out, name, /*first=*/true);
}

std::string SanitizeFieldName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  AppendSanitizedFieldName(&out, name);
  return out;
}

}  // namespace vigil::logparse
