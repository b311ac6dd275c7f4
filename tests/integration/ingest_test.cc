// The real binary on loopback: remote_write in, kill -9, restart, every
// acknowledged sample back with its exact value; bad input refused with a
// clear 4xx and nothing stored lost; the read APIs.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "base/coding.h"
#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // a fixed start: results do not depend on the clock

TestSeries Series(const std::string& name, int id, int n, int64_t t0, int64_t step = 15000) {
  TestSeries s;
  s.labels = {{"__name__", name}, {"id", std::to_string(id)}, {"job", "itest"}};
  for (int i = 0; i < n; ++i) s.samples.push_back({t0 + i * step, id * 1000.0 + i * 0.25});
  return s;
}

// Bit-exact comparison, so NaN payloads and staleness markers count.
void ExpectSameSamples(const std::vector<model::Sample>& want,
                       const std::vector<model::Sample>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(want[i].t, got[i].t) << what << " #" << i;
    ASSERT_EQ(DoubleBits(want[i].v), DoubleBits(got[i].v)) << what << " #" << i;
  }
}

std::map<std::string, std::vector<model::Sample>> ByLabels(const std::vector<TestSeries>& v) {
  std::map<std::string, std::vector<model::Sample>> out;
  for (const auto& s : v) {
    std::string key;
    for (const auto& [n, val] : s.labels) key += n + "=" + val + ",";
    auto& dst = out[key];
    dst.insert(dst.end(), s.samples.begin(), s.samples.end());
  }
  return out;
}

TEST(IngestTest, WrittenSamplesReadBackExactlyIncludingSpecialFloats) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data");
  std::vector<TestSeries> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(Series("exact", i, 100, kT0));
  batch[0].samples[10].v = model::StaleNaN();
  batch[0].samples[11].v = BitsDouble(0x7ff8000000000001ull);
  batch[0].samples[12].v = std::numeric_limits<double>::infinity();
  batch[0].samples[13].v = -0.0;
  batch[0].samples[14].v = 4.9e-324;
  HttpResult r = RemoteWrite(*v, batch);
  ASSERT_EQ(r.status, 204) << r.body;
  auto got = ByLabels(RemoteRead(v->Url("/api/v1/read"), "exact", kT0, kT0 + 3600'000));
  auto want = ByLabels(batch);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [k, samples] : want) ExpectSameSamples(samples, got[k], k);
}

