#include "collect/discovery/discovery.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "collect/discovery/file_sd.h"
#include "collect/httpclient/testing_http_server.h"

namespace vigil::discovery {
namespace {

using config::TargetGroup;
using httpclient::testing::Reply;
using httpclient::testing::TestConn;
using httpclient::testing::TestRequest;
using httpclient::testing::TestServer;
using model::Labels;

Labels Addr(std::string_view a) { return Labels::FromStrings({"__address__", a}); }

// ---------------------------------------------------------------------------
// Parsing.

TEST(ParseFileSDTest, JSONGroupsGetSourceAndFilepath) {
  auto r = ParseFileSD(R"([
    {"targets": ["a:1", "b:2"], "labels": {"env": "prod", "team": "x"}},
    {"targets": []}
  ])",
                       "/etc/sd/t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const TargetGroup& g = (*r)[0];
  EXPECT_EQ(g.targets, (std::vector<Labels>{Addr("a:1"), Addr("b:2")}));
  EXPECT_EQ(g.labels,
            Labels::FromStrings({"__meta_filepath", "/etc/sd/t.json", "env", "prod", "team", "x"}));
  EXPECT_EQ(g.source, "/etc/sd/t.json:0");
  EXPECT_EQ((*r)[1].source, "/etc/sd/t.json:1");
  EXPECT_TRUE((*r)[1].targets.empty());
  EXPECT_EQ((*r)[1].labels, Labels::FromStrings({"__meta_filepath", "/etc/sd/t.json"}));
}

TEST(ParseFileSDTest, YAMLGroupsLikeJSON) {
  auto r = ParseFileSD(R"(
- targets: ['a:1', b:2]
  labels:
    env: prod
- targets:
  - 10.0.0.1:9100
)",
                       "sd.YML");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].targets, (std::vector<Labels>{Addr("a:1"), Addr("b:2")}));
  EXPECT_EQ((*r)[0].labels, Labels::FromStrings({"__meta_filepath", "sd.YML", "env", "prod"}));
  EXPECT_EQ((*r)[1].targets, (std::vector<Labels>{Addr("10.0.0.1:9100")}));
  EXPECT_EQ((*r)[1].source, "sd.YML:1");
}

TEST(ParseFileSDTest, EmptyAndNullDocumentsHaveNoGroups) {
  EXPECT_TRUE(ParseFileSD("", "a.yml")->empty());
  EXPECT_TRUE(ParseFileSD("null", "a.json")->empty());
  EXPECT_TRUE(ParseFileSD("[]", "a.json")->empty());
}

