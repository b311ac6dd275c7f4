#include "api/remote/remote_write.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <thread>

#include "api/remote/fake_storage_test_util.h"
#include "api/remote/wire_test_util.h"

// The largest single allocation since the last reset, to prove that a body
// claiming a huge decoded size is refused without allocating it.
static std::atomic<size_t> g_largest_allocation{0};

// This file replaces the global operator new and delete together (malloc /
// free); g++ -O2 sees inlined new/free pairs and warns about a mismatch that
// does not exist here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(size_t n) {
  size_t prev = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > prev && !g_largest_allocation.compare_exchange_weak(prev, n)) {
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace vigil::remote {
namespace {

using model::Labels;
using model::Sample;
using testing::AddSeries;
using testing::FakeStorage;
using testing::Len;
using testing::RawLabel;
using testing::RawSample;
using testing::Snappy;
using testing::SnappyRequest;

constexpr std::string_view kProto = "application/x-protobuf";

class RemoteWriteTest : public ::testing::Test {
 protected:
  WriteOutcome Send(const wire::WriteRequest& req, WriteStats* stats = nullptr) {
    return handler_->Handle("snappy", kProto, SnappyRequest(req), &db_, stats);
  }
  // A raw (hand-encoded) WriteRequest.
  WriteOutcome SendRaw(std::string_view pb, WriteStats* stats = nullptr) {
    return handler_->Handle("snappy", kProto, Snappy(pb), &db_, stats);
  }
  void Reset(WriteOptions o) {
    o.registry = &registry_;
    handler_ = std::make_unique<RemoteWriteHandler>(o);
  }
  double Metric(const std::string& name, const std::string& reason = "") {
    if (reason.empty()) return registry_.Get(name);
    return registry_.Get(name, {{"reason", reason}});
  }

  metrics::Registry registry_;
  std::unique_ptr<RemoteWriteHandler> handler_ = [this] {
    WriteOptions o;
    o.registry = &registry_;
    return std::make_unique<RemoteWriteHandler>(o);
  }();
  FakeStorage db_;
};

std::vector<uint64_t> Bits(const std::vector<Sample>& s) {
  std::vector<uint64_t> out;
  for (const auto& x : s) out.push_back(DoubleBits(x.v));
  return out;
}

TEST_F(RemoteWriteTest, ValidRequestStoresExactlyTheSamplesAndAnswers204) {
  wire::WriteRequest req;
  const double stale = model::StaleNaN();
  const double nan = BitsDouble(model::kNormalNaNBits);
  AddSeries(&req, {{"__name__", "up"}, {"job", "node"}},
            {{1000, 1}, {2000, stale}, {3000, nan}, {4000, -0.0}});
  AddSeries(&req, {{"__name__", "temp"}}, {{1000, std::numeric_limits<double>::infinity()}});
  WriteStats st;
  WriteOutcome out = Send(req, &st);
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(out.body, "");
  EXPECT_EQ(out.retry_after_seconds, 0);

  std::vector<Sample> up = db_.Samples(Labels::FromStrings({"__name__", "up", "job", "node"}));
  ASSERT_EQ(up.size(), 4u);
  EXPECT_EQ(up[0], (Sample{1000, 1}));
  EXPECT_EQ(Bits(up)[1], model::kStaleNaNBits);
  EXPECT_EQ(Bits(up)[2], model::kNormalNaNBits);
  EXPECT_EQ(Bits(up)[3], DoubleBits(-0.0));
  EXPECT_EQ(up[3].t, 4000);
  EXPECT_EQ(db_.Samples(Labels::FromStrings({"__name__", "temp"})).size(), 1u);
  EXPECT_EQ(db_.NumSamples(), 5u);
  EXPECT_EQ(db_.commits(), 1);

  EXPECT_EQ(st.series, 2u);
  EXPECT_EQ(st.samples, 5u);
  EXPECT_EQ(st.samples_appended, 5u);
  EXPECT_EQ(st.samples_rejected, 0u);
  EXPECT_EQ(Metric("vigil_remote_write_samples_received_total"), 5);
  EXPECT_EQ(Metric("vigil_remote_write_series_received_total"), 2);
  EXPECT_EQ(registry_.Get("vigil_remote_write_bytes_received_total", {{"encoding", "snappy"}}),
            static_cast<double>(st.compressed_bytes));
  EXPECT_EQ(Metric("vigil_remote_write_decoded_bytes_total"),
            static_cast<double>(req.ByteSizeLong()));
}

TEST_F(RemoteWriteTest, LaterSamplesOfASeriesReuseTheRefFromAppend) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}, {2, 2}, {3, 3}});
  ASSERT_EQ(Send(req).status, 204);
  EXPECT_EQ(db_.appends_with_ref(), 2u);
}

