// Postings operations and block-index queries on a realistic 100k-series
// index (the label shapes of /work/shared/bench's workload: node_exporter
// hosts and Kubernetes pods). Also reports the index size per series next to
// an estimate of what Prometheus' index format v2 would take for the same
// series (computed from its format spec, docs/format/index.md).
//
//   build/<dir>/bench/vigil_bench_postings --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "base/coding.h"
#include "base/file.h"
#include "model/matcher.h"
#include "storage/tsdb/block/index_reader.h"
#include "storage/tsdb/block/index_writer.h"
#include "storage/tsdb/block/postings.h"
#include "storage/tsdb/block/select.h"

namespace vigil::tsdb::block {
namespace {

using model::Label;
using model::Labels;

// --- A workload-like series set ---------------------------------------------

struct Metric {
  std::string name;
  std::vector<Label> labels;
};

std::vector<Metric> NodeMetrics() {
  std::vector<Metric> v;
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  for (int cpu = 0; cpu < 4; ++cpu) {
    for (const char* m : modes) {
      v.push_back({"node_cpu_seconds_total", {{"cpu", std::to_string(cpu)}, {"mode", m}}});
    }
  }
  for (const char* n : {"node_load1",
                        "node_load5",
                        "node_load15",
                        "node_memory_MemTotal_bytes",
                        "node_memory_MemAvailable_bytes",
                        "node_memory_MemFree_bytes",
                        "node_memory_Buffers_bytes",
                        "node_memory_Cached_bytes",
                        "node_memory_SwapTotal_bytes",
                        "node_memory_Active_bytes",
                        "node_memory_Dirty_bytes",
                        "node_context_switches_total",
                        "node_intr_total",
                        "node_forks_total",
                        "node_procs_running",
                        "node_procs_blocked",
                        "node_boot_time_seconds",
                        "node_time_seconds",
                        "node_textfile_scrape_error",
                        "node_entropy_available_bits",
                        "up",
                        "scrape_duration_seconds",
                        "scrape_samples_scraped",
                        "scrape_series_added"}) {
    v.push_back({n, {}});
  }
  v.push_back({"node_uname_info",
               {{"machine", "x86_64"}, {"release", "6.1.0-18-cloud-amd64"}, {"sysname", "Linux"}}});
  struct Fs {
    const char *dev, *type, *mnt;
  } fss[] = {{"/dev/nvme0n1p1", "ext4", "/"},
             {"/dev/nvme0n1p15", "vfat", "/boot/efi"},
             {"/dev/nvme1n1", "xfs", "/var/lib/kubelet"}};
  for (const auto& f : fss) {
    for (const char* n :
         {"node_filesystem_size_bytes", "node_filesystem_avail_bytes", "node_filesystem_free_bytes",
          "node_filesystem_files", "node_filesystem_files_free", "node_filesystem_readonly"}) {
      v.push_back({n, {{"device", f.dev}, {"fstype", f.type}, {"mountpoint", f.mnt}}});
    }
  }
  for (const char* nic : {"eth0", "lo", "cni0"}) {
    for (const char* n :
         {"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
          "node_network_receive_packets_total", "node_network_transmit_packets_total",
          "node_network_receive_errs_total", "node_network_transmit_errs_total",
          "node_network_receive_drop_total", "node_network_transmit_drop_total"}) {
      v.push_back({n, {{"device", nic}}});
    }
  }
  for (const char* disk : {"nvme0n1", "nvme1n1"}) {
    for (const char* n : {"node_disk_read_bytes_total", "node_disk_written_bytes_total",
                          "node_disk_reads_completed_total", "node_disk_writes_completed_total",
                          "node_disk_io_time_seconds_total"}) {
      v.push_back({n, {{"device", disk}}});
    }
  }
  return v;  // 109
}

std::vector<Metric> PodMetrics() {
  std::vector<Metric> v;
  const char* handlers[] = {"/api/v1/items", "/api/v1/users", "/healthz"};
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (const char* h : handlers) {
    v.push_back({"http_requests_total", {{"code", "200"}, {"handler", h}, {"method", "GET"}}});
    v.push_back({"http_requests_total", {{"code", "201"}, {"handler", h}, {"method", "POST"}}});
    v.push_back({"http_requests_total", {{"code", "500"}, {"handler", h}, {"method", "GET"}}});
    for (const char* le : les) {
      v.push_back({"http_request_duration_seconds_bucket", {{"handler", h}, {"le", le}}});
    }
    v.push_back({"http_request_duration_seconds_sum", {{"handler", h}}});
    v.push_back({"http_request_duration_seconds_count", {{"handler", h}}});
  }
  for (const char* q : {"0", "0.25", "0.5", "0.75", "1"}) {
    v.push_back({"go_gc_duration_seconds", {{"quantile", q}}});
  }
  v.push_back({"go_info", {{"version", "go1.21.6"}}});
  for (const char* n :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds", "go_goroutines", "go_threads", "go_memstats_alloc_bytes",
        "go_memstats_heap_inuse_bytes", "go_gc_duration_seconds_sum",
        "go_gc_duration_seconds_count", "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes", "up", "scrape_duration_seconds",
        "scrape_samples_scraped", "scrape_series_added"}) {
    v.push_back({n, {}});
  }
  return v;  // 75
}

std::string RandomString(std::mt19937_64& rng, int n, std::string_view alphabet) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

// n series: hosts of one node_exporter target and four pods each.
std::vector<Labels> WorkloadSeries(size_t n) {
  std::mt19937_64 rng(2024);
  const char* clusters[] = {"prod-eu-1", "prod-us-1", "prod-ap-1"};
  const char* apps[] = {"api",      "web",     "auth",     "billing",       "search",  "cart",
                        "checkout", "catalog", "payments", "notifications", "gateway", "worker"};
  const char* namespaces[] = {"prod-api",    "prod-web",    "prod-data",  "prod-payments",
                              "staging-api", "staging-web", "monitoring", "kube-system",
                              "search",      "batch"};
  auto ip = [&] {
    return fmt::format("10.{}.{}.{}", 1 + rng() % 200, 1 + rng() % 250, 2 + rng() % 250);
  };
  auto node_metrics = NodeMetrics();
  auto pod_metrics = PodMetrics();
  std::vector<Labels> out;
  for (int host = 0; out.size() < n; ++host) {
    std::string node = fmt::format("node-{:05d}", host);
    std::string cluster = clusters[host % 3];
    for (int k = 0; k < 5 && out.size() < n; ++k) {
      std::vector<Label> target = {{"cluster", cluster}, {"node", node}};
      const std::vector<Metric>* metrics = &node_metrics;
      if (k == 0) {
        target.push_back({"instance", ip() + ":9100"});
        target.push_back({"job", "node-exporter"});
      } else {
        std::string app = apps[rng() % std::size(apps)];
        target.push_back({"container", app});
        target.push_back({"instance", ip() + ":8080"});
        target.push_back({"job", "kubernetes-pods"});
        target.push_back({"namespace", namespaces[rng() % std::size(namespaces)]});
        target.push_back({"pod", app + "-" + RandomString(rng, 10, "0123456789abcdef") + "-" +
                                     RandomString(rng, 5, "bcdfghjklmnpqrstvwxz2456789")});
        metrics = &pod_metrics;
      }
      for (const auto& m : *metrics) {
        if (out.size() >= n) break;
        std::vector<Label> ls = target;
        ls.push_back({"__name__", m.name});
        ls.insert(ls.end(), m.labels.begin(), m.labels.end());
        out.emplace_back(std::move(ls));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Chunk metas of a block: `chunks` chunks of 120 samples at 15 s per series,
// each target with its own scrape phase, chunk sizes as XOR chunks of the
// workload (about 60-250 bytes).
std::vector<std::vector<ChunkMeta>> WorkloadChunks(const std::vector<Labels>& series, int chunks) {
  std::mt19937_64 rng(7);
  const int64_t start = 1700006400000;  // 2 h aligned
  std::vector<std::vector<ChunkMeta>> out(series.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    // Phase from the instance, so series of one target agree.
    int64_t phase =
        static_cast<int64_t>(std::hash<std::string_view>()(series[i].Get("instance")) % 15000);
    int64_t t = start + phase;
    for (int c = 0; c < chunks; ++c) {
      uint64_t size = 60 + rng() % 190;
      // Segments of 512 MiB, 8-byte header each.
      ChunkRef ref = MakeChunkRef(static_cast<uint32_t>(offset / (512ull << 20)),
                                  static_cast<uint32_t>(8 + offset % (512ull << 20)));
      out[i].push_back(ChunkMeta{t, t + 119 * 15000, ref});
      offset += size;
      t += 120 * 15000;
    }
  }
  return out;
}

// --- Prometheus index v2 size, from its format spec --------------------------

int Uv(uint64_t v) { return UvarintLength(v); }
int Sv(int64_t v) { return UvarintLength(ZigZagEncode(v)); }

uint64_t PrometheusIndexSize(const std::vector<Labels>& series,
                             const std::vector<std::vector<ChunkMeta>>& chunks) {
  std::map<std::string, uint32_t> symbols;
  std::map<std::pair<std::string, std::string>, uint64_t> pairs;  // -> count
  for (const auto& s : series) {
    for (const auto& l : s) {
      symbols[l.name] = 0;
      symbols[l.value] = 0;
      ++pairs[{l.name, l.value}];
    }
  }
  uint64_t size = 5;  // magic + version
  uint64_t sym = 4 + 4 + 4;
  uint32_t id = 0;
  for (auto& [s, i] : symbols) {
    i = id++;
    sym += Uv(s.size()) + s.size();
  }
  size += sym;
  // Series: 16-byte aligned, len + body + CRC32.
  for (size_t k = 0; k < series.size(); ++k) {
    size = (size + 15) / 16 * 16;
    uint64_t body = Uv(series[k].size());
    for (const auto& l : series[k]) body += Uv(symbols[l.name]) + Uv(symbols[l.value]);
    const auto& cs = chunks[k];
    body += Uv(cs.size());
    for (size_t j = 0; j < cs.size(); ++j) {
      if (j == 0) {
        body += Sv(cs[j].mint) + Uv(cs[j].maxt - cs[j].mint) + Uv(cs[j].ref);
      } else {
        body += Uv(cs[j].mint - cs[j - 1].maxt) + Uv(cs[j].maxt - cs[j].mint) +
                Sv(static_cast<int64_t>(cs[j].ref - cs[j - 1].ref));
      }
    }
    size += Uv(body) + body + 4;
  }
  // Label indices: one per label name, 4-byte symbol refs.
  std::map<std::string, uint64_t> values_per_name;
  for (const auto& [p, n] : pairs) ++values_per_name[p.first];
  std::vector<uint64_t> label_index_offsets;
  for (const auto& [name, nv] : values_per_name) {
    label_index_offsets.push_back(size);
    size += 4 + 4 + 4 + 4 * nv + 4;
  }
  // Postings: the all-postings list, then one per pair; 4 bytes per ref.
  std::vector<uint64_t> postings_offsets;
  postings_offsets.push_back(size);
  size += 4 + 4 + 4 * series.size() + 4;
  for (const auto& [p, n] : pairs) {
    postings_offsets.push_back(size);
    size += 4 + 4 + 4 * n + 4;
  }
  // Label offset table and postings offset table.
  uint64_t table = 4 + 4 + 4;
  size_t i = 0;
  for (const auto& [name, nv] : values_per_name) {
    table += 1 + Uv(name.size()) + name.size() + Uv(label_index_offsets[i++]);
  }
  size += table;
  table = 4 + 4 + 4 + 1 + 1 + 1 + Uv(postings_offsets[0]);
  i = 1;
  for (const auto& [p, n] : pairs) {
    table += 1 + Uv(p.first.size()) + p.first.size() + Uv(p.second.size()) + p.second.size() +
             Uv(postings_offsets[i++]);
  }
  size += table;
  return size + 6 * 8 + 4;  // TOC
}

// --- Fixture -----------------------------------------------------------------

struct Fixture {
  std::string dir;
  std::vector<Labels> series;
  std::vector<std::vector<ChunkMeta>> chunks;
  std::unique_ptr<IndexReader> index;
  uint64_t index_bytes = 0;
  uint64_t index_bytes_1chunk = 0;
  uint64_t prom_bytes = 0;
  uint64_t prom_bytes_1chunk = 0;

  Fixture() {
    char tmpl[] = "/tmp/vigil-postings-bench-XXXXXX";
    dir = ::mkdtemp(tmpl);
    series = WorkloadSeries(100000);
    chunks = WorkloadChunks(series, 4);  // a 2 h block
    index_bytes = Write(dir + "/index", chunks);
    auto one = WorkloadChunks(series, 1);  // the 30 min workload
    index_bytes_1chunk = Write(dir + "/index1", one);
    prom_bytes = PrometheusIndexSize(series, chunks);
    prom_bytes_1chunk = PrometheusIndexSize(series, one);
    auto r = IndexReader::Open(dir + "/index");
    if (!r.ok()) abort();
    index = std::move(*r);
  }
  uint64_t Write(const std::string& path, const std::vector<std::vector<ChunkMeta>>& cs) {
    auto w = IndexWriter::Create(path);
    if (!w.ok()) abort();
    for (size_t i = 0; i < series.size(); ++i) {
      if (!(*w)->AddSeries(series[i], cs[i]).ok()) abort();
    }
    if (!(*w)->Finish().ok()) abort();
    return (*w)->file_size();
  }

  PostingsList P(std::string_view name, std::string_view value) const {
    auto p = index->Postings(name, value);
    if (!p.ok()) abort();
    return *p;
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();  // leaked; removed by atexit below
  static bool registered = [] {
    atexit([] { (void)fs::RemoveAll(F().dir); });
    return true;
  }();
  (void)registered;
  return *f;
}

PostingsList RandomList(std::mt19937_64& rng, size_t n, uint64_t universe) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng() % universe;
  return MakePostings(std::move(v));
}

// --- Benchmarks --------------------------------------------------------------

void BM_IndexSize(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) benchmark::DoNotOptimize(f.index_bytes);
  double n = static_cast<double>(f.series.size());
  state.counters["series"] = n;
  state.counters["vigil_B_per_series_4chunks"] = f.index_bytes / n;
  state.counters["prom_B_per_series_4chunks"] = f.prom_bytes / n;
  state.counters["vigil_B_per_series_1chunk"] = f.index_bytes_1chunk / n;
  state.counters["prom_B_per_series_1chunk"] = f.prom_bytes_1chunk / n;
  const auto& sec = f.index->sections();
  state.counters["B_symbols"] = sec.symbols / n;
  state.counters["B_series"] = sec.series / n;
  state.counters["B_series_table"] = sec.series_table / n;
  state.counters["B_postings"] = sec.postings / n;
  state.counters["B_label_table"] = sec.label_table / n;
  state.counters["symbols"] = static_cast<double>(f.index->NumSymbols());
  state.counters["pairs"] = static_cast<double>(f.index->NumLabelPairs());
}
BENCHMARK(BM_IndexSize)->Iterations(1);

void BM_IndexWrite(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) benchmark::DoNotOptimize(f.Write(f.dir + "/index-w", f.chunks));
  state.SetItemsProcessed(state.iterations() * f.series.size());
}
BENCHMARK(BM_IndexWrite)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_IndexOpen(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) benchmark::DoNotOptimize(IndexReader::Open(f.dir + "/index").ok());
}
BENCHMARK(BM_IndexOpen)->Unit(benchmark::kMicrosecond);

void BM_IntersectTwoLarge(benchmark::State& state) {
  std::mt19937_64 rng(1);
  auto a = RandomList(rng, 50000, 100000), b = RandomList(rng, 50000, 100000);
  for (auto _ : state) benchmark::DoNotOptimize(Intersect(a, b));
  state.SetItemsProcessed(state.iterations() * (a.size() + b.size()));
}
BENCHMARK(BM_IntersectTwoLarge);

void BM_IntersectSmallLarge(benchmark::State& state) {
  std::mt19937_64 rng(2);
  auto a = RandomList(rng, static_cast<size_t>(state.range(0)), 100000);
  auto b = RandomList(rng, 50000, 100000);
  for (auto _ : state) benchmark::DoNotOptimize(Intersect(a, b));
  state.SetItemsProcessed(state.iterations() * (a.size() + b.size()));
}
BENCHMARK(BM_IntersectSmallLarge)->Arg(100)->Arg(1000)->Arg(3000)->Arg(10000);

void BM_IntersectMany(benchmark::State& state) {
  std::mt19937_64 rng(3);
  std::vector<PostingsList> lists;
  for (int i = 0; i < state.range(0); ++i) lists.push_back(RandomList(rng, 60000, 100000));
  for (auto _ : state) benchmark::DoNotOptimize(IntersectAll(lists));
}
BENCHMARK(BM_IntersectMany)->Arg(3)->Arg(8);

// Real lists: cluster x job x node_cpu name.
void BM_IntersectIndexLists(benchmark::State& state) {
  Fixture& f = F();
  std::vector<PostingsList> lists = {f.P("cluster", "prod-eu-1"), f.P("job", "node-exporter"),
                                     f.P("__name__", "node_cpu_seconds_total")};
  for (auto _ : state) benchmark::DoNotOptimize(IntersectAll(lists));
}
BENCHMARK(BM_IntersectIndexLists);

void BM_MergeMany(benchmark::State& state) {
  std::mt19937_64 rng(4);
  const size_t k = static_cast<size_t>(state.range(0));
  const uint64_t universe = 100000;
  // Disjoint lists like the postings of the values of one label.
  std::vector<PostingsList> lists(k);
  size_t total = static_cast<size_t>(state.range(1));
  for (size_t i = 0; i < total; ++i) lists[rng() % k].push_back(rng() % universe);
  for (auto& l : lists) l = MakePostings(std::move(l));
  bool bitmap = state.range(2) != 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bitmap ? MergeAll(lists, universe) : MergeAll(lists));
  }
  state.SetItemsProcessed(state.iterations() * total);
}
BENCHMARK(BM_MergeMany)
    ->ArgNames({"lists", "refs", "bitmap"})
    ->Args({2, 100000, 0})
    ->Args({10, 50000, 0})
    ->Args({10, 50000, 1})
    ->Args({1000, 75000, 0})
    ->Args({1000, 75000, 1})
    ->Args({1000, 2000, 0})
    ->Args({1000, 2000, 1});

