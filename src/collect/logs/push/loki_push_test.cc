#include <gtest/gtest.h>
#include <snappy.h>

#include "collect/logs/push/gzip.h"
#include "collect/logs/push/push_decode.h"
#include "collect/logs/push/testproto/loki_push_test.pb.h"

namespace vigil::logs {
namespace {

using model::LogAttribute;
using model::LogRecord;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kProto = "application/x-protobuf";

DecodeOptions Opts() {
  DecodeOptions o;
  o.observed_time_ns = 42;
  return o;
}

std::string Snappy(const std::string& s) {
  std::string out;
  snappy::Compress(s.data(), s.size(), &out);
  return out;
}

LogRecord Rec(model::Labels stream, int64_t t, std::string body,
              std::vector<LogAttribute> attrs = {}) {
  LogRecord r;
  r.stream = std::move(stream);
  r.time_ns = t;
  r.body = std::move(body);
  r.attributes = std::move(attrs);
  return r;
}

TEST(LokiPushJsonTest, DecodesStreamsValuesAndMetadata) {
  std::string body = R"({"streams":[
    {"stream":{"job":"a","host":"h1"},"values":[["1700000000000000001","line one"],
                                                  ["1700000000000000002","line \"two\"",{"trace_id":"abc"}]]},
    {"stream":{"job":"b"},"values":[[1700000000000000003,"ünïcode"]]}]})";
  std::vector<LogRecord> out;
  ASSERT_TRUE(DecodeLokiPush(kJson, "", body, Opts(), &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].stream, model::Labels::FromStrings({"host", "h1", "job", "a"}));
  EXPECT_EQ(out[0].time_ns, 1700000000000000001);
  EXPECT_EQ(out[0].observed_time_ns, 42);
  EXPECT_EQ(out[0].body, "line one");
  EXPECT_EQ(out[1].body, "line \"two\"");
  EXPECT_EQ(out[1].attributes, (std::vector<LogAttribute>{{"trace_id", "abc"}}));
  EXPECT_EQ(out[2].stream, model::Labels::FromStrings({"job", "b"}));
  EXPECT_EQ(out[2].body, "ünïcode");
  EXPECT_EQ(out[2].time_ns, 1700000000000000003);
}

TEST(LokiPushJsonTest, ContentTypeWithCharsetAndEmptyAreJson) {
  std::string body = R"({"streams":[{"stream":{"job":"a"},"values":[["1","x"]]}]})";
  std::vector<LogRecord> out;
  EXPECT_TRUE(DecodeLokiPush("application/json; charset=utf-8", "", body, Opts(), &out).ok());
  EXPECT_TRUE(DecodeLokiPush("", "", body, Opts(), &out).ok());
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(DecodeLokiPush("text/plain", "", body, Opts(), &out).ok());
}

TEST(LokiPushJsonTest, GzipBodyIsUndone) {
  std::string body = R"({"streams":[{"stream":{"job":"a"},"values":[["1","x"]]}]})";
  std::vector<LogRecord> out;
  ASSERT_TRUE(DecodeLokiPush(kJson, "gzip", GzipCompress(body), Opts(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].body, "x");
  EXPECT_FALSE(DecodeLokiPush(kJson, "gzip", body, Opts(), &out).ok());
  EXPECT_FALSE(DecodeLokiPush(kJson, "br", body, Opts(), &out).ok());
}

TEST(LokiPushJsonTest, GzipBombIsRefusedAtTheLimit) {
  std::string big(10 << 20, 'a');
  std::string body = R"({"streams":[{"stream":{"job":"a"},"values":[["1",")" + big + "\"]]}]}";
  DecodeOptions o = Opts();
  o.max_body_bytes_decompressed = 1 << 20;
  std::vector<LogRecord> out;
  Status s = DecodeLokiPush(kJson, "gzip", GzipCompress(body), o, &out);
  EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
  EXPECT_TRUE(out.empty());
}

TEST(LokiPushJsonTest, ErrorsNameEntryAndStream) {
  std::vector<LogRecord> out;
  Status s = DecodeLokiPush(
      kJson, "",
      R"({"streams":[{"stream":{"job":"a"},"values":[["1","x"],["1","x"],["1","x"],["zz","x"]]}]})",
      Opts(), &out);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "loki push: entry 3 of stream {job=\"a\"}: timestamp is not a number");
  EXPECT_TRUE(out.empty()) << "a failed request must leave no partial output";
}

