// Test- and fuzz-only: compares what WriteRequestDecoder produced with what
// the protoc-generated parser produced for the same bytes.
#pragma once

#include <fmt/format.h>

#include <string>

#include "api/remote/proto/opaque_test.pb.h"
#include "api/remote/proto/remote.pb.h"
#include "api/remote/write_request_decoder.h"
#include "base/coding.h"

namespace vigil::remote::testing {

// Empty if both hold the same content; otherwise the first difference. Req
// is wire::WriteRequest or wire::OpaqueWriteRequest.
template <typename Req>
std::string CompareDecoded(const WriteRequestDecoder& dec, const Req& req) {
  if (dec.num_series() != static_cast<size_t>(req.timeseries_size())) {
    return fmt::format("series: {} vs {}", dec.num_series(), req.timeseries_size());
  }
  size_t exemplars = 0, histograms = 0;
  for (size_t i = 0; i < dec.num_series(); ++i) {
    const auto& ts = req.timeseries(static_cast<int>(i));
    model::LabelsView labels = dec.labels(i);
    if (labels.size() != static_cast<size_t>(ts.labels_size())) {
      return fmt::format("series {}: labels {} vs {}", i, labels.size(), ts.labels_size());
    }
    for (size_t j = 0; j < labels.size(); ++j) {
      const auto& l = ts.labels(static_cast<int>(j));
      if (labels[j].name != l.name() || labels[j].value != l.value()) {
        return fmt::format("series {} label {} differs", i, j);
      }
    }
    auto samples = dec.samples(i);
    if (samples.size() != static_cast<size_t>(ts.samples_size())) {
      return fmt::format("series {}: samples {} vs {}", i, samples.size(), ts.samples_size());
    }
    for (size_t j = 0; j < samples.size(); ++j) {
      const wire::Sample& s = ts.samples(static_cast<int>(j));
      if (samples[j].t != s.timestamp() || DoubleBits(samples[j].v) != DoubleBits(s.value())) {
        return fmt::format("series {} sample {} differs", i, j);
      }
    }
    if (dec.series(i).num_exemplars != static_cast<uint32_t>(ts.exemplars_size())) {
      return fmt::format("series {}: exemplars {} vs {}", i, dec.series(i).num_exemplars,
                         ts.exemplars_size());
    }
    if (dec.series(i).num_histograms != static_cast<uint32_t>(ts.histograms_size())) {
      return fmt::format("series {}: histograms {} vs {}", i, dec.series(i).num_histograms,
                         ts.histograms_size());
    }
    exemplars += ts.exemplars_size();
    histograms += ts.histograms_size();
  }
  if (dec.total_exemplars() != exemplars || dec.total_histograms() != histograms) {
    return "totals differ";
  }
  if (dec.metadata().size() != static_cast<size_t>(req.metadata_size())) {
    return fmt::format("metadata: {} vs {}", dec.metadata().size(), req.metadata_size());
  }
  for (size_t i = 0; i < dec.metadata().size(); ++i) {
    const DecodedMetadata& m = dec.metadata()[i];
    const auto& w = req.metadata(static_cast<int>(i));
    if (m.type != static_cast<int32_t>(w.type()) ||
        m.metric_family_name != w.metric_family_name() || m.help != w.help() ||
        m.unit != w.unit()) {
      return fmt::format("metadata {} differs", i);
    }
  }
  return {};
}

}  // namespace vigil::remote::testing