TEST(IngestTest, KillNineKeepsEveryAcknowledgedSample) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  auto v = Vigil::Start(data);
  // A writer keeps sending while the server is killed under it.
  std::vector<TestSeries> acked;
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::thread writer([&] {
    for (int b = 0; !stop.load(); ++b) {
      std::vector<TestSeries> batch;
      for (int i = 0; i < 200; ++i) batch.push_back(Series("killed", i, 1, kT0 + b * 15000));
      HttpResult r = RemoteWrite(*v, batch);
      if (r.status == 204) {
        std::lock_guard lock(mu);
        for (auto& s : batch) acked.push_back(std::move(s));
        batches++;
      } else if (!r.error.empty()) {
        break;  // the server is gone
      }
    }
  });
  while (batches.load() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  v->process().Kill9();
  stop = true;
  writer.join();
  ASSERT_GE(acked.size(), 50u * 200);

  auto v2 = Vigil::Start(data);
  auto got = ByLabels(RemoteRead(v2->Url("/api/v1/read"), "killed", kT0, kT0 + 1000LL * 3600'000));
  auto want = ByLabels(acked);
  ASSERT_EQ(got.size(), want.size());
  size_t lost = 0;
  for (const auto& [k, samples] : want) {
    const auto& g = got[k];
    // Everything acknowledged must be there; an unacknowledged last batch may be too.
    ASSERT_GE(g.size(), samples.size()) << k;
    for (size_t i = 0; i < samples.size(); ++i) {
      if (g[i].t != samples[i].t || DoubleBits(g[i].v) != DoubleBits(samples[i].v)) ++lost;
    }
  }
  EXPECT_EQ(lost, 0u);
}

TEST(IngestTest, SigtermExitsZeroFlushesAndRestartsWithTheData) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  auto v = Vigil::Start(data);
  std::vector<TestSeries> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Series("graceful", i, 50, kT0));
  ASSERT_EQ(RemoteWrite(*v, batch).status, 204);
  EXPECT_EQ(v->process().Terminate(), 0) << v->process().Log();
  EXPECT_NE(v->process().Log().find("TSDB closed"), std::string::npos);
  auto v2 = Vigil::Start(data);
  // The head was flushed into a block: nothing is replayed from the WAL.
  EXPECT_EQ(v2->process().Log().find("WAL replay:"), std::string::npos);
  auto got = ByLabels(RemoteRead(v2->Url("/api/v1/read"), "graceful", kT0, kT0 + 3600'000));
  auto want = ByLabels(batch);
  ASSERT_EQ(got.size(), 100u);
  for (const auto& [k, samples] : want) ExpectSameSamples(samples, got[k], k);
}

TEST(IngestTest, BadInputIsRefusedClearlyAndStoredDataSurvives) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data", {"--storage.max-label-value-length", "64"});
  std::vector<TestSeries> good = {Series("kept", 1, 10, kT0)};
  ASSERT_EQ(RemoteWrite(*v, good).status, 204);
  const std::string url = v->Url("/api/v1/write");
  const std::vector<std::string> hdr = {"Content-Encoding: snappy",
                                        "Content-Type: application/x-protobuf"};

  HttpResult r = RemoteWriteRaw(url, "definitely not snappy", hdr);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("snappy"), std::string::npos) << r.body;

  r = RemoteWriteRaw(url, SnappyCompress("\x0a\x05garbage and more"), hdr);
  EXPECT_EQ(r.status, 400) << r.body;

  r = RemoteWriteRaw(url, SnappyCompress(EncodeWriteRequest(good)),
                     {"Content-Encoding: gzip", "Content-Type: application/x-protobuf"});
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);

  auto bad_labels = [&](std::vector<std::pair<std::string, std::string>> labels) {
    TestSeries s;
    s.labels = std::move(labels);
    s.samples = {{kT0, 1}};
    return RemoteWrite(*v, {s});
  };
  r = bad_labels({{"job", "x"}, {"__name__", "unsorted"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("sorted"), std::string::npos) << r.body;
  r = bad_labels({{"__name__", "dup"}, {"a", "1"}, {"a", "2"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("duplicate"), std::string::npos) << r.body;
  r = bad_labels({{"", "x"}, {"__name__", "empty"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = bad_labels({{"__name__", "utf8"}, {"a", "\xff\xfe"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("UTF-8"), std::string::npos) << r.body;
  r = bad_labels({{"__name__", "long"}, {"a", std::string(100, 'v')}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("limit"), std::string::npos) << r.body;

  // Out of order: the request is answered 400, the in-order samples in it are kept.
  std::vector<TestSeries> mixed = {Series("kept", 1, 1, kT0 - 60000), Series("kept", 2, 3, kT0)};
  r = RemoteWrite(*v, mixed);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("out of order"), std::string::npos) << r.body;

  // A 1 GB body is refused from its Content-Length, unread.
  r = HttpPostClaimingLength(url, 1ull << 30);
  EXPECT_EQ(r.status, 413) << r.body;

  // A snappy header claiming a 1 GB decoded size is refused before allocating it.
  std::string fake = "\x80\x80\x80\x80\x04";  // varint 1<<30
  fake += "\x00";
  r = RemoteWriteRaw(url, fake, hdr);
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);

  // The server is alive and nothing it had is gone.
  auto got = RemoteRead(v->Url("/api/v1/read"), "kept", kT0 - 3600'000, kT0 + 3600'000);
  auto by = ByLabels(got);
  ASSERT_EQ(by.size(), 2u);
  EXPECT_EQ(by.begin()->second.size(), 10u);
  EXPECT_EQ(std::next(by.begin())->second.size(), 3u);
  HttpResult m = HttpGet(v->Url("/metrics"));
  EXPECT_NE(m.body.find("vigil_tsdb_samples_rejected_total{reason=\"out_of_order\"} 1"),
            std::string::npos);
}

TEST(IngestTest, AFloodOfNewSeriesHitsTheLimitWith429) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data", {"--storage.max-head-series", "1000"});
  std::vector<TestSeries> flood;
  for (int i = 0; i < 2500; ++i) flood.push_back(Series("flood", i, 1, kT0));
  HttpResult r = RemoteWrite(*v, flood);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_NE(r.body.find("limit"), std::string::npos);
  auto got = RemoteRead(v->Url("/api/v1/read"), "flood", kT0, kT0 + 1000);
  EXPECT_EQ(got.size(), 1000u);
  EXPECT_EQ(HttpGet(v->Url("/-/healthy")).status, 200);
}

TEST(IngestTest, SeriesLabelsAndLabelValuesApis) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data");
  std::vector<TestSeries> batch = {Series("api_a", 1, 5, kT0), Series("api_a", 2, 5, kT0),
                                   Series("api_b", 3, 5, kT0)};
  ASSERT_EQ(RemoteWrite(*v, batch).status, 204);
  HttpResult r = HttpGet(v->Url("/api/v1/series?match[]=api_a"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":[{"__name__":"api_a","id":"1","job":"itest"},)"
                    R"({"__name__":"api_a","id":"2","job":"itest"}]})");
  r = HttpPost(v->Url("/api/v1/series"), "match%5B%5D=%7Bid%3D%223%22%7D",
               {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(r.body, R"({"status":"success","data":[{"__name__":"api_b","id":"3","job":"itest"}]})");
  r = HttpGet(v->Url("/api/v1/labels"));
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","id","job"]})");
  r = HttpGet(v->Url("/api/v1/label/__name__/values"));
  EXPECT_EQ(r.body, R"({"status":"success","data":["api_a","api_b"]})");
  r = HttpGet(v->Url("/api/v1/label/id/values?match[]=api_a&limit=1"));
  EXPECT_EQ(r.body,
            R"({"status":"success","data":["1"],"warnings":["results truncated due to limit"]})");
  r = HttpGet(v->Url("/api/v1/series?match[]=api_a{"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"("errorType":"bad_data")"), std::string::npos) << r.body;
  r = HttpGet(v->Url("/api/v1/series?match[]=api_a&start=1700000100&end=1700000000"));
  EXPECT_EQ(r.status, 400);
  // A time range without data.
  r = HttpGet(v->Url("/api/v1/series?match[]=api_a&start=1000&end=2000"));
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

TEST(IngestTest, AdminDeleteSeries) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data", {"--web.enable-admin-api"});
  ASSERT_EQ(RemoteWrite(*v, {Series("del", 1, 10, kT0), Series("del", 2, 10, kT0)}).status, 204);
  HttpResult r = HttpPost(v->Url("/api/v1/admin/tsdb/delete_series?match[]=del{id=\"1\"}"), "", {});
  EXPECT_EQ(r.status, 204) << r.body;
  auto got = RemoteRead(v->Url("/api/v1/read"), "del", kT0, kT0 + 3600'000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels[1].second, "2");
  EXPECT_EQ(HttpPost(v->Url("/api/v1/admin/tsdb/clean_tombstones"), "", {}).status, 204);
}

TEST(IngestTest, AdminApiIsOffByDefault) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data");
  EXPECT_EQ(HttpPost(v->Url("/api/v1/admin/tsdb/delete_series?match[]=x"), "", {}).status, 404);
}

TEST(IngestTest, SecondServerOnTheSameDataDirFailsClearly) {
  TempDir dir;
  auto v = Vigil::Start(dir.path() + "/data");
  EXPECT_THROW(Vigil::Start(dir.path() + "/data"), std::runtime_error);
  EXPECT_NE(ReadFileOrEmpty(dir.path() + "/data.log").find("in use by another process"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::itest
