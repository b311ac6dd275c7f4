# The PromQL parser: lexer, parser, type checks, printer, the AST helpers and
# the function table. Owned by the parser engineer; include()d by
# CMakeLists.txt. Built in the fuzz-only configuration too, so it links only
# the model and base libraries.
add_library(vigil_promql_parser
  ast.cc
  functions.cc
  lexer.cc
  parser.cc
  parser_check.cc
  printer.cc
  value.cc
)
target_link_libraries(vigil_promql_parser
  PUBLIC vigil_model vigil_base
  PRIVATE dep::re2 fmt::fmt)

vigil_test(vigil_promql_parser_test
  SOURCES parser_test.cc parser_upstream_test.cc
  LIBS vigil_promql_parser dep::re2 fmt::fmt)
if(TARGET vigil_promql_parser_test)
  target_compile_definitions(vigil_promql_parser_test PRIVATE
    VIGIL_PARSER_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
