# The PromQL engine: evaluation (eval*, binop, aggregate, func_*) and the
# Engine (limits, queueing). Owned by the engine engineer; include()d by
# CMakeLists.txt. Production code reads data only through storage.h.
set(_vigil_promql_engine_sources
  aggregate.cc
  binop.cc
  engine.cc
  eval.cc
  eval_util.cc
  func_histogram.cc
  func_info.cc
  func_instant.cc
  func_label.cc
  func_range.cc
  func_table.cc
)

if(TARGET vigil_promql_parser)
  add_library(vigil_promql ${_vigil_promql_engine_sources})
  target_link_libraries(vigil_promql
    PUBLIC vigil_promql_parser vigil_storage_api vigil_model vigil_base
    PRIVATE dep::re2 dep::xxhash fmt::fmt)

  # The tests write queries as text, so they need the parser.
  vigil_test(vigil_promql_engine_test
    SOURCES engine_test.cc
    LIBS vigil_promql vigil_tsdb)
  vigil_test(vigil_promql_engine_concurrency_test
    SOURCES engine_concurrency_test.cc
    LIBS vigil_promql vigil_tsdb
    LABELS concurrency)
else()
  # Without the parser (a tree where parser.cmake is missing) the engine
  # still compiles, under another name so that nothing links an engine
  # without a parser.
  add_library(vigil_promql_engine_only ${_vigil_promql_engine_sources})
  target_link_libraries(vigil_promql_engine_only
    PUBLIC vigil_storage_api vigil_model vigil_base
    PRIVATE dep::re2 dep::xxhash fmt::fmt)
endif()
