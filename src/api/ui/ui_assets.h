// The web UI's files, compiled into the binary (see ui/build.mjs, which
// generates the table from ui/src at build time with npm's esbuild).
//
// Thread-safety: the table is immutable; Assets() may be called from any
// thread.
#pragma once

#include <string_view>
#include <vector>

namespace vigil::ui {

struct Asset {
  std::string_view path;          // URL path, e.g. "/ui/assets/app-1a2b3c4d5e6f.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view data;          // the file
  std::string_view gzip;          // the same file, gzip-compressed
};

// Every asset; the first is index.html (path "/ui/index.html").
const std::vector<Asset>& Assets();

}  // namespace vigil::ui
