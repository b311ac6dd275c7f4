#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>

#include <fmt/format.h>

#include "base/logging.h"
#include "process/pipeline/condition.h"
#include "process/pipeline/metric_step.h"
#include "process/pipeline/pipeline.h"
#include "process/pipeline/step.h"

namespace vigil::pipeline {

namespace {

constexpr size_t kMaxSinksPerPipeline = 64;

struct Route {
  Condition when;
  uint64_t sinks = 0;  // bit i: the pipeline's sink i
  bool stop = true;
};

struct SinkCounters {
  metrics::Counter* sent;
  metrics::Counter* rejected;
  metrics::Counter* failed;
};

// One pipeline: the sink its sources hand batches to.
class Pipeline : public model::LogSink {
 public:
  Pipeline(std::string name, metrics::Registry* registry) : name_(std::move(name)) {
    auto& records = registry->CounterFamily(
        "vigil_pipeline_records_total",
        "Log records through a pipeline: in, out (handed to sinks), dropped, sampled_out, and "
        "error (kept, but a step failed on them).",
        {"pipeline", "result"});
    in_ = records.With({name_, "in"});
    out_ = records.With({name_, "out"});
    dropped_ = records.With({name_, "dropped"});
    sampled_out_ = records.With({name_, "sampled_out"});
    error_ = records.With({name_, "error"});
    sink_family_ = &registry->CounterFamily(
        "vigil_pipeline_sink_records_total",
        "Log records a pipeline handed to a sink, by result (sent, rejected, failed).",
        {"pipeline", "sink", "result"});
  }

  const std::string& name() const { return name_; }

  // Sink index for name, adding it when new; -1 past the limit.
  int SinkIndex(const std::string& sink, model::LogSink* target) {
    for (size_t i = 0; i < sink_names_.size(); ++i) {
      if (sink_names_[i] == sink) return static_cast<int>(i);
    }
    if (sink_names_.size() >= kMaxSinksPerPipeline) return -1;
    sink_names_.push_back(sink);
    sinks_.push_back(target);
    sink_counters_.push_back(SinkCounters{sink_family_->With({name_, sink, "sent"}),
                                          sink_family_->With({name_, sink, "rejected"}),
                                          sink_family_->With({name_, sink, "failed"})});
    return static_cast<int>(sink_names_.size() - 1);
  }

  std::vector<std::unique_ptr<Step>> steps;
  std::vector<Route> routes;
  uint64_t default_sinks = 0;

  model::ConsumeResult Consume(model::LogBatch& batch) override {
    const size_t n_in = batch.records.size();
    in_->Inc(static_cast<double>(n_in));
    WorkBatch wb;
    wb.records = std::move(batch.records);
    batch.records.clear();
    wb.origin.resize(n_in);
    std::iota(wb.origin.begin(), wb.origin.end(), 0u);
    wb.errored.assign(n_in, 0);
    for (const auto& step : steps) {
      if (wb.records.empty()) break;
      step->Process(&wb);
    }
    if (wb.dropped) dropped_->Inc(static_cast<double>(wb.dropped));
    if (wb.sampled_out) sampled_out_->Inc(static_cast<double>(wb.sampled_out));
    size_t errored = 0;
    for (uint8_t e : wb.errored) errored += e;
    if (errored) error_->Inc(static_cast<double>(errored));
    return Dispatch(&wb, &batch.offsets);
  }

