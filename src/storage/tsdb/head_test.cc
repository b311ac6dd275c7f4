#include "storage/tsdb/head.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "base/time.h"
#include "storage/tsdb/head_appender.h"
#include "storage/tsdb/test_util.h"

namespace vigil::tsdb {
namespace {

using storage::RejectReason;
using testing::L;

class HeadTest : public ::testing::Test {
 protected:
  void Reset(HeadOptions opts = {}) { head_ = std::make_unique<Head>(opts, &registry_); }
  void SetUp() override { Reset(); }

  storage::AppendResult Append(const model::Labels& ls, int64_t t, double v) {
    HeadAppender app(head_.get());
    auto view = ls.View();
    auto r = app.Append(0, view, t, v);
    EXPECT_TRUE(app.Commit().ok());
    return r;
  }

  std::vector<model::Sample> Samples(const model::Labels& ls, int64_t mint = kMinTime,
                                     int64_t maxt = kMaxTime) {
    std::vector<model::Matcher> ms;
    for (const auto& l : ls) ms.push_back(model::Matcher::Equal(l.name, l.value));
    auto r = head_->Select(ms, mint, maxt);
    EXPECT_TRUE(r.ok());
    std::vector<model::Sample> out;
    for (const auto& sc : *r) {
      if (sc.labels != ls) continue;
      std::vector<model::Sample> buf;
      for (const auto& c : sc.chunks) {
        buf.clear();
        EXPECT_TRUE(chunkenc::DecodeAll(c.encoding, c.data, &buf).ok());
        for (auto s : buf) {
          if (s.t >= mint && s.t <= maxt) out.push_back(s);
        }
      }
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.t < b.t; });
    return out;
  }

  metrics::Registry registry_;
  std::unique_ptr<Head> head_;
};

TEST_F(HeadTest, AppendedSamplesAreReadBackBitForBit) {
  auto ls = L({"__name__", "x", "job", "a"});
  std::vector<double> values = {1.5,
                                -0.0,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                model::StaleNaN(),
                                BitsDouble(0x7ff8000000000123ull),
                                1e-310};
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(Append(ls, 1000 * static_cast<int64_t>(i + 1), values[i]).ok());
  }
  auto got = Samples(ls);
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(DoubleBits(got[i].v), DoubleBits(values[i])) << i;
  }
  EXPECT_TRUE(model::IsStaleNaN(got[4].v));
  EXPECT_EQ(head_->NumSeries(), 1u);
  EXPECT_EQ(head_->MinTime(), 1000);
  EXPECT_EQ(head_->MaxTime(), 7000);
}

TEST_F(HeadTest, OutOfOrderAndDuplicateSamplesAreRejectedWithReasons) {
  auto ls = L({"__name__", "x"});
  ASSERT_TRUE(Append(ls, 2000, 1).ok());
  EXPECT_EQ(Append(ls, 1000, 1).reject, RejectReason::kOutOfOrder);
  EXPECT_EQ(Append(ls, 2000, 2).reject, RejectReason::kDuplicate);
  EXPECT_TRUE(Append(ls, 2000, 1).ok());  // an exact duplicate is accepted and ignored
  EXPECT_EQ(Samples(ls).size(), 1u);
  EXPECT_EQ(registry_.Get("vigil_tsdb_samples_rejected_total", {{"reason", "out_of_order"}}), 1);
  EXPECT_EQ(registry_.Get("vigil_tsdb_samples_rejected_total", {{"reason", "duplicate"}}), 1);
}

TEST_F(HeadTest, SamplesOlderThanHalfABlockRangeBehindTheNewestAreTooOld) {
  ASSERT_TRUE(Append(L({"__name__", "a"}), 10 * kHour, 1).ok());
  EXPECT_EQ(Append(L({"__name__", "b"}), 10 * kHour - kHour - 1, 1).reject, RejectReason::kTooOld);
  EXPECT_TRUE(Append(L({"__name__", "b"}), 10 * kHour - kHour, 1).ok());
}