TEST_F(RemoteWriteTest, EmptyRequestIs204) {
  EXPECT_EQ(Send(wire::WriteRequest()).status, 204);
  EXPECT_EQ(handler_->Handle("snappy", kProto, Snappy(""), &db_).status, 204);
}

TEST_F(RemoteWriteTest, MissingContentEncodingIsTreatedAsSnappy) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  EXPECT_EQ(handler_->Handle("", kProto, SnappyRequest(req), &db_).status, 204);
  EXPECT_EQ(handler_->Handle("SNAPPY", kProto, SnappyRequest(req), &db_).status, 204);
}

TEST_F(RemoteWriteTest, OtherContentEncodingIs415) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  for (std::string_view enc : {"gzip", "identity", "zstd"}) {
    WriteOutcome out = handler_->Handle(enc, kProto, SnappyRequest(req), &db_);
    EXPECT_EQ(out.status, 415) << enc;
    EXPECT_NE(out.body.find("Content-Encoding"), std::string::npos);
    EXPECT_NE(out.body.find(enc), std::string::npos);
  }
  EXPECT_EQ(db_.NumSamples(), 0u);
  EXPECT_EQ(Metric("vigil_remote_write_invalid_requests_total", "unsupported_encoding"), 3);
}

TEST_F(RemoteWriteTest, ContentTypeIsCheckedAndRemoteWrite2IsRefused) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  std::string body = SnappyRequest(req);
  for (std::string_view ct : {"", "application/x-protobuf", "Application/X-Protobuf",
                              "application/x-protobuf;proto=prometheus.WriteRequest",
                              "application/x-protobuf; proto=\"prometheus.WriteRequest\""}) {
    EXPECT_EQ(handler_->Handle("snappy", ct, body, &db_).status, 204) << ct;
  }
  WriteOutcome v2 = handler_->Handle(
      "snappy", "application/x-protobuf;proto=io.prometheus.write.v2.Request", body, &db_);
  EXPECT_EQ(v2.status, 415);
  EXPECT_NE(v2.body.find("remote write 2.0"), std::string::npos);
  EXPECT_NE(v2.body.find("not supported"), std::string::npos);
  EXPECT_EQ(handler_->Handle("snappy", "application/json", body, &db_).status, 415);
  EXPECT_EQ(handler_->Handle("snappy", "application/x-protobuf;proto=foo.Bar", body, &db_).status,
            415);
}

TEST_F(RemoteWriteTest, TruncatedBodyIs400AndAppendsNothing) {
  wire::WriteRequest req;
  for (int i = 0; i < 50; ++i) {
    AddSeries(&req, {{"__name__", "m" + std::to_string(i)}}, {{1, 1}});
  }
  std::string body = SnappyRequest(req);
  for (size_t n : {size_t{0}, size_t{1}, body.size() / 2, body.size() - 1}) {
    WriteOutcome out = handler_->Handle("snappy", kProto, body.substr(0, n), &db_);
    EXPECT_EQ(out.status, 400) << n;
    EXPECT_NE(out.body.find("snappy"), std::string::npos) << out.body;
  }
  EXPECT_EQ(db_.NumSamples(), 0u);
  EXPECT_EQ(db_.commits(), 0);
}

TEST_F(RemoteWriteTest, GarbageAndUncompressedBodiesAre400) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  for (std::string body : {std::string("hello, this is not snappy at all"), req.SerializeAsString(),
                           std::string(100, '\xff')}) {
    WriteOutcome out = handler_->Handle("snappy", kProto, body, &db_);
    EXPECT_EQ(out.status, 400);
  }
  EXPECT_EQ(db_.NumSamples(), 0u);
}

