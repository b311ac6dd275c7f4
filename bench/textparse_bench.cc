// Exposition parser throughput, the scrape hot path: MB/s and series/s of
// both parsers over a real node_exporter page (bench/testdata), Prometheus'
// 237-family test page (read from ../shared if present) and a synthetic
// 25k-series page, each as Prometheus text and converted to OpenMetrics.
// "Hot" reads only SeriesBytes/Value/Timestamp (a scrape whose series are all
// cached); "Labels" also builds every series' Labels (all cache misses).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "collect/textparse/parser.h"

namespace {

using vigil::textparse::Entry;
using vigil::textparse::Format;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Prometheus text page as OpenMetrics: counters' families lose "_total"
// (counters without it, or whose name without it is taken, become unknown), untyped becomes
// unknown, "# EOF" ends it.
std::string ToOpenMetrics(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 64);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  std::set<std::string> families;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) families.insert(line.substr(7, line.find(' ', 7) - 7));
    lines.push_back(line);
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string& l = lines[i];
    if (l.empty()) continue;
    if (l.starts_with("# HELP ") || l.starts_with("# TYPE ")) {
      size_t name_end = l.find(' ', 7);
      std::string name = l.substr(7, name_end - 7);
      std::string rest = name_end == std::string::npos ? "" : l.substr(name_end + 1);
      // The family's type decides its name; HELP usually comes first.
      std::string type;
      for (size_t j = i; j < lines.size() && j < i + 2; ++j) {
        if (lines[j].starts_with("# TYPE " + name + " ")) type = lines[j].substr(8 + name.size());
      }
      // go_memstats_alloc_bytes and ..._total would clash as OpenMetrics families.
      bool counter_total = type == "counter" && name.ends_with("_total") &&
                           !families.contains(name.substr(0, name.size() - 6));
      std::string fam = counter_total ? name.substr(0, name.size() - 6) : name;
      if (l.starts_with("# TYPE ")) {
        if (rest == "untyped" || (rest == "counter" && !counter_total)) rest = "unknown";
        out += fmt::format("# TYPE {} {}\n", fam, rest);
      } else {
        out += fmt::format("# HELP {} {}\n", fam, rest);
      }
      continue;
    }
    if (l[0] == '#') continue;
    out += l;
    out += '\n';
  }
  out += "# EOF\n";
  return out;
}

// About what a big application target exposes: 250 families of 100 series
// with five labels, counters, gauges and a few histograms.
std::string SyntheticPage() {
  std::string out;
  int series = 0;
  for (int f = 0; series < 25000; ++f) {
    std::string fam = fmt::format("app_subsystem_metric_{}", f);
    bool histogram = f % 10 == 9;
    bool counter = f % 2 == 0 && !histogram;
    std::string name = counter ? fam + "_total" : fam;
    out += fmt::format("# HELP {} Synthetic family number {}.\n", name, f);
    out += fmt::format("# TYPE {} {}\n", name,
                       histogram ? "histogram" : (counter ? "counter" : "gauge"));
    if (histogram) {
      static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                  "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
      for (int s = 0; s < 8; ++s) {
        std::string labels = fmt::format(
            "instance=\"10.0.{}.{}:9100\",job=\"app\",handler=\"/api/v1/h{}\",method=\"GET\"",
            f % 250, s, s);
        int cum = 0;
        for (const char* le : kLe) {
          cum += s + 1;
          out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", fam, labels, le, cum);
          ++series;
        }
        out += fmt::format("{}_sum{{{}}} {}\n", fam, labels, cum * 0.37);
        out += fmt::format("{}_count{{{}}} {}\n", fam, labels, cum);
        series += 2;
      }
      continue;
    }
    for (int s = 0; s < 100; ++s) {
      out += fmt::format(
          "{}{{instance=\"10.0.{}.{}:9100\",job=\"app\",path=\"/api/v1/query\",method=\"{}\","
          "code=\"{}\"}} {}\n",
          name, f % 250, s, s % 2 ? "GET" : "POST", 200 + s % 5,
          counter ? fmt::format("{}", 1000000 + f * 7919 + s * 104729)
                  : fmt::format("{}", (f * 100 + s) * 0.001953125));
      ++series;
    }
  }
  return out;
}

struct Page {
  std::string name;
  Format format;
  std::string body;
};

void Parse(benchmark::State& state, const Page* page, bool with_labels) {
  size_t series = 0;
  for (auto _ : state) {
    auto p = vigil::textparse::NewParser(page->format, page->body);
    series = 0;
    double sum = 0;
    size_t bytes = 0;
    for (;;) {
      auto e = p->Next();
      if (!e.ok()) {
        state.SkipWithError(e.status().message().c_str());
        return;
      }
      if (*e == Entry::kEOF) break;
      if (*e != Entry::kSeries) continue;
      ++series;
      bytes += p->SeriesBytes().size();
      sum += p->Value();
      if (auto ts = p->Timestamp()) bytes += *ts;
      if (with_labels) {
        auto l = p->Labels();
        if (!l.ok()) {
          state.SkipWithError(l.status().message().c_str());
          return;
        }
        bytes += l.value().size();
      }
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page->body.size()));
  state.counters["series/s"] = benchmark::Counter(static_cast<double>(series * state.iterations()),
                                                  benchmark::Counter::kIsRate);
  state.counters["series"] = static_cast<double>(series);
}

std::vector<std::unique_ptr<Page>>* Pages() {
  static auto* pages = new std::vector<std::unique_ptr<Page>>;
  return pages;
}

int RegisterAll() {
  fs::path here = fs::path(__FILE__).parent_path();
  std::vector<std::pair<std::string, std::string>> texts;
  std::string node = ReadFile(here / "testdata" / "node_exporter.prom");
  if (node.empty()) {
    fmt::print(stderr, "bench/testdata/node_exporter.prom missing: node_exporter skipped\n");
  } else {
    texts.emplace_back("node_exporter", std::move(node));
  }
  fs::path alltypes =
      here / ".." / ".." / "shared" / "conformance" / "exposition" / "alltypes.237mfs.prom.txt";
  std::string all = ReadFile(alltypes);
  if (all.empty()) {
    fmt::print(stderr, "{} missing: alltypes skipped\n", alltypes.string());
  } else {
    texts.emplace_back("alltypes237", std::move(all));
  }
  texts.emplace_back("synthetic25k", SyntheticPage());

  for (auto& [name, body] : texts) {
    Pages()->push_back(std::make_unique<Page>(Page{name, Format::kPrometheusText, body}));
    Pages()->push_back(
        std::make_unique<Page>(Page{name, Format::kOpenMetrics, ToOpenMetrics(body)}));
  }
  for (const auto& page : *Pages()) {
    const char* fmt_name = page->format == Format::kPrometheusText ? "PromText" : "OpenMetrics";
    for (bool labels : {false, true}) {
      benchmark::RegisterBenchmark(
          fmt::format("BM_{}_{}/{}", fmt_name, labels ? "Labels" : "Hot", page->name).c_str(),
          Parse, page.get(), labels)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}

[[maybe_unused]] const int kRegistered = RegisterAll();

}  // namespace