TEST_F(HeadTest, OutOfOrderWindowAcceptsOlderSamples) {
  HeadOptions opts;
  opts.ooo_window_ms = 30 * kMinute;
  Reset(opts);
  auto ls = L({"__name__", "x"});
  ASSERT_TRUE(Append(ls, 10 * kMinute, 10).ok());
  EXPECT_TRUE(Append(ls, 5 * kMinute, 5).ok());
  EXPECT_TRUE(Append(ls, 7 * kMinute, 7).ok());
  EXPECT_EQ(Append(ls, 7 * kMinute, 8).reject, RejectReason::kDuplicate);
  ASSERT_TRUE(Append(ls, 60 * kMinute, 60).ok());
  EXPECT_EQ(Append(ls, 60 * kMinute - 31 * kMinute, 1).reject, RejectReason::kOutOfOrder);
  auto got = Samples(ls);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].t, 5 * kMinute);
  EXPECT_EQ(got[1].t, 7 * kMinute);
  EXPECT_EQ(got[2].t, 10 * kMinute);
}

TEST_F(HeadTest, SamplesWithinOneBatchAreOrderedAgainstEachOther) {
  auto ls = L({"__name__", "x"});
  HeadAppender app(head_.get());
  auto view = ls.View();
  auto r1 = app.Append(0, view, 2000, 1);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(app.Append(r1.ref, {}, 1000, 1).reject, RejectReason::kOutOfOrder);
  EXPECT_EQ(app.Append(r1.ref, {}, 2000, 3).reject, RejectReason::kDuplicate);
  EXPECT_TRUE(app.Append(r1.ref, {}, 3000, 1).ok());
  ASSERT_TRUE(app.Commit().ok());
  EXPECT_EQ(Samples(ls).size(), 2u);
}

TEST_F(HeadTest, InvalidLabelsAndLimitsAreRejected) {
  HeadOptions opts;
  opts.max_series = 2;
  opts.label_limits.max_label_value_length = 8;
  Reset(opts);
  EXPECT_EQ(Append(L({"job", "x"}), 1, 1).reject, RejectReason::kInvalidLabels);
  EXPECT_EQ(Append(L({"__name__", "x", "a", "123456789"}), 1, 1).reject, RejectReason::kLabelLimit);
  EXPECT_TRUE(Append(L({"__name__", "a"}), 1, 1).ok());
  EXPECT_TRUE(Append(L({"__name__", "b"}), 1, 1).ok());
  auto r = Append(L({"__name__", "c"}), 1, 1);
  EXPECT_EQ(r.reject, RejectReason::kSeriesLimit);
  EXPECT_NE(r.detail.find("limit"), std::string::npos);
  EXPECT_TRUE(Append(L({"__name__", "a"}), 2, 1).ok());  // existing series still accept samples
}

TEST_F(HeadTest, ChunksAreCutEvery120SamplesAndAtBlockBoundaries) {
  auto ls = L({"__name__", "x"});
  // 15 s interval: 2h is 480 samples; start 1 minute before a boundary.
  int64_t start = 2 * kHour - kMinute;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(Append(ls, start + i * 15 * kSecond, i).ok());
  MemSeries* s = head_->GetByRef(1);
  ASSERT_NE(s, nullptr);
  {
    std::lock_guard lock(s->mu);
    ASSERT_GE(s->closed.size(), 2u);
    // The first chunk ends before the boundary with 4 samples.
    EXPECT_LT(s->closed[0]->maxt, 2 * kHour);
    EXPECT_EQ(chunkenc::NumSamples(s->closed[0]->encoding, s->closed[0]->data), 4);
    EXPECT_EQ(chunkenc::NumSamples(s->closed[1]->encoding, s->closed[1]->data), 120);
    EXPECT_EQ(s->closed[1]->encoding, chunkenc::Encoding::kCompact);
  }
  head_->Unpin(s);
  EXPECT_EQ(Samples(ls).size(), 300u);
}

