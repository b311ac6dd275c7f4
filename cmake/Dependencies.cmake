# Every third-party library Vigil uses, found from Debian's packages
# (scripts/setup.sh installs them). Targets are namespaced "dep::" where the
# package does not provide an imported target of its own.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(fmt REQUIRED)
find_package(Snappy REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
add_library(dep::zstd ALIAS PkgConfig::ZSTD)
add_library(dep::xxhash ALIAS PkgConfig::XXHASH)
add_library(dep::re2 ALIAS PkgConfig::RE2)
find_package(Protobuf REQUIRED)

find_package(spdlog REQUIRED)
# The config and discovery parsers have fuzz targets, so the fuzz-only build
# needs their libraries too.
find_package(CURL REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
if(NOT VIGIL_ONLY_FUZZ)
  find_package(CLI11 REQUIRED)
  find_package(Boost 1.74 REQUIRED)
  # Chart images (src/visual/plot): PNG and SVG from one drawing code path.
  pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
  add_library(dep::cairo ALIAS PkgConfig::CAIRO)
  if(VIGIL_BUILD_TESTS)
    find_package(GTest REQUIRED)
  endif()
  if(VIGIL_BUILD_BENCH)
    find_package(benchmark REQUIRED)
  endif()
endif()
