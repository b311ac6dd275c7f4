# vigil_test(NAME SOURCES... LIBS... [LABELS label] [TIMEOUT s])
# Labels: unit (default), concurrency (also run under TSan), integration.
# A GoogleTest program registered with ctest. Tests are discovered at build
# time so that each TEST() shows up as its own ctest entry.
include(GoogleTest)
function(vigil_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT VIGIL_BUILD_TESTS OR VIGIL_ONLY_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # One label and one environment variable per program: gtest_discover_tests
  # flattens PROPERTIES, so a list would not survive. Tests that need the
  # source tree get it as a compile definition instead.
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT "VIGIL_BINARY=${PROJECT_BINARY_DIR}/vigil")
endfunction()

# vigil_fuzz(NAME SOURCE LIBS...)
# A libFuzzer target (clang only) plus a short ctest run over its seed corpus.
function(vigil_fuzz name source)
  add_executable(${name} ${source})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  file(MAKE_DIRECTORY ${corpus})
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
            $<TARGET_FILE:${name}> -max_total_time=10 -timeout=10 -rss_limit_mb=2048
            ${CMAKE_CURRENT_BINARY_DIR}/corpus-${name} ${corpus})
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 120)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus-${name})
endfunction()

# vigil_bench(NAME SOURCES... LIBS...)
# A Google Benchmark program (not run by ctest; `make bench` runs them).
function(vigil_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} benchmark::benchmark benchmark::benchmark_main)
endfunction()
