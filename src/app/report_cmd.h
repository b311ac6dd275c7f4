// `vigil report --since 24h`: a Markdown summary of what a running server
// saw over a time range: an overview (targets, series, samples), the
// busiest series, the biggest changes between the first and the last
// quarter, error rates (failed scrapes, 5xx answers, error log lines,
// rejected samples), cloud API spend, and anomalies against a robust
// baseline (median ± 5 · 1.4826 · MAD, src/visual/report/stats.h).
//
// Everything comes from the server's HTTP API: PromQL through
// /api/v1/query and query_range, LogQL through /loki/api/v1/query, the
// status and metadata endpoints, and chart images from /api/v1/render.
// Each section ends with a collapsed <details> listing the queries it sent,
// so a reader learns how each number is computed and can rerun it.
//
// --out FILE writes the report to FILE and its charts as PNG files into
// --plots DIR (default: FILE's name without its extension plus "-plots",
// beside FILE), referenced relatively as ![title](DIR/NN-name.png). With no
// --out (or "-") the report goes to stdout and the charts are links to the
// server's /api/v1/render URLs, drawn when the report is viewed.
//
// Missing data (no logs, no cloud collectors, a server that does not
// export a metric) gives a sentence, never an error. A query the server
// refuses is named in its section and on stderr and the report is still
// written (exit 0); an unreachable server or a failed write exits 1, bad
// flags exit 2.
//
// Thread-safety: runs on the main thread only.
#pragma once

#include <string>

namespace vigil::app {

struct ReportFlags {
  std::string since = "24h";  // a duration before now, or a time; the range ends now
  std::string server = "http://127.0.0.1:9900";
  std::string out;    // "" or "-": stdout, charts as links
  std::string plots;  // "": beside --out as <name>-plots
};

// Returns the process exit code.
int RunReport(const ReportFlags& flags);

}  // namespace vigil::app
