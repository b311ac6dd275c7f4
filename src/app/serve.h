// `vigil serve`: the server's life from start to exit, in one place.
//
//   1. lock the data directory, open the TSDB (replaying its WAL),
//   2. register the HTTP API and start listening,
//   3. report ready, wait for SIGTERM or SIGINT,
//   4. stop accepting, let requests in flight finish, flush the head into
//      blocks, close the WAL, exit 0.
//
// Thread-safety: Serve runs on the main thread; it blocks SIGINT, SIGTERM
// and SIGHUP before starting any thread so that only sigwait sees them.
#pragma once

#include "app/config.h"

namespace vigil::app {

// Returns the process exit code.
int Serve(const ServeConfig& cfg);

}  // namespace vigil::app
