#include "api/remote/remote_read.h"

#include <fmt/format.h>
#include <boost/crc.hpp>

#include <array>
#include <chrono>
#include <vector>

#include "api/remote/http_headers.h"
#include "api/remote/proto/remote.pb.h"
#include "api/remote/proto_writer.h"
#include "api/remote/snappy_block.h"
#include "base/logging.h"
#include "base/strconv.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/tsdb/chunkenc/xor.h"

namespace vigil::remote {

namespace {

// Samples per XOR chunk in streamed responses, as Prometheus' head cuts them.
constexpr size_t kSamplesPerChunk = 120;
// How often (in samples) a long series checks the deadline.
constexpr size_t kDeadlineCheckEvery = 4096;

enum class ReadError : uint8_t {
  kUnsupportedEncoding,
  kTooLarge,
  kInvalidSnappy,
  kInvalidProtobuf,
  kUnsupportedResponseType,
  kInvalidMatcher,
  kSampleLimit,
  kStorage,
  kTimeout,
  kTooManyConcurrent,
  kCount,
};
const char* ReadErrorName(ReadError e) {
  switch (e) {
    case ReadError::kUnsupportedEncoding:
      return "unsupported_encoding";
    case ReadError::kTooLarge:
      return "too_large";
    case ReadError::kInvalidSnappy:
      return "invalid_snappy";
    case ReadError::kInvalidProtobuf:
      return "invalid_protobuf";
    case ReadError::kUnsupportedResponseType:
      return "unsupported_response_type";
    case ReadError::kInvalidMatcher:
      return "invalid_matcher";
    case ReadError::kSampleLimit:
      return "sample_limit";
    case ReadError::kStorage:
      return "storage_error";
    case ReadError::kTimeout:
      return "timeout";
    case ReadError::kTooManyConcurrent:
      return "too_many_concurrent";
    case ReadError::kCount:
      break;
  }
  return "unknown";
}

struct Failure {
  ReadError reason;
  int status;
  std::string message;
};

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kUnavailable:
    case Status::Code::kResourceExhausted:
    case Status::Code::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

size_t LabelMessageSize(const model::Label& l) {
  return pb::StringFieldSize(l.name) + pb::StringFieldSize(l.value);
}

void PutLabels(std::string* out, uint32_t field, const model::Labels& labels) {
  for (const model::Label& l : labels) {
    pb::PutLenPrefix(out, field, LabelMessageSize(l));
    pb::PutString(out, 1, l.name);
    pb::PutString(out, 2, l.value);
  }
}

size_t LabelsFieldSize(const model::Labels& labels) {
  size_t n = 0;
  for (const model::Label& l : labels) n += pb::LenFieldSize(LabelMessageSize(l));
  return n;
}

// Builds a ReadResponse: one QueryResult per query.
class SamplesResponse {
 public:
  void AddSeries(const model::Labels& labels, const std::vector<model::Sample>& samples) {
    size_t size = LabelsFieldSize(labels);
    for (const model::Sample& s : samples) size += pb::LenFieldSize(SampleSize(s));
    pb::PutLenPrefix(&query_, 1, size);  // QueryResult.timeseries
    PutLabels(&query_, 1, labels);
    for (const model::Sample& s : samples) {
      pb::PutLenPrefix(&query_, 2, SampleSize(s));
      pb::PutDouble(&query_, 1, s.v);
      pb::PutInt64(&query_, 2, s.t);
    }
  }
  void EndQuery() {
    pb::PutLenPrefix(&response_, 1, query_.size());  // ReadResponse.results
    response_.append(query_);
    query_.clear();
  }
  std::string Finish() {
    std::string body;
    SnappyCompress(response_, &body);
    return body;
  }

 private:
  static size_t SampleSize(const model::Sample& s) {
    return pb::DoubleFieldSize(s.v) + pb::Int64FieldSize(s.t);
  }
  std::string query_;
  std::string response_;
};

// Builds the frames of a streamed response.
class StreamedResponse {
 public:
  StreamedResponse(size_t max_bytes_in_frame) : max_bytes_in_frame_(max_bytes_in_frame) {}

