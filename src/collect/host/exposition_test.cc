#include "collect/host/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil::host {
namespace {

TEST(PageWriterTest, HeaderComesWithTheFirstSampleAndNeverForAnEmptyFamily) {
  std::string out;
  PageWriter w(&out);
  w.Family("node_empty", "Never shown.", MetricType::kGauge);
  w.Family("node_x_total", "X.", MetricType::kCounter);
  w.Sample({{"a", "1"}}, 2);
  w.Sample({{"a", "2"}}, 3);
  EXPECT_EQ(out,
            "# HELP node_x_total X.\n# TYPE node_x_total counter\n"
            "node_x_total{a=\"1\"} 2\nnode_x_total{a=\"2\"} 3\n");
}

TEST(PageWriterTest, NumbersPrintAsGoShortestG) {
  std::string out;
  PageWriter w(&out);
  w.Family("m", "h", MetricType::kUntyped);
  for (double v : {277292.0, 1167678.0, 1704.6380000000001, 0.01, -0.0, -125000.0,
                   std::numeric_limits<double>::infinity(), std::nan("")}) {
    w.Sample(v);
  }
  EXPECT_EQ(out,
            "# HELP m h\n# TYPE m untyped\n"
            "m 277292\nm 1.167678e+06\nm 1704.6380000000001\nm 0.01\nm 0\nm -125000\n"
            "m +Inf\nm NaN\n");
}

TEST(PageWriterTest, LabelValuesAndHelpAreEscaped) {
  std::string out;
  PageWriter w(&out);
  w.Family("m", "back\\slash\nnewline \"quote\"", MetricType::kGauge);
  w.Sample({{"v", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(out,
            "# HELP m back\\\\slash\\nnewline \"quote\"\n# TYPE m gauge\n"
            "m{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

}  // namespace
}  // namespace vigil::host
