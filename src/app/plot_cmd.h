// `vigil plot '<promql>'`: a query drawn without a browser, by a running
// Vigil server. With --out FILE.png|FILE.svg it asks the server's
// /api/v1/render for the chart and writes it; with no --out (or --out -)
// on a terminal, or with --sparkline, it asks /api/v1/query_range and
// prints one line per series: its name, a Unicode sparkline fitted to the
// terminal width (COLUMNS, else the terminal's own, else 80) and the min,
// max and last values (src/visual/plot/sparkline.h). Without --out and
// not on a terminal, the image goes to stdout (`vigil plot up > up.png`).
//
// --since and --until take a duration before now ("1h", "90m") or a time
// (RFC 3339 or Unix seconds); --until defaults to now. The API's error
// message is printed and the exit code is 1 when the server refuses the
// query or cannot be reached; bad flags exit with 2.
//
// Thread-safety: runs on the main thread only.
#pragma once

#include <string>

namespace vigil::app {

struct PlotFlags {
  std::string query;
  std::string since = "1h";
  std::string until = "now";
  std::string step;  // empty: the server's default (images), the width (sparklines)
  std::string out;   // "" or "-": stdout
  std::string server = "http://127.0.0.1:9900";
  int width = 800;
  int height = 400;
  std::string title;
  std::string unit;    // bytes, seconds, percent
  std::string format;  // png or svg; default from --out's extension, else png
  bool stacked = false;
  std::string theme;  // light (default) or dark
  bool sparkline = false;
};

// Returns the process exit code.
int RunPlot(const PlotFlags& flags);

}  // namespace vigil::app
