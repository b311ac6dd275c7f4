// promtool against Vigil and against a real Prometheus (Debian's 2.42) fed
// the same data by remote_write: `promtool query instant|range|series|labels`
// must print the same thing for both, and the query API's JSON must be the
// same bytes (result elements put in one order, as aggregations come in hash
// order from both).
//
// Vigil follows Prometheus 3.5, which differs from 2.42 in places, so the data
// and queries avoid the differences: samples sit 500 ms off whole seconds and
// queries are evaluated at whole seconds that are not whole minutes, so no
// sample or subquery step falls on a range boundary (3.x ranges are
// left-open, 2.42's closed); values are multiples of 1/4 so sums are exact in
// any order; and float arithmetic that changed is left out (3.x sums with
// Kahan compensation in sum, avg, avg_over_time, stddev, deriv,
// predict_linear: sums of rates are compared through max instead).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

namespace vigil::itest {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms; 1700000000 is not a whole minute
constexpr int kSamples = 121;               // 30 minutes at 15 s
constexpr int64_t kInterval = 15'000;

std::vector<TestSeries> TestData() {
  std::vector<TestSeries> out;
  auto add = [&](std::vector<std::pair<std::string, std::string>> labels, int last, auto&& value) {
    std::sort(labels.begin(), labels.end());
    TestSeries s;
    s.labels = std::move(labels);
    for (int k = 0; k <= last; ++k) s.samples.push_back({kT0 + 500 + k * kInterval, value(k)});
    out.push_back(std::move(s));
  };
  const char* jobs[] = {"api", "web"};
  const char* instances[] = {"a:1", "b:1", "c:1"};
  const char* codes[] = {"200", "500"};
  int n = 0;
  for (const char* job : jobs) {
    for (const char* inst : instances) {
      for (const char* code : codes) {
        int rate = 1 + 3 * n++;
        // c:1 of the web job stops half way; one series has a counter reset.
        int last = std::string(inst) == "c:1" && std::string(job) == "web" ? 60 : kSamples - 1;
        bool reset = n == 4;
        add({{"__name__", "http_requests_total"}, {"job", job}, {"instance", inst}, {"code", code}},
            last, [rate, reset](int k) {
              int kk = reset && k >= 70 ? k - 70 : k;
              return static_cast<double>(kk * rate);
            });
      }
    }
  }
  const char* rooms[] = {"hall", "kitchen", "cellar"};
  for (int i = 0; i < 3; ++i) {
    add({{"__name__", "temperature"}, {"room", rooms[i]}}, kSamples - 1,
        [i](int k) { return (i - 1) * 7.5 + ((k * (i + 3)) % 17) * 0.25; });
  }
  // Label values that JSON encoders escape differently.
  add({{"__name__", "odd_labels"}, {"v", "<a&b> \"q\" \\ \t\x01\x7f \u2028 \u00fc"}}, kSamples - 1,
      [](int k) { return k * 0.25; });
  const char* les[] = {"0.1", "0.5", "1", "+Inf"};
  for (int b = 0; b < 4; ++b) {
    add({{"__name__", "request_seconds_bucket"}, {"job", "api"}, {"le", les[b]}}, kSamples - 1,
        [b](int k) { return static_cast<double>(k * (b + 1) * 2); });
  }
  return out;
}

std::string Seconds(int64_t ms) {
  std::ostringstream s;
  s << ms / 1000;
  if (ms % 1000 != 0) s << "." << ms % 1000;
  return s.str();
}

std::string SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The body with the elements of data.result sorted, for vector and matrix
// results: instant results come in hash order from both servers
// (aggregations), so only the set of elements, each byte for byte, matters.
std::string SortResultElements(const std::string& body) {
  if (body.find(R"("resultType":"vector")") == std::string::npos &&
      body.find(R"("resultType":"matrix")") == std::string::npos) {
    return body;
  }
  constexpr std::string_view kResult = R"("result":[)";
  size_t at = body.find(kResult);
  if (at == std::string::npos) return body;
  size_t begin = at + kResult.size();
  std::vector<std::string> elems;
  int depth = 0;
  bool in_string = false;
  size_t start = begin, i = begin;
  for (; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) break;
      --depth;
    } else if (c == ',' && depth == 0) {
      elems.push_back(body.substr(start, i - start));
      start = i + 1;
    }
  }
  i = std::min(i, body.size());  // a backslash at the very end of malformed input
  if (i > start) elems.push_back(body.substr(start, i - start));
  std::sort(elems.begin(), elems.end());
  std::string out = body.substr(0, begin);
  for (size_t k = 0; k < elems.size(); ++k) out += (k == 0 ? "" : ",") + elems[k];
  return out + body.substr(i);
}

class PromtoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prometheus_ = FindExecutable({"/usr/bin/prometheus", "/usr/local/bin/prometheus"});
    promtool_ = FindExecutable({"/usr/bin/promtool", "/usr/local/bin/promtool"});
    if (prometheus_.empty() || promtool_.empty()) return;
    dir_ = new TempDir();
    try {
      vigil_ = Vigil::Start(dir_->path() + "/vigil").release();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      return;
    }
    std::string cfg = dir_->path() + "/prometheus.yml";
    std::ofstream(cfg) << "global:\n  scrape_interval: 1h\n";
    int port = FreePort();
    prom_url_ = "http://127.0.0.1:" + std::to_string(port);
    prom_ = Process::Spawn({prometheus_, "--config.file=" + cfg,
                            "--storage.tsdb.path=" + dir_->path() + "/prom",
                            "--web.listen-address=127.0.0.1:" + std::to_string(port),
                            "--web.enable-remote-write-receiver"},
                           dir_->path() + "/prometheus.log")
                .release();
    if (!WaitForHttp200(prom_url_ + "/-/ready", 60000)) {
      setup_error_ = "prometheus did not start:\n" + prom_->Log();
      return;
    }
    auto data = TestData();
    HttpResult r = RemoteWrite(*vigil_, data);
    if (r.status != 204) setup_error_ = "remote_write to vigil: " + r.body;
    r = RemoteWriteTo(prom_url_ + "/api/v1/write", data);
    if (r.status != 204) setup_error_ += "remote_write to prometheus: " + r.body;
  }

  static void TearDownTestSuite() {
    if (prom_ != nullptr) prom_->Terminate();
    if (vigil_ != nullptr) vigil_->process().Terminate();
    delete prom_;
    delete vigil_;
    delete dir_;
    prom_ = nullptr;
    vigil_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (prometheus_.empty() || promtool_.empty()) {
      GTEST_SKIP() << "prometheus/promtool are not installed (scripts/setup.sh installs them)";
    }
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  struct Output {
    int code;
    std::string text;
  };
  // promtool query <args...> with the server URL inserted after the subcommand.
  static Output Promtool(const std::string& url, std::vector<std::string> args) {
    std::vector<std::string> argv = {promtool_, "query"};
    argv.push_back(args[0]);
    argv.push_back(url);
    argv.insert(argv.end(), args.begin() + 1, args.end());
    Output o;
    o.code = RunCommand(argv, &o.text);
    return o;
  }

  // Runs promtool against both servers and expects the same output (and
  // that Prometheus succeeded, or failed when success is false).
  void ExpectSame(const std::vector<std::string>& args, bool sort_lines, bool expect_output = true,
                  bool success = true) {
    std::string what;
    for (const auto& a : args) what += a + " ";
    SCOPED_TRACE(what);
    Output prom = Promtool(prom_url_, args);
    Output vig = Promtool(vigil_->Url(""), args);
    EXPECT_EQ(prom.code == 0, success) << prom.text;
    EXPECT_EQ(vig.code, prom.code) << vig.text;
    if (sort_lines) {
      prom.text = SortedLines(prom.text);
      vig.text = SortedLines(vig.text);
    }
    EXPECT_EQ(vig.text, prom.text);
    if (expect_output) {
      EXPECT_FALSE(prom.text.empty());
    }
  }

  // The same API request to both servers: the same status and, with result
  // elements in a canonical order, the same bytes.
  void ExpectSameJson(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& params,
                      bool post = false) {
    std::string form = FormEncode(params);
    SCOPED_TRACE((post ? "POST " : "GET ") + path + "?" + form);
    auto call = [&](const std::string& base) {
      if (post) {
        return HttpPost(base + path, form, {"Content-Type: application/x-www-form-urlencoded"});
      }
      return HttpGet(base + path + "?" + form);
    };
    HttpResult prom = call(prom_url_);
    HttpResult vig = call(vigil_->Url(""));
    EXPECT_EQ(vig.status, prom.status) << "prometheus: " << prom.body << "\nvigil: " << vig.body;
    EXPECT_EQ(SortResultElements(vig.body), SortResultElements(prom.body));
  }

  static inline std::string prometheus_, promtool_, prom_url_, setup_error_;
  static inline TempDir* dir_ = nullptr;
  static inline Vigil* vigil_ = nullptr;
  static inline Process* prom_ = nullptr;
};

