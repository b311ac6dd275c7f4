#include "storage/tsdb/ref_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace vigil::tsdb {
namespace {

TEST(RefMapTest, AgreesWithAStdMapUnderRandomInsertsAndErases) {
  for (uint64_t stride : {1, 64}) {
    RefMap<int> m(stride);
    std::map<uint64_t, int*> want;
    std::vector<int> values(1 << 14);
    std::mt19937_64 rng(7);
    for (int step = 0; step < 200000; ++step) {
      // Refs of one stripe: sequential with gaps, wrapping the table often.
      uint64_t ref = (1 + rng() % 5000) * stride + (stride > 1 ? 3 : 0);
      int* v = &values[rng() % values.size()];
      if (rng() % 3 != 0) {
        if (!want.count(ref)) {
          m.Insert(ref, v);
          want[ref] = v;
        }
      } else {
        m.Erase(ref);
        want.erase(ref);
      }
      if (step % 997 == 0) {
        ASSERT_EQ(m.size(), want.size());
        for (const auto& [r, p] : want) ASSERT_EQ(m.Find(r), p) << r;
      }
      ASSERT_EQ(m.Find(ref), want.count(ref) ? want[ref] : nullptr);
    }
    size_t n = 0;
    m.ForEach([&](uint64_t r, int* p) {
      EXPECT_EQ(want.at(r), p);
      ++n;
    });
    EXPECT_EQ(n, want.size());
  }
}

TEST(RefMapTest, EmptyMapFindsNothing) {
  RefMap<int> m(64);
  EXPECT_EQ(m.Find(5), nullptr);
  m.Erase(5);
  EXPECT_EQ(m.size(), 0u);
}

}  // namespace
}  // namespace vigil::tsdb
