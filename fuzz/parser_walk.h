// What both exposition-parser fuzz targets do with a parser: walk the input
// to the end, calling every accessor of every entry, and check what must
// hold of any parse (labels sorted, unique, with a metric name).
#pragma once

#include <cstddef>

#include "collect/textparse/parser.h"

inline int WalkParser(vigil::textparse::Parser* p) {
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
