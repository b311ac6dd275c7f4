// Runs the expected-result files in tests/logql/*.test (format described in
// tests/logql/README.md): streams are loaded into a MemoryReader, every
// query is run through the Engine and its result compared with the
// expectation that follows it.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/selector.h"
#include "query/logql/engine.h"
#include "query/logql/memory_reader_test_util.h"
#include "query/logql/units.h"

namespace vigil::logql {
namespace {

std::vector<std::string> TestFiles() {
  std::vector<std::string> out;
  DIR* d = opendir(VIGIL_LOGQL_TESTDATA);
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".test") out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Result<model::Labels> ParseLabels(std::string_view text) {
  if (text == "{}") return model::Labels();
  VIGIL_ASSIGN_OR_RETURN(auto matchers, model::ParseSelector(text));
  std::vector<model::Label> labels;
  for (const auto& m : matchers) labels.push_back({m.name(), m.value()});
  return model::Labels(std::move(labels));
}

Result<int64_t> ParseTime(std::string_view s) { return ParseQueryDuration(s); }

// "{a="b", c="d"} rest": splits at the closing brace outside quotes.
bool SplitLabels(const std::string& line, std::string* labels, std::string* rest) {
  if (line.empty() || line[0] != '{') return false;
  bool in_str = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_str) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_str = false;
      }
    } else if (c == '"') {
      in_str = true;
    } else if (c == '}') {
      *labels = line.substr(0, i + 1);
      *rest = Trim(line.substr(i + 1));
      return true;
    }
  }
  return false;
}

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string FormatResult(const QueryResult& r) {
  std::string out;
  switch (r.type) {
    case QueryResult::Type::kStreams:
      out += "streams\n";
      for (const auto& s : r.streams) {
        out += s.labels.ToString() + "\n";
        for (const auto& e : s.entries) out += fmt::format("  {} {}\n", e.time_ns, e.line);
      }
      break;
    case QueryResult::Type::kMatrix:
    case QueryResult::Type::kVector:
      out += r.type == QueryResult::Type::kMatrix ? "matrix\n" : "vector\n";
      for (const auto& s : r.series) {
        out += s.labels.ToString();
        for (const auto& p : s.points) out += fmt::format(" {}={}", p.t_ns, p.v);
        out += "\n";
      }
      break;
    case QueryResult::Type::kScalar:
      out += fmt::format("scalar {}\n", r.series.empty() || r.series[0].points.empty()
                                            ? std::nan("")
                                            : r.series[0].points[0].v);
      break;
  }
  return out;
}

class LogqlTestdata : public ::testing::TestWithParam<std::string> {};