  void AddSeries(int64_t query_index, const model::Labels& labels,
                 const std::vector<model::Sample>& samples) {
    for (size_t i = 0; i < samples.size(); i += kSamplesPerChunk) {
      size_t end = std::min(samples.size(), i + kSamplesPerChunk);
      // Prometheus' XOR chunk format, so the bytes are what its client expects.
      tsdb::chunkenc::XorChunk chunk(2 * (end - i));
      for (size_t j = i; j < end; ++j) chunk.Append(samples[j].t, samples[j].v);
      chunks_.push_back(
          Chunk{samples[i].t, samples[end - 1].t, data_.size(), chunk.Bytes().size()});
      data_.append(chunk.Bytes());
      if (data_.size() >= max_bytes_in_frame_) Flush(query_index, labels);
    }
    Flush(query_index, labels);
  }
  std::string Finish() { return std::move(body_); }

 private:
  struct Chunk {
    int64_t min_t, max_t;
    size_t offset, size;
  };
  static size_t ChunkSize(const Chunk& c) {
    return pb::Int64FieldSize(c.min_t) + pb::Int64FieldSize(c.max_t) + 2 /* type = XOR */ +
           pb::LenFieldSize(c.size);
  }

  void Flush(int64_t query_index, const model::Labels& labels) {
    if (chunks_.empty()) return;
    size_t series_size = LabelsFieldSize(labels);
    for (const Chunk& c : chunks_) series_size += pb::LenFieldSize(ChunkSize(c));
    message_.clear();
    pb::PutLenPrefix(&message_, 1, series_size);  // ChunkedReadResponse.chunked_series
    PutLabels(&message_, 1, labels);
    for (const Chunk& c : chunks_) {
      pb::PutLenPrefix(&message_, 2, ChunkSize(c));  // ChunkedSeries.chunks
      pb::PutInt64(&message_, 1, c.min_t);
      pb::PutInt64(&message_, 2, c.max_t);
      pb::PutInt64(&message_, 3, 1);  // Chunk.Encoding XOR
      pb::PutLenPrefix(&message_, 4, c.size);
      message_.append(data_, c.offset, c.size);
    }
    pb::PutInt64(&message_, 2, query_index);

    Crc32c crc;
    crc.process_bytes(message_.data(), message_.size());
    pb::PutVarint(&body_, message_.size());
    char b[4];
    EncodeFixed32BE(b, crc.checksum());
    body_.append(b, 4);
    body_.append(message_);
    chunks_.clear();
    data_.clear();
  }

  size_t max_bytes_in_frame_;
  std::vector<Chunk> chunks_;
  std::string data_;  // bytes of chunks_
  std::string message_;
  std::string body_;
};

Result<std::vector<model::Matcher>> BuildMatchers(const wire::Query& q, int index) {
  std::vector<model::Matcher> out;
  out.reserve(q.matchers_size() + 1);
  bool selective = false;
  for (const wire::LabelMatcher& m : q.matchers()) {
    model::MatchType type;
    switch (m.type()) {
      case wire::LabelMatcher::EQ:
        type = model::MatchType::kEqual;
        break;
      case wire::LabelMatcher::NEQ:
        type = model::MatchType::kNotEqual;
        break;
      case wire::LabelMatcher::RE:
        type = model::MatchType::kRegexMatch;
        break;
      case wire::LabelMatcher::NRE:
        type = model::MatchType::kRegexNoMatch;
        break;
      default:
        return Status::InvalidArgument(
            fmt::format("query {}: unknown matcher type {} for label \"{}\"", index,
                        static_cast<int>(m.type()), m.name()));
    }
    Result<model::Matcher> r = model::Matcher::Make(type, m.name(), m.value());
    if (!r.ok()) {
      return Status::InvalidArgument(fmt::format("query {}: invalid matcher for label \"{}\": {}",
                                                 index, m.name(), r.status().message()));
    }
    selective |= !r->MatchesEmpty();
    out.push_back(std::move(r).value());
  }
  // Storage wants one matcher that rejects the empty string. Every stored
  // series has a metric name, so adding __name__!="" changes no result.
  if (!selective) out.push_back(model::Matcher::NotEqual(std::string(model::kMetricName), ""));
  return out;
}

}  // namespace

struct RemoteReadHandler::Metrics {
  explicit Metrics(metrics::Registry& r) {
    queries = r.NewCounter("vigil_remote_read_queries_total", "Queries served by remote_read.");
    series =
        r.NewCounter("vigil_remote_read_series_returned_total", "Series returned by remote_read.");
    samples = r.NewCounter("vigil_remote_read_samples_returned_total",
                           "Samples returned by remote_read.");
    in_flight = r.NewGauge("vigil_remote_read_in_flight", "remote_read requests being served.");
    auto& responses =
        r.CounterFamily("vigil_remote_read_responses_total",
                        "Successful remote_read responses, by response type.", {"type"});
    samples_responses = responses.With({"samples"});
    streamed_responses = responses.With({"streamed_xor_chunks"});
    auto& errors = r.CounterFamily("vigil_remote_read_errors_total",
                                   "remote_read requests that failed, by reason.", {"reason"});
    for (size_t i = 0; i < static_cast<size_t>(ReadError::kCount); ++i) {
      this->errors[i] = errors.With({ReadErrorName(static_cast<ReadError>(i))});
    }
  }
  metrics::Counter* queries;
  metrics::Counter* series;
  metrics::Counter* samples;
  metrics::Gauge* in_flight;
  metrics::Counter* samples_responses;
  metrics::Counter* streamed_responses;
  std::array<metrics::Counter*, static_cast<size_t>(ReadError::kCount)> errors{};
};

// Holds one of the max_concurrent places while a read runs.
class RemoteReadHandler::Slot {
 public:
  explicit Slot(const RemoteReadHandler* h) : h_(h) {
    std::unique_lock<std::mutex> lock(h_->mu_);
    size_t limit = h_->options_.max_concurrent;
    if (limit > 0) {
      acquired_ = h_->slot_freed_.wait_for(
          lock, std::chrono::milliseconds(std::max<int64_t>(h_->options_.queue_wait_ms, 0)),
          [&] { return h_->in_flight_ < limit; });
    }
    if (acquired_) h_->metrics_->in_flight->Set(static_cast<double>(++h_->in_flight_));
  }
  ~Slot() {
    if (!acquired_) return;
    {
      std::lock_guard<std::mutex> lock(h_->mu_);
      h_->metrics_->in_flight->Set(static_cast<double>(--h_->in_flight_));
    }
    h_->slot_freed_.notify_one();
  }
  bool acquired() const { return acquired_; }

