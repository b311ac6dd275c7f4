#include "api/loki/loki_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <thread>

#include "api/http/server.h"
#include "api/loki/fake_log_reader_test_util.h"
#include "api/loki/params.h"

#ifdef VIGIL_LOKI_HAVE_PUSH
#include "collect/logs/push/push_decode.h"
#endif

namespace vigil::api::loki {
namespace {

using model::Labels;
using testing::FakeLogStore;

constexpr int64_t kS = kNanosPerSecond;

class LokiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = NowNanos();
    engine_ = std::make_unique<logql::Engine>(&store_, logql::EngineOptions());
    LokiApiOptions o;
    o.reader = &store_;
    o.engine = engine_.get();
    o.push_sink = [this]() -> model::LogSink* { return sink_enabled_ ? &store_ : nullptr; };
    o.push_labels = Labels::FromStrings({"source", "push"});
    o.on_push_error = [this](std::string_view protocol, std::string message) {
      push_errors_.push_back(fmt::format("{}|{}", protocol, message));
    };
    o.version = "9.9.9";
    o.tail_poll_interval_ms = 20;
    o.registry = &registry_;
    RegisterLokiApi(&router_, o);
  }

  http::Response Call(const std::string& method, const std::string& target, std::string body = "",
                      http::Params headers = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = http::PercentDecode(target.substr(0, q), false);
    if (q != std::string::npos) req.query = http::ParseQueryString(target.substr(q + 1));
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.remote_addr = "127.0.0.1:5000";
    if (req.Header("content-type") == "application/x-www-form-urlencoded") {
      req.form = http::ParseQueryString(req.body);
    }
    return router_.Serve(req);
  }

  static std::string Enc(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (isalnum(c) || c == '-' || c == '_' || c == '.') {
        out.push_back(static_cast<char>(c));
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
    return out;
  }

  // start/end around the entries the tests add (at now - 10 s and later).
  std::string Range() const { return fmt::format("&start={}&end={}", now_ - 60 * kS, now_ + kS); }

  void AddSample() {
    store_.Add(Labels::FromStrings({"job", "a", "host", "h1"}), now_ - 10 * kS, "level=info one");
    store_.Add(Labels::FromStrings({"job", "a", "host", "h1"}), now_ - 9 * kS, "level=error two");
    store_.Add(Labels::FromStrings({"job", "a", "host", "h2"}), now_ - 8 * kS, "level=info three");
    store_.Add(Labels::FromStrings({"job", "b"}), now_ - 7 * kS, "other");
  }

  int64_t now_ = 0;
  FakeLogStore store_;
  std::unique_ptr<logql::Engine> engine_;
  metrics::Registry registry_;
  http::Router router_;
  bool sink_enabled_ = true;
  std::vector<std::string> push_errors_;  // "protocol|message" from on_push_error
};

TEST_F(LokiApiTest, QueryRangeLogQueryReturnsStreamsNewestFirst) {
  AddSample();
  auto res = Call("GET", "/loki/api/v1/query_range?query=" + Enc("{job=\"a\", host=\"h1\"}") +
                             Range() + "&limit=10");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("\"resultType\":\"streams\""), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(fmt::format("\"values\":[[\"{}\",\"level=error two\"],[\"{}\",\"level="
                                      "info one\"]]",
                                      now_ - 9 * kS, now_ - 10 * kS)),
            std::string::npos)
      << res.body;
  EXPECT_EQ(res.body.find("three"), std::string::npos);
}

TEST_F(LokiApiTest, QueryRangeCountOverTimeIsAMatrixAsTheBenchReadsIt) {
  AddSample();
  auto res = Call(
      "GET", "/loki/api/v1/query_range?query=" + Enc("sum(count_over_time({job=\"a\"}[24h]))") +
                 fmt::format("&start={}&end={}&step=1", now_ - kS, now_));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[["),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(",\"3\"]]}]"), std::string::npos) << res.body;
}

