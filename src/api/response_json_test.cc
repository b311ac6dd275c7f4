#include "api/response_json.h"

#include <gtest/gtest.h>

namespace vigil::api {
namespace {

std::string Success(const std::vector<std::string>& warnings,
                    const std::vector<std::string>& infos) {
  GoJsonWriter w;
  StartSuccess(w);
  w.Null();
  FinishSuccess(w, warnings, infos);
  return w.Take();
}

TEST(ResponseJsonTest, SuccessWithoutAnnotationsHasOnlyStatusAndData) {
  EXPECT_EQ(Success({}, {}), R"({"status":"success","data":null})");
}

TEST(ResponseJsonTest, WarningsAreHtmlEscapedAndFollowTheData) {
  EXPECT_EQ(Success({"w <1>"}, {"i"}),
            R"({"status":"success","data":null,"warnings":["w \u003c1\u003e"],"infos":["i"]})");
}

TEST(ResponseJsonTest, MoreThanTenWarningsAreSummarised) {
  std::vector<std::string> w;
  for (int i = 0; i < 12; ++i) w.push_back(std::to_string(i));
  EXPECT_EQ(Success(w, {}), R"({"status":"success","data":null,"warnings":)"
                            R"(["0","1","2","3","4","5","6","7","8","9",)"
                            R"("2 more warning annotations omitted"]})");
}

TEST(ResponseJsonTest, ErrorsAreHtmlEscaped) {
  EXPECT_EQ(ErrorBody("bad_data", "invalid parameter \"query\": 1:3: unexpected <EOF>"),
            R"({"status":"error","errorType":"bad_data",)"
            R"("error":"invalid parameter \"query\": 1:3: unexpected \u003cEOF\u003e"})");
}

TEST(ResponseJsonTest, LabelSetsAreNeitherHtmlEscapedNorUtf8Checked) {
  model::Labels ls = model::Labels::FromStrings({"a<b", "x&y>\x01\xff\xe2\x80\xa8"});
  GoJsonWriter w;
  WriteLabels(w, ls);
  EXPECT_EQ(w.Take(), "{\"a<b\":\"x&y>\\u0001\xff\xe2\x80\xa8\"}");
}

}  // namespace
}  // namespace vigil::api