 private:
  const RemoteReadHandler* h_;
  bool acquired_ = true;
};

RemoteReadHandler::RemoteReadHandler(ReadOptions options) : options_(std::move(options)) {
  metrics::Registry* r = options_.registry;
  if (r == nullptr) {
    own_registry_ = std::make_unique<metrics::Registry>();
    r = own_registry_.get();
  }
  metrics_ = std::make_unique<Metrics>(*r);
  if (!options_.clock) options_.clock = SystemClock();
}

RemoteReadHandler::~RemoteReadHandler() = default;

ReadOutcome RemoteReadHandler::Handle(std::string_view content_encoding, std::string_view body,
                                      storage::Queryable* db) const {
  Slot slot(this);
  if (!slot.acquired()) {
    metrics_->errors[static_cast<size_t>(ReadError::kTooManyConcurrent)]->Inc();
    ReadOutcome out;
    out.status = 503;
    out.content_type = std::string(kTextPlain);
    out.body = fmt::format("too many concurrent remote reads (limit {})", options_.max_concurrent);
    out.retry_after_seconds = options_.retry_after_seconds;
    return out;
  }
  return Serve(content_encoding, body, db);
}

ReadOutcome RemoteReadHandler::Serve(std::string_view content_encoding, std::string_view body,
                                     storage::Queryable* db) const {
  auto fail = [this](Failure f) {
    metrics_->errors[static_cast<size_t>(f.reason)]->Inc();
    ReadOutcome out;
    out.status = f.status;
    out.content_type = std::string(kTextPlain);
    out.body = std::move(f.message);
    if (f.status == 503) out.retry_after_seconds = options_.retry_after_seconds;
    return out;
  };

  if (!IsSnappyOrMissing(content_encoding)) {
    return fail({ReadError::kUnsupportedEncoding, 415,
                 fmt::format("unsupported Content-Encoding \"{}\": remote read requests must be "
                             "snappy block-compressed",
                             content_encoding.substr(0, 64))});
  }
  DecodeBuffer buffer;
  SnappyResult decoded = SnappyUncompress(body, options_.max_decoded_bytes, &buffer);
  if (!decoded.ok()) {
    bool too_large = decoded.error == SnappyError::kTooLarge;
    return fail({too_large ? ReadError::kTooLarge : ReadError::kInvalidSnappy,
                 too_large ? 413 : 400, std::move(decoded.message)});
  }
  wire::ReadRequest req;
  if (!req.ParseFromArray(decoded.data.data(), static_cast<int>(decoded.data.size()))) {
    return fail({ReadError::kInvalidProtobuf, 400, "proto: cannot parse ReadRequest"});
  }

  bool streamed = false;
  if (req.accepted_response_types_size() > 0) {
    bool found = false;
    for (int t : req.accepted_response_types()) {
      if (t == wire::ReadRequest::SAMPLES || t == wire::ReadRequest::STREAMED_XOR_CHUNKS) {
        streamed = t == wire::ReadRequest::STREAMED_XOR_CHUNKS;
        found = true;
        break;
      }
    }
    if (!found) {
      return fail({ReadError::kUnsupportedResponseType, 400,
                   "server does not support any of the requested response types; supported: "
                   "SAMPLES, STREAMED_XOR_CHUNKS"});
    }
  }

  const int64_t start_ms = options_.clock();
  auto timed_out = [&] {
    return options_.timeout_ms > 0 && options_.clock() - start_ms > options_.timeout_ms;
  };
  auto timeout_failure = [&] {
    return Failure{
        ReadError::kTimeout, 503,
        fmt::format("remote read timed out after {}", FormatPromDuration(options_.timeout_ms))};
  };

  SamplesResponse samples_response;
  StreamedResponse streamed_response(options_.max_bytes_in_frame);
  std::vector<model::Sample> buf;
  size_t total_series = 0;
  size_t total_samples = 0;

  for (int qi = 0; qi < req.queries_size(); ++qi) {
    const wire::Query& q = req.queries(qi);
    Result<std::vector<model::Matcher>> matchers = BuildMatchers(q, qi);
    if (!matchers.ok()) {
      return fail({ReadError::kInvalidMatcher, 400, matchers.status().message()});
    }
    const int64_t mint = q.start_timestamp_ms();
    const int64_t maxt = q.end_timestamp_ms();
    storage::SelectHints hints;
    hints.start = mint;
    hints.end = maxt;
    if (q.has_hints()) {
      hints.start = q.hints().start_ms();
      hints.end = q.hints().end_ms();
      hints.step = q.hints().step_ms();
      hints.range = q.hints().range_ms();
      hints.func = q.hints().func();
    }

    Result<std::unique_ptr<storage::Querier>> querier = db->NewQuerier(mint, maxt);
    if (!querier.ok()) {
      return fail({ReadError::kStorage, HttpStatusFor(querier.status()),
                   fmt::format("query {}: {}", qi, querier.status().message())});
    }
    std::unique_ptr<storage::SeriesSet> set = (*querier)->Select(true, &hints, *matchers);
    size_t query_samples = 0;
    while (set->Next()) {
      if (timed_out()) return fail(timeout_failure());
      const storage::Series& series = set->At();
      std::unique_ptr<storage::SeriesIterator> it = series.Iterator();
      buf.clear();
      while (it->Next()) {
        int64_t t = it->t();
        if (t < mint) continue;
        if (t > maxt) break;
        if (options_.max_samples > 0 && query_samples + buf.size() >= options_.max_samples) {
          return fail({ReadError::kSampleLimit, 400,
                       fmt::format("exceeded sample limit ({})", options_.max_samples)});
        }
        buf.push_back(model::Sample{t, it->v()});
        if (buf.size() % kDeadlineCheckEvery == 0 && timed_out()) return fail(timeout_failure());
      }
      if (Status s = it->status(); !s.ok()) {
        return fail({ReadError::kStorage, HttpStatusFor(s),
                     fmt::format("query {}: reading series {}: {}", qi, series.labels().ToString(),
                                 s.message())});
      }
      if (buf.empty()) continue;
      query_samples += buf.size();
      ++total_series;
      if (streamed) {
        streamed_response.AddSeries(qi, series.labels(), buf);
      } else {
        samples_response.AddSeries(series.labels(), buf);
      }
    }
    if (Status s = set->status(); !s.ok()) {
      return fail(
          {ReadError::kStorage, HttpStatusFor(s), fmt::format("query {}: {}", qi, s.message())});
    }
    for (const std::string& w : set->Warnings()) {
      log::Get("remote_read")->warn("query {}: {}", qi, w);
    }
    total_samples += query_samples;
    if (!streamed) samples_response.EndQuery();
  }

  metrics_->queries->Inc(req.queries_size());
  metrics_->series->Inc(static_cast<double>(total_series));
  metrics_->samples->Inc(static_cast<double>(total_samples));
  ReadOutcome out;
  if (streamed) {
    metrics_->streamed_responses->Inc();
    out.content_type = std::string(kStreamedContentType);
    out.body = streamed_response.Finish();
  } else {
    metrics_->samples_responses->Inc();
    out.content_type = std::string(kSamplesContentType);
    out.content_encoding = "snappy";
    out.body = samples_response.Finish();
  }
  return out;
}

}  // namespace vigil::remote