// Instant queries at T0 + 20m07s: inside the data, 500 ms off every sample.
const std::string kAt = Seconds(kT0 + 20 * 60'000 + 7'000);

const char* const kInstantQueries[] = {
    "http_requests_total",
    "http_requests_total{job=\"web\",code=~\"5..\"}",
    "sum(http_requests_total)",
    "max by (job) (rate(http_requests_total[5m]))",
    "count by (code) (http_requests_total)",
    "max without (instance) (http_requests_total)",
    "rate(http_requests_total[1m]) * 60",
    "increase(http_requests_total{code=\"500\"}[2m])",
    "irate(http_requests_total[1m])",
    "resets(http_requests_total[30m])",
    "changes(temperature[10m])",
    "delta(temperature[5m])",
    "topk(2, temperature)",
    "bottomk(1, temperature)",
    "quantile(0.5, temperature)",
    "temperature > 0",
    "temperature > bool 0",
    "(-temperature)",
    "abs(temperature)",
    "clamp_min(temperature, 0)",
    "round(temperature, 0.5)",
    "temperature offset 5m",
    "temperature[1m]",
    "max_over_time(temperature[10m])",
    "min_over_time(temperature[10m])",
    "sum_over_time(temperature[2m])",
    "count_over_time(http_requests_total[5m])",
    "last_over_time(temperature[1m])",
    "timestamp(temperature)",
    "max_over_time(rate(http_requests_total{job=\"api\"}[2m])[10m:1m])",
    "histogram_quantile(0.9, rate(request_seconds_bucket[5m]))",
    "histogram_quantile(0.5, sum by (le) (rate(request_seconds_bucket[5m])))",
    "label_replace(temperature, \"r2\", \"x-$1\", \"room\", \"(.*)\")",
    "sum by (job) (http_requests_total) / on (job) group_left count by (job) "
    "(http_requests_total)",
    "http_requests_total{code=\"200\"} and on (instance) http_requests_total{code=\"500\"} > "
    "100",
    "temperature unless temperature{room=\"hall\"}",
    "count_values(\"v\", temperature)",
    "absent(nonexistent_metric)",
    "vector(1)",
    "scalar(sum(temperature))",
    "1 + 2 * 3",
    "time()",
};

const char* const kRangeQueries[] = {
    "http_requests_total{job=\"web\"}",
    "max by (job) (rate(http_requests_total[5m]))",
    "temperature",
    "max_over_time(temperature[3m])",
    "histogram_quantile(0.9, rate(request_seconds_bucket[5m]))",
    "count(http_requests_total)",
    "scalar(count(temperature))",
    "time()",
};

TEST_F(PromtoolTest, InstantQueriesPrintTheSame) {
  for (const char* q : kInstantQueries) ExpectSame({"instant", "--time=" + kAt, q}, true);
  // promtool 2.42 cannot decode string results; its error quotes the JSON
  // it got, so the two answers must match byte for byte there.
  ExpectSame({"instant", "--time=" + kAt, "\"a string\""}, true, true, /*success=*/false);
  // No series: both print nothing.
  ExpectSame({"instant", "--time=" + kAt, "nonexistent_metric"}, true, false);
}

TEST_F(PromtoolTest, RangeQueriesPrintTheSame) {
  const std::string start = Seconds(kT0 + 5 * 60'000 + 7'000);
  const std::string end = Seconds(kT0 + 25 * 60'000 + 7'000);
  for (const char* q : kRangeQueries) {
    ExpectSame({"range", "--start=" + start, "--end=" + end, "--step=1m", q}, false);
  }
  ExpectSame({"range", "--start=" + start, "--end=" + end, "--step=90s", "-o", "json",
              "sum(http_requests_total)"},
             false);
}

