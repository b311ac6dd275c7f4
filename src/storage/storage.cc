#include "storage/storage.h"

namespace vigil::storage {

const char* RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kOutOfOrder:
      return "out_of_order";
    case RejectReason::kDuplicate:
      return "duplicate";
    case RejectReason::kTooOld:
      return "too_old";
    case RejectReason::kInvalidLabels:
      return "invalid_labels";
    case RejectReason::kLabelLimit:
      return "label_limit";
    case RejectReason::kSeriesLimit:
      return "series_limit";
  }
  return "unknown";
}

const char* MetricTypeName(MetricMetadata::Type t) {
  using T = MetricMetadata::Type;
  switch (t) {
    case T::kUnknown:
      return "unknown";
    case T::kCounter:
      return "counter";
    case T::kGauge:
      return "gauge";
    case T::kHistogram:
      return "histogram";
    case T::kGaugeHistogram:
      return "gaugehistogram";
    case T::kSummary:
      return "summary";
    case T::kInfo:
      return "info";
    case T::kStateset:
      return "stateset";
  }
  return "unknown";
}

namespace {

class StatusSeriesSet final : public SeriesSet {
 public:
  explicit StatusSeriesSet(Status s) : status_(std::move(s)) {}
  bool Next() override { return false; }
  const Series& At() const override { __builtin_trap(); }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<SeriesSet> EmptySeriesSet() {
  return std::make_unique<StatusSeriesSet>(Status::OK());
}
std::unique_ptr<SeriesSet> ErrorSeriesSet(Status status) {
  return std::make_unique<StatusSeriesSet>(std::move(status));
}

}  // namespace vigil::storage
