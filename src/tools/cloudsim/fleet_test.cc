#include "tools/cloudsim/fleet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace vigil::cloudsim {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kDay0 = 1704067200000;  // 2024-01-01T00:00:00Z

const Resource* FirstOf(const Fleet& f, const std::string& type) {
  for (const Resource& r : f.resources()) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

TEST(FleetTest, SameSeedGivesSameResourcesAndValues) {
  Fleet a, b;
  ASSERT_EQ(a.resources().size(), b.resources().size());
  for (size_t i = 0; i < a.resources().size(); ++i) {
    const Resource& ra = a.resources()[i];
    const Resource& rb = b.resources()[i];
    EXPECT_EQ(ra.id, rb.id);
    ASSERT_EQ(ra.metrics.size(), rb.metrics.size());
    for (size_t m = 0; m < ra.metrics.size(); ++m) {
      for (int64_t t = kDay0; t < kDay0 + 30 * kMin; t += kMin) {
        EXPECT_EQ(a.Value(ra, *ra.metrics[m], t), b.Value(rb, *rb.metrics[m], t));
      }
    }
  }
}

TEST(FleetTest, DifferentSeedChangesValues) {
  Fleet a({.seed = 1}), b({.seed = 2});
  const Resource* ra = FirstOf(a, "AWS/EC2");
  const Resource* rb = FirstOf(b, "AWS/EC2");
  int differ = 0;
  for (int64_t t = kDay0; t < kDay0 + 10 * kMin; t += kMin) {
    differ += a.Value(*ra, *ra->metrics[0], t) != b.Value(*rb, *rb->metrics[0], t);
  }
  EXPECT_GT(differ, 5);
}

TEST(FleetTest, EveryCloudHasEveryKindAndValidMetrics) {
  Fleet f;
  for (const char* type :
       {"AWS/EC2", "AWS/RDS", "AWS/ELB", "AWS/Lambda", "AWS/S3",
        "Microsoft.Compute/virtualMachines", "Microsoft.Sql/servers/databases",
        "Microsoft.Storage/storageAccounts", "gce_instance", "cloudsql_database", "gcs_bucket"}) {
    int n = 0;
    for (const Resource& r : f.resources()) n += r.type == type;
    EXPECT_GE(n, 5) << type;
    EXPECT_LE(n, 10) << type;
    EXPECT_FALSE(f.MetricsOf(type).empty()) << type;
  }
  std::set<std::string> ids;
  for (const Resource& r : f.resources()) EXPECT_TRUE(ids.insert(r.cloud + r.id).second) << r.id;
  EXPECT_EQ(f.Types("aws").size(), 5u);
  EXPECT_EQ(f.Find("aws", FirstOf(f, "AWS/RDS")->id), FirstOf(f, "AWS/RDS"));
}

TEST(FleetTest, ScaleReachesTenThousandCloudWatchMetrics) {
  Fleet f({.scale = 100});
  size_t n = 0;
  for (const Resource* r : f.ByCloud("aws")) n += r->metrics.size();
  EXPECT_GE(n, 10'000u);
}

TEST(FleetTest, SumOfFiveMinutesEqualsFiveMinutePeriod) {
  Fleet f;
  for (const Resource& r : f.resources()) {
    for (const MetricDef* m : r.metrics) {
      for (int64_t start = kDay0; start < kDay0 + 24 * 60 * kMin; start += 97 * 5 * kMin) {
        Stats five = f.Aggregate(r, *m, start, 5 * kMin);
        double sum = 0, count = 0, mx = -1, mn = HUGE_VAL;
        for (int i = 0; i < 5; ++i) {
          Stats one = f.Aggregate(r, *m, start + i * kMin, kMin);
          sum += one.sum;
          count += one.sample_count;
          if (one.sample_count > 0) {
            mx = std::max(mx, one.maximum);
            mn = std::min(mn, one.minimum);
          }
        }
        EXPECT_DOUBLE_EQ(five.sum, sum) << r.id << " " << m->name;
        EXPECT_EQ(five.sample_count, count);
        if (count > 0) {
          EXPECT_EQ(five.maximum, mx);
          EXPECT_EQ(five.minimum, mn);
        }
      }
    }
  }
}

TEST(FleetTest, AfternoonIsBusierThanNight) {
  Fleet f;
  double day = 0, night = 0;
  for (const Resource* r : f.ByCloud("aws")) {
    if (r->type != "AWS/EC2") continue;
    const MetricDef* cpu = r->metrics[0];
    day += f.Aggregate(*r, *cpu, kDay0 + 14 * 60 * kMin, 120 * kMin).average;
    night += f.Aggregate(*r, *cpu, kDay0 + 2 * 60 * kMin, 120 * kMin).average;
  }
  EXPECT_GT(day, night * 1.5);
}

TEST(FleetTest, RatioValuesStayInRange) {
  Fleet f;
  for (const Resource& r : f.resources()) {
    for (const MetricDef* m : r.metrics) {
      for (int64_t t = kDay0; t < kDay0 + 24 * 60 * kMin; t += 7 * kMin) {
        double v = f.Value(r, *m, t);
        EXPECT_GE(v, 0);
        if (m->unit == "Percent") {
          EXPECT_LE(v, 100);
        }
        if (m->unit == "10^2.%") {
          EXPECT_LE(v, 1);
        }
      }
    }
  }
}

TEST(FleetTest, SomeButNotMostResourcesHaveGaps) {
  Fleet f;
  int with_gaps = 0;
  for (const Resource& r : f.resources()) {
    for (int64_t t = kDay0; t < kDay0 + 360 * kMin; t += kMin) {
      if (!f.HasData(r, t)) {
        ++with_gaps;
        break;
      }
    }
  }
  EXPECT_GT(with_gaps, 0);
  EXPECT_LT(with_gaps, static_cast<int>(f.resources().size()) / 2);
}

TEST(FleetTest, IncidentsRaiseSomeMetricWithinADay) {
  Fleet f;
  const Resource* ec2 = FirstOf(f, "AWS/EC2");
  bool status_failed = false;
  for (const Resource* r : f.ByCloud("aws")) {
    if (r->type != "AWS/EC2") continue;
    for (int64_t t = kDay0; t < kDay0 + 3 * 1440 * kMin && !status_failed; t += kMin) {
      status_failed = f.Value(*r, *r->metrics[4], t) == 1;
    }
  }
  EXPECT_EQ(ec2->metrics[4]->name, "StatusCheckFailed");
  EXPECT_TRUE(status_failed);
}

TEST(FleetTest, PercentileInterpolates) {
  Stats s;
  s.minimum = 10;
  s.maximum = 20;
  EXPECT_DOUBLE_EQ(s.Percentile(50), 15);
  EXPECT_DOUBLE_EQ(s.Percentile(99), 19.9);
}

}  // namespace
}  // namespace vigil::cloudsim
