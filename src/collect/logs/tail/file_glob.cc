#include "collect/logs/tail/file_glob.h"

#include <dirent.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

namespace vigil::logs {
namespace {

// Depth of `**` walks: deep enough for any log tree, bounded so that a
// pathological tree cannot keep a scan busy.
constexpr int kMaxWalkDepth = 32;

// The index of the '}' closing the '{' at open, or npos.
size_t MatchingBrace(std::string_view p, size_t open) {
  int depth = 0;
  for (size_t i = open; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '{') {
      ++depth;
    } else if (p[i] == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

// Whether the `**` at pos is a whole path component.
bool IsDoubleStar(std::string_view p, size_t pos) {
  if (p.compare(pos, 2, "**") != 0) return false;
  bool starts = pos == 0 || p[pos - 1] == '/';
  bool ends = pos + 2 == p.size() || p[pos + 2] == '/';
  return starts && ends;
}

size_t FindDoubleStar(std::string_view p) {
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (IsDoubleStar(p, i)) return i;
  }
  return std::string_view::npos;
}

std::string EscapeForGlob(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '{' || c == '}') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

void Glob3(const std::string& pattern, std::vector<std::string>* out) {
  glob_t g{};
  if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out->emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
}

bool IsRealDir(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// dir and every directory below it (symlinks not followed).
void WalkDirs(const std::string& dir, int depth, std::vector<std::string>* out) {
  out->push_back(dir);
  if (depth >= kMaxWalkDepth) return;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> subdirs;
  while (struct dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string child = dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
    if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && IsRealDir(child))) {
      subdirs.push_back(std::move(child));
    }
  }
  closedir(d);
  for (const auto& s : subdirs) WalkDirs(s, depth + 1, out);
}

void WalkFiles(const std::string& dir, std::vector<std::string>* out) {
  std::vector<std::string> dirs;
  WalkDirs(dir, 0, &dirs);
  for (const auto& d : dirs) {
    DIR* h = opendir(d.c_str());
    if (h == nullptr) continue;
    while (struct dirent* e = readdir(h)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (e->d_type == DT_DIR) continue;
      std::string child = d == "/" ? "/" + std::string(name) : d + "/" + std::string(name);
      if (e->d_type == DT_UNKNOWN && IsRealDir(child)) continue;
      out->push_back(std::move(child));
    }
    closedir(h);
  }
}

// pattern has no braces left.
void ExpandNoBraces(const std::string& pattern, std::vector<std::string>* out) {
  size_t ds = FindDoubleStar(pattern);
  if (ds == std::string::npos) {
    Glob3(pattern, out);
    return;
  }
  std::string prefix = pattern.substr(0, ds);  // "" or ends with '/'
  std::string rest = ds + 2 < pattern.size() ? pattern.substr(ds + 3) : "";
  std::vector<std::string> bases;
  if (prefix.empty()) {
    bases.push_back(".");
  } else if (prefix == "/") {
    bases.push_back("/");
  } else {
    std::vector<std::string> matched;
    Glob3(prefix.substr(0, prefix.size() - 1), &matched);
    for (auto& m : matched) {
      if (IsRealDir(m)) bases.push_back(std::move(m));
    }
  }
  for (const auto& base : bases) {
    if (rest.empty()) {
      WalkFiles(base, out);
      continue;
    }
    std::vector<std::string> dirs;
    WalkDirs(base, 0, &dirs);
    for (const auto& d : dirs) {
      std::string sub = (d == "/" ? "/" : EscapeForGlob(d) + "/") + rest;
      std::vector<std::string> found;
      ExpandNoBraces(sub, &found);
      for (auto& f : found) {
        // "./x" from a relative `**/x`: report it as the user wrote it.
        if (prefix.empty() && f.rfind("./", 0) == 0) f.erase(0, 2);
        out->push_back(std::move(f));
      }
    }
  }
}

// Matches one '[...]' class at p[*i] against c; advances *i past it.
bool MatchClass(std::string_view p, size_t* i, char c) {
  size_t j = *i + 1;
  bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
  if (negate) ++j;
  bool matched = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      if (hi == '\\' && j + 3 < p.size()) {
        hi = p[j + 3];
        ++j;
      }
      j += 2;
    }
    if (static_cast<unsigned char>(c) >= static_cast<unsigned char>(lo) &&
        static_cast<unsigned char>(c) <= static_cast<unsigned char>(hi)) {
      matched = true;
    }
    ++j;
  }
  *i = j + 1;  // past ']'
  return matched != negate;
}

