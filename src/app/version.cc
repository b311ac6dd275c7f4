#include "app/version.h"

#include <fmt/format.h>

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif
#ifndef VIGIL_GIT_COMMIT
#define VIGIL_GIT_COMMIT "unknown"
#endif
#ifndef VIGIL_BUILD_TYPE
#define VIGIL_BUILD_TYPE "unknown"
#endif

namespace vigil::app {

const char* Version() { return VIGIL_VERSION; }
const char* GitCommit() { return VIGIL_GIT_COMMIT; }
const char* BuildType() { return VIGIL_BUILD_TYPE; }

std::string VersionString() {
  return fmt::format("vigil, version {} (commit: {})\n  build type: {}\n  compiler:   {}\n",
                     Version(), GitCommit(), BuildType(), __VERSION__);
}

}  // namespace vigil::app