void BM_Subtract(benchmark::State& state) {
  std::mt19937_64 rng(5);
  auto a = RandomList(rng, 60000, 100000);
  auto b = RandomList(rng, static_cast<size_t>(state.range(0)), 100000);
  for (auto _ : state) benchmark::DoNotOptimize(Subtract(a, b));
}
BENCHMARK(BM_Subtract)->Arg(100)->Arg(30000);

void BM_PostingsDecode(benchmark::State& state) {
  Fixture& f = F();
  const char* cases[][2] = {{"job", "kubernetes-pods"}, {"__name__", "up"}, {"cpu", "0"}};
  const auto& c = cases[state.range(0)];
  size_t n = 0;
  for (auto _ : state) {
    auto p = f.index->Postings(c[0], c[1]);
    n = p->size();
    benchmark::DoNotOptimize(p);
  }
  state.SetLabel(fmt::format("{}={} ({} refs)", c[0], c[1], n));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_PostingsDecode)->DenseRange(0, 2);

std::vector<model::Matcher> Parse(int which) {
  using model::Matcher;
  using model::MatchType;
  auto re = [](const char* n, const char* v) {
    return *Matcher::Make(MatchType::kRegexMatch, n, v);
  };
  auto nre = [](const char* n, const char* v) {
    return *Matcher::Make(MatchType::kRegexNoMatch, n, v);
  };
  switch (which) {
    case 0:
      return {Matcher::Equal("__name__", "node_cpu_seconds_total"), Matcher::Equal("mode", "idle")};
    case 1:
      return {Matcher::Equal("__name__", "node_cpu_seconds_total"), re("instance", "10\\.1.*")};
    case 2:
      return {re("instance", "10\\.1[0-9]\\..*:9100")};
    case 3:
      return {Matcher::Equal("__name__", "http_request_duration_seconds_bucket"),
              Matcher::Equal("handler", "/healthz"), Matcher::NotEqual("namespace", "kube-system")};
    case 4:
      return {Matcher::Equal("job", "kubernetes-pods"), nre("namespace", "staging-.*")};
    case 5:
      return {re("__name__", "node_network_.*_bytes_total"), Matcher::Equal("device", "eth0")};
    case 6:
      return {Matcher::Equal("__name__", "up")};
    case 7:
      return {re("__name__", ".+")};
  }
  return {};
}

