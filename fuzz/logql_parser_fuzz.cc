// Fuzzes the LogQL parser: any input must parse or fail cleanly (no crash,
// no hang, bounded recursion), and whatever parses must print.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "query/logql/ast.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view q(reinterpret_cast<const char*>(data), size);
  auto expr = vigil::logql::ParseExpr(q);
  if (expr.ok()) {
    std::string printed = vigil::logql::Format(**expr);
    (void)vigil::logql::ParseExpr(printed);
  }
  (void)vigil::logql::Parse(q);
  return 0;
}
