// Process-wide logging through spdlog, one named logger per component.
//
// Lines are logfmt by default (ts=... level=info component=tsdb msg="...")
// or JSON (--log.format=json), as Prometheus prints them. Messages use {fmt}
// syntax: log::Get("tsdb")->warn("cut WAL segment {} at offset {}", seg, off).
// Log lines name the component and the object (file, target, block) concerned.
//
// Thread-safety: Init is called once at start-up, before other threads log;
// loggers are safe to use from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

#include "base/status.h"

namespace vigil::log {

// level: debug|info|warn|error; format: logfmt|json.
Status Init(std::string_view level, std::string_view format);

// The logger for a component (created on first use with the global settings).
std::shared_ptr<spdlog::logger> Get(std::string_view component);

}  // namespace vigil::log
