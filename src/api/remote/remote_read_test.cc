#include "api/remote/remote_read.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/remote/fake_storage_test_util.h"
#include "api/remote/wire_test_util.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace vigil::remote {
namespace {

using model::Labels;
using model::Sample;
using testing::FakeStorage;
using testing::Snappy;
using testing::SnappyRequest;

// Bitwise CRC-32C, independent of the handler's table-driven one.
uint32_t Crc32cBitwise(std::string_view s) {
  uint32_t crc = 0xffffffff;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
  }
  return ~crc;
}

wire::Query* AddQuery(
    wire::ReadRequest* req, int64_t start, int64_t end,
    std::initializer_list<std::tuple<wire::LabelMatcher::Type, std::string, std::string>>
        matchers) {
  wire::Query* q = req->add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  for (const auto& [type, name, value] : matchers) {
    wire::LabelMatcher* m = q->add_matchers();
    m->set_type(type);
    m->set_name(name);
    m->set_value(value);
  }
  return q;
}

std::vector<Sample> Samples(const wire::TimeSeries& ts) {
  std::vector<Sample> out;
  for (const auto& s : ts.samples()) out.push_back({s.timestamp(), s.value()});
  return out;
}

Labels LabelsOf(const google::protobuf::RepeatedPtrField<wire::Label>& ls) {
  std::vector<model::Label> v;
  for (const auto& l : ls) v.push_back({l.name(), l.value()});
  return Labels(std::move(v));
}

class RemoteReadTest : public ::testing::Test {
 protected:
  RemoteReadTest() {
    db_.Add(Labels::FromStrings({"__name__", "up", "job", "node", "instance", "a"}),
            {{1000, 1}, {2000, 0}, {3000, model::StaleNaN()}});
    db_.Add(Labels::FromStrings({"__name__", "up", "job", "node", "instance", "b"}),
            {{1000, 1}, {2000, 1}});
    db_.Add(Labels::FromStrings({"__name__", "up", "job", "api", "instance", "c"}), {{1500, 1}});
    db_.Add(Labels::FromStrings({"__name__", "temp", "job", "node"}), {{1000, 20.5}});
    Reset(ReadOptions());
  }
  void Reset(ReadOptions o) {
    o.registry = &registry_;
    handler_ = std::make_unique<RemoteReadHandler>(o);
  }
  ReadOutcome Read(const wire::ReadRequest& req) {
    return handler_->Handle("snappy", SnappyRequest(req), &db_);
  }
  // Decodes a SAMPLES answer.
  wire::ReadResponse Decode(const ReadOutcome& out) {
    EXPECT_EQ(out.status, 200) << out.body;
    EXPECT_EQ(out.content_type, "application/x-protobuf");
    EXPECT_EQ(out.content_encoding, "snappy");
    DecodeBuffer buf;
    SnappyResult r = SnappyUncompress(out.body, size_t{1} << 30, &buf);
    EXPECT_TRUE(r.ok());
    wire::ReadResponse resp;
    EXPECT_TRUE(resp.ParseFromArray(r.data.data(), static_cast<int>(r.data.size())));
    return resp;
  }

  metrics::Registry registry_;
  FakeStorage db_;
  std::unique_ptr<RemoteReadHandler> handler_;
};

TEST_F(RemoteReadTest, SamplesResponseHasTheMatchingSeriesSortedWithSamplesInRange) {
  wire::ReadRequest req;
  AddQuery(&req, 1500, 3000,
           {{wire::LabelMatcher::EQ, "job", "node"}, {wire::LabelMatcher::EQ, "__name__", "up"}});
  wire::ReadResponse resp = Decode(Read(req));
  ASSERT_EQ(resp.results_size(), 1);
  const auto& series = resp.results(0).timeseries();
  ASSERT_EQ(series.size(), 2);
  EXPECT_EQ(LabelsOf(series[0].labels()),
            Labels::FromStrings({"__name__", "up", "instance", "a", "job", "node"}));
  ASSERT_EQ(series[0].samples_size(), 2);
  EXPECT_EQ(Samples(series[0])[0], (Sample{2000, 0}));
  EXPECT_EQ(DoubleBits(series[0].samples(1).value()), model::kStaleNaNBits);
  EXPECT_EQ(LabelsOf(series[1].labels()).Get("instance"), "b");
  EXPECT_EQ(Samples(series[1]), (std::vector<Sample>{{2000, 1}}));
  EXPECT_EQ(registry_.Get("vigil_remote_read_samples_returned_total"), 3);
}