TEST(ParseFileSDTest, JSONKeysMatchCaseInsensitivelyAsGo) {
  auto r = ParseFileSD(R"([{"Targets": ["a:1"], "LABELS": {"x": "y"}}])", "a.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].targets, (std::vector<Labels>{Addr("a:1")}));
  EXPECT_EQ((*r)[0].labels.Get("x"), "y");
}

TEST(ParseFileSDTest, UTF8LabelNamesAreValidAsInPrometheus3) {
  auto r = ParseFileSD(R"([{"targets": ["a"], "labels": {"foo bar": "1", "ü": "2"}}])", "a.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].labels.Get("foo bar"), "1");
}

struct BadCase {
  std::string name, content, want;
};

TEST(ParseFileSDTest, ErrorsReadLikePrometheus) {
  std::vector<BadCase> cases = {
      {"a.json", R"([{"targets": ["a"], "labels": {"": "x"}}])", "\"\" is not a valid label name"},
      {"a.json", R"([{"targets": ["a"], "foo": 1}])", "json: unknown field \"foo\""},
      {"a.json", R"([null])", "nil target group item found"},
      {"a.json", R"({"targets": ["a"]})",
       "json: cannot unmarshal object into Go value of type []*targetgroup.Group"},
      {"a.json", R"([{"targets": "a"}])",
       "json: cannot unmarshal string into Go struct field .targets of type []string"},
      {"a.json", R"([{"targets": [1]}])",
       "json: cannot unmarshal number into Go struct field .targets of type string"},
      {"a.json", R"([{"targets": ["a"], "labels": {"x": 1}}])",
       "json: cannot unmarshal number into Go struct field .labels of type model.LabelValue"},
      {"a.json", R"([{"targets": ["a"], "labels": [1]}])",
       "json: cannot unmarshal array into Go struct field .labels of type "
       "map[model.LabelName]model.LabelValue"},
      {"a.json", R"(["x"])",
       R"(json: cannot unmarshal string into Go value of type struct { Targets []string )"
       R"("json:\"targets\""; Labels model.LabelSet "json:\"labels\"" })"},
      {"a.json", R"([{"targets": ["a"])", "invalid JSON"},
      {"a.json", R"([{"targets": ["a"]}] x)", "invalid JSON"},
      {"a.yml", "- targets: [a]\n  labels:\n    \"\": x\n", "\"\" is not a valid label name"},
      {"a.yml", "- targets: [a]\n  extra: 1\n",
       "yaml: unmarshal errors:\n  line 2: field extra not found in type struct { Targets []string "
       R"("yaml:\"targets\""; Labels model.LabelSet "yaml:\"labels\"" })"},
      {"a.yml", "- labels: [a]\n", "line 1: cannot unmarshal !!seq into model.LabelSet"},
      {"a.yml", "- targets: [{a: 1}]\n", "line 1: cannot unmarshal !!map into string"},
      {"a.yml", "targets: [a]\n", "cannot unmarshal !!map into []*targetgroup.Group"},
      {"a.yml", "- targets: a\n", "cannot unmarshal !!str `a` into []string"},
      {"a.yml", "- ~\n", "nil target group item found"},
      {"a.yml", "- targets: [a\n", "yaml: line"},
      {"a.txt", "[]", "unhandled file extension \".txt\""},
  };
  for (const auto& c : cases) {
    auto r = ParseFileSD(c.content, c.name);
    ASSERT_FALSE(r.ok()) << c.content;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << c.content << "\n got: " << r.status().message() << "\nwant: " << c.want;
  }
}

TEST(ParseHTTPSDTest, GroupsGetURLAndSource) {
  auto plain = ParseHTTPSD(R"([{"targets": ["a:1"], "labels": {"k": "v"}}])");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].labels, Labels::FromStrings({"k", "v"}));
  EXPECT_EQ((*plain)[0].source, "");
  auto r = ParseHTTPSD(R"([{"targets": ["a:1"]}, {"targets": ["b:1"]}])", "http://sd/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[1].source, "http://sd/x:1");
  EXPECT_EQ((*r)[1].labels, Labels::FromStrings({"__meta_url", "http://sd/x"}));
}

TEST(GlobTest, StarMatchesDotFilesLikeGoAndOnlyTheLastElement) {
  fs::TempDir dir("vigil-sd");
  for (auto n : {"a.json", ".b.json", "c.yml"})
    ASSERT_TRUE(fs::WriteFileAtomic(dir.Join(n), "[]").ok());
  EXPECT_EQ(GlobLastElement(dir.Join("*.json")),
            (std::vector<std::string>{dir.Join(".b.json"), dir.Join("a.json")}));
  EXPECT_EQ(GlobLastElement(dir.Join("c.yml")), (std::vector<std::string>{dir.Join("c.yml")}));
  EXPECT_TRUE(GlobLastElement(dir.Join("missing.yml")).empty());
  EXPECT_TRUE(GlobLastElement("/nonexistent-dir-vigil/*.json").empty());
}

// ---------------------------------------------------------------------------
// Manager.