TEST_F(RemoteWriteTest, SnappyOfGarbageIs400WithProtobufMessage) {
  WriteOutcome out = handler_->Handle("snappy", kProto, Snappy("\x0a\x04\x0a\x02\x0a\x10"), &db_);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.body, "proto: Label.name: unexpected EOF");
  EXPECT_EQ(Metric("vigil_remote_write_invalid_requests_total", "invalid_protobuf"), 1);

  // A valid prefix followed by garbage: nothing of it is appended.
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  out = handler_->Handle("snappy", kProto, Snappy(req.SerializeAsString() + "\xff"), &db_);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(db_.NumSamples(), 0u);
  EXPECT_EQ(db_.commits(), 0);
}

TEST_F(RemoteWriteTest, HugeDeclaredDecodedSizeIs413WithoutAllocatingIt) {
  // A snappy block header saying 1 GiB, then a few bytes.
  std::string body = testing::Uvarint(size_t{1} << 30) + std::string(16, '\0');
  g_largest_allocation = 0;
  WriteOutcome out = handler_->Handle("snappy", kProto, body, &db_);
  size_t largest = g_largest_allocation.load();
  EXPECT_EQ(out.status, 413);
  EXPECT_NE(out.body.find("1073741824"), std::string::npos) << out.body;
  EXPECT_LT(largest, size_t{1} << 20);
  EXPECT_EQ(Metric("vigil_remote_write_invalid_requests_total", "too_large"), 1);

  WriteOptions small;
  small.max_decoded_bytes = 100;
  Reset(small);
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", std::string(200, 'a')}}, {{1, 1}});
  EXPECT_EQ(Send(req).status, 413);
}

struct BadLabels {
  const char* name;
  std::string series;  // a raw TimeSeries message, with one sample
  const char* reason;
  const char* message_part;
};

class RemoteWriteBadLabelsTest : public RemoteWriteTest,
                                 public ::testing::WithParamInterface<BadLabels> {};

TEST_P(RemoteWriteBadLabelsTest, SeriesIsRefusedWith400AndTheRestIsStored) {
  const BadLabels& p = GetParam();
  std::string good = Len(1, RawLabel("__name__", "good")) + Len(2, RawSample(1, 1000));
  WriteStats st;
  WriteOutcome out = SendRaw(Len(1, good) + Len(1, p.series) + Len(1, good), &st);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find(p.message_part), std::string::npos) << out.body;
  EXPECT_NE(out.body.find(std::string(p.reason) + ": 1"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find("1 of 3 samples rejected"), std::string::npos) << out.body;
  EXPECT_EQ(db_.AllSeries().size(), 1u);
  EXPECT_EQ(db_.NumSamples(), 1u);  // the second "good" sample is an identical resend
  EXPECT_EQ(st.samples_rejected, 1u);
  EXPECT_EQ(Metric("vigil_remote_write_samples_rejected_total", p.reason), 1);
}

std::string OneSample() { return Len(2, RawSample(1, 1000)); }

INSTANTIATE_TEST_SUITE_P(
    All, RemoteWriteBadLabelsTest,
    ::testing::Values(
        BadLabels{"Unsorted",
                  Len(1, RawLabel("job", "a")) + Len(1, RawLabel("__name__", "x")) + OneSample(),
                  "invalid_labels", "not sorted"},
        BadLabels{"DuplicateName",
                  Len(1, RawLabel("__name__", "x")) + Len(1, RawLabel("job", "a")) +
                      Len(1, RawLabel("job", "b")) + OneSample(),
                  "invalid_labels", "duplicate label name \"job\""},
        BadLabels{"EmptyName",
                  Len(1, RawLabel("", "v")) + Len(1, RawLabel("__name__", "x")) + OneSample(),
                  "invalid_labels", "empty name"},
        BadLabels{
            "InvalidUTF8Value",
            Len(1, RawLabel("__name__", "x")) + Len(1, RawLabel("job", "\xff\xfe")) + OneSample(),
            "invalid_labels", "not valid UTF-8"},
        BadLabels{"InvalidUTF8Name",
                  Len(1, RawLabel("__name__", "x")) + Len(1, RawLabel("jo\xc3", "v")) + OneSample(),
                  "invalid_labels", "not valid UTF-8"},
        BadLabels{"NoMetricName", Len(1, RawLabel("job", "a")) + OneSample(), "invalid_labels",
                  "no metric name"},
        BadLabels{"EmptyMetricName",
                  Len(1, RawLabel("__name__", "")) + Len(1, RawLabel("job", "a")) + OneSample(),
                  "invalid_labels", "no metric name"},
        BadLabels{"NoLabels", OneSample(), "invalid_labels", "no labels"}),
    [](const ::testing::TestParamInfo<BadLabels>& info) { return info.param.name; });