TEST_F(RemoteReadTest, AllMatcherTypesSelectAsPrometheusDoes) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::RE, "instance", "a|c"}});
  AddQuery(
      &req, 0, 10000,
      {{wire::LabelMatcher::EQ, "__name__", "up"}, {wire::LabelMatcher::NRE, "instance", "[ab]"}});
  AddQuery(&req, 0, 10000,
           {{wire::LabelMatcher::NEQ, "__name__", "up"}, {wire::LabelMatcher::RE, "job", ".+"}});
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "nothing"}});
  wire::ReadResponse resp = Decode(Read(req));
  ASSERT_EQ(resp.results_size(), 4);
  ASSERT_EQ(resp.results(0).timeseries_size(), 2);
  EXPECT_EQ(LabelsOf(resp.results(0).timeseries(0).labels()).Get("instance"), "a");
  EXPECT_EQ(LabelsOf(resp.results(0).timeseries(1).labels()).Get("instance"), "c");
  ASSERT_EQ(resp.results(1).timeseries_size(), 1);
  EXPECT_EQ(LabelsOf(resp.results(1).timeseries(0).labels()).Get("instance"), "c");
  ASSERT_EQ(resp.results(2).timeseries_size(), 1);
  EXPECT_EQ(LabelsOf(resp.results(2).timeseries(0).labels()).MetricName(), "temp");
  EXPECT_EQ(resp.results(3).timeseries_size(), 0);
}

TEST_F(RemoteReadTest, EmptyResultHasOneEmptyQueryResultPerQuery) {
  wire::ReadRequest req;
  AddQuery(&req, 5000, 6000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  AddQuery(&req, 0, 500, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  wire::ReadResponse resp = Decode(Read(req));
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).timeseries_size(), 0);
  EXPECT_EQ(resp.results(1).timeseries_size(), 0);
  EXPECT_EQ(Decode(Read(wire::ReadRequest())).results_size(), 0);
}

TEST_F(RemoteReadTest, MatchersThatAllMatchEmptyGetAMetricNameMatcher) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::RE, "job", ".*"}});
  AddQuery(&req, 0, 10000, {});
  wire::ReadResponse resp = Decode(Read(req));
  EXPECT_EQ(resp.results(0).timeseries_size(), 4);
  EXPECT_EQ(resp.results(1).timeseries_size(), 4);
  EXPECT_EQ(db_.last_matchers(), (std::vector<std::string>{"__name__!=\"\""}));
}

TEST_F(RemoteReadTest, InvalidRegexIs400) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::RE, "job", "a(b"}});
  ReadOutcome out = Read(req);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.content_type, "text/plain; charset=utf-8");
  EXPECT_NE(out.body.find("query 1: invalid matcher for label \"job\""), std::string::npos)
      << out.body;
  EXPECT_EQ(registry_.Get("vigil_remote_read_errors_total", {{"reason", "invalid_matcher"}}), 1);
}

TEST_F(RemoteReadTest, UnknownMatcherTypeIs400) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{static_cast<wire::LabelMatcher::Type>(9), "job", "a"}});
  EXPECT_EQ(Read(req).status, 400);
}

TEST_F(RemoteReadTest, HintsArePassedToSelect) {
  wire::ReadRequest req;
  wire::Query* q = AddQuery(&req, 1000, 9000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  ASSERT_EQ(Decode(Read(req)).results_size(), 1);
  EXPECT_EQ(db_.last_hints().start, 1000);
  EXPECT_EQ(db_.last_hints().end, 9000);
  q->mutable_hints()->set_start_ms(2000);
  q->mutable_hints()->set_end_ms(8000);
  q->mutable_hints()->set_step_ms(15000);
  q->mutable_hints()->set_range_ms(300000);
  q->mutable_hints()->set_func("rate");
  ASSERT_EQ(Decode(Read(req)).results_size(), 1);
  storage::SelectHints h = db_.last_hints();
  EXPECT_EQ(h.start, 2000);
  EXPECT_EQ(h.end, 8000);
  EXPECT_EQ(h.step, 15000);
  EXPECT_EQ(h.range, 300000);
  EXPECT_EQ(h.func, "rate");
}

TEST_F(RemoteReadTest, SampleLimitIs400) {
  ReadOptions o;
  o.max_samples = 3;
  Reset(o);
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000,
           {{wire::LabelMatcher::EQ, "job", "node"},
            {wire::LabelMatcher::EQ, "instance", "a"}});  // exactly 3
  EXPECT_EQ(Read(req).status, 200);
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});  // 6
  ReadOutcome out = Read(req);
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.body, "exceeded sample limit (3)");
}