TEST_F(LokiApiTest, InstantMetricQueryIsAVectorAndLogQueryIs400) {
  AddSample();
  auto res = Call(
      "GET", "/loki/api/v1/query?query=" + Enc("sum by (host) (count_over_time({job=\"a\"}[1m]))") +
                 fmt::format("&time={}", now_));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("\"resultType\":\"vector\""), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("{\"metric\":{\"host\":\"h1\"},\"value\":["), std::string::npos)
      << res.body;
  res = Call("GET", "/loki/api/v1/query?query=" + Enc("{job=\"a\"}"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            "log queries are not supported as an instant query type, please change your query to "
            "a range query type");
}

TEST_F(LokiApiTest, PostFormQueryWorksLikeGet) {
  AddSample();
  auto res = Call("POST", "/loki/api/v1/query_range", "query=" + Enc("{job=\"b\"}") + Range(),
                  {{"content-type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("\"other\""), std::string::npos);
}

TEST_F(LokiApiTest, BadParametersAndParseErrorsAre400Text) {
  auto res = Call("GET", "/loki/api/v1/query_range?query=" + Enc("{job=\"a\"}") + "&start=x");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            "could not parse 'start' parameter: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(res.headers[0].second, "text/plain; charset=utf-8");
  res = Call("GET", "/loki/api/v1/query_range?query=" + Enc("{job=\"a\"") + Range());
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("parse error"), std::string::npos) << res.body;
  res = Call("GET", "/loki/api/v1/query_range?query=" + Enc("{job=\"a\"}") + "&direction=up");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, "invalid direction 'up'");
}

TEST_F(LokiApiTest, LabelsAndLabelValuesAreSortedAndFilteredByQuery) {
  AddSample();
  auto res = Call("GET", "/loki/api/v1/labels?" + Range().substr(1));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{\"status\":\"success\",\"data\":[\"host\",\"job\"]}");
  res = Call("GET", "/loki/api/v1/label/job/values?" + Range().substr(1));
  EXPECT_EQ(res.body, "{\"status\":\"success\",\"data\":[\"a\",\"b\"]}");
  res = Call("GET", "/loki/api/v1/label/host/values?query=" + Enc("{job=\"a\"}") + Range());
  EXPECT_EQ(res.body, "{\"status\":\"success\",\"data\":[\"h1\",\"h2\"]}");
  EXPECT_EQ(store_.last_matchers().size(), 1u);
  EXPECT_EQ(store_.last_range(), std::make_pair(now_ - 60 * kS, now_ + kS));
  res = Call("GET", "/loki/api/v1/label/host/nope");
  EXPECT_EQ(res.status, 404);
  res = Call("GET", "/loki/api/v1/label?" + Range().substr(1));  // Loki's alias
  EXPECT_EQ(res.body, "{\"status\":\"success\",\"data\":[\"host\",\"job\"]}");
}

TEST_F(LokiApiTest, SeriesIsAnArrayOfLabelObjectsUnionOfMatchGroups) {
  AddSample();
  auto res = Call("GET", "/loki/api/v1/series?match[]=" + Enc("{job=\"b\"}") +
                             "&match[]=" + Enc("{host=\"h2\"}") + Range());
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body,
            "{\"status\":\"success\",\"data\":[{\"host\":\"h2\",\"job\":\"a\"},{\"job\":\"b\"}]}");
  res = Call("GET", "/loki/api/v1/series?match[]=" + Enc("{job=") + Range());
  EXPECT_EQ(res.status, 400);
}

TEST_F(LokiApiTest, IndexStatsNeedsAQuery) {
  AddSample();
  auto res = Call("GET", "/loki/api/v1/index/stats?query=" + Enc("{job=\"a\"}") + Range());
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{\"streams\":2,\"chunks\":2,\"entries\":3,\"bytes\":45}");
  res = Call("GET", "/loki/api/v1/index/stats?" + Range().substr(1));
  EXPECT_EQ(res.status, 400);
}

TEST_F(LokiApiTest, FormatQueryBuildInfoAndReady) {
  auto res = Call("GET", "/loki/api/v1/format_query?query=" + Enc("{job=\"a\"}|=\"x\""));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body.substr(0, 28), "{\"status\":\"success\",\"data\":\"") << res.body;
  res = Call("GET", "/loki/api/v1/status/buildinfo");
  EXPECT_NE(res.body.find("\"version\":\"9.9.9\""), std::string::npos);
  res = Call("GET", "/ready");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "ready\n");
}

