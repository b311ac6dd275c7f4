// Dashboards saved on disk: one JSON file per dashboard in a directory
// (<data-dir>/dashboards/<uid>.json), listed, read, saved and deleted over
//   GET    /api/v1/dashboards          [{"uid","title","tags","source":"file"}...]
//   GET    /api/v1/dashboards/<uid>    the dashboard
//   PUT    /api/v1/dashboards/<uid>    save (body: the dashboard JSON)
//   DELETE /api/v1/dashboards/<uid>
// in Prometheus' JSON envelope. The UI renders them (ui/src/lib/dashboard.js
// is the format); the defaults Vigil ships are in the UI bundle itself, so
// this directory holds only what users saved or imported.
//
// A saved dashboard must be a JSON object with a string "title" and an array
// "panels" (and, if it has one, a "uid" equal to the path's); it is stored
// byte for byte as sent. Files are written atomically (temp file + rename),
// so a crash never leaves half a dashboard.
//
// Thread-safety: handlers may run concurrently; saves of one uid race only
// as whole files (the last rename wins).
#pragma once

#include <cstdint>
#include <string>

#include "api/http/http.h"

namespace vigil::api::dashboards {

struct DashboardsApiOptions {
  std::string dir;  // created on the first save
  // Refuses PUT and DELETE with 403 (e.g. a shared, read-only instance).
  bool read_only = false;
  uint64_t max_dashboard_bytes = 4ull << 20;
};

void RegisterDashboardsApi(http::Router* router, const DashboardsApiOptions& options);

// [A-Za-z0-9_-], 1 to 64 characters: safe as a file name and in a URL.
bool ValidUid(std::string_view uid);

}  // namespace vigil::api::dashboards