TEST_F(RemoteReadTest, BadRequestsAreRefused) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  EXPECT_EQ(handler_->Handle("gzip", SnappyRequest(req), &db_).status, 415);
  EXPECT_EQ(handler_->Handle("", SnappyRequest(req), &db_).status, 200);
  EXPECT_EQ(handler_->Handle("snappy", req.SerializeAsString(), &db_).status, 400);
  EXPECT_EQ(handler_->Handle("snappy", "garbage", &db_).status, 400);
  ReadOutcome bad_proto = handler_->Handle("snappy", Snappy("\x0a\x10\x01"), &db_);
  EXPECT_EQ(bad_proto.status, 400);
  EXPECT_EQ(bad_proto.body, "proto: cannot parse ReadRequest");
  EXPECT_EQ(handler_->Handle("snappy", testing::Uvarint(size_t{1} << 30) + "abc", &db_).status,
            413);
}

TEST_F(RemoteReadTest, OnlyUnsupportedResponseTypesIs400) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  req.add_accepted_response_types(static_cast<wire::ReadRequest::ResponseType>(7));
  ReadOutcome out = Read(req);
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("does not support any of the requested response types"),
            std::string::npos);
  // The first supported type in the client's order wins.
  req.add_accepted_response_types(wire::ReadRequest::SAMPLES);
  req.add_accepted_response_types(wire::ReadRequest::STREAMED_XOR_CHUNKS);
  EXPECT_EQ(Read(req).content_type, "application/x-protobuf");
}

TEST_F(RemoteReadTest, StorageErrorsMapToStatusCodes) {
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  db_.querier_error = Status::IOError("block unreadable");
  ReadOutcome out = Read(req);
  EXPECT_EQ(out.status, 500);
  EXPECT_EQ(out.body, "query 0: block unreadable");
  db_.querier_error = Status::Unavailable("starting up");
  out = Read(req);
  EXPECT_EQ(out.status, 503);
  EXPECT_GT(out.retry_after_seconds, 0);
}

TEST_F(RemoteReadTest, SlowReadTimesOutWith503) {
  ReadOptions o;
  o.timeout_ms = 10;
  auto now = std::make_shared<int64_t>(0);
  o.clock = [now] { return *now += 4; };  // every look at the clock moves it 4 ms
  Reset(o);
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  ReadOutcome out = Read(req);
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.body, "remote read timed out after 10ms");
}

// A Queryable whose NewQuerier blocks until released.
class BlockingQueryable : public storage::Queryable {
 public:
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    return inner_.NewQuerier(mint, maxt);
  }
  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  FakeStorage inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool released_ = false;
};

TEST_F(RemoteReadTest, ReadsBeyondTheConcurrencyLimitGet503) {
  ReadOptions o;
  o.max_concurrent = 1;
  o.queue_wait_ms = 20;
  Reset(o);
  wire::ReadRequest req;
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  std::string body = SnappyRequest(req);
  BlockingQueryable slow;
  int first_status = 0;
  std::thread first([&] { first_status = handler_->Handle("snappy", body, &slow).status; });
  slow.WaitEntered(1);
  EXPECT_EQ(registry_.Get("vigil_remote_read_in_flight"), 1);
  ReadOutcome second = handler_->Handle("snappy", body, &db_);
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(second.body, "too many concurrent remote reads (limit 1)");
  slow.Release();
  first.join();
  EXPECT_EQ(first_status, 200);
  EXPECT_EQ(handler_->Handle("snappy", body, &db_).status, 200);
  EXPECT_EQ(registry_.Get("vigil_remote_read_in_flight"), 0);
}

// Splits a streamed body into frames, checking lengths and checksums.
std::vector<wire::ChunkedReadResponse> ParseFrames(std::string_view body) {
  std::vector<wire::ChunkedReadResponse> out;
  const char* p = body.data();
  const char* end = p + body.size();
  while (p < end) {
    uint64_t n = 0;
    p = DecodeUvarint(p, end, &n);
    EXPECT_NE(p, nullptr);
    if (p == nullptr || end - p < 4 || static_cast<uint64_t>(end - p - 4) < n) {
      ADD_FAILURE() << "truncated frame";
      break;
    }
    uint32_t crc = DecodeFixed32BE(p);
    std::string_view msg(p + 4, n);
    EXPECT_EQ(crc, Crc32cBitwise(msg));
    wire::ChunkedReadResponse r;
    EXPECT_TRUE(r.ParseFromArray(msg.data(), static_cast<int>(msg.size())));
    out.push_back(std::move(r));
    p += 4 + n;
  }
  return out;
}

