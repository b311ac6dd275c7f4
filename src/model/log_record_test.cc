#include "model/log_record.h"

#include <gtest/gtest.h>

namespace vigil::model {
namespace {

TEST(DescribeRefusalTest, NothingWhenTheSinkTookEverything) {
  EXPECT_EQ(DescribeRefusal(ConsumeResult{}, 10), "");
}

TEST(DescribeRefusalTest, AFailedBatchOrTheLastRejection) {
  ConsumeResult failed;
  failed.status = Status::Unavailable("disk full");
  EXPECT_EQ(DescribeRefusal(failed, 100),
            "refused a batch of 100 records: " + failed.status.ToString());
  ConsumeResult some;
  some.rejected.push_back({1, "too_old", "timestamp 5 is older than 1000 ms"});
  some.rejected.push_back({7, "line_too_long", "line of 9 bytes exceeds max_line_bytes 4"});
  EXPECT_EQ(DescribeRefusal(some, 100),
            "2 of 100 records rejected; the last: line_too_long: line of 9 bytes exceeds "
            "max_line_bytes 4");
}

}  // namespace
}  // namespace vigil::model
