// vigil_promqltest: runs Prometheus' PromQL test scripts against Vigil.
//
//   vigil_promqltest [-v] [--storage=memory|tsdb|tsdb-blocks] [--upstream=DIR]
//                    [--known-failures=FILE [--check-known-failures | --update-known-failures]]
//                    [FILE|DIR]...
//
// Prints "<file>: P passed, F failed, S skipped" per file and a total line;
// -v adds every failure (file:line, query, what differed). Directories mean
// their *.test files. Exit status: 0 all passed (or, with
// --check-known-failures, the failures are exactly the listed ones), 1
// otherwise, 77 when --upstream names a directory that does not exist (ctest
// reports SKIPPED), 2 on bad usage.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/logging.h"
#include "query/promql/promqltest/known_failures.h"
#include "query/promql/promqltest/runner.h"

namespace vigil::promql::promqltest {
namespace {

constexpr int kExitSkipped = 77;

constexpr std::string_view kKnownFailuresHeader =
    "# PromQL conformance cases known to fail (runner: src/query/promql/promqltest).\n"
    "# One \"file:line  # reason\" per line. The ctest check promqltest_conformance fails on\n"
    "# any failing case not listed here and on any listed case that passes, so this list\n"
    "# only shrinks: remove a case once it is fixed. Regenerate with\n"
    "#   vigil_promqltest --upstream=<testdata> --known-failures=<this file> "
    "--update-known-failures tests/promql\n";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string OneLine(std::string_view s, size_t max) {
  std::string out(s.substr(0, s.find('\n')));
  if (out.size() > max) out = out.substr(0, max) + "...";
  return out;
}

Status ExpandPath(const std::string& path, std::vector<std::string>* files) {
  if (!fs::IsDir(path)) {
    if (!fs::Exists(path))
      return Status::NotFound(fmt::format("{}: no such file or directory", path));
    files->push_back(path);
    return Status::OK();
  }
  auto names = fs::ListDir(path);
  if (!names.ok()) return names.status();
  for (const auto& n : *names) {
    if (EndsWith(n, ".test")) files->push_back(fs::Join(path, n));
  }
  return Status::OK();
}

int Main(int argc, char** argv) {
  CLI::App app{"Runs Prometheus' PromQL test scripts (promqltest) against Vigil's engine."};
  bool verbose = false, show_skipped = false, check = false, update = false;
  bool no_range_mode = false, no_at_modifier = false;
  std::string storage = "memory", upstream, known_failures_path;
  size_t max_samples = 10000;
  std::vector<std::string> paths;
  app.add_flag("-v,--verbose", verbose, "Print every failing case with what differed");
  app.add_flag("--show-skipped", show_skipped, "Also print every skipped case and why");
  app.add_option("--storage", storage, "Where test data is loaded: memory, tsdb or tsdb-blocks");
  app.add_option("--upstream", upstream,
                 "Prometheus' testdata directory; if it does not exist, exit 77 (skipped)");
  app.add_option("--known-failures", known_failures_path, "The known-failures list");
  app.add_flag("--check-known-failures", check,
               "Succeed iff the failing cases are exactly those listed");
  app.add_flag("--update-known-failures", update, "Rewrite the list with the failing cases");
  app.add_flag("--no-range-mode", no_range_mode,
               "Do not also run instant queries as range queries (promqltest does)");
  app.add_flag("--no-at-modifier", no_at_modifier,
               "Do not also run instant queries with @ on every selector (promqltest does)");
  app.add_option("--max-samples", max_samples, "Samples a query may hold (promqltest: 10000)");
  bool run_histogram_queries = false;
  app.add_flag("--run-histogram-queries", run_histogram_queries,
               "Run cases whose query selects native-histogram series instead of skipping them "
               "(Vigil holds only their float points; for exploring, not for the check)");
  bool parallel = false;
  app.add_flag("--parallel", parallel,
               "Evaluate every selector of two or more series on two threads, one series per "
               "piece of work (checks that parallel evaluation changes no result)");
  app.add_option("paths", paths, "Test files or directories of *.test files");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if ((check || update) && known_failures_path.empty()) {
    fmt::print(stderr,
               "--check-known-failures and --update-known-failures need --known-failures\n");
    return 2;
  }
  if (check && update) {
    fmt::print(stderr, "--check-known-failures and --update-known-failures exclude each other\n");
    return 2;
  }
  // The TSDB variant opens a DB per file and per `clear`; its info lines
  // ("opened WAL ...") would bury the report.
  (void)log::Init("warn", "logfmt");
  RunnerOptions opts;
  auto kind = ParseStorageKind(storage);
  if (!kind.ok()) {
    fmt::print(stderr, "{}\n", kind.status().message());
    return 2;
  }
  opts.storage = *kind;
  opts.range_mode = !no_range_mode;
  opts.at_modifier_variants = !no_at_modifier;
  opts.max_samples = max_samples;
  opts.run_histogram_queries = run_histogram_queries;
  opts.parallel = parallel;

  std::vector<std::string> files;
  if (!upstream.empty()) {
    if (!fs::IsDir(upstream)) {
      fmt::print("SKIPPED: the upstream PromQL test data is not at {}\n", upstream);
      return kExitSkipped;
    }
    Status s = ExpandPath(upstream, &files);
    if (!s.ok()) {
      fmt::print(stderr, "{}\n", s.message());
      return 2;
    }
  }
  for (const auto& p : paths) {
    Status s = ExpandPath(p, &files);
    if (!s.ok()) {
      fmt::print(stderr, "{}\n", s.message());
      return 2;
    }
  }
  if (files.empty()) {
    fmt::print(stderr, "no test files given\n");
    return 2;
  }
  std::map<std::string, std::string> names;  // base name -> path
  for (const auto& f : files) {
    auto [it, inserted] = names.emplace(BaseName(f), f);
    if (!inserted) {
      fmt::print(stderr, "two test files are both named {}: {} and {}\n", it->first, it->second, f);
      return 2;
    }
  }

  FailureList listed;
  if (!known_failures_path.empty() && fs::Exists(known_failures_path)) {
    auto text = fs::ReadFile(known_failures_path);
    if (!text.ok()) {
      fmt::print(stderr, "{}\n", text.status().ToString());
      return 2;
    }
    auto l = ParseKnownFailures(*text);
    if (!l.ok()) {
      fmt::print(stderr, "{}: {}\n", known_failures_path, l.status().message());
      return 2;
    }
    listed = std::move(l).value();
  }

  fmt::print("promqltest: storage={} range_mode={} at_modifier={} parallel={}\n",
             StorageKindName(opts.storage), opts.range_mode ? "on" : "off",
             opts.at_modifier_variants ? "on" : "off", opts.parallel ? "on" : "off");
  Runner runner(opts);
  int passed = 0, failed = 0, skipped = 0;
  FailureList failing;
  std::map<std::string, std::string> details;  // key -> full report
  for (const auto& f : files) {
    auto text = fs::ReadFile(f);
    std::string name = BaseName(f);
    if (!text.ok()) {
      fmt::print(stderr, "{}\n", text.status().ToString());
      return 2;
    }
    FileResult r = runner.RunScript(name, *text);
    int p = r.Count(Outcome::kPassed), x = r.Count(Outcome::kFailed),
        s = r.Count(Outcome::kSkipped);
    passed += p;
    failed += x;
    skipped += s;
    fmt::print("{}: {} passed, {} failed, {} skipped\n", name, p, x, s);
    for (const auto& c : r.cases) {
      std::string key = fmt::format("{}:{}", name, c.line);
      if (c.outcome == Outcome::kFailed) {
        failing[key] = OneLine(c.detail, 160);
        details[key] = fmt::format("  {}: {}\n      {}\n", key, c.query, c.detail);
        if (verbose) fmt::print("{}", details[key]);
      } else if (c.outcome == Outcome::kSkipped && show_skipped) {
        fmt::print("  {}: {}\n      skipped: {}\n", key, c.query, c.detail);
      }
    }
  }
  fmt::print("{} passed, {} failed, {} skipped\n", passed, failed, skipped);

  if (update) {
    std::string out(kKnownFailuresHeader);
    out += FormatKnownFailures(MergeReasons(listed, failing));
    Status s = fs::WriteFileAtomic(known_failures_path, out);
    if (!s.ok()) {
      fmt::print(stderr, "{}\n", s.ToString());
      return 2;
    }
    fmt::print("wrote {} known failures to {}\n", failing.size(), known_failures_path);
    return 0;
  }
  if (check) {
    FailureDiff d = DiffFailures(listed, failing);
    fmt::print("known failures: {} listed, {} failing, {} new, {} fixed\n", listed.size(),
               failing.size(), d.unexpected.size(), d.fixed.size());
    for (const auto& k : d.unexpected) {
      fmt::print("NEW FAILURE (not in {}):\n{}", known_failures_path, details[k]);
    }
    for (const auto& k : d.fixed) {
      fmt::print("FIXED: {} now passes (or no longer exists); remove it from {}\n", k,
                 known_failures_path);
    }
    return d.ok() ? 0 : 1;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace vigil::promql::promqltest

int main(int argc, char** argv) { return vigil::promql::promqltest::Main(argc, argv); }
