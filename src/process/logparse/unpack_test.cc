#include <gtest/gtest.h>

#include "process/logparse/logparse.h"

namespace vigil::logparse {
namespace {

TEST(UnpackTest, EntryReplacesLineOtherStringsBecomeFields) {
  Fields out;
  std::string line;
  ASSERT_TRUE(
      Unpack(
          R"({"container":"myapp","pod":"p-1","_entry":"original \"log\" line","n":5,"o":{"a":"b"}})",
          &out, &line)
          .ok());
  Fields want = {{"container", "myapp"}, {"pod", "p-1"}};
  EXPECT_EQ(out, want);
  EXPECT_EQ(line, "original \"log\" line");
}

TEST(UnpackTest, WithoutEntryLineUnchanged) {
  Fields out;
  std::string line;
  ASSERT_TRUE(Unpack(R"({"a.b":"1"})", &out, &line).ok());
  EXPECT_EQ(out[0].first, "a_b");
  EXPECT_EQ(line, R"({"a.b":"1"})");
}

TEST(UnpackTest, MalformedIsError) {
  Fields out;
  std::string line;
  EXPECT_FALSE(Unpack("plain text", &out, &line).ok());
  EXPECT_FALSE(Unpack(R"({"a":"1",)", &out, &line).ok());
}

}  // namespace
}  // namespace vigil::logparse