#ifdef VIGIL_LOKI_HAVE_PUSH

TEST_F(LokiApiTest, PushJsonIs204AndRecordsReachTheSinkWithPushLabels) {
  std::string body = fmt::format(
      "{{\"streams\":[{{\"stream\":{{\"job\":\"pushed\"}},\"values\":[[\"{}\",\"hello\"],"
      "[\"{}\",\"world\",{{\"trace_id\":\"t1\"}}]]}}]}}",
      now_ - 5 * kS, now_ - 4 * kS);
  auto res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}});
  ASSERT_EQ(res.status, 204) << res.body;
  auto got = store_.consumed();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].stream, Labels::FromStrings({"job", "pushed", "source", "push"}));
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[1].time_ns, now_ - 4 * kS);
  ASSERT_EQ(got[1].attributes.size(), 1u);
  EXPECT_EQ(got[1].attributes[0].value, "t1");
  // And they can be queried back.
  res = Call("GET", "/loki/api/v1/query_range?query=" + Enc("{source=\"push\"}") + Range());
  EXPECT_NE(res.body.find("\"world\""), std::string::npos) << res.body;
}

TEST_F(LokiApiTest, PushProtobufIs204) {
  model::LogRecord r;
  r.time_ns = now_ - 3 * kS;
  r.body = "from proto";
  r.stream = Labels::FromStrings({"job", "proto"});
  std::string body = logs::EncodeLokiPushProto({r});
  auto res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/x-protobuf"}});
  ASSERT_EQ(res.status, 204) << res.body;
  auto got = store_.consumed();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "from proto");
  EXPECT_EQ(got[0].stream.Get("job"), "proto");
  EXPECT_EQ(got[0].stream.Get("source"), "push");
}

TEST_F(LokiApiTest, PushErrorsBadBodyRejectionsAndSinkStatus) {
  auto res = Call("POST", "/loki/api/v1/push", "{not json", {{"content-type", "application/json"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_FALSE(res.body.empty());

  std::string body = fmt::format(
      "{{\"streams\":[{{\"stream\":{{\"job\":\"x\"}},\"values\":[[\"{}\",\"ok\"],[\"{}\","
      "\"REJECT me\"]]}}]}}",
      now_ - 5 * kS, now_ - 4 * kS);
  res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body,
            "1 of 2 entries rejected (the others were stored): entry 1: line_rejected: the test "
            "refuses this line");
  EXPECT_EQ(store_.consumed().size(), 1u);  // the accepted one stays

  store_.FailConsume(Status::ResourceExhausted("ingestion rate limit exceeded"));
  res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}});
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.body, "ingestion rate limit exceeded");
  store_.FailConsume(Status::IOError("disk full"));
  res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}});
  EXPECT_EQ(res.status, 500);

  sink_enabled_ = false;
  res = Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}});
  EXPECT_EQ(res.status, 503);

  // Each refusal reached on_push_error, the answer's text with it.
  ASSERT_EQ(push_errors_.size(), 5u);
  EXPECT_EQ(push_errors_[0].rfind("loki|push from 127.0.0.1:5000 answered 400: ", 0), 0u)
      << push_errors_[0];
  EXPECT_EQ(push_errors_[1],
            "loki|push from 127.0.0.1:5000 answered 400: 1 of 2 entries rejected (the others were "
            "stored): "
            "entry 1: line_rejected: the test refuses this line");
  EXPECT_EQ(push_errors_[2],
            "loki|push from 127.0.0.1:5000 answered 429: ingestion rate limit exceeded");
  EXPECT_EQ(push_errors_[3].rfind("loki|push from 127.0.0.1:5000 answered 500: ", 0), 0u)
      << push_errors_[3];
  EXPECT_EQ(
      push_errors_[4],
      "loki|push from 127.0.0.1:5000 answered 503: no log pipeline is configured for pushed logs");
}

