// Helpers for the block module's tests: temporary directories and random
// label sets. Test-only; not part of the library.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "model/labels.h"

namespace vigil::tsdb::block::testing {

using TempDir = fs::TempDir;

// Replaces path with data without fsync (tests rewrite files thousands of
// times; durability is not what they check).
inline Status WriteFileFast(const std::string& path, std::string_view data) {
  std::string tmp = path + ".w";
  {
    VIGIL_ASSIGN_OR_RETURN(auto f, fs::WritableFile::Create(tmp));
    VIGIL_RETURN_IF_ERROR(f->Append(data));
    VIGIL_RETURN_IF_ERROR(f->Close());
  }
  return fs::Rename(tmp, path);
}

// n distinct, sorted label sets over a small vocabulary, so that values
// repeat across series (like real series) and some labels are often absent.
inline std::vector<model::Labels> RandomSeries(std::mt19937_64& rng, size_t n) {
  static const char* kNames[] = {"__name__", "a", "b", "c", "d", "job", "zz"};
  std::set<model::Labels> out;
  size_t attempts = 0;
  while (out.size() < n && attempts++ < n * 50) {
    std::vector<model::Label> ls;
    for (size_t i = 0; i < std::size(kNames); ++i) {
      // __name__ almost always, others about half the time.
      if (i != 0 ? rng() % 2 == 0 : rng() % 16 == 0) continue;
      int card = i == 0 ? 5 : static_cast<int>(2 + i * 3);
      std::string v = std::string(i % 2 ? "v" : "x") + std::to_string(rng() % card);
      if (rng() % 7 == 0) v += "-long-suffix";
      ls.push_back({kNames[i], v});
    }
    if (ls.empty()) continue;
    out.insert(model::Labels(std::move(ls)));
  }
  return {out.begin(), out.end()};
}

}  // namespace vigil::tsdb::block::testing
