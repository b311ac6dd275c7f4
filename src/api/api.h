// The HTTP API of the storage layer, in Prometheus' shapes: remote_write and
// remote_read, series / labels / label values, the admin TSDB endpoints,
// lifecycle (/-/healthy, /-/ready) and Vigil's own /metrics.
//
// RegisterStorageApi fills a Router with those routes. Handlers use only the
// storage seam (storage.h), so the same API serves any Storage.
// Errors under /api/v1 are Prometheus' JSON ({"status":"error",
// "errorType":"bad_data","error":"..."}) with its status codes; ingest
// endpoints answer in plain text as Prometheus does.
//
// Thread-safety: the registered handlers are safe to run concurrently. The
// storage, registry and ready flag must outlive the router.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "api/http/http.h"
#include "api/remote/remote_read.h"
#include "api/remote/remote_write.h"
#include "base/metrics.h"
#include "storage/storage.h"

namespace vigil::api {

struct StorageApiOptions {
  storage::Storage* storage = nullptr;
  metrics::Registry* registry = nullptr;     // exposed on /metrics
  const std::atomic<bool>* ready = nullptr;  // /-/ready answers 503 until true
  // /api/v1/admin/tsdb/* (delete_series, clean_tombstones), off by default
  // as in Prometheus (--web.enable-admin-api).
  bool enable_admin_api = false;
  // Largest compressed remote_write body; larger ones get 413 unread.
  uint64_t max_write_body_bytes = 32ull << 20;
  remote::WriteOptions write;
  remote::ReadOptions read;
};

void RegisterStorageApi(http::Router* router, const StorageApiOptions& options);

// Prometheus' JSON envelope.
void WriteApiError(http::Response* res, int status, std::string_view error_type,
                   std::string_view message);

}  // namespace vigil::api
