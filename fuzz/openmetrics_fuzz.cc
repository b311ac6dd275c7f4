// Fuzzes the OpenMetrics parser (with and without its family rules): parses the input to the end,
// calling every accessor of every entry.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/textparse/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options, the rest is the body.
  vigil::textparse::OpenMetricsOptions opts;
  opts.validate_families = (data[0] & 1) == 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto p = vigil::textparse::NewOpenMetricsParser(body, opts);
  size_t sink = 0;
  for (int i = 0; i < 1 << 20; ++i) {
    auto e = p->Next();
    if (!e.ok() || *e == vigil::textparse::Entry::kEOF) break;
    switch (*e) {
      case vigil::textparse::Entry::kSeries: {
        sink += p->SeriesBytes().size();
        sink += p->Value() != 0;
        sink += p->Timestamp().value_or(0) & 1;
        auto labels = p->Labels();
        if (labels.ok()) {
          sink += labels.value().size();
          // Labels come sorted, unique, with the metric name.
          if (labels.value().MetricName().empty()) __builtin_trap();
          for (size_t j = 1; j < labels.value().size(); ++j) {
            if (!(labels.value()[j - 1].name < labels.value()[j].name)) __builtin_trap();
          }
        }
        vigil::textparse::Exemplar ex;
        sink += p->Exemplar(&ex);
        sink += p->CreatedTimestamp().has_value();
        break;
      }
      default:
        sink += p->MetricFamily().size() + p->Help().size() + p->Unit().size();
        sink += static_cast<size_t>(p->Type());
        break;
    }
  }
  return static_cast<int>(sink & 0);
}
