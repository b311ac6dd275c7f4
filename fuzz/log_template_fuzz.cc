// Fuzzes Template::Make and, when it compiles, Execute with a few labels.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "process/logparse/logparse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tmpl = vigil::logparse::Template::Make(text);
  if (!tmpl.ok()) return 0;
  static const vigil::logparse::Fields labels = {{"method", "GET"},
                                                 {"status", "200"},
                                                 {"n", "-12"},
                                                 {"msg", "h\xc3\xa9llo \"w\"\n"},
                                                 {"empty", ""}};
  vigil::logparse::Template::Context ctx;
  ctx.labels = &labels;
  ctx.line = "10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1";
  ctx.time_ns = 1767225600123456789;
  (void)(*tmpl)->Execute(ctx);
  return 0;
}