TEST_F(LokiApiTest, OtlpJsonPushAnswers200WithAnEmptyResponse) {
  std::string body = fmt::format(
      "{{\"resourceLogs\":[{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":"
      "{{\"stringValue\":\"svc\"}}}}]}},\"scopeLogs\":[{{\"logRecords\":[{{\"timeUnixNano\":\"{}\","
      "\"body\":{{\"stringValue\":\"otlp line\"}}}}]}}]}}]}}",
      now_ - 2 * kS);
  auto res = Call("POST", "/v1/logs", body, {{"content-type", "application/json"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{}");
  auto got = store_.consumed();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "otlp line");
  EXPECT_EQ(got[0].stream.Get("service_name"), "svc");
  EXPECT_EQ(Call("POST", "/otlp/v1/logs", body, {{"content-type", "application/json"}}).status,
            200);
}

#endif  // VIGIL_LOKI_HAVE_PUSH

// The tail endpoint over a real server and a Beast WebSocket client.
class LokiTailTest : public LokiApiTest {
 protected:
  void SetUp() override {
    LokiApiTest::SetUp();
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    auto s = http::Server::Start(o, &router_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s.value());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::milliseconds(1000));
  }

  std::unique_ptr<http::Server> server_;
  boost::asio::io_context ioc_;
};

TEST_F(LokiTailTest, TailSendsHistoryThenAPushedLine) {
  namespace bws = boost::beast::websocket;
  store_.Add(Labels::FromStrings({"job", "t"}), now_ - 5 * kS, "history line");
  bws::stream<boost::asio::ip::tcp::socket> ws(ioc_);
  ws.next_layer().connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
  boost::beast::error_code ec;
  ws.handshake("127.0.0.1", "/loki/api/v1/tail?query=" + Enc("{job=\"t\"}") + "&limit=10", ec);
  ASSERT_FALSE(ec) << ec.message();

  auto read = [&] {
    boost::beast::flat_buffer buf;
    ws.read(buf, ec);
    return boost::beast::buffers_to_string(buf.data());
  };
  std::string frame = read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(frame, fmt::format("{{\"streams\":[{{\"stream\":{{\"job\":\"t\"}},\"values\":[["
                               "\"{}\",\"history line\"]]}}],\"dropped_entries\":[]}}",
                               now_ - 5 * kS));

  int64_t t = NowNanos();
#ifdef VIGIL_LOKI_HAVE_PUSH
  std::string body = fmt::format(
      "{{\"streams\":[{{\"stream\":{{\"job\":\"t\"}},\"values\":[[\"{}\",\"live line\"]]}}]}}", t);
  ASSERT_EQ(Call("POST", "/loki/api/v1/push", body, {{"content-type", "application/json"}}).status,
            204);
  // The push labels are added to pushed streams.
  std::string want_stream = "{\"job\":\"t\",\"source\":\"push\"}";
#else
  store_.Add(Labels::FromStrings({"job", "t"}), t, "live line");
  std::string want_stream = "{\"job\":\"t\"}";
#endif
  frame = read();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(frame, fmt::format("{{\"streams\":[{{\"stream\":{},\"values\":[[\"{}\",\"live "
                               "line\"]]}}],\"dropped_entries\":[]}}",
                               want_stream, t));
  ws.close(bws::close_code::normal, ec);
}

TEST_F(LokiTailTest, TailWithBadParametersIs400BeforeTheUpgrade) {
  namespace bhttp = boost::beast::http;
  auto upgrade = [&](const std::string& target) {
    boost::asio::ip::tcp::socket sock(ioc_);
    sock.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                server_->port()));
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::upgrade, "websocket");
    req.set(bhttp::field::connection, "upgrade");
    req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(bhttp::field::sec_websocket_version, "13");
    bhttp::write(sock, req);
    boost::beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    return res;
  };
  auto res = upgrade("/loki/api/v1/tail?query=" + Enc("{job="));
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_NE(res.body().find("parse error"), std::string::npos) << res.body();
  res = upgrade("/loki/api/v1/tail?query=" + Enc("{job=\"a\"}") + "&delay_for=9");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(res.body(), "delay_for can't be negative or greater than 5");
  res = upgrade("/loki/api/v1/tail?query=" + Enc("count_over_time({job=\"a\"}[1m])"));
  EXPECT_EQ(res.result_int(), 400u);
  res = upgrade("/loki/api/v1/tail?query=" + Enc("{job=\"a\"}"));
  EXPECT_EQ(res.result_int(), 101u);
}

}  // namespace
}  // namespace vigil::api::loki