TEST(LokiPushJsonTest, RefusesMalformedBodies) {
  for (std::string_view bad : {
           R"(not json)",
           R"({})",
           R"({"streams":{}})",
           R"({"streams":[{"values":[["1","x"]]}]})",
           R"({"streams":[{"stream":{},"values":[["1","x"]]}]})",
           R"({"streams":[{"stream":{"job":1},"values":[["1","x"]]}]})",
           R"({"streams":[{"stream":{"job":"a"}}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["1"]]}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["1",2]]}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["-1","x"]]}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["99999999999999999999","x"]]}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["1","x",{"k":1}]]}]})",
           R"({"streams":[{"stream":{"job":"a"},"values":[["1","x",{},4]]}]})",
       }) {
    std::vector<LogRecord> out;
    Status s = DecodeLokiPush(kJson, "", bad, Opts(), &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad << " -> " << s.ToString();
  }
}

TEST(LokiPushJsonTest, MaxRecordsIsEnforced) {
  std::string body =
      R"({"streams":[{"stream":{"job":"a"},"values":[["1","x"],["2","y"],["3","z"]]}]})";
  DecodeOptions o = Opts();
  o.max_records = 2;
  std::vector<LogRecord> out;
  EXPECT_TRUE(DecodeLokiPush(kJson, "", body, o, &out).IsResourceExhausted());
  o.max_records = 3;
  EXPECT_TRUE(DecodeLokiPush(kJson, "", body, o, &out).ok());
}

TEST(LokiPushProtoTest, DecodesWhatTheProtobufLibraryWrites) {
  testproto::PushRequest req;
  auto* s = req.add_streams();
  s->set_labels(R"({job="a", host="h1"})");
  auto* e = s->add_entries();
  e->mutable_timestamp()->set_seconds(1700000000);
  e->mutable_timestamp()->set_nanos(5);
  e->set_line("hello");
  auto* md = e->add_structuredmetadata();
  md->set_name("trace_id");
  md->set_value("t1");
  auto* e2 = s->add_entries();
  e2->set_line("no timestamp");
  auto* s2 = req.add_streams();
  s2->add_entries()->set_line("labels after entries");
  s2->set_labels(R"({job="b"})");

  std::vector<LogRecord> out;
  Status st = DecodeLokiPush(kProto, "", Snappy(req.SerializeAsString()), Opts(), &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].stream, model::Labels::FromStrings({"host", "h1", "job", "a"}));
  EXPECT_EQ(out[0].time_ns, 1700000000000000005);
  EXPECT_EQ(out[0].body, "hello");
  EXPECT_EQ(out[0].attributes, (std::vector<LogAttribute>{{"trace_id", "t1"}}));
  EXPECT_EQ(out[1].time_ns, 0);
  EXPECT_EQ(out[1].EffectiveTime(), 42);
  EXPECT_EQ(out[2].stream, model::Labels::FromStrings({"job", "b"}));
  EXPECT_EQ(out[2].body, "labels after entries");
}

TEST(LokiPushProtoTest, RefusesCorruptSnappyAndProtobuf) {
  std::vector<LogRecord> out;
  EXPECT_TRUE(DecodeLokiPush(kProto, "", "garbage", Opts(), &out).IsInvalidArgument());
  EXPECT_TRUE(DecodeLokiPush(kProto, "", Snappy("\x0a\x05\x0a"), Opts(), &out).IsInvalidArgument());
  testproto::PushRequest req;
  req.add_streams()->set_labels("{job=\"a\"");  // unterminated
  EXPECT_TRUE(DecodeLokiPush(kProto, "", Snappy(req.SerializeAsString()), Opts(), &out)
                  .IsInvalidArgument());
  req.mutable_streams(0)->set_labels("{job=\"a\"}");
  req.mutable_streams(0)->add_entries()->mutable_timestamp()->set_seconds(-1);
  EXPECT_TRUE(
      DecodeLokiPush(kProto, "", Snappy(req.SerializeAsString()), Opts(), &out).IsInvalidArgument())
      << "before 1970";
  req.mutable_streams(0)->set_labels(std::string(20000, 'a'));
  EXPECT_TRUE(DecodeLokiPush(kProto, "", Snappy(req.SerializeAsString()), Opts(), &out)
                  .IsInvalidArgument());
  EXPECT_TRUE(out.empty());
}

TEST(LokiPushProtoTest, SnappyClaimingHugeSizeIsRefusedBeforeAllocating) {
  std::string body = "\x80\x80\x80\x80\x04";  // claims 1 GiB, holds nothing
  std::vector<LogRecord> out;
  EXPECT_TRUE(DecodeLokiPush(kProto, "", body, Opts(), &out).IsResourceExhausted());
}

