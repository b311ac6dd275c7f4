#include "collect/textparse/parser.h"

#include <string>

namespace vigil::textparse {

std::optional<Format> FormatFromContentType(std::string_view content_type) {
  // mime.ParseMediaType's media type: before any ';', trimmed, any case.
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  std::string lower(media);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "text/plain") return Format::kPrometheusText;
  if (lower == "application/openmetrics-text") return Format::kOpenMetrics;
  return std::nullopt;
}

std::unique_ptr<Parser> NewParser(Format format, std::string_view body) {
  switch (format) {
    case Format::kOpenMetrics:
      return NewOpenMetricsParser(body);
    case Format::kPrometheusText:
      break;
  }
  return NewPromTextParser(body);
}

}  // namespace vigil::textparse
