#include "tools/cloudsim/cbor.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <cmath>

namespace vigil::cloudsim::cbor {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Value MustDecode(std::string_view data) {
  auto r = Decode(data);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Value();
}

TEST(CborTest, DecodesRfcExamples) {
  EXPECT_EQ(MustDecode(Hex("00")), Value::Int(0));
  EXPECT_EQ(MustDecode(Hex("1864")), Value::Int(100));
  EXPECT_EQ(MustDecode(Hex("3903e7")), Value::Int(-1000));
  EXPECT_EQ(MustDecode(Hex("1b000000e8d4a51000")), Value::Int(1000000000000));
  EXPECT_EQ(MustDecode(Hex("f93c00")), Value::Float(1.0));
  EXPECT_EQ(MustDecode(Hex("f9c400")), Value::Float(-4.0));
  EXPECT_EQ(MustDecode(Hex("f90001")), Value::Float(5.960464477539063e-8));
  EXPECT_EQ(MustDecode(Hex("fa47c35000")), Value::Float(100000.0));
  EXPECT_EQ(MustDecode(Hex("fb3ff199999999999a")), Value::Float(1.1));
  EXPECT_TRUE(std::isinf(MustDecode(Hex("f97c00")).number()));
  EXPECT_EQ(MustDecode(Hex("f4")), Value::Bool(false));
  EXPECT_EQ(MustDecode(Hex("f6")), Value::Null());
  EXPECT_EQ(MustDecode(Hex("6449455446")), Value::Text("IETF"));
  EXPECT_EQ(MustDecode(Hex("4401020304")), Value::Bytes("\x01\x02\x03\x04"));
  EXPECT_EQ(MustDecode(Hex("c11a514b67b0")), Value::Timestamp(1363896240));
  EXPECT_EQ(MustDecode(Hex("c1fb41d452d9ec200000")), Value::Timestamp(1363896240.5));
}

TEST(CborTest, DecodesIndefiniteLengths) {
  EXPECT_EQ(MustDecode(Hex("7f657374726561646d696e67ff")), Value::Text("streaming"));
  EXPECT_EQ(MustDecode(Hex("5f42010243030405ff")), Value::Bytes("\x01\x02\x03\x04\x05"));
  Value a = MustDecode(Hex("9f018202039f0405ffff"));
  ASSERT_TRUE(a.is_array());
  ASSERT_EQ(a.array().size(), 3u);
  EXPECT_EQ(a.array()[2].array().size(), 2u);
  Value m = MustDecode(Hex("bf61610161629f0203ffff"));
  ASSERT_TRUE(m.is_map());
  EXPECT_EQ(*m.Find("a"), Value::Int(1));
  EXPECT_EQ(m.Find("b")->array().size(), 2u);
}

TEST(CborTest, RoundTripsDocument) {
  Value doc = Value::MakeMap();
  doc.Add("Id", Value::Text("m1"));
  doc.Add("Period", Value::Int(300));
  doc.Add("Neg", Value::Int(-70000));
  doc.Add("Big", Value::Int(INT64_MAX));
  doc.Add("Value", Value::Float(4.5));
  doc.Add("When", Value::Timestamp(1704067200));
  doc.Add("Ok", Value::Bool(true));
  doc.Add("None", Value::Null());
  Value& list = doc.Add("List", Value::MakeArray());
  for (int i = 0; i < 30; ++i)
    list.Push(Value::Text(std::string(static_cast<size_t>(i * 10), 'x')));
  EXPECT_EQ(MustDecode(Encode(doc)), doc);
}

TEST(CborTest, EncodesShortestHeadsAndFloat64) {
  EXPECT_EQ(Encode(Value::Int(23)), Hex("17"));
  EXPECT_EQ(Encode(Value::Int(24)), Hex("1818"));
  EXPECT_EQ(Encode(Value::Int(-1)), Hex("20"));
  EXPECT_EQ(Encode(Value::Int(65536)), Hex("1a00010000"));
  EXPECT_EQ(Encode(Value::Float(1.1)), Hex("fb3ff199999999999a"));
  EXPECT_EQ(Encode(Value::Timestamp(1704067200)), Hex("c1fb41d9648020000000"));
}

TEST(CborTest, DecodesBotocoreGetMetricDataRequest) {
  // The body of the boto3-pip-cbor GetMetricData capture.
  const std::string b64 =
      "pHFNZXRyaWNEYXRhUXVlcmllc4KjYklkYm0xak1ldHJpY1N0YXSkZk1ldHJpY6NpTmFtZXNwYWNlZ0FXUy9FQzJqTWV0"
      "cmljTmFtZW5DUFVVdGlsaXphdGlvbmpEaW1lbnNpb25zgaJkTmFtZWpJbnN0YW5jZUlkZVZhbHVlc2ktMDEyMzQ1Njc4"
      "OWFiY2RlZjBmUGVyaW9kGQEsZFN0YXRnQXZlcmFnZWRVbml0Z1BlcmNlbnRqUmV0dXJuRGF0YfSkYklkYmUxakV4cHJl"
      "c3Npb25mbTEgKiAyZUxhYmVsa0NQVSBkb3VibGVkalJldHVybkRhdGH1aVN0YXJ0VGltZcEaZZIAgGdFbmRUaW1lwRpl"
      "kg6QZlNjYW5CeXNUaW1lc3RhbXBEZXNjZW5kaW5n";
  std::string body(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(body.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  ASSERT_GT(n, 0);
  body.resize(static_cast<size_t>(n));
  while (!body.empty() && body.back() == '\0') body.pop_back();  // base64 padding
  Value v = MustDecode(body);
  ASSERT_TRUE(v.is_map());
  EXPECT_EQ(*v.Find("StartTime"), Value::Timestamp(1704067200));
  EXPECT_EQ(*v.Find("ScanBy"), Value::Text("TimestampDescending"));
  const Value& q = v.Find("MetricDataQueries")->array()[0];
  EXPECT_EQ(*q.Find("MetricStat")->Find("Period"), Value::Int(300));
  EXPECT_EQ(*q.Find("ReturnData"), Value::Bool(false));
  EXPECT_EQ(MustDecode(Encode(v)), v);
}

TEST(CborTest, TruncationErrorsSayWhatWasCut) {
  auto r = Decode(Hex("6a4142"));  // text of 10 bytes, 2 present
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("truncated input at offset 1 (text string of 10 bytes)"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(Decode(Hex("1a0001")).ok());
  EXPECT_FALSE(Decode(Hex("9f01")).ok());
  EXPECT_FALSE(Decode(Hex("fb3ff1")).ok());
  EXPECT_FALSE(Decode("").ok());
}

TEST(CborTest, HugeDeclaredLengthsAreRefusedWithoutAllocating) {
  EXPECT_FALSE(Decode(Hex("9bffffffffffffffff")).ok());  // array of 2^64-1
  EXPECT_FALSE(Decode(Hex("bb7fffffffffffffff")).ok());
  EXPECT_FALSE(Decode(Hex("5b7fffffffffffffff")).ok());
}

TEST(CborTest, DeepNestingIsRefused) {
  std::string deep(1000, static_cast<char>(0x81));
  deep.push_back(0x00);
  auto r = Decode(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting deeper"), std::string::npos);
}

TEST(CborTest, NonTextKeysTrailingBytesAndStrayBreakAreErrors) {
  EXPECT_FALSE(Decode(Hex("a10102")).ok());
  EXPECT_FALSE(Decode(Hex("0000")).ok());
  EXPECT_FALSE(Decode(Hex("ff")).ok());
  EXPECT_FALSE(Decode(Hex("7f01ff")).ok());  // int chunk in a text string
  EXPECT_FALSE(Decode(Hex("1c")).ok());      // reserved additional info
}

TEST(CborTest, ItemLimitIsEnforced) {
  DecodeLimits limits;
  limits.max_items = 3;
  EXPECT_TRUE(Decode(Hex("83010203"), limits).ok());
  EXPECT_FALSE(Decode(Hex("8401020304"), limits).ok());
}

TEST(CborTest, DiagnosticNotation) {
  Value v = MustDecode(Hex("a2616101616282c11a65920080f93e00"));
  EXPECT_EQ(Diagnostic(v), "{\"a\": 1, \"b\": [1(1704067200), 1.5]}");
}

}  // namespace
}  // namespace vigil::cloudsim::cbor