void BM_Select(benchmark::State& state) {
  Fixture& f = F();
  auto ms = Parse(static_cast<int>(state.range(0)));
  std::string desc;
  for (const auto& m : ms) desc += (desc.empty() ? "" : ",") + m.ToString();
  size_t n = 0;
  for (auto _ : state) {
    auto r = Select(*f.index, ms);
    n = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(fmt::format("{{{}}} -> {}", desc, n));
}
BENCHMARK(BM_Select)->DenseRange(0, 7)->Unit(benchmark::kMicrosecond);

// Labels and chunk metas of every series a selector returns.
void BM_SeriesAfterSelect(benchmark::State& state) {
  Fixture& f = F();
  auto refs = *Select(*f.index, Parse(0));
  bool cursor = state.range(0) != 0;
  for (auto _ : state) {
    SeriesCursor c(f.index.get());
    model::Labels ls;
    std::vector<ChunkMeta> cs;
    for (uint64_t ref : refs) {
      Status s = cursor ? c.Get(ref, &ls, &cs) : f.index->Series(ref, &ls, &cs);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(state.iterations() * refs.size());
  state.SetLabel(cursor ? "cursor" : "random access");
}
BENCHMARK(BM_SeriesAfterSelect)->Arg(0)->Arg(1);

void BM_SeriesAllSequential(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) {
    SeriesCursor c(f.index.get());
    model::Labels ls;
    std::vector<ChunkMeta> cs;
    for (uint64_t ref = 0; ref < f.index->NumSeries(); ++ref) {
      benchmark::DoNotOptimize(c.Get(ref, &ls, &cs));
    }
  }
  state.SetItemsProcessed(state.iterations() * f.index->NumSeries());
}
BENCHMARK(BM_SeriesAllSequential)->Unit(benchmark::kMillisecond);

void BM_LabelValues(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) benchmark::DoNotOptimize(f.index->LabelValues("instance"));
}
BENCHMARK(BM_LabelValues);

}  // namespace
}  // namespace vigil::tsdb::block
