// `vigil check config FILE...`: validates config files as `promtool check
// config` does, without starting anything, and prints the same kind of
// report: "Checking FILE", then " SUCCESS: ..." or " FAILED: ..." lines.
//
// Thread-safety: runs on the main thread only.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace vigil::app {

// Returns the process exit code: 0 when every file is valid, 1 otherwise.
int CheckConfig(const std::vector<std::string>& files, std::FILE* out);

}  // namespace vigil::app