TEST_F(RemoteWriteTest, EmptyLabelValuesAreDropped) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}, {"instance", ""}, {"job", "a"}, {"zone", ""}}, {{1, 1}});
  EXPECT_EQ(Send(req).status, 204);
  EXPECT_EQ(db_.Samples(Labels::FromStrings({"__name__", "up", "job", "a"})).size(), 1u);
  EXPECT_EQ(db_.AllSeries().size(), 1u);
}

TEST_F(RemoteWriteTest, LabelLimitsAreEnforced) {
  db_.label_limits.max_labels_per_series = 2;
  db_.label_limits.max_label_name_length = 10;
  db_.label_limits.max_label_value_length = 5;
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "a"}, {"b", "1"}, {"c", "2"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "b"}, {"very_long_label_name", "1"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "toolongvalue"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "ok"}}, {{1, 1}});
  WriteStats st;
  WriteOutcome out = Send(req, &st);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("label_limit: 3"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find("more than the limit of 2"), std::string::npos) << out.body;
  EXPECT_EQ(db_.AllSeries().size(), 1u);
}

TEST_F(RemoteWriteTest, OutOfOrderSampleIs400AndTheRestIsCommitted) {
  wire::WriteRequest first;
  AddSeries(&first, {{"__name__", "up"}}, {{5000, 1}});
  ASSERT_EQ(Send(first).status, 204);

  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{4000, 2}, {6000, 3}});
  AddSeries(&req, {{"__name__", "other"}}, {{1000, 4}});
  WriteStats st;
  WriteOutcome out = Send(req, &st);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.retry_after_seconds, 0);
  EXPECT_EQ(out.body,
            "out of order sample for series {__name__=\"up\"} at timestamp 4000; "
            "1 of 3 samples rejected (out_of_order: 1)");
  EXPECT_EQ(db_.Samples(Labels::FromStrings({"__name__", "up"})),
            (std::vector<Sample>{{5000, 1}, {6000, 3}}));
  EXPECT_EQ(db_.Samples(Labels::FromStrings({"__name__", "other"})).size(), 1u);
  EXPECT_EQ(st.samples_appended, 2u);
  EXPECT_EQ(Metric("vigil_remote_write_samples_rejected_total", "out_of_order"), 1);
}

TEST_F(RemoteWriteTest, MessageNamesTheFirstRejectionsAndCountsByReason) {
  wire::WriteRequest first;
  for (int i = 0; i < 5; ++i) {
    AddSeries(&first, {{"__name__", "m" + std::to_string(i)}}, {{5000, 1}});
  }
  ASSERT_EQ(Send(first).status, 204);
  wire::WriteRequest req;
  for (int i = 0; i < 5; ++i) {
    AddSeries(&req, {{"__name__", "m" + std::to_string(i)}}, {{4000, 1}, {5000, 2}});
  }
  WriteOutcome out = Send(req);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.body,
            "out of order sample for series {__name__=\"m0\"} at timestamp 4000; "
            "duplicate sample for timestamp for series {__name__=\"m0\"} at timestamp 5000; "
            "out of order sample for series {__name__=\"m1\"} at timestamp 4000; "
            "10 of 10 samples rejected (out_of_order: 5, duplicate: 5)");
}

TEST_F(RemoteWriteTest, SeriesLimitIs429WithRetryAfterAndOtherSeriesAreStored) {
  db_.max_series = 1;
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "a"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "b"}}, {{1, 1}, {2, 2}});
  WriteOutcome out = Send(req);
  EXPECT_EQ(out.status, 429);
  EXPECT_EQ(out.retry_after_seconds, 30);
  EXPECT_NE(out.body.find("series limit reached"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find("series_limit: 2"), std::string::npos) << out.body;
  EXPECT_EQ(db_.NumSamples(), 1u);

  WriteOptions o;
  o.series_limit_status = 503;
  o.retry_after_seconds = 7;
  Reset(o);
  out = Send(req);
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.retry_after_seconds, 7);
}

