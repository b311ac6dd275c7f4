#include "api/remote/remote_write.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "api/remote/http_headers.h"
#include "api/remote/snappy_block.h"
#include "api/remote/write_request_decoder.h"

namespace vigil::remote {

namespace {

using storage::RejectReason;

constexpr size_t kNumReasons = 7;  // storage::RejectReason values
constexpr std::string_view kRemoteWrite1 = "prometheus.WriteRequest";
constexpr std::string_view kRemoteWrite2 = "io.prometheus.write.v2.Request";

// Memory kept per thread between requests; more is freed after a request.
constexpr size_t kRetainedBufferBytes = size_t{8} << 20;
constexpr size_t kRetainedDecoderEntries = size_t{1} << 18;

// Why a whole request was refused (label `reason` of
// vigil_remote_write_invalid_requests_total).
enum class RequestError : uint8_t {
  kUnsupportedEncoding,
  kUnsupportedContentType,
  kUnsupportedVersion,
  kTooLarge,
  kInvalidSnappy,
  kInvalidProtobuf,
  kStorageUnavailable,
  kCommitFailed,
  kCount,
};
const char* RequestErrorName(RequestError e) {
  switch (e) {
    case RequestError::kUnsupportedEncoding:
      return "unsupported_encoding";
    case RequestError::kUnsupportedContentType:
      return "unsupported_content_type";
    case RequestError::kUnsupportedVersion:
      return "unsupported_version";
    case RequestError::kTooLarge:
      return "too_large";
    case RequestError::kInvalidSnappy:
      return "invalid_snappy";
    case RequestError::kInvalidProtobuf:
      return "invalid_protobuf";
    case RequestError::kStorageUnavailable:
      return "storage_unavailable";
    case RequestError::kCommitFailed:
      return "commit_failed";
    case RequestError::kCount:
      break;
  }
  return "unknown";
}

// How Prometheus words each refusal, so messages read the same to its users.
const char* RejectPhrase(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "accepted";
    case RejectReason::kOutOfOrder:
      return "out of order sample";
    case RejectReason::kDuplicate:
      return "duplicate sample for timestamp";
    case RejectReason::kTooOld:
      return "too old sample";
    case RejectReason::kInvalidLabels:
      return "invalid labels";
    case RejectReason::kLabelLimit:
      return "label limit exceeded";
    case RejectReason::kSeriesLimit:
      return "series limit reached";
  }
  return "rejected";
}

storage::MetricMetadata::Type MetadataType(int32_t wire) {
  // The wire enum and storage's enum use the same order (UNKNOWN..STATESET).
  if (wire < 0 || wire > static_cast<int32_t>(storage::MetricMetadata::Type::kStateset)) {
    return storage::MetricMetadata::Type::kUnknown;
  }
  return static_cast<storage::MetricMetadata::Type>(wire);
}

// Per-thread state reused across requests.
struct ThreadState {
  DecodeBuffer buffer;
  WriteRequestDecoder decoder;
  std::vector<model::LabelView> scratch_labels;
};

// Collects refusals of one request: counts by reason and a few descriptions.
class Rejections {
 public:
  Rejections(size_t max_examples, WriteStats* stats) : max_examples_(max_examples), st_(stats) {}

  void Add(RejectReason r, model::LabelsView labels, int64_t t, std::string_view detail,
           size_t samples) {
    st_->rejected_by_reason[static_cast<size_t>(r)] += samples;
    st_->samples_rejected += samples;
    if (examples_.size() >= max_examples_) return;
    std::string e = RejectPhrase(r);
    if (!detail.empty()) fmt::format_to(std::back_inserter(e), " ({})", detail);
    fmt::format_to(std::back_inserter(e), " for series {} at timestamp {}",
                   FormatLabelsForMessage(labels), t);
    if (samples > 1) fmt::format_to(std::back_inserter(e), " ({} samples)", samples);
    examples_.push_back(std::move(e));
  }

  void AddHistograms(model::LabelsView labels, size_t n) {
    histograms_ += n;
    if (examples_.size() >= max_examples_) return;
    examples_.push_back(fmt::format(
        "native histograms are not supported: {} histogram sample(s) of series {} dropped", n,
        FormatLabelsForMessage(labels)));
  }

  bool any() const { return st_->samples_rejected > 0 || histograms_ > 0; }
  bool retryable() const {
    return st_->rejected_by_reason[static_cast<size_t>(RejectReason::kSeriesLimit)] > 0;
  }

  std::string Message() const {
    std::string out;
    for (const auto& e : examples_) {
      out += e;
      out += "; ";
    }
    fmt::format_to(std::back_inserter(out), "{} of {} samples rejected", st_->samples_rejected,
                   st_->samples);
    const char* sep = " (";
    for (size_t r = 1; r < kNumReasons; ++r) {
      if (st_->rejected_by_reason[r] == 0) continue;
      fmt::format_to(std::back_inserter(out), "{}{}: {}", sep,
                     storage::RejectReasonName(static_cast<RejectReason>(r)),
                     st_->rejected_by_reason[r]);
      sep = ", ";
    }
    if (*sep == ',') out += ')';
    if (histograms_ > 0) {
      fmt::format_to(std::back_inserter(out), "; {} native histogram samples dropped", histograms_);
    }
    return out;
  }