// Collects the updates a Manager sends.
class Recorder {
 public:
  std::function<void(const TargetSets&)> Callback() {
    return [this](const TargetSets& s) {
      std::lock_guard<std::mutex> l(mu_);
      updates_.push_back(s);
      cv_.notify_all();
    };
  }
  // Waits (at most 5 s) for an update satisfying pred; returns it.
  std::optional<TargetSets> WaitFor(const std::function<bool(const TargetSets&)>& pred) {
    std::unique_lock<std::mutex> l(mu_);
    std::optional<TargetSets> found;
    cv_.wait_for(l, std::chrono::seconds(5), [&] {
      for (const auto& u : updates_) {
        if (pred(u)) {
          found = u;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  size_t count() {
    std::lock_guard<std::mutex> l(mu_);
    return updates_.size();
  }
  TargetSets last() {
    std::lock_guard<std::mutex> l(mu_);
    return updates_.empty() ? TargetSets{} : updates_.back();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<TargetSets> updates_;
};

ManagerOptions FastOptions() {
  ManagerOptions o;
  o.update_interval_ms = 20;
  o.file_check_interval_ms = 20;
  return o;
}

std::vector<Labels> AllTargets(const TargetSets& s, const std::string& job) {
  std::vector<Labels> out;
  auto it = s.find(job);
  if (it == s.end()) return out;
  for (const auto& g : it->second) out.insert(out.end(), g.targets.begin(), g.targets.end());
  return out;
}

TEST(ManagerTest, StaticGroupsArriveAtOnceWithIndexSources) {
  Recorder rec;
  metrics::Registry reg;
  ManagerOptions opts;
  opts.update_interval_ms = 60000;  // the first update must not wait for this
  auto m = Manager::New(rec.Callback(), &reg, opts);
  JobSD sd;
  sd.static_configs = {TargetGroup{{Addr("a:1")}, Labels::FromStrings({"x", "1"}), ""},
                       TargetGroup{{Addr("b:1"), Addr("c:1")}, {}, ""}};
  ASSERT_TRUE(m->ApplyConfig({{"node", sd}}).ok());
  auto u = rec.WaitFor([](const TargetSets& s) { return s.count("node") > 0; });
  ASSERT_TRUE(u.has_value());
  const auto& groups = u->at("node");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[1].source, "1");
  EXPECT_EQ(groups[1].targets.size(), 2u);
  EXPECT_EQ(reg.Get("vigil_sd_discovered_targets", {{"job", "node"}}), 3);
  m->Stop();
}

TEST(ManagerTest, FileChangeAndRemovalArePickedUp) {
  fs::TempDir dir("vigil-sd");
  std::string f1 = dir.Join("one.json");
  ASSERT_TRUE(fs::WriteFileAtomic(f1, R"([{"targets": ["a:1"]}])").ok());
  Recorder rec;
  metrics::Registry reg;
  auto m = Manager::New(rec.Callback(), &reg, FastOptions());
  JobSD sd;
  sd.file_sd_configs = {config::FileSDConfig{{dir.Join("*.json")}, 3600 * 1000}};
  ASSERT_TRUE(m->ApplyConfig({{"files", sd}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) {
    return AllTargets(s, "files") == std::vector<Labels>{Addr("a:1")};
  }));
  EXPECT_EQ(rec.last().at("files")[0].labels.Get("__meta_filepath"), f1);

  // A changed file and a new matching file.
  ASSERT_TRUE(fs::WriteFileAtomic(f1, R"([{"targets": ["a:1", "a:2"]}])").ok());
  std::string f2 = dir.Join("two.json");
  ASSERT_TRUE(fs::WriteFileAtomic(f2, R"([{"targets": ["b:1"]}])").ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) {
    return AllTargets(s, "files") == std::vector<Labels>{Addr("a:1"), Addr("a:2"), Addr("b:1")};
  })) << "last: "
      << AllTargets(rec.last(), "files").size();

  // A broken file keeps its last good groups and counts an error.
  ASSERT_TRUE(fs::WriteFileAtomic(f2, R"([{"targets": ["b:1"], "bad": true}])").ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reg.Get("vigil_sd_file_read_errors_total") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reg.Get("vigil_sd_file_read_errors_total"), 1);
  EXPECT_EQ(AllTargets(rec.last(), "files"),
            (std::vector<Labels>{Addr("a:1"), Addr("a:2"), Addr("b:1")}));

  // A removed file takes its groups away.
  ASSERT_TRUE(fs::RemoveFile(f1).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) {
    return AllTargets(s, "files") == std::vector<Labels>{Addr("b:1")};
  }));
  m->Stop();
}

// An http_sd endpoint whose answer the test sets.
struct SDEndpoint {
  std::mutex mu;
  int code = 200;
  std::string content_type = "application/json";
  std::string body = "[]";
  std::vector<TestRequest> seen;
  void Set(int c, std::string ct, std::string b) {
    std::lock_guard<std::mutex> l(mu);
    code = c;
    content_type = std::move(ct);
    body = std::move(b);
  }
  int Requests() {
    std::lock_guard<std::mutex> l(mu);
    return static_cast<int>(seen.size());
  }
  TestServer::Handler Handler() {
    return [this](const TestRequest& q, TestConn& c) {
      std::lock_guard<std::mutex> l(mu);
      seen.push_back(q);
      c.Write(Reply(code, body, {{"Content-Type", content_type}}));
    };
  }
};

void WaitForCounter(metrics::Registry& reg, const std::string& name, double at_least) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (reg.Get(name) < at_least && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST(ManagerTest, HTTPSDRefreshesAndKeepsLastGoodGroupsOnFailure) {
  SDEndpoint ep;
  ep.Set(200, "application/json; charset=utf-8", R"([{"targets": ["h:1"], "labels": {"a": "b"}}])");
  TestServer srv(ep.Handler());
  Recorder rec;
  metrics::Registry reg;
  auto m = Manager::New(rec.Callback(), &reg, FastOptions());
  JobSD sd;
  config::HTTPSDConfig h;
  h.url = srv.URL("/sd");
  h.refresh_interval_ms = 30;
  sd.http_sd_configs = {h};
  ASSERT_TRUE(m->ApplyConfig({{"web", sd}}).ok());
  auto u = rec.WaitFor([](const TargetSets& s) { return !AllTargets(s, "web").empty(); });
  ASSERT_TRUE(u.has_value());
  const TargetGroup& g = u->at("web")[0];
  EXPECT_EQ(g.source, h.url + ":0");
  EXPECT_EQ(g.labels, Labels::FromStrings({"__meta_url", h.url, "a", "b"}));
  {
    std::lock_guard<std::mutex> l(ep.mu);
    EXPECT_EQ(ep.seen[0].Header("accept"), "application/json");
    EXPECT_EQ(ep.seen[0].Header("x-prometheus-refresh-interval-seconds"), "0.03");
  }

  ep.Set(500, "application/json", "oops");
  WaitForCounter(reg, "vigil_sd_http_failures_total", 1);
  EXPECT_GE(reg.Get("vigil_sd_http_failures_total"), 1);
  ep.Set(200, "text/plain", "[]");
  WaitForCounter(reg, "vigil_sd_http_failures_total", reg.Get("vigil_sd_http_failures_total") + 1);
  EXPECT_EQ(AllTargets(rec.last(), "web"), std::vector<Labels>{Addr("h:1")});

  ep.Set(200, "application/json", R"([{"targets": ["h:2"]}])");
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) {
    return AllTargets(s, "web") == std::vector<Labels>{Addr("h:2")};
  }));
  m->Stop();
}