TEST_F(PromtoolTest, SeriesAndLabelsPrintTheSame) {
  const std::string start = Seconds(kT0);
  const std::string end = Seconds(kT0 + 40 * 60'000);
  ExpectSame({"series", "--match=http_requests_total", "--start=" + start, "--end=" + end}, false);
  ExpectSame({"series", "--match={job=\"api\"}", "--match=temperature", "--start=" + start,
              "--end=" + end},
             false);
  ExpectSame({"labels", "--start=" + start, "--end=" + end, "job"}, false);
  ExpectSame({"labels", "--start=" + start, "--end=" + end, "--match=temperature", "room"}, false);
  ExpectSame({"labels", "--start=" + start, "--end=" + end, "__name__"}, false);
}

TEST_F(PromtoolTest, InstantQueryJsonIsByteIdentical) {
  // At whole seconds and at milliseconds (timestamps print as "t.123").
  const std::string at_ms = Seconds(kT0 + 20 * 60'000 + 7'123);
  for (const char* q : kInstantQueries) {
    ExpectSameJson("/api/v1/query", {{"query", q}, {"time", kAt}});
    ExpectSameJson("/api/v1/query", {{"query", q}, {"time", at_ms}}, /*post=*/true);
  }
  for (const char* q : {"\"a <string> & more\"", R"("tab\there \u2028 \x01 \u00fc \\ \"")",
                        "nonexistent_metric", "1e-7", "1/0", "-1/0", "0/0", "2^70", "1e21",
                        "123456.789e3", "temperature / 3", "rate(http_requests_total[5m]) / 7",
                        // Sample values switch to exponents below 1e-6 and from 1e21 on.
                        "vector(1e-7)", "vector(0.000001)", "vector(-2.5e-7)", "vector(1e21)",
                        "vector(999999999999999999999)", "vector(2^70)", "temperature * 1e-9",
                        "vector(1/0)", "vector(-1/0)", "vector(0/0)", "vector(-0)"}) {
    ExpectSameJson("/api/v1/query", {{"query", q}, {"time", at_ms}});
  }
  ExpectSameJson("/api/v1/query", {{"query", "temperature"}, {"time", "2023-11-14T22:33:27.5Z"}});
  // Label values: 2.42 marshalled labels with encoding/json (HTML escapes,
  // \u2028); 3.x writes them with jsoniter's plain WriteString, which
  // escapes only quotes, backslashes and control characters.
  HttpResult r =
      HttpGet(vigil_->Url("/api/v1/query?" + FormEncode({{"query", "odd_labels"}, {"time", kAt}})));
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            "{\"metric\":{\"__name__\":\"odd_labels\",\"v\":\"<a&b> \\\"q\\\" \\\\ "
            "\\t\\u0001\x7f \u2028 \u00fc\"},\"value\":[1700001207,\"20\"]}]}}");
}

TEST_F(PromtoolTest, RangeQueryJsonIsByteIdentical) {
  const std::string start = Seconds(kT0 + 5 * 60'000 + 7'000);
  const std::string end = Seconds(kT0 + 25 * 60'000 + 7'000);
  for (const char* q : kRangeQueries) {
    ExpectSameJson("/api/v1/query_range",
                   {{"query", q}, {"start", start}, {"end", end}, {"step", "60"}});
    ExpectSameJson("/api/v1/query_range",
                   {{"query", q}, {"start", start}, {"end", end}, {"step", "1m30s"}},
                   /*post=*/true);
  }
  // Sub-second steps and starts print milliseconds.
  ExpectSameJson("/api/v1/query_range", {{"query", "sum(temperature)"},
                                         {"start", Seconds(kT0 + 60'250)},
                                         {"end", Seconds(kT0 + 62'000)},
                                         {"step", "0.25"}});
}

TEST_F(PromtoolTest, ParameterErrorsAreWordedAsPrometheus) {
  const std::string q = "temperature";
  ExpectSameJson("/api/v1/query", {{"query", q}, {"time", "yesterday"}});
  ExpectSameJson("/api/v1/query", {{"query", q}, {"timeout", "soon"}});
  ExpectSameJson("/api/v1/query", {{"query", "sum(temperature"}});
  ExpectSameJson("/api/v1/query_range", {{"query", q}, {"end", "2"}, {"step", "1"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "1"}, {"end", "x"}, {"step", "1"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "3"}, {"end", "2"}, {"step", "1"}});
  ExpectSameJson("/api/v1/query_range", {{"query", q}, {"start", "1"}, {"end", "2"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "1"}, {"end", "2"}, {"step", "x"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "1"}, {"end", "2"}, {"step", "0"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "1"}, {"end", "2"}, {"step", "-1s"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "0"}, {"end", "11001"}, {"step", "1"}});
  ExpectSameJson("/api/v1/query_range",
                 {{"query", q}, {"start", "0"}, {"end", "1"}, {"step", "1e10"}});
  ExpectSameJson("/api/v1/query_exemplars", {{"query", q}});
  ExpectSameJson("/api/v1/query_exemplars", {{"query", q}, {"start", "3"}, {"end", "2"}});
}

}  // namespace
}  // namespace vigil::itest
