#include "collect/discovery/file_sd.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "base/file.h"
#include "base/logging.h"
#include "collect/discovery/discovery.h"

namespace vigil::discovery {

std::vector<std::string> GlobLastElement(const std::string& pattern) {
  std::vector<std::string> out;
  size_t slash = pattern.rfind('/');
  std::string dir = slash == std::string::npos ? "" : pattern.substr(0, slash);
  std::string base = slash == std::string::npos ? pattern : pattern.substr(slash + 1);
  std::string prefix = slash == std::string::npos ? "" : pattern.substr(0, slash + 1);
  if (base.find_first_of("*?[") == std::string::npos) {
    struct stat st;
    if (::stat(pattern.c_str(), &st) == 0) out.push_back(pattern);
    return out;
  }
  DIR* d = ::opendir(dir.empty() ? (slash == 0 ? "/" : ".") : dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (::fnmatch(base.c_str(), e->d_name, 0) == 0) out.push_back(prefix + e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool FileProvider::Check(bool reread_all) {
  std::set<std::string> paths;
  for (const auto& pattern : cfg_.files) {
    for (auto& p : GlobLastElement(pattern)) paths.insert(std::move(p));
  }
  bool changed = false;
  for (auto it = files_.begin(); it != files_.end();) {
    if (paths.count(it->first) == 0) {
      changed |= !it->second.groups.empty();
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& path : paths) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      auto it = files_.find(path);
      if (it != files_.end()) {
        changed |= !it->second.groups.empty();
        files_.erase(it);
      }
      continue;
    }
    int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    auto [it, inserted] = files_.try_emplace(path);
    FileState& fs_state = it->second;
    bool modified = inserted || fs_state.mtime_ns != mtime_ns ||
                    fs_state.size != static_cast<int64_t>(st.st_size) || fs_state.ino != st.st_ino;
    if (!modified && !reread_all) continue;
    fs_state.mtime_ns = mtime_ns;
    fs_state.size = static_cast<int64_t>(st.st_size);
    fs_state.ino = st.st_ino;
    auto content = fs::ReadFile(path);
    Result<std::vector<config::TargetGroup>> groups =
        content.ok() ? ParseFileSD(*content, path)
                     : Result<std::vector<config::TargetGroup>>(content.status());
    if (!groups.ok()) {
      // Keep the last good groups, as Prometheus does.
      read_errors_->Inc();
      log::Get("discovery")
          ->error("file_sd: error reading {} (keeping its last good targets): {}", path,
                  groups.status().message());
      continue;
    }
    if (*groups != fs_state.groups) {
      fs_state.groups = std::move(groups).value();
      changed = true;
    }
  }
  return changed;
}

void FileProvider::AppendGroups(std::vector<config::TargetGroup>* out) const {
  for (const auto& [path, st] : files_) out->insert(out->end(), st.groups.begin(), st.groups.end());
}

}  // namespace vigil::discovery