 private:
  size_t max_examples_;
  WriteStats* st_;
  size_t histograms_ = 0;
  std::vector<std::string> examples_;
};

}  // namespace

struct RemoteWriteHandler::Metrics {
  explicit Metrics(metrics::Registry& r) {
    samples_received = r.NewCounter("vigil_remote_write_samples_received_total",
                                    "Float samples received by remote_write.");
    samples_appended = r.NewCounter("vigil_remote_write_samples_appended_total",
                                    "Samples from remote_write that were appended and committed.");
    series_received = r.NewCounter("vigil_remote_write_series_received_total",
                                   "TimeSeries messages received by remote_write.");
    exemplars_dropped = r.NewCounter("vigil_remote_write_exemplars_dropped_total",
                                     "Exemplars received by remote_write and ignored.");
    histograms_dropped = r.NewCounter(
        "vigil_remote_write_histograms_dropped_total",
        "Native histogram samples received by remote_write and refused (not supported yet).");
    metadata_received = r.NewCounter("vigil_remote_write_metadata_received_total",
                                     "MetricMetadata entries received by remote_write.");
    bytes_received = r.CounterFamily("vigil_remote_write_bytes_received_total",
                                     "Compressed remote_write body bytes received.", {"encoding"})
                         .With({"snappy"});
    decoded_bytes = r.NewCounter("vigil_remote_write_decoded_bytes_total",
                                 "Decompressed remote_write body bytes.");
    auto& rejected = r.CounterFamily("vigil_remote_write_samples_rejected_total",
                                     "Samples from remote_write refused, by reason.", {"reason"});
    for (size_t i = 1; i < kNumReasons; ++i) {
      samples_rejected[i] =
          rejected.With({storage::RejectReasonName(static_cast<RejectReason>(i))});
    }
    auto& invalid =
        r.CounterFamily("vigil_remote_write_invalid_requests_total",
                        "remote_write requests refused as a whole, by reason.", {"reason"});
    for (size_t i = 0; i < static_cast<size_t>(RequestError::kCount); ++i) {
      invalid_requests[i] = invalid.With({RequestErrorName(static_cast<RequestError>(i))});
    }
  }

  metrics::Counter* samples_received;
  metrics::Counter* samples_appended;
  metrics::Counter* series_received;
  metrics::Counter* exemplars_dropped;
  metrics::Counter* histograms_dropped;
  metrics::Counter* metadata_received;
  metrics::Counter* bytes_received;
  metrics::Counter* decoded_bytes;
  std::array<metrics::Counter*, kNumReasons> samples_rejected{};
  std::array<metrics::Counter*, static_cast<size_t>(RequestError::kCount)> invalid_requests{};
};

RemoteWriteHandler::RemoteWriteHandler(WriteOptions options) : options_(std::move(options)) {
  metrics::Registry* r = options_.registry;
  if (r == nullptr) {
    own_registry_ = std::make_unique<metrics::Registry>();
    r = own_registry_.get();
  }
  metrics_ = std::make_unique<Metrics>(*r);
}

RemoteWriteHandler::~RemoteWriteHandler() = default;