 private:
  model::ConsumeResult Dispatch(WorkBatch* wb, std::vector<model::SourceOffset>* offsets) {
    const size_t n = wb->records.size();
    model::ConsumeResult result;
    // Which sinks each record goes to; uniform when every record has the same.
    std::vector<uint64_t> masks;
    uint64_t uniform = default_sinks;
    bool is_uniform = true;
    if (!routes.empty()) {
      masks.resize(n);
      for (size_t i = 0; i < n; ++i) {
        uint64_t mask = 0;
        bool matched = false;
        for (const auto& r : routes) {
          if (!r.when.Eval(wb->records[i])) continue;
          mask |= r.sinks;
          matched = true;
          if (r.stop) break;
        }
        masks[i] = matched ? mask : default_sinks;
      }
      if (n > 0) uniform = masks[0];
      for (size_t i = 1; i < n && is_uniform; ++i) is_uniform = masks[i] == uniform;
    }
    auto mask_of = [&](size_t i) { return is_uniform ? uniform : masks[i]; };

    size_t routed = 0, unrouted = 0;
    for (size_t i = 0; i < n; ++i) (mask_of(i) != 0 ? routed : unrouted)++;
    if (unrouted) dropped_->Inc(static_cast<double>(unrouted));

    // Offsets must reach a durable sink even when no record survived, or
    // a restarted source would re-read everything the pipeline dropped.
    uint64_t offset_sinks = 0;
    if (!offsets->empty()) {
      for (size_t i = 0; i < n; ++i) offset_sinks |= mask_of(i);
      if (offset_sinks == 0) offset_sinks = default_sinks;
    }
    // The last sink that takes a record gets it moved, the others a copy.
    std::vector<int> last_sink;
    if (!is_uniform) {
      last_sink.resize(n, -1);
      for (size_t i = 0; i < n; ++i) {
        last_sink[i] = masks[i] == 0 ? -1 : 63 - __builtin_clzll(masks[i]);
      }
    }
    int uniform_last = uniform == 0 ? -1 : 63 - __builtin_clzll(uniform);

    std::vector<size_t> index;  // sink batch position -> wb position
    for (size_t s = 0; s < sinks_.size(); ++s) {
      const uint64_t bit = uint64_t{1} << s;
      bool gets_records = false;
      for (size_t i = 0; i < n && !gets_records; ++i) gets_records = (mask_of(i) & bit) != 0;
      if (!gets_records && !(offset_sinks & bit)) continue;
      model::LogBatch out;
      index.clear();
      if (gets_records) {
        if (is_uniform && static_cast<int>(s) == uniform_last) {
          out.records = std::move(wb->records);
          index.resize(n);
          std::iota(index.begin(), index.end(), size_t{0});
        } else {
          for (size_t i = 0; i < n; ++i) {
            if (!(mask_of(i) & bit)) continue;
            index.push_back(i);
            int last = is_uniform ? uniform_last : last_sink[i];
            if (last == static_cast<int>(s)) {
              out.records.push_back(std::move(wb->records[i]));
            } else {
              out.records.push_back(wb->records[i]);
            }
          }
        }
      }
      out.offsets = *offsets;
      const size_t count = out.records.size();
      model::ConsumeResult r = sinks_[s]->Consume(out);
      if (!r.status.ok()) {
        sink_counters_[s].failed->Inc(static_cast<double>(count));
        if (result.status.ok()) result.status = r.status.WithContext("sink " + sink_names_[s]);
        continue;
      }
      size_t rejected = 0;
      for (auto& rej : r.rejected) {
        if (rej.index >= index.size()) continue;
        rej.index = wb->origin[index[rej.index]];
        result.rejected.push_back(std::move(rej));
        ++rejected;
      }
      sink_counters_[s].rejected->Inc(static_cast<double>(rejected));
      sink_counters_[s].sent->Inc(static_cast<double>(count - rejected));
    }
    if (!result.status.ok()) {
      result.rejected.clear();
      return result;
    }
    out_->Inc(static_cast<double>(routed));
    // One rejection per source record: a Lua split or two sinks may refuse
    // the same record twice.
    std::stable_sort(result.rejected.begin(), result.rejected.end(),
                     [](const auto& a, const auto& b) { return a.index < b.index; });
    result.rejected.erase(
        std::unique(result.rejected.begin(), result.rejected.end(),
                    [](const auto& a, const auto& b) { return a.index == b.index; }),
        result.rejected.end());
    return result;
  }

  std::string name_;
  std::vector<std::string> sink_names_;
  std::vector<model::LogSink*> sinks_;
  std::vector<SinkCounters> sink_counters_;
  metrics::Counter* in_;
  metrics::Counter* out_;
  metrics::Counter* dropped_;
  metrics::Counter* sampled_out_;
  metrics::Counter* error_;
  metrics::Family<metrics::Counter>* sink_family_;
};

class RouterImpl : public Router {
 public:
  RouterImpl() = default;
  ~RouterImpl() override {
    if (flusher_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      flusher_.join();
    }
    if (derived_) (void)derived_->Flush();
  }

  model::LogSink* Source(const std::string& pipeline) override {
    auto it = pipelines_.find(pipeline.empty() ? "default" : pipeline);
    return it == pipelines_.end() ? nullptr : it->second.get();
  }

  void Flush() override {
    if (derived_) (void)derived_->Flush();
  }

  void StartFlusher(int64_t interval_ms) {
    flusher_ = std::thread([this, interval_ms] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stop_; });
        if (stop_) break;
        lock.unlock();
        (void)derived_->Flush();
        lock.lock();
      }
    });
  }

  std::unique_ptr<metrics::Registry> own_registry_;
  std::unique_ptr<DerivedMetrics> derived_;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread flusher_;
};