TEST(ManagerTest, ApplyConfigKeepsUnchangedJobsAndDropsRemovedOnes) {
  SDEndpoint ep;
  ep.Set(200, "application/json", R"([{"targets": ["h:1"]}])");
  TestServer srv(ep.Handler());
  Recorder rec;
  auto m = Manager::New(rec.Callback(), nullptr, FastOptions());
  JobSD web;
  config::HTTPSDConfig h;
  h.url = srv.URL("/sd");
  h.refresh_interval_ms = 3600 * 1000;  // one refresh only, unless the provider is rebuilt
  web.http_sd_configs = {h};
  JobSD stat;
  stat.static_configs = {TargetGroup{{Addr("s:1")}, {}, ""}};
  ASSERT_TRUE(m->ApplyConfig({{"web", web}, {"static", stat}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) {
    return !AllTargets(s, "web").empty() && !AllTargets(s, "static").empty();
  }));
  EXPECT_EQ(ep.Requests(), 1);

  // Same "web", "static" removed, "other" added.
  JobSD other;
  other.static_configs = {TargetGroup{{Addr("o:1")}, {}, ""}};
  size_t before = rec.count();
  ASSERT_TRUE(m->ApplyConfig({{"web", web}, {"other", other}}).ok());
  auto u = rec.WaitFor([](const TargetSets& s) { return s.count("other") > 0; });
  ASSERT_TRUE(u.has_value());
  EXPECT_GT(rec.count(), before);
  EXPECT_EQ(u->count("static"), 0u);
  EXPECT_EQ(AllTargets(*u, "web"), std::vector<Labels>{Addr("h:1")});  // kept, not re-fetched
  EXPECT_EQ(ep.Requests(), 1);

  // A changed "web" is rebuilt and fetches again.
  web.http_sd_configs[0].refresh_interval_ms = 3599 * 1000;
  ASSERT_TRUE(m->ApplyConfig({{"web", web}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return s.size() == 1 && s.count("web"); }));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ep.Requests() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(ep.Requests(), 2);
  m->Stop();
}

