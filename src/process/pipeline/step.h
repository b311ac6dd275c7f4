// Internal to the pipeline: the batch the steps work on and the Step
// interface. Every step handles a whole batch per call (one virtual call
// per step per batch, not per record), so per-record work is a plain loop.
//
// Thread-safety: a Step is shared by every Consume call of its pipeline and
// must be safe to run concurrently (immutable, or guarded inside).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "base/result.h"
#include "config/log_config.h"
#include "model/log_record.h"

namespace vigil::pipeline {

class DerivedMetrics;

// The records of one Consume call while they go through the steps.
// origin[i] is the index in the source's batch that records[i] came from
// (a Lua split gives several records the same origin), errored[i] whether a
// step failed on it; the three vectors stay the same length.
struct WorkBatch {
  std::vector<model::LogRecord> records;
  std::vector<uint32_t> origin;
  std::vector<uint8_t> errored;
  uint64_t dropped = 0;
  uint64_t sampled_out = 0;

  // Keeps records[i] where keep[i] != 0, in order.
  void Compact(const std::vector<uint8_t>& keep);
};

// Sets attribute "vigil.error" (the last error wins) and marks the record.
void TagError(WorkBatch* batch, size_t i, std::string message);

// Counts a step's errors by reason; counts are summed per batch and added
// once, so the hot loop touches no atomics.
class StepErrors {
 public:
  StepErrors(metrics::Family<metrics::Counter>* family, std::string pipeline, std::string step);
  metrics::Counter* For(std::string_view reason);

 private:
  metrics::Family<metrics::Counter>* family_;
  std::string pipeline_;
  std::string step_;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual void Process(WorkBatch* batch) = 0;
};

// What a step may need while it is built.
struct StepEnv {
  std::string pipeline;
  std::string config_dir;
  metrics::Family<metrics::Counter>* step_errors = nullptr;  // {pipeline,step,reason}
  DerivedMetrics* derived = nullptr;                         // null: metric steps refused
};

// Builds one step; errors name neither pipeline nor step (the caller adds
// that context).
Result<std::unique_ptr<Step>> MakeStep(const config::LogStepConfig& config, const StepEnv& env);

// The factories behind MakeStep, one per file.
Result<std::unique_ptr<Step>> MakeParseStep(const config::LogStepConfig& config,
                                            const StepEnv& env);
Result<std::unique_ptr<Step>> MakeNormalizeStep(const config::LogStepConfig& config,
                                                const StepEnv& env);
Result<std::unique_ptr<Step>> MakeRedactStep(const config::LogStepConfig& config,
                                             const StepEnv& env);
Result<std::unique_ptr<Step>> MakeDropStep(const config::LogStepConfig& config, const StepEnv& env);
Result<std::unique_ptr<Step>> MakeSampleStep(const config::LogStepConfig& config,
                                             const StepEnv& env);
Result<std::unique_ptr<Step>> MakeLabelsStep(const config::LogStepConfig& config,
                                             const StepEnv& env);
Result<std::unique_ptr<Step>> MakeMetricStep(const config::LogStepConfig& config,
                                             const StepEnv& env);
Result<std::unique_ptr<Step>> MakeLuaStep(const config::LogStepConfig& config, const StepEnv& env);

}  // namespace vigil::pipeline
