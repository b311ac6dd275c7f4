// The processing pipeline for logs: each source's records go through their
// pipeline's steps in order (parse, normalize, redact, drop, sample, label
// changes, metrics derived from logs, Lua), then to sinks chosen by the
// pipeline's routes. Built from config::LogsConfig (src/config/log_config.h);
// docs/logs.md describes each step.
//
// Router is the model::LogSink every source hands its batches to, together
// with the name of its pipeline (Source()). It runs the steps on the
// caller's thread, groups the surviving records by sink and calls each
// sink's Consume; a batch is acknowledged (OK) only when every sink it was
// routed to took it, so durability is the weakest of the sinks'. Records
// rejected by a sink are reported back to the source; dropped and sampled
// records are counted, never silent:
//   vigil_pipeline_records_total{pipeline,result="in|out|dropped|sampled_out|error"},
//   vigil_pipeline_step_errors_total{pipeline,step,reason} (e.g. a json step
//   on a line that is not JSON: the record is kept, tagged
//   attribute "vigil.error" = "json: ...", and counted),
//   vigil_pipeline_sink_records_total{pipeline,sink,result}.
//
// Metrics derived from logs (metric steps) are appended to the TSDB through
// storage::Appendable as counters/histograms under the metric's name and the
// chosen label fields, stamped with the record's time at a
// `derived_metrics_interval_ms` resolution (one sample per series per
// interval, not per record); a record older than 30 minutes counts at that
// age (metric_step.h says why).
//
// Lua steps run a user function `process(record)` in a sandbox (no io, os,
// require, load of bytecode; string/table/math/utf8 only) with a per-record
// instruction budget (timeout) and a memory cap; a record that exceeds them
// is kept unchanged and counted as an error. API: docs/logs.md ("Lua steps").
//
// Thread-safety: Consume may be called concurrently from any number of
// sources; a Router is immutable after Make (reload builds a new one).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/result.h"
#include "base/time.h"
#include "config/log_config.h"
#include "model/log_record.h"
#include "storage/storage.h"

namespace vigil::pipeline {

struct RouterOptions {
  const config::LogsConfig* config = nullptr;  // read during Make only
  std::string config_dir;                      // resolves lua_file
  // Sinks by name: "store" and every forwarder; must outlive the Router.
  std::map<std::string, model::LogSink*> sinks;
  storage::Appendable* metrics_out = nullptr;  // for metric steps; null: metric steps error at Make
  int64_t derived_metrics_interval_ms = 15000;
  metrics::Registry* registry = nullptr;
  Clock clock = SystemClock();  // how old a record is, for derived metrics
};

class Router {
 public:
  // Validates everything (unknown sink names, bad regexes, Lua syntax errors:
  // InvalidArgument naming the pipeline and step line).
  static Result<std::unique_ptr<Router>> Make(const RouterOptions& options);
  virtual ~Router() = default;

  // The sink for records entering pipeline `pipeline` ("default" if empty).
  // Null if no such pipeline. The returned sink lives as long as the Router.
  virtual model::LogSink* Source(const std::string& pipeline) = 0;

  // Flushes derived metrics pending in memory into the TSDB (also done every
  // interval by the Router's own thread).
  virtual void Flush() = 0;
};

}  // namespace vigil::pipeline