TEST(ManagerTest, FirstUpdateWaitsForHTTPSDButNotForeverAndWithoutSpinning) {
  // A silent server: the first update comes after update_interval with the
  // other jobs, and Stop aborts the hung refresh promptly.
  TestServer srv([](const TestRequest&, TestConn& c) {
    while (c.Sleep(10)) {
    }
  });
  Recorder rec;
  ManagerOptions opts;
  opts.update_interval_ms = 200;
  auto m = Manager::New(rec.Callback(), nullptr, opts);
  JobSD web;
  config::HTTPSDConfig h;
  h.url = srv.URL("/sd");
  web.http_sd_configs = {h};
  JobSD stat;
  stat.static_configs = {TargetGroup{{Addr("s:1")}, {}, ""}};
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  ASSERT_TRUE(m->ApplyConfig({{"web", web}, {"static", stat}}).ok());
  auto u = rec.WaitFor([](const TargetSets& s) { return s.count("static") > 0; });
  ASSERT_TRUE(u.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  // The manager sleeps while it waits (a spinning one burns ~100 ms of CPU here).
  EXPECT_LT(static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC, 0.04);
  EXPECT_TRUE(u->at("web").empty());
  auto stop_start = std::chrono::steady_clock::now();
  m->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::milliseconds(1000));
}

TEST(ManagerTest, NoCallbackAfterStop) {
  fs::TempDir dir("vigil-sd");
  std::string f = dir.Join("t.yml");
  ASSERT_TRUE(fs::WriteFileAtomic(f, "- targets: [a]\n").ok());
  Recorder rec;
  auto m = Manager::New(rec.Callback(), nullptr, FastOptions());
  JobSD sd;
  sd.file_sd_configs = {config::FileSDConfig{{f}, 3600 * 1000}};
  ASSERT_TRUE(m->ApplyConfig({{"j", sd}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return !AllTargets(s, "j").empty(); }));
  m->Stop();
  size_t n = rec.count();
  ASSERT_TRUE(fs::WriteFileAtomic(f, "- targets: [a, b]\n").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.count(), n);
  EXPECT_FALSE(m->ApplyConfig({{"j", sd}}).ok());
}

TEST(ManagerTest, UnchangedTargetsSendNoExtraUpdates) {
  fs::TempDir dir("vigil-sd");
  std::string f = dir.Join("t.json");
  ASSERT_TRUE(fs::WriteFileAtomic(f, R"([{"targets": ["a"]}])").ok());
  Recorder rec;
  auto m = Manager::New(rec.Callback(), nullptr, FastOptions());
  JobSD sd;
  sd.file_sd_configs = {config::FileSDConfig{{f}, 10}};  // re-read all the time
  ASSERT_TRUE(m->ApplyConfig({{"j", sd}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return !AllTargets(s, "j").empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(rec.count(), 1u);
  m->Stop();
}

}  // namespace
}  // namespace vigil::discovery