WriteOutcome RemoteWriteHandler::Handle(std::string_view content_encoding,
                                        std::string_view content_type, std::string_view body,
                                        storage::Appendable* db, WriteStats* stats) const {
  WriteStats local_stats;
  WriteStats& st = stats != nullptr ? *stats : local_stats;
  st = WriteStats{};
  st.compressed_bytes = body.size();
  metrics_->bytes_received->Inc(static_cast<double>(body.size()));

  auto refuse = [this](RequestError e, int status, std::string msg) {
    metrics_->invalid_requests[static_cast<size_t>(e)]->Inc();
    WriteOutcome out{status, std::move(msg), 0};
    if (status == 503) out.retry_after_seconds = options_.retry_after_seconds;
    return out;
  };

  if (!IsSnappyOrMissing(content_encoding)) {
    return refuse(RequestError::kUnsupportedEncoding, 415,
                  fmt::format("unsupported Content-Encoding \"{}\": remote write 1.0 bodies must "
                              "be snappy block-compressed (Content-Encoding: snappy)",
                              content_encoding.substr(0, 64)));
  }
  if (!content_type.empty()) {
    MediaType mt = ParseMediaType(content_type, "proto");
    if (mt.type != "application/x-protobuf") {
      return refuse(RequestError::kUnsupportedContentType, 415,
                    fmt::format("unsupported Content-Type \"{}\": remote write expects "
                                "application/x-protobuf",
                                content_type.substr(0, 128)));
    }
    if (mt.param == kRemoteWrite2) {
      return refuse(RequestError::kUnsupportedVersion, 415,
                    "remote write 2.0 (proto=io.prometheus.write.v2.Request) is not supported "
                    "yet; configure the sender for remote write 1.0 (prometheus.WriteRequest)");
    }
    if (!mt.param.empty() && mt.param != kRemoteWrite1) {
      return refuse(RequestError::kUnsupportedVersion, 415,
                    fmt::format("unsupported proto message \"{}\": only prometheus.WriteRequest "
                                "(remote write 1.0) is accepted",
                                std::string_view(mt.param).substr(0, 128)));
    }
  }

  thread_local ThreadState ts;
  // Frees what an unusually large request made the thread's buffers grow to,
  // on every way out of this function.
  struct TrimOnExit {
    ThreadState& ts;
    ~TrimOnExit() {
      ts.buffer.Trim(kRetainedBufferBytes);
      ts.decoder.Trim(kRetainedDecoderEntries);
      if (ts.scratch_labels.capacity() > 4096) {
        std::vector<model::LabelView>().swap(ts.scratch_labels);
      }
    }
  } trim_on_exit{ts};
  SnappyResult decoded = SnappyUncompress(body, options_.max_decoded_bytes, &ts.buffer);
  if (!decoded.ok()) {
    if (decoded.error == SnappyError::kTooLarge) {
      return refuse(RequestError::kTooLarge, 413, std::move(decoded.message));
    }
    return refuse(RequestError::kInvalidSnappy, 400, std::move(decoded.message));
  }
  st.decoded_bytes = decoded.data.size();
  metrics_->decoded_bytes->Inc(static_cast<double>(decoded.data.size()));

  WriteRequestDecoder& dec = ts.decoder;
  if (Status s = dec.Decode(decoded.data); !s.ok()) {
    return refuse(RequestError::kInvalidProtobuf, 400, s.message());
  }

  std::unique_ptr<storage::Appender> app = db->NewAppender();
  if (app == nullptr) {
    return refuse(RequestError::kStorageUnavailable, 503, "storage is not ready to accept samples");
  }

  Rejections rejections(options_.max_error_examples, &st);
  st.series = dec.num_series();
  st.samples = dec.total_samples();
  st.exemplars_dropped = dec.total_exemplars();
  st.histograms_dropped = dec.total_histograms();
  for (size_t i = 0; i < dec.num_series(); ++i) {
    model::LabelsView labels = dec.labels(i);
    std::span<const model::Sample> samples = dec.samples(i);
    if (dec.series(i).num_histograms > 0) {
      rejections.AddHistograms(labels, dec.series(i).num_histograms);
    }
    if (samples.empty()) continue;

    // Empty values mean "label absent"; copy only in the rare case there are some.
    for (const model::LabelView& l : labels) {
      if (!l.value.empty()) continue;
      ts.scratch_labels.clear();
      for (const model::LabelView& k : labels) {
        if (!k.value.empty()) ts.scratch_labels.push_back(k);
      }
      labels = ts.scratch_labels;
      break;
    }
    // Storage validates the labels of a new series (and a known series'
    // labels are valid by construction), so nothing is checked twice here.
    storage::SeriesRef ref = 0;
    for (const model::Sample& s : samples) {
      storage::AppendResult r = app->Append(ref, labels, s.t, s.v);
      if (r.ref != 0) ref = r.ref;
      if (r.ok()) [[likely]] {
        ++st.samples_appended;
      } else {
        rejections.Add(r.reject, labels, s.t, r.detail, 1);
      }
    }
  }

  for (const DecodedMetadata& m : dec.metadata()) {
    if (m.metric_family_name.empty()) continue;
    ++st.metadata;
    storage::MetricMetadata md;
    md.type = MetadataType(m.type);
    md.help = std::string(m.help);
    md.unit = std::string(m.unit);
    app->UpdateMetadata(m.metric_family_name, md);
  }

  Status commit = app->Commit();

  Metrics& mt = *metrics_;
  mt.samples_received->Inc(static_cast<double>(st.samples));
  mt.series_received->Inc(static_cast<double>(st.series));
  if (st.exemplars_dropped > 0)
    mt.exemplars_dropped->Inc(static_cast<double>(st.exemplars_dropped));
  if (st.histograms_dropped > 0) {
    mt.histograms_dropped->Inc(static_cast<double>(st.histograms_dropped));
  }
  if (st.metadata > 0) mt.metadata_received->Inc(static_cast<double>(st.metadata));
  for (size_t r = 1; r < kNumReasons; ++r) {
    if (st.rejected_by_reason[r] > 0) {
      mt.samples_rejected[r]->Inc(static_cast<double>(st.rejected_by_reason[r]));
    }
  }

  WriteOutcome out;
  if (!commit.ok()) {
    st.samples_appended = 0;
    out = refuse(RequestError::kCommitFailed, 500,
                 fmt::format("committing samples failed: {}", commit.message()));
  } else {
    mt.samples_appended->Inc(static_cast<double>(st.samples_appended));
    if (rejections.retryable()) {
      out.status = options_.series_limit_status;
      out.body = rejections.Message();
      out.retry_after_seconds = options_.retry_after_seconds;
    } else if (rejections.any()) {
      out.status = 400;
      out.body = rejections.Message();
    }
  }
  return out;
}

}  // namespace vigil::remote