TEST(RemoteCrc32c, BitwiseReferenceMatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32cBitwise("123456789"), 0xe3069283u);
}

TEST_F(RemoteReadTest, StreamedXorChunksCarryEverySeriesAndSample) {
  wire::ReadRequest req;
  AddQuery(&req, 1500, 3000, {{wire::LabelMatcher::EQ, "__name__", "up"}});
  AddQuery(&req, 0, 10000, {{wire::LabelMatcher::EQ, "__name__", "temp"}});
  req.add_accepted_response_types(wire::ReadRequest::STREAMED_XOR_CHUNKS);
  req.add_accepted_response_types(wire::ReadRequest::SAMPLES);
  ReadOutcome out = Read(req);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.content_type,
            "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
  EXPECT_EQ(out.content_encoding, "");
  std::vector<wire::ChunkedReadResponse> frames = ParseFrames(out.body);
  ASSERT_EQ(frames.size(), 4u);  // one series per frame
  std::vector<std::pair<int64_t, std::string>> seen;
  for (const auto& f : frames) {
    ASSERT_EQ(f.chunked_series_size(), 1);
    const wire::ChunkedSeries& cs = f.chunked_series(0);
    seen.emplace_back(f.query_index(), LabelsOf(cs.labels()).ToString());
    ASSERT_EQ(cs.chunks_size(), 1);
    EXPECT_EQ(cs.chunks(0).type(), wire::Chunk::XOR);
  }
  EXPECT_EQ(seen[0], (std::pair<int64_t, std::string>{
                         0, "{__name__=\"up\", instance=\"a\", job=\"node\"}"}));
  EXPECT_EQ(seen[3].first, 1);
  std::vector<Sample> samples;
  const wire::Chunk& c = frames[0].chunked_series(0).chunks(0);
  ASSERT_TRUE(tsdb::chunkenc::DecodeAll(tsdb::chunkenc::Encoding::kXor, c.data(), &samples).ok());
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0], (Sample{2000, 0}));
  EXPECT_EQ(DoubleBits(samples[1].v), model::kStaleNaNBits);
  EXPECT_EQ(c.min_time_ms(), 2000);
  EXPECT_EQ(c.max_time_ms(), 3000);
}

TEST_F(RemoteReadTest, LongSeriesIsSplitIntoChunksOf120AndFramesBySize) {
  std::vector<Sample> many;
  for (int i = 0; i < 1000; ++i) many.push_back({int64_t{i} * 15000, i * 0.5});
  db_.Add(Labels::FromStrings({"__name__", "long"}), many);
  ReadOptions o;
  o.max_bytes_in_frame = 300;
  Reset(o);
  wire::ReadRequest req;
  AddQuery(&req, 0, kMaxTime, {{wire::LabelMatcher::EQ, "__name__", "long"}});
  req.add_accepted_response_types(wire::ReadRequest::STREAMED_XOR_CHUNKS);
  std::vector<wire::ChunkedReadResponse> frames = ParseFrames(Read(req).body);
  ASSERT_GT(frames.size(), 1u);
  std::vector<Sample> all, part;
  size_t chunks = 0;
  for (const auto& f : frames) {
    ASSERT_EQ(f.chunked_series_size(), 1);
    EXPECT_EQ(LabelsOf(f.chunked_series(0).labels()), Labels::FromStrings({"__name__", "long"}));
    for (const auto& c : f.chunked_series(0).chunks()) {
      ++chunks;
      part.clear();  // DecodeAll appends
      ASSERT_TRUE(tsdb::chunkenc::DecodeAll(tsdb::chunkenc::Encoding::kXor, c.data(), &part).ok());
      EXPECT_LE(part.size(), 120u);
      EXPECT_EQ(c.min_time_ms(), part.front().t);
      EXPECT_EQ(c.max_time_ms(), part.back().t);
      all.insert(all.end(), part.begin(), part.end());
    }
  }
  EXPECT_EQ(chunks, 9u);  // ceil(1000 / 120)
  EXPECT_EQ(all, many);
}

}  // namespace
}  // namespace vigil::remote
