#include "api/query/result_json.h"

#include <type_traits>

namespace vigil::api::query {

namespace {

// The [t, "v"] pair of a scalar or string: Go's encoding/json on
// [float64(t)/1000, v] (Prometheus' Scalar and String MarshalJSON).
void WriteScalarTime(GoJsonWriter& w, int64_t t) { w.Float(static_cast<double>(t) / 1000); }

}  // namespace

std::string_view ResultTypeName(const promql::Value& v) {
  switch (v.index()) {
    case 1:
      return "scalar";
    case 2:
      return "string";
    case 3:
      return "vector";
    case 4:
      return "matrix";
    default:
      return "";
  }
}

void WriteResult(GoJsonWriter& w, const promql::Value& v) {
  std::visit(
      [&w](const auto& val) {
        using T = std::decay_t<decltype(val)>;
        if constexpr (std::is_same_v<T, promql::Vector>) {
          w.StartArray();
          for (const auto& s : val) {
            w.StartObject();
            w.Key("metric");
            WriteLabels(w, s.metric);
            w.Key("value");
            w.StartArray();
            w.Timestamp(s.t);
            w.SampleValue(s.f);
            w.EndArray();
            w.EndObject();
          }
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::Matrix>) {
          w.StartArray();
          for (const auto& s : val) {
            w.StartObject();
            w.Key("metric");
            WriteLabels(w, s.metric);
            if (!s.floats.empty()) {
              w.Key("values");
              w.StartArray();
              for (const auto& p : s.floats) {
                w.StartArray();
                w.Timestamp(p.t);
                w.SampleValue(p.f);
                w.EndArray();
              }
              w.EndArray();
            }
            w.EndObject();
          }
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::Scalar>) {
          w.StartArray();
          WriteScalarTime(w, val.t);
          w.StdlibString(FormatGoFloat(val.v, 'f'));
          w.EndArray();
        } else if constexpr (std::is_same_v<T, promql::String>) {
          w.StartArray();
          WriteScalarTime(w, val.t);
          w.StdlibString(val.v);
          w.EndArray();
        } else {
          w.Null();
        }
      },
      v);
}

void WriteStats(GoJsonWriter& w, const QueryStatsJson& s) {
  w.StartObject();
  w.Key("timings");
  w.StartObject();
  w.Key("evalTotalTime");
  w.JsoniterFloat(s.eval_total_time);
  w.Key("resultSortTime");
  w.JsoniterFloat(s.result_sort_time);
  w.Key("queryPreparationTime");
  w.JsoniterFloat(s.query_preparation_time);
  w.Key("innerEvalTime");
  w.JsoniterFloat(s.inner_eval_time);
  w.Key("execQueueTime");
  w.JsoniterFloat(s.exec_queue_time);
  w.Key("execTotalTime");
  w.JsoniterFloat(s.exec_total_time);
  w.EndObject();
  w.Key("samples");
  w.StartObject();
  w.Key("totalQueryableSamples");
  w.Uint(s.total_queryable_samples);
  w.Key("peakSamples");
  w.Uint(s.peak_samples);
  w.EndObject();
  w.EndObject();
}

std::string QuerySuccessBody(const promql::Value& v, const std::vector<std::string>& warnings,
                             const std::vector<std::string>& infos, const QueryStatsJson* stats) {
  GoJsonWriter w;
  StartSuccess(w);
  w.StartObject();
  w.KV("resultType", ResultTypeName(v));
  w.Key("result");
  WriteResult(w, v);
  if (stats != nullptr) {
    w.Key("stats");
    WriteStats(w, *stats);
  }
  w.EndObject();
  FinishSuccess(w, warnings, infos);
  return w.Take();
}

}  // namespace vigil::api::query
