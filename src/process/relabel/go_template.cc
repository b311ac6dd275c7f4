#include "process/relabel/go_template.h"

#include <map>

#include "base/strconv.h"

namespace vigil::relabel {

namespace {

// unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' for the rune that
// starts s[pos:], with its width; false for invalid UTF-8.
bool IsNameRune(std::string_view s, size_t pos, int* width) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) {
    *width = 1;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  int32_t r = Utf8DecodeRune(s, pos, width);
  if (r == kUtf8RuneError && *width == 1) return false;
  // Go's unicode.IsDigit is category Nd; IsLetter is category L.
  static const RE2 letter_or_digit("[\\p{L}\\p{Nd}]");
  return RE2::FullMatch(s.substr(pos, *width), letter_or_digit);
}

struct Reference {
  std::string_view name;
  int num = -1;  // the name read as a number, or -1
  std::string_view rest;
};

// Go's regexp extract: a leading "name" or "{name}" of str (the '$' already
// consumed). False when there is none, or a '{' is not closed.
bool Extract(std::string_view str, Reference* ref) {
  if (str.empty()) return false;
  bool brace = false;
  if (str[0] == '{') {
    brace = true;
    str.remove_prefix(1);
  }
  size_t i = 0;
  while (i < str.size()) {
    int width = 1;
    if (!IsNameRune(str, i, &width)) break;
    i += static_cast<size_t>(width);
  }
  if (i == 0) return false;
  ref->name = str.substr(0, i);
  if (brace) {
    if (i >= str.size() || str[i] != '}') return false;
    ++i;
  }
  int num = 0;
  for (char c : ref->name) {
    if (c < '0' || c > '9' || num >= 100000000) {
      num = -1;
      break;
    }
    num = num * 10 + (c - '0');
  }
  if (ref->name[0] == '0' && ref->name.size() > 1) num = -1;
  ref->num = num;
  ref->rest = str.substr(i);
  return true;
}

}  // namespace

ExpandTemplate::ExpandTemplate(std::string_view tmpl, const RE2& re) {
  const int ngroups = re.NumberOfCapturingGroups();
  const std::map<std::string, int>& named = re.NamedCapturingGroups();
  std::string text;
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    text.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      text += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    Reference ref;
    if (!Extract(tmpl, &ref)) {
      text += '$';  // malformed: the '$' is literal text
      continue;
    }
    tmpl = ref.rest;
    int group = -1;
    if (ref.num >= 0) {
      if (ref.num <= ngroups) group = ref.num;
    } else if (auto it = named.find(std::string(ref.name)); it != named.end()) {
      group = it->second;
    }
    if (group < 0) continue;  // expands to nothing
    literal_ += text;
    pieces_.push_back(Piece{std::move(text), group});
    text.clear();
    if (group + 1 > groups_needed_) groups_needed_ = group + 1;
  }
  text.append(tmpl);
  literal_ += text;
  if (!text.empty()) pieces_.push_back(Piece{std::move(text), -1});
}

void ExpandTemplate::Expand(std::span<const std::string_view> groups, std::string* out) const {
  for (const Piece& p : pieces_) {
    out->append(p.text);
    if (p.group >= 0 && static_cast<size_t>(p.group) < groups.size()) {
      std::string_view g = groups[p.group];
      if (g.data() != nullptr) out->append(g);
    }
  }
}

}  // namespace vigil::relabel
