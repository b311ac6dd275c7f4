#include "api/remote/http_headers.h"

#include <gtest/gtest.h>

namespace vigil::remote {
namespace {

TEST(RemoteHttpHeaders, SnappyEncodingIsCaseInsensitiveAndMissingMeansSnappy) {
  EXPECT_TRUE(IsSnappyOrMissing(""));
  EXPECT_TRUE(IsSnappyOrMissing("snappy"));
  EXPECT_TRUE(IsSnappyOrMissing(" Snappy "));
  EXPECT_FALSE(IsSnappyOrMissing("gzip"));
  EXPECT_FALSE(IsSnappyOrMissing("snappy, gzip"));
}

TEST(RemoteHttpHeaders, MediaTypeParametersAreFoundQuotedOrNot) {
  MediaType m = ParseMediaType("Application/X-Protobuf ; charset=x; Proto=\"a.B\"", "proto");
  EXPECT_EQ(m.type, "application/x-protobuf");
  EXPECT_EQ(m.param, "a.B");
  m = ParseMediaType("application/x-protobuf", "proto");
  EXPECT_EQ(m.param, "");
  m = ParseMediaType("application/x-protobuf;proto", "proto");  // no '=': ignored
  EXPECT_EQ(m.param, "");
}

TEST(RemoteHttpHeaders, LabelsInMessagesAreEscapedAndCut) {
  std::vector<model::LabelView> l = {{"__name__", "up"}, {"job", "a\"b\n"}};
  EXPECT_EQ(FormatLabelsForMessage(l), "{__name__=\"up\", job=\"a\\\"b\\n\"}");
  std::string big(1000, 'x');
  std::vector<model::LabelView> many(50, model::LabelView{"n", big});
  EXPECT_LT(FormatLabelsForMessage(many).size(), 1300u);
}

}  // namespace
}  // namespace vigil::remote
