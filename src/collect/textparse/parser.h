// Parsers of the text exposition formats a scrape returns: Prometheus text
// 0.0.4 and OpenMetrics 1.0.
//
// A Parser walks one body entry by entry without copying it, as Prometheus'
// textparse does. The scrape loop's hot path needs only Series(): the raw
// bytes of `name{labels}` (its cache key for the series' storage ref), the
// value and the timestamp. Labels are parsed (unescaped, sorted, validated)
// only when Labels() is called, i.e. for a series the cache has not seen.
//
// Errors carry the 1-based line number and a message naming what was
// expected, e.g. `line 3: expected value after metric, got "}"`.
//
// The OpenMetrics parser accepts exactly the inputs the OpenMetrics
// parser suite (../shared/conformance/openmetrics/parsers) marks as
// shouldParse; `vigil_openmetrics_conformance` checks it.
//
// Thread-safety: a Parser belongs to one thread. It references the body it
// was given, which must outlive it and stay unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace vigil::textparse {

enum class Entry : uint8_t {
  kSeries,   // a sample line
  kType,     // # TYPE
  kHelp,     // # HELP
  kUnit,     // # UNIT (OpenMetrics)
  kComment,  // any other comment line (Prometheus text) or ignored line
  kEOF,      // end of input (OpenMetrics: the "# EOF" line was seen)
};

struct Exemplar {
  model::Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

class Parser {
 public:
  virtual ~Parser() = default;

  // Moves to the next entry. An error stops the parse; later calls repeat it.
  virtual Result<Entry> Next() = 0;

  // kSeries: the raw bytes of the series as written (`name{a="b"}`, or
  // `{"name",a="b"}` for quoted UTF-8 names); stable for identical
  // series in consecutive scrapes of the same target, so usable as a cache key.
  virtual std::string_view SeriesBytes() const = 0;
  virtual double Value() const = 0;
  // Milliseconds; OpenMetrics' seconds are converted.
  virtual std::optional<int64_t> Timestamp() const = 0;
  // The series' labels including __name__, unescaped and sorted. Fails on
  // invalid UTF-8 or duplicate label names.
  virtual Result<model::Labels> Labels() const = 0;
  // OpenMetrics exemplar of the current sample, if any.
  virtual bool Exemplar(Exemplar* out) const {
    (void)out;
    return false;
  }
  // OpenMetrics: the _created value of the current counter/histogram/summary, if
  // known (exposed only when asked; not stored as a sample by default).
  virtual std::optional<double> CreatedTimestamp() const { return std::nullopt; }

  // kType / kHelp / kUnit: the metric family name the line is about (unescaped).
  virtual std::string_view MetricFamily() const = 0;
  virtual storage::MetricMetadata::Type Type() const = 0;  // kType
  virtual std::string_view Help() const = 0;               // kHelp, unescaped
  virtual std::string_view Unit() const = 0;               // kUnit
};

enum class Format : uint8_t {
  kPrometheusText,  // text/plain; version=0.0.4 (and 1.0.0)
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0 or 0.0.1
};

// Picks the format from a Content-Type header value ("text/plain;
// version=0.0.4", "application/openmetrics-text; version=1.0.0;
// charset=utf-8", ...). nullopt for a type neither format uses, or an empty
// one: the scrape loop then uses scrape_fallback_protocol or fails the
// scrape, as Prometheus 3 does.
std::optional<Format> FormatFromContentType(std::string_view content_type);

// `body` must outlive the parser.
std::unique_ptr<Parser> NewParser(Format format, std::string_view body);
std::unique_ptr<Parser> NewPromTextParser(std::string_view body);
std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body);

// OpenMetrics `_created` lines are kSeries entries like any other, as
// Prometheus 3 ingests them unless created-timestamp ingestion is on;
// CreatedTimestamp() of a counter's _total (a histogram's or summary's
// samples) looks ahead in the family and returns that line's value, in
// seconds as written.
struct OpenMetricsOptions {
  // The specification's family rules (metadata order, clashing names,
  // grouping, histogram buckets, value ranges, where exemplars may go), which
  // the OpenMetrics suite requires and Prometheus does not check. Off, only
  // the line syntax is checked.
  bool validate_families = true;
};
std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body,
                                             const OpenMetricsOptions& options);

}  // namespace vigil::textparse
