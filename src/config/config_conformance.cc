// vigil_prometheus_config_conformance SUITE_DIR
//
// Runs Prometheus' own config test files (SUITE_DIR/testdata) through
// config::LoadFile: every *.bad.yml must be refused, and where
// SUITE_DIR/expected_errors.json names Prometheus' message, with an error
// containing it; every *.good.yml must load. A file refused because it uses a
// feature Vigil does not implement ("... is not supported by Vigil") is
// counted apart, neither passed nor failed. With -v every result is printed. Other files in
// testdata are fixtures the configs refer to.
//
// Prometheus prefixes every LoadFile error with "parsing YAML file FILE: ";
// Vigil's errors start with "FILE:LINE:COL: " instead, so that prefix is
// taken off the expected text before comparing (the rest must match).
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace {

constexpr std::string_view kUnsupported = "is not supported by Vigil";

std::string StripPrometheusPrefix(std::string expected, const std::string& name) {
  const std::string prefix = "parsing YAML file testdata/" + name + ": ";
  if (expected.starts_with(prefix)) expected.erase(0, prefix.size());
  return expected;
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = argc == 3 && std::string_view(argv[2]) == "-v";
  if (argc != 2 && !verbose) {
    fmt::print(stderr, "usage: {} SUITE_DIR [-v]\n", argv[0]);
    return 2;
  }
  namespace stdfs = std::filesystem;
  const stdfs::path suite = argv[1];
  const stdfs::path testdata = suite / "testdata";

  std::map<std::string, std::string> expected;
  {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto err = parser.load((suite / "expected_errors.json").string()).get(doc)) {
      fmt::print(stderr, "cannot read expected_errors.json: {}\n", simdjson::error_message(err));
      return 2;
    }
    for (simdjson::dom::element e : doc.get_array()) {
      std::string_view file, contains;
      if (e["file"].get(file) || e["error_contains"].get(contains)) continue;
      expected[std::string(file)] = std::string(contains);
    }
  }

  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(testdata, ec)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(".bad.yml") || name.ends_with(".good.yml")) names.push_back(name);
  }
  if (ec || names.empty()) {
    fmt::print(stderr, "no test files in {}\n", testdata.string());
    return 2;
  }
  std::sort(names.begin(), names.end());

  int passed = 0, failed = 0, unsupported_bad = 0, unsupported_good = 0;
  std::vector<std::string> unsupported_names;
  for (const auto& name : names) {
    const bool bad = name.ends_with(".bad.yml");
    auto cfg = vigil::config::LoadFile((testdata / name).string());
    std::string err = cfg.ok() ? "" : cfg.status().message();
    const bool not_supported = err.find(kUnsupported) != std::string::npos;
    if (verbose && !not_supported) fmt::print("{}: {}\n", name, cfg.ok() ? "ok" : err);
    if (bad) {
      if (cfg.ok()) {
        ++failed;
        fmt::print("FAIL {}: accepted, want an error\n", name);
      } else if (not_supported) {
        ++unsupported_bad;
        unsupported_names.push_back(name + ": " + err);
      } else if (auto it = expected.find(name); it != expected.end()) {
        std::string want = StripPrometheusPrefix(it->second, name);
        if (err.find(want) != std::string::npos) {
          ++passed;
        } else {
          ++failed;
          fmt::print("FAIL {}: error {:?}\n     want it to contain {:?}\n", name, err, want);
        }
      } else {
        ++passed;
      }
    } else {
      if (cfg.ok()) {
        ++passed;
      } else if (not_supported) {
        ++unsupported_good;
        unsupported_names.push_back(name + ": " + err);
      } else {
        ++failed;
        fmt::print("FAIL {}: {}\n", name, err);
      }
    }
  }
  for (const auto& u : unsupported_names) fmt::print("unsupported {}\n", u);
  fmt::print("{} passed, {} failed ({} bad and {} good files refused as not supported by Vigil)\n",
             passed, failed, unsupported_bad, unsupported_good);
  return failed == 0 ? 0 : 1;
}