bool MatchNoBraces(std::string_view p, std::string_view s) {
  size_t i = 0;
  size_t k = 0;
  while (i < p.size()) {
    if (IsDoubleStar(p, i)) {
      if (i + 2 == p.size()) return true;
      std::string_view rest = p.substr(i + 3);
      std::string_view tail = s.substr(k);
      if (MatchNoBraces(rest, tail)) return true;
      for (size_t x = 0; x < tail.size(); ++x) {
        if (tail[x] == '/' && MatchNoBraces(rest, tail.substr(x + 1))) return true;
      }
      return false;
    }
    char c = p[i];
    if (c == '*') {
      std::string_view rest = p.substr(i + 1);
      for (size_t x = k;; ++x) {
        if (MatchNoBraces(rest, s.substr(x))) return true;
        if (x == s.size() || s[x] == '/') return false;
      }
    }
    if (k == s.size()) return false;
    if (c == '?') {
      if (s[k] == '/') return false;
      ++i;
      ++k;
      continue;
    }
    if (c == '[') {
      if (s[k] == '/' || !MatchClass(p, &i, s[k])) return false;
      ++k;
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) c = p[++i];
    if (c != s[k]) return false;
    ++i;
    ++k;
  }
  return k == s.size();
}

}  // namespace

Status ValidateGlob(std::string_view p) {
  if (p.empty()) return Status::InvalidArgument("empty glob");
  int braces = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 == p.size()) {
        return Status::InvalidArgument("glob \"" + std::string(p) + "\" ends with '\\'");
      }
      ++i;
    } else if (c == '{') {
      ++braces;
    } else if (c == '}') {
      if (--braces < 0) {
        return Status::InvalidArgument("glob \"" + std::string(p) + "\" has an unopened '}'");
      }
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is a member
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\') ++j;
        ++j;
      }
      if (j >= p.size()) {
        return Status::InvalidArgument("glob \"" + std::string(p) + "\" has an unclosed '['");
      }
      i = j;
    }
  }
  if (braces != 0) {
    return Status::InvalidArgument("glob \"" + std::string(p) + "\" has an unclosed '{'");
  }
  return Status::OK();
}

std::vector<std::string> ExpandBraces(std::string_view p) {
  size_t open = std::string_view::npos;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '[') {
      // Braces inside a class are members, not groups.
      size_t j = i + 1;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\') ++j;
        ++j;
      }
      if (j < p.size()) i = j;
    } else if (p[i] == '{') {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos) return {std::string(p)};
  size_t close = MatchingBrace(p, open);
  if (close == std::string_view::npos) return {std::string(p)};
  std::vector<std::string_view> alternatives;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open + 1; i < close; ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '{') {
      ++depth;
    } else if (p[i] == '}') {
      --depth;
    } else if (p[i] == ',' && depth == 0) {
      alternatives.push_back(p.substr(start, i - start));
      start = i + 1;
    }
  }
  alternatives.push_back(p.substr(start, close - start));
  std::string_view head = p.substr(0, open);
  std::string_view tail = p.substr(close + 1);
  std::vector<std::string> out;
  for (std::string_view alt : alternatives) {
    std::string joined;
    joined.reserve(head.size() + alt.size() + tail.size());
    joined.append(head).append(alt).append(tail);
    for (auto& e : ExpandBraces(joined)) out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> ExpandGlob(std::string_view pattern) {
  std::vector<std::string> out;
  for (const auto& p : ExpandBraces(pattern)) ExpandNoBraces(p, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool MatchGlob(std::string_view pattern, std::string_view path) {
  for (const auto& p : ExpandBraces(pattern)) {
    if (MatchNoBraces(p, path)) return true;
  }
  return false;
}

}  // namespace vigil::logs