std::vector<LogRecord> SampleRecords() {
  model::Labels a = model::Labels::FromStrings({"job", "a", "host", "h"});
  model::Labels b = model::Labels::FromStrings({"job", "b"});
  std::vector<LogRecord> recs = {
      Rec(a, 1700000000123456789, "first \"quoted\"\n", {{"k", "v"}}),
      Rec(b, 1700000000000000000, "ünï"),
      Rec(a, 1700000001000000001, "third"),
  };
  recs[2].trace_id = "0af7651916cd43dd8448eb211c80319c";
  LogRecord untimed = Rec(b, 0, "observed only");
  untimed.observed_time_ns = 1700000002000000000;
  recs.push_back(untimed);
  return recs;
}

void ExpectRoundTrip(const std::vector<LogRecord>& decoded) {
  ASSERT_EQ(decoded.size(), 4u);
  // Grouped by stream, in order of first appearance.
  EXPECT_EQ(decoded[0].body, "first \"quoted\"\n");
  EXPECT_EQ(decoded[0].time_ns, 1700000000123456789);
  EXPECT_EQ(decoded[0].attributes, (std::vector<LogAttribute>{{"k", "v"}}));
  EXPECT_EQ(decoded[1].body, "third");
  EXPECT_EQ(decoded[1].attributes,
            (std::vector<LogAttribute>{{"trace_id", "0af7651916cd43dd8448eb211c80319c"}}));
  EXPECT_EQ(decoded[1].stream, model::Labels::FromStrings({"job", "a", "host", "h"}));
  EXPECT_EQ(decoded[2].body, "ünï");
  EXPECT_EQ(decoded[2].stream, model::Labels::FromStrings({"job", "b"}));
  EXPECT_EQ(decoded[3].time_ns, 1700000002000000000);
}

TEST(LokiPushEncodeTest, ProtoRoundTripsThroughOurDecoder) {
  std::vector<LogRecord> decoded;
  ASSERT_TRUE(
      DecodeLokiPush(kProto, "", EncodeLokiPushProto(SampleRecords()), Opts(), &decoded).ok());
  ExpectRoundTrip(decoded);
}

TEST(LokiPushEncodeTest, ProtoIsReadableByTheProtobufLibrary) {
  std::string compressed = EncodeLokiPushProto(SampleRecords());
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(compressed.data(), compressed.size(), &raw));
  testproto::PushRequest req;
  ASSERT_TRUE(req.ParseFromString(raw));
  ASSERT_EQ(req.streams_size(), 2);
  EXPECT_EQ(req.streams(0).labels(), R"({host="h", job="a"})");
  ASSERT_EQ(req.streams(0).entries_size(), 2);
  EXPECT_EQ(req.streams(0).entries(0).timestamp().seconds(), 1700000000);
  EXPECT_EQ(req.streams(0).entries(0).timestamp().nanos(), 123456789);
  EXPECT_EQ(req.streams(0).entries(0).structuredmetadata(0).name(), "k");
  EXPECT_EQ(req.streams(1).labels(), R"({job="b"})");
  EXPECT_EQ(req.streams(1).entries(1).line(), "observed only");
}

TEST(LokiPushEncodeTest, JsonRoundTripsThroughOurDecoder) {
  std::string json = EncodeLokiPushJson(SampleRecords());
  std::vector<LogRecord> decoded;
  Status s = DecodeLokiPush(kJson, "", json, Opts(), &decoded);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  ExpectRoundTrip(decoded);
}

TEST(LokiPushEncodeTest, JsonReplacesInvalidUtf8SoTheRequestStaysValid) {
  std::vector<LogRecord> one = {Rec(model::Labels::FromStrings({"job", "a"}), 5, "bad \xff byte")};
  std::string json = EncodeLokiPushJson(one);
  std::vector<LogRecord> decoded;
  ASSERT_TRUE(DecodeLokiPush(kJson, "", json, Opts(), &decoded).ok()) << json;
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].body, "bad \xEF\xBF\xBD byte");
}

TEST(LokiPushEncodeTest, JsonHasLokisShape) {
  std::vector<LogRecord> one = {
      Rec(model::Labels::FromStrings({"job", "a"}), 5, "x", {{"k", "v"}})};
  EXPECT_EQ(EncodeLokiPushJson(one),
            R"({"streams":[{"stream":{"job":"a"},"values":[["5","x",{"k":"v"}]]}]})");
  EXPECT_EQ(EncodeLokiPushJson({}), R"({"streams":[]})");
}

}  // namespace
}  // namespace vigil::logs
