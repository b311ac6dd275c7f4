// Build identification for `vigil version` and the HTTP API.
#pragma once

#include <string>

namespace vigil::app {

const char* Version();        // "0.1.0"
const char* GitCommit();      // short hash at configure time, or "unknown"
const char* BuildType();      // CMAKE_BUILD_TYPE
std::string VersionString();  // multi-line, for `vigil version`

}  // namespace vigil::app
