// vigil_openmetrics_conformance SUITE_DIR: runs the OpenMetrics parser suite
// (SUITE_DIR/<case>/{metrics,test.json}) through NewOpenMetricsParser. A case
// parses when Next() reaches kEOF without error and Labels() succeeds for
// every series; it passes when that agrees with test.json's shouldParse.
// Prints "N passed, N failed" and each failure; exits 1 on any failure.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "collect/textparse/parser.h"

namespace {

namespace fs = std::filesystem;
using vigil::textparse::Entry;

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The value of a top-level "key": in the small JSON objects the suite uses:
// a string without escapes, true/false, or "" when absent.
std::string JsonField(const std::string& json, const std::string& key) {
  size_t k = json.find("\"" + key + "\"");
  if (k == std::string::npos) return "";
  size_t colon = json.find(':', k + key.size() + 2);
  if (colon == std::string::npos) return "";
  size_t v = json.find_first_not_of(" \t\r\n", colon + 1);
  if (v == std::string::npos) return "";
  if (json[v] == '"') {
    size_t end = json.find('"', v + 1);
    return end == std::string::npos ? "" : json.substr(v + 1, end - v - 1);
  }
  size_t end = json.find_first_of(",}\r\n \t", v);
  return json.substr(v, end - v);
}

// Empty when the body parses, else the first error.
std::string Parse(const std::string& body) {
  auto parser = vigil::textparse::NewOpenMetricsParser(body);
  for (;;) {
    auto entry = parser->Next();
    if (!entry.ok()) return entry.status().message();
    if (*entry == Entry::kEOF) return "";
    if (*entry == Entry::kSeries) {
      auto labels = parser->Labels();
      if (!labels.ok()) return labels.status().message();
      vigil::textparse::Exemplar ex;
      (void)parser->Exemplar(&ex);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} OPENMETRICS_PARSERS_DIR\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> cases;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(argv[1], ec)) {
    if (e.is_directory()) cases.push_back(e.path());
  }
  if (ec || cases.empty()) {
    fmt::print(stderr, "no cases in {}\n", argv[1]);
    return 2;
  }
  std::sort(cases.begin(), cases.end());
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;
  for (const fs::path& dir : cases) {
    std::string name = dir.filename().string();
    std::string json;
    if (!ReadFile(dir / "test.json", &json)) {
      failures.push_back(fmt::format("{}: no test.json", name));
      ++failed;
      continue;
    }
    std::string type = JsonField(json, "type");
    std::string file = JsonField(json, "file");
    std::string should = JsonField(json, "shouldParse");
    std::string body;
    if (type != "text" || file.empty() || (should != "true" && should != "false") ||
        !ReadFile(dir / file, &body)) {
      failures.push_back(
          fmt::format("{}: unsupported case (type {:?}, file {:?}, shouldParse {:?})", name, type,
                      file, should));
      ++failed;
      continue;
    }
    std::string err = Parse(body);
    bool parsed = err.empty();
    if (parsed == (should == "true")) {
      ++passed;
    } else {
      ++failed;
      failures.push_back(parsed
                             ? fmt::format("{}: parsed, but shouldParse is false", name)
                             : fmt::format("{}: refused, but shouldParse is true: {}", name, err));
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  for (const std::string& f : failures) fmt::print("FAIL {}\n", f);
  return failed == 0 ? 0 : 1;
}