TEST_P(LogqlTestdata, MatchesExpectedResults) {
  std::string path = std::string(VIGIL_LOGQL_TESTDATA) + "/" + GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
#ifndef VIGIL_LOGQL_HAVE_LOGPARSE
  if (!lines.empty() && Trim(lines[0]) == "# requires: logparse") {
    GTEST_SKIP() << "built without logparse";
  }
#endif

  testing::MemoryReader reader;
  EngineOptions opts;
  opts.max_series = 50;
  Engine engine(&reader, opts);
  size_t i = 0;
  int queries = 0;
  auto where = [&](size_t n) { return fmt::format("{}:{}", GetParam(), n + 1); };
  while (i < lines.size()) {
    std::string line = Trim(lines[i]);
    if (line.empty() || line[0] == '#') {
      ++i;
      continue;
    }
    if (line.rfind("stream ", 0) == 0) {
      auto labels = ParseLabels(Trim(line.substr(7)));
      ASSERT_TRUE(labels.ok()) << where(i) << ": " << labels.status().ToString();
      ++i;
      for (; i < lines.size() && !Trim(lines[i]).empty(); ++i) {
        std::string entry = lines[i];
        if (Trim(entry)[0] == '#') continue;
        size_t b = entry.find_first_not_of(' ');
        size_t sp = entry.find(' ', b);
        ASSERT_NE(sp, std::string::npos) << where(i);
        auto t = ParseTime(entry.substr(b, sp - b));
        ASSERT_TRUE(t.ok()) << where(i) << ": " << t.status().ToString();
        std::string text = entry.substr(sp + 1);
        std::vector<model::LogAttribute> md;
        if (size_t m = text.find(" ||| "); m != std::string::npos) {
          std::istringstream kvs(text.substr(m + 5));
          for (std::string kv; kvs >> kv;) {
            size_t eq = kv.find('=');
            md.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
          }
          text = text.substr(0, m);
        }
        reader.Add(*labels, *t, text, md);
      }
      continue;
    }
    ASSERT_EQ(line.rfind("query ", 0), 0u) << where(i) << ": unexpected line: " << line;
    size_t header_line = i;
    QueryParams p;
    p.direction = logstore::Direction::kBackward;
    std::istringstream hs(line.substr(6));
    std::string kind;
    hs >> kind;
    for (std::string kv; hs >> kv;) {
      size_t eq = kv.find('=');
      ASSERT_NE(eq, std::string::npos) << where(i);
      std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (k == "limit") {
        p.limit = static_cast<uint32_t>(std::stoul(v));
      } else if (k == "direction") {
        p.direction =
            v == "forward" ? logstore::Direction::kForward : logstore::Direction::kBackward;
      } else {
        auto t = ParseTime(v);
        ASSERT_TRUE(t.ok()) << where(i) << ": " << kv;
        if (k == "start")
          p.start_ns = *t;
        else if (k == "end")
          p.end_ns = *t;
        else if (k == "step")
          p.step_ns = *t;
        else if (k == "interval")
          p.interval_ns = *t;
        else if (k == "time")
          p.start_ns = p.end_ns = *t;
        else
          FAIL() << where(i) << ": unknown parameter " << k;
      }
    }
    if (kind == "instant") p.step_ns = 0;
    ++i;
    ASSERT_LT(i, lines.size()) << where(i);
    p.query = Trim(lines[i++]);
    ASSERT_LT(i, lines.size()) << where(i);
    std::string expect = Trim(lines[i++]);
    ++queries;
    auto res = engine.Query(p);
    std::string ctx = fmt::format("{}: {}", where(header_line), p.query);
    if (expect.rfind("error", 0) == 0) {
      std::string want = Trim(expect.substr(5));
      ASSERT_FALSE(res.ok()) << ctx << "\nexpected error, got:\n" << FormatResult(*res);
      EXPECT_NE(res.status().message().find(want), std::string::npos)
          << ctx << "\nerror: " << res.status().message() << "\nwant substring: " << want;
      continue;
    }
    if (!res.ok()) {
      ADD_FAILURE() << ctx << "\n" << res.status().ToString();
      while (i < lines.size() && !Trim(lines[i]).empty()) ++i;
      continue;
    }
    const QueryResult& r = *res;
    std::vector<std::string> body;
    for (; i < lines.size() && !Trim(lines[i]).empty(); ++i) {
      if (Trim(lines[i])[0] != '#') body.push_back(lines[i]);
    }
    std::string got = FormatResult(r);
    if (expect.rfind("scalar", 0) == 0) {
      ASSERT_EQ(r.type, QueryResult::Type::kScalar) << ctx << "\n" << got;
      double want = std::stod(Trim(expect.substr(6)));
      ASSERT_EQ(r.series.size(), 1u) << ctx;
      EXPECT_TRUE(SameValue(r.series[0].points[0].v, want)) << ctx << "\n" << got;
    } else if (expect == "streams") {
      ASSERT_EQ(r.type, QueryResult::Type::kStreams) << ctx << "\n" << got;
      std::vector<Stream> want;
      for (const auto& b : body) {
        if (b[0] == '{') {
          auto l = ParseLabels(Trim(b));
          ASSERT_TRUE(l.ok()) << ctx << ": " << b;
          want.push_back(Stream{*l, {}});
          continue;
        }
        ASSERT_FALSE(want.empty()) << ctx;
        std::string e = Trim(b);
        size_t sp = e.find(' ');
        auto t = ParseTime(e.substr(0, sp));
        ASSERT_TRUE(t.ok()) << ctx << ": " << b;
        logstore::LogEntry le;
        le.time_ns = *t;
        le.line = sp == std::string::npos ? "" : e.substr(sp + 1);
        want.back().entries.push_back(std::move(le));
      }
      bool same = want.size() == r.streams.size();
      for (size_t k = 0; same && k < want.size(); ++k) {
        same = want[k].labels == r.streams[k].labels &&
               want[k].entries.size() == r.streams[k].entries.size();
        for (size_t j = 0; same && j < want[k].entries.size(); ++j) {
          same = want[k].entries[j].time_ns == r.streams[k].entries[j].time_ns &&
                 want[k].entries[j].line == r.streams[k].entries[j].line;
        }
      }
      EXPECT_TRUE(same) << ctx << "\ngot:\n" << got;
    } else if (expect == "matrix" || expect == "vector") {
      ASSERT_EQ(r.type,
                expect == "matrix" ? QueryResult::Type::kMatrix : QueryResult::Type::kVector)
          << ctx << "\n"
          << got;
      std::vector<Series> want;
      for (const auto& b : body) {
        std::string labels, rest;
        ASSERT_TRUE(SplitLabels(Trim(b), &labels, &rest)) << ctx << ": " << b;
        auto l = ParseLabels(labels);
        ASSERT_TRUE(l.ok()) << ctx << ": " << b;
        Series s;
        s.labels = *l;
        std::istringstream ps(rest);
        for (std::string tv; ps >> tv;) {
          size_t eq = tv.find('=');
          Point pt;
          if (expect == "vector") {
            pt.t_ns = p.end_ns;
            pt.v = std::stod(tv);
          } else {
            ASSERT_NE(eq, std::string::npos) << ctx << ": " << tv;
            auto t = ParseTime(tv.substr(0, eq));
            ASSERT_TRUE(t.ok()) << ctx << ": " << tv;
            pt.t_ns = *t;
            pt.v = std::stod(tv.substr(eq + 1));
          }
          s.points.push_back(pt);
        }
        want.push_back(std::move(s));
      }
      bool same = want.size() == r.series.size();
      for (size_t k = 0; same && k < want.size(); ++k) {
        same = want[k].labels == r.series[k].labels &&
               want[k].points.size() == r.series[k].points.size();
        for (size_t j = 0; same && j < want[k].points.size(); ++j) {
          same = want[k].points[j].t_ns == r.series[k].points[j].t_ns &&
                 SameValue(want[k].points[j].v, r.series[k].points[j].v);
        }
      }
      EXPECT_TRUE(same) << ctx << "\ngot:\n" << got;
    } else {
      FAIL() << where(i) << ": unknown expectation " << expect;
    }
  }
  EXPECT_GT(queries, 0) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Files, LogqlTestdata, ::testing::ValuesIn(TestFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(LogqlTestdata);

}  // namespace
}  // namespace vigil::logql