std::string SinkList(const std::map<std::string, model::LogSink*>& sinks) {
  std::string out;
  for (const auto& [name, sink] : sinks) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

Status ResolveSinks(Pipeline* p, const std::vector<std::string>& names,
                    const RouterOptions& options, uint64_t* mask) {
  *mask = 0;
  for (const auto& name : names) {
    auto it = options.sinks.find(name);
    if (it == options.sinks.end() || it->second == nullptr) {
      return Status::InvalidArgument(
          fmt::format("unknown sink \"{}\" (have: {})", name, SinkList(options.sinks)));
    }
    int index = p->SinkIndex(name, it->second);
    if (index < 0) {
      return Status::InvalidArgument(fmt::format("more than {} sinks", kMaxSinksPerPipeline));
    }
    *mask |= uint64_t{1} << index;
  }
  return Status::OK();
}

std::string StepContext(const std::string& pipeline, size_t index,
                        const config::LogStepConfig& step) {
  if (step.line > 0) {
    return fmt::format("pipeline \"{}\": step {} ({}, line {})", pipeline, index + 1, step.type,
                       step.line);
  }
  return fmt::format("pipeline \"{}\": step {} ({})", pipeline, index + 1, step.type);
}

}  // namespace

Result<std::unique_ptr<Router>> Router::Make(const RouterOptions& options) {
  if (options.config == nullptr) return Status::InvalidArgument("pipeline: no logs config");
  auto router = std::make_unique<RouterImpl>();
  metrics::Registry* registry = options.registry;
  if (registry == nullptr) {
    router->own_registry_ = std::make_unique<metrics::Registry>();
    registry = router->own_registry_.get();
  }
  auto step_errors = &registry->CounterFamily(
      "vigil_pipeline_step_errors_total",
      "Records a pipeline step failed on (kept, tagged with attribute vigil.error), by reason.",
      {"pipeline", "step", "reason"});

  std::vector<config::LogPipelineConfig> pipelines = options.config->pipelines;
  bool has_default = false;
  for (const auto& p : pipelines) has_default = has_default || p.name == "default";
  if (!has_default) {
    config::LogPipelineConfig def;
    def.name = "default";
    def.sinks.clear();
    if (options.sinks.count("store")) def.sinks = {"store"};
    pipelines.push_back(std::move(def));
  }

  bool any_metric = false;
  for (const auto& p : pipelines) {
    for (const auto& s : p.steps) any_metric = any_metric || s.type == "metric";
  }
  if (any_metric && options.metrics_out != nullptr) {
    router->derived_ = std::make_unique<DerivedMetrics>(
        options.metrics_out, options.derived_metrics_interval_ms, registry, options.clock);
  }

  for (const auto& pc : pipelines) {
    if (pc.name.empty()) return Status::InvalidArgument("pipeline: a pipeline without a name");
    if (router->pipelines_.count(pc.name)) {
      return Status::InvalidArgument(fmt::format("pipeline \"{}\" is defined twice", pc.name));
    }
    auto p = std::make_unique<Pipeline>(pc.name, registry);
    StepEnv env;
    env.pipeline = pc.name;
    env.config_dir = options.config_dir;
    env.step_errors = step_errors;
    env.derived = router->derived_.get();
    for (size_t i = 0; i < pc.steps.size(); ++i) {
      auto step = MakeStep(pc.steps[i], env);
      if (!step.ok()) return step.status().WithContext(StepContext(pc.name, i, pc.steps[i]));
      p->steps.push_back(std::move(step).value());
    }
    for (size_t i = 0; i < pc.routes.size(); ++i) {
      const auto& rc = pc.routes[i];
      std::string context = fmt::format("pipeline \"{}\": route {}", pc.name, i + 1);
      auto when = Condition::Compile(rc.when);
      if (!when.ok()) return when.status().WithContext(context);
      if (rc.sinks.empty()) return Status::InvalidArgument(context + ": no sinks");
      Route route;
      route.when = std::move(when).value();
      route.stop = rc.stop;
      Status sinks = ResolveSinks(p.get(), rc.sinks, options, &route.sinks);
      if (!sinks.ok()) return sinks.WithContext(context);
      p->routes.push_back(std::move(route));
    }
    Status st = ResolveSinks(p.get(), pc.sinks, options, &p->default_sinks);
    if (!st.ok()) return st.WithContext(fmt::format("pipeline \"{}\": sinks", pc.name));
    router->pipelines_[pc.name] = std::move(p);
  }

  auto check_ref = [&](const std::string& who, const std::string& name) -> Status {
    std::string n = name.empty() ? "default" : name;
    if (!router->pipelines_.count(n)) {
      return Status::InvalidArgument(fmt::format("{}: unknown pipeline \"{}\"", who, n));
    }
    return Status::OK();
  };
  for (const auto& s : options.config->sources) {
    VIGIL_RETURN_IF_ERROR(check_ref(fmt::format("source \"{}\"", s.name), s.pipeline));
  }
  VIGIL_RETURN_IF_ERROR(check_ref("push", options.config->push.pipeline));

  if (router->derived_ && options.derived_metrics_interval_ms > 0) {
    router->StartFlusher(options.derived_metrics_interval_ms);
  }
  return std::unique_ptr<Router>(std::move(router));
}

}  // namespace vigil::pipeline