TEST_F(RemoteWriteTest, RetryableRejectionWinsOverNonRetryable) {
  db_.max_series = 1;
  wire::WriteRequest first;
  AddSeries(&first, {{"__name__", "a"}}, {{10, 1}});
  ASSERT_EQ(Send(first).status, 204);
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "a"}}, {{5, 1}});  // out of order
  AddSeries(&req, {{"__name__", "b"}}, {{1, 1}});  // over the series limit
  EXPECT_EQ(Send(req).status, 429);
}

TEST_F(RemoteWriteTest, NativeHistogramsAre400AndFloatSamplesAreStored) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "h"}}, {{1, 1}});
  req.mutable_timeseries(0)->add_histograms()->set_count_int(5);
  req.mutable_timeseries(0)->add_histograms()->set_count_int(6);
  wire::TimeSeries* only_histograms = req.add_timeseries();
  only_histograms->add_labels()->set_name("__name__");
  only_histograms->mutable_labels(0)->set_value("h2");
  only_histograms->add_histograms()->set_sum(1);
  WriteStats st;
  WriteOutcome out = Send(req, &st);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("native histograms are not supported"), std::string::npos) << out.body;
  EXPECT_NE(out.body.find("3 native histogram samples dropped"), std::string::npos) << out.body;
  EXPECT_EQ(db_.Samples(Labels::FromStrings({"__name__", "h"})).size(), 1u);
  EXPECT_EQ(st.histograms_dropped, 3u);
  EXPECT_EQ(Metric("vigil_remote_write_histograms_dropped_total"), 3);
}

TEST_F(RemoteWriteTest, ExemplarsAreIgnoredAndCounted) {
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  wire::Exemplar* e = req.mutable_timeseries(0)->add_exemplars();
  e->set_value(3);
  e->add_labels()->set_name("trace_id");
  EXPECT_EQ(Send(req).status, 204);
  EXPECT_EQ(db_.NumSamples(), 1u);
  EXPECT_EQ(Metric("vigil_remote_write_exemplars_dropped_total"), 1);
}

TEST_F(RemoteWriteTest, MetadataIsPassedToTheAppender) {
  wire::WriteRequest req;
  wire::MetricMetadata* m = req.add_metadata();
  m->set_type(wire::MetricMetadata::COUNTER);
  m->set_metric_family_name("http_requests_total");
  m->set_help("Requests.");
  m->set_unit("requests");
  m = req.add_metadata();
  m->set_type(static_cast<wire::MetricMetadata::MetricType>(42));
  m->set_metric_family_name("odd");
  req.add_metadata()->set_help("no family name: ignored");
  WriteStats st;
  EXPECT_EQ(Send(req, &st).status, 204);
  auto md = db_.Metadata();
  ASSERT_EQ(md.size(), 2u);
  EXPECT_EQ(
      md["http_requests_total"],
      (storage::MetricMetadata{storage::MetricMetadata::Type::kCounter, "Requests.", "requests"}));
  EXPECT_EQ(md["odd"].type, storage::MetricMetadata::Type::kUnknown);
  EXPECT_EQ(st.metadata, 2u);
}

TEST_F(RemoteWriteTest, CommitErrorIs500) {
  db_.commit_error = Status::IOError("disk full");
  wire::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}}, {{1, 1}});
  WriteOutcome out = Send(req);
  EXPECT_EQ(out.status, 500);
  EXPECT_EQ(out.body, "committing samples failed: disk full");
  EXPECT_EQ(db_.NumSamples(), 0u);
  EXPECT_EQ(Metric("vigil_remote_write_invalid_requests_total", "commit_failed"), 1);
}

TEST_F(RemoteWriteTest, NoAppenderIs503) {
  db_.no_appender = true;
  WriteOutcome out = Send(wire::WriteRequest());
  EXPECT_EQ(out.status, 503);
  EXPECT_GT(out.retry_after_seconds, 0);
}

TEST_F(RemoteWriteTest, ConcurrentRequestsAreAllStored) {
  constexpr int kThreads = 4, kRequests = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int r = 0; r < kRequests; ++r) {
        wire::WriteRequest req;
        for (int s = 0; s < 10; ++s) {
          AddSeries(&req, {{"__name__", "m"}, {"s", std::to_string(s)}, {"t", std::to_string(th)}},
                    {{r, static_cast<double>(r)}});
        }
        if (Send(req).status != 204) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db_.NumSamples(), static_cast<size_t>(kThreads * kRequests * 10));
}

}  // namespace
}  // namespace vigil::remote
