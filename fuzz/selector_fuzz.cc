// Fuzz target for the series-selector parser (the match[] parameter of the
// HTTP API): arbitrary text must parse or fail with a message, never crash;
// whatever parses must match without crashing and must print back to
// matchers that parse to the same thing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/metrics.h"
#include "model/selector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = vigil::model::ParseSelector(text);
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();
    return 0;
  }
  std::string printed = "{";
  for (const auto& m : *r) {
    (void)m.Matches("");
    (void)m.Matches(text);
    if (printed.size() > 1) printed += ",";
    // Quoted names round-trip any UTF-8 label name.
    std::string name = "\"";
    vigil::metrics::AppendEscapedLabelValue(&name, m.name());  // \\, \" and \n, as values
    name += "\"";
    std::string s = m.ToString();
    printed += name + s.substr(m.name().size());
  }
  printed += "}";
  auto again = vigil::model::ParseSelector(printed);
  if (!again.ok() || again->size() != r->size()) std::abort();
  for (size_t i = 0; i < r->size(); ++i) {
    if ((*again)[i].name() != (*r)[i].name() || (*again)[i].value() != (*r)[i].value() ||
        (*again)[i].type() != (*r)[i].type()) {
      std::abort();
    }
  }
  return 0;
}
