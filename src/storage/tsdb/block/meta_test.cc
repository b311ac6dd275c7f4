#include "storage/tsdb/block/meta.h"

#include <gtest/gtest.h>

#include "storage/tsdb/block/test_util.h"
#include "storage/tsdb/block/ulid.h"

namespace vigil::tsdb::block {
namespace {

BlockMeta Sample() {
  BlockMeta m;
  m.ulid = NewULID(1700000000000);
  m.min_time = -7200000;
  m.max_time = 1700000000000;
  m.stats = {12345678901ull, 100000, 400000, 0};
  m.compaction.level = 3;
  m.compaction.sources = {NewULID(1), NewULID(2)};
  m.compaction.parents = {{NewULID(3), 0, 10}, {NewULID(4), 10, 20}};
  return m;
}

TEST(Meta, RoundTripsEveryField) {
  BlockMeta m = Sample();
  auto got = ParseMetaJSON(EncodeMetaJSON(m));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, m);
  m.stats.num_tombstones = 5;
  m.compaction.parents.clear();
  m.compaction.sources.clear();
  got = ParseMetaJSON(EncodeMetaJSON(m));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, m);
}

TEST(Meta, ReadsPrometheusMetaJSON) {
  const char* prom = R"({
	"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R",
	"minTime": 1602237600000,
	"maxTime": 1602244800000,
	"stats": {"numSamples": 553673232, "numSeries": 1346066, "numChunks": 4440437},
	"compaction": {"level": 1, "sources": ["01EM6Q6A1YPX4G9TEB20J22B2R"]},
	"version": 1,
	"thanos": {"labels": {}}
})";
  auto m = ParseMetaJSON(prom);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ulid, "01EM6Q6A1YPX4G9TEB20J22B2R");
  EXPECT_EQ(m->max_time, 1602244800000);
  EXPECT_EQ(m->stats.num_chunks, 4440437u);
  EXPECT_EQ(m->compaction.sources.size(), 1u);
}

TEST(Meta, MalformedDocumentsAreCorruption) {
  std::string good = EncodeMetaJSON(Sample());
  const char* bad[] = {
      "",
      "[]",
      "{",
      R"({"ulid": "x", "minTime": 0, "maxTime": 1, "version": 1})",
      R"({"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R", "minTime": 0, "maxTime": 1, "version": 2})",
      R"({"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R", "minTime": 5, "maxTime": 1, "version": 1})",
      R"({"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R", "minTime": "0", "maxTime": 1, "version": 1})",
      R"({"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R", "minTime": 0, "maxTime": 1, "version": 1,
          "stats": {"numSeries": -1}})",
      R"({"ulid": "01EM6Q6A1YPX4G9TEB20J22B2R", "minTime": 0, "maxTime": 1, "version": 1,
          "compaction": {"level": 1, "sources": [5]}})",
  };
  for (const char* b : bad) EXPECT_TRUE(ParseMetaJSON(b).status().IsCorruption()) << b;
  for (size_t n = 0; n + 2 < good.size(); n += 7) {
    EXPECT_FALSE(ParseMetaJSON(good.substr(0, n)).ok()) << n;
  }
}

TEST(Meta, JSONStringsAreEscaped) {
  std::string out;
  AppendJSONString(&out, std::string("a\"b\\c\n\x01\x1f\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u001f\xc3\xa9\"");
}

TEST(Meta, FileRoundTrip) {
  testing::TempDir tmp;
  BlockMeta m = Sample();
  ASSERT_TRUE(WriteMetaFile(tmp.path(), m).ok());
  auto got = ReadMetaFile(tmp.path());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, m);
  EXPECT_TRUE(ReadMetaFile(tmp.Join("nope")).status().IsIOError());
}

}  // namespace
}  // namespace vigil::tsdb::block