TEST_F(HeadTest, ConcurrentAppendersLoseNothing) {
  constexpr int kThreads = 4, kSeries = 200, kSamples = 50;
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int t = 0; t < kSamples; ++t) {
        HeadAppender app(head_.get());
        for (int i = 0; i < kSeries; ++i) {
          auto ls = L({"__name__", "m", "series", std::to_string(i), "thread", std::to_string(th)});
          auto v = ls.View();
          ASSERT_TRUE(app.Append(0, v, 1000 + t * 1000, t).ok());
        }
        ASSERT_TRUE(app.Commit().ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(head_->NumSeries(), static_cast<uint64_t>(kThreads * kSeries));
  EXPECT_EQ(registry_.Get("vigil_tsdb_head_samples_appended_total"), kThreads * kSeries * kSamples);
}

TEST_F(HeadTest, RemoveCopiedKeepsSamplesAppendedAfterTheCopy) {
  auto a = L({"__name__", "a"});
  auto b = L({"__name__", "b"});
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Append(a, i * 1000, i).ok());
    ASSERT_TRUE(Append(b, i * 1000, i).ok());
  }
  auto copies = head_->CopyBefore(kMaxTime);
  ASSERT_EQ(copies.size(), 2u);
  // b gets a sample between the copy and the removal: its open chunk must stay.
  ASSERT_TRUE(Append(b, 10'000, 10).ok());
  head_->RemoveCopied(copies);
  EXPECT_EQ(head_->NumSeries(), 1u);  // a was empty and got collected
  EXPECT_TRUE(Samples(a).empty());
  EXPECT_EQ(Samples(b).size(), 11u);
  EXPECT_EQ(head_->MinTime(), 0);
}

TEST_F(HeadTest, SeriesCreatedForARefusedSampleAreCollected) {
  ASSERT_TRUE(Append(L({"__name__", "a"}), 10 * kHour, 1).ok());
  // A new series whose first sample is too old: created, then left empty.
  EXPECT_EQ(Append(L({"__name__", "b"}), 1000, 1).reject, RejectReason::kTooOld);
  EXPECT_EQ(head_->NumSeries(), 2u);
  head_->RemoveCopied(head_->CopyBefore(kHour));  // copies nothing
  EXPECT_EQ(head_->NumSeries(), 1u);
}

TEST_F(HeadTest, PinnedSeriesAreNotCollected) {
  auto a = L({"__name__", "a"});
  ASSERT_TRUE(Append(a, 1000, 1).ok());
  auto copies = head_->CopyBefore(kMaxTime);
  HeadAppender app(head_.get());
  auto view = a.View();
  auto r = app.Append(0, view, 2000, 2);  // pins the series
  ASSERT_TRUE(r.ok());
  head_->RemoveCopied(copies);
  EXPECT_EQ(head_->NumSeries(), 1u);
  ASSERT_TRUE(app.Commit().ok());
  EXPECT_EQ(Samples(a).size(), 1u);
}

TEST_F(HeadTest, DeleteHidesNothingButMarksIntervals) {
  auto a = L({"__name__", "a"});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Append(a, i * 1000, i).ok());
  auto touched = head_->Delete(2000, 4000, testing::NameIs("a"));
  ASSERT_TRUE(touched.ok());
  ASSERT_EQ(touched->size(), 1u);
  auto r = head_->Select(testing::NameIs("a"), kMinTime, kMaxTime);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  ASSERT_NE((*r)[0].chunks[0].deleted, nullptr);
  EXPECT_TRUE(block::IsDeleted(*(*r)[0].chunks[0].deleted, 3000));
}

TEST_F(HeadTest, LabelNamesAndValues) {
  ASSERT_TRUE(Append(L({"__name__", "a", "job", "x"}), 1, 1).ok());
  ASSERT_TRUE(Append(L({"__name__", "b", "job", "y", "env", "p"}), 1, 1).ok());
  EXPECT_EQ(*head_->LabelValues("job", {}), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(*head_->LabelValues("job", testing::NameIs("b")), (std::vector<std::string>{"y"}));
  EXPECT_EQ(*head_->LabelNames({}), (std::vector<std::string>{"__name__", "env", "job"}));
  EXPECT_EQ(*head_->LabelNames(testing::NameIs("a")),
            (std::vector<std::string>{"__name__", "job"}));
}

}  // namespace
}  // namespace vigil::tsdb
