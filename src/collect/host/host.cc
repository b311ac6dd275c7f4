#include "collect/host/host.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>

#include "base/logging.h"
#include "collect/host/collectors.h"
#include "collect/host/exposition.h"

namespace vigil::host {

Result<std::unique_ptr<NameFilter>> NameFilter::New(std::string_view flag,
                                                    const std::string& pattern) {
  std::unique_ptr<NameFilter> f(new NameFilter());
  if (!pattern.empty()) {
    RE2::Options re_opts;
    re_opts.set_log_errors(false);
    f->re_ = std::make_unique<RE2>(pattern, re_opts);
    if (!f->re_->ok()) {
      return Status::InvalidArgument("host collector: invalid " + std::string(flag) + " \"" +
                                     pattern + "\": " + f->re_->error());
    }
  }
  return f;
}

NameFilter::~NameFilter() = default;

bool NameFilter::Matches(std::string_view name) {
  if (re_ == nullptr) return false;
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  bool match = RE2::PartialMatch(name, *re_);
  // Names come from the kernel and are few; the bound only guards against a
  // machine whose devices churn without end (containers' veths).
  if (cache_.size() > 4096) cache_.clear();
  cache_.emplace(std::string(name), match);
  return match;
}

namespace {

using Factory = Result<std::unique_ptr<SubCollector>> (*)(const Options&);

template <std::unique_ptr<SubCollector> (*F)(const Options&)>
Result<std::unique_ptr<SubCollector>> Infallible(const Options& opts) {
  return F(opts);
}

struct Entry {
  const char* name;
  Factory factory;
};

// node_exporter's collector names, in its (alphabetical) order.
constexpr Entry kCollectors[] = {
    {"arp", &Infallible<NewArpCollector>},
    {"conntrack", &Infallible<NewConntrackCollector>},
    {"cpu", &Infallible<NewCpuCollector>},
    {"diskstats", &NewDiskstatsCollector},
    {"entropy", &Infallible<NewEntropyCollector>},
    {"filefd", &Infallible<NewFilefdCollector>},
    {"filesystem", &NewFilesystemCollector},
    {"loadavg", &Infallible<NewLoadavgCollector>},
    {"meminfo", &Infallible<NewMeminfoCollector>},
    {"netclass", &Infallible<NewNetclassCollector>},
    {"netdev", &NewNetdevCollector},
    {"netstat", &NewNetstatCollector},
    {"os", &Infallible<NewOsCollector>},
    {"pressure", &Infallible<NewPressureCollector>},
    {"sockstat", &Infallible<NewSockstatCollector>},
    {"softnet", &Infallible<NewSoftnetCollector>},
    {"stat", &Infallible<NewStatCollector>},
    {"time", &Infallible<NewTimeCollector>},
    {"timex", &Infallible<NewTimexCollector>},
    {"udp_queues", &Infallible<NewUdpQueuesCollector>},
    {"uname", &Infallible<NewUnameCollector>},
    {"vmstat", &NewVmstatCollector},
};

class CollectorImpl : public Collector {
 public:
  struct Named {
    std::string name;
    std::unique_ptr<SubCollector> collector;
    double seconds = 0;
    bool ok = false;
  };

  explicit CollectorImpl(std::vector<Named> subs) : subs_(std::move(subs)) {}

  Status Collect(std::string* out) override {
    PageWriter page(out);
    for (Named& sub : subs_) {
      size_t mark = out->size();
      auto start = std::chrono::steady_clock::now();
      Status s = sub.collector->Update(&page);
      sub.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      sub.ok = s.ok();
      if (!s.ok()) {
        out->resize(mark);  // no half-written families
        log::Get("host")->debug("collector {} failed: {}", sub.name, s.ToString());
      }
    }
    page.Family("node_scrape_collector_duration_seconds",
                "node_exporter: Duration of a collector scrape.", MetricType::kGauge);
    for (const Named& sub : subs_) page.Sample({{"collector", sub.name}}, sub.seconds);
    page.Family("node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                MetricType::kGauge);
    for (const Named& sub : subs_) page.Sample({{"collector", sub.name}}, sub.ok ? 1 : 0);
    return Status::OK();
  }

 private:
  std::vector<Named> subs_;
};

}  // namespace

std::vector<std::string> CollectorNames() {
  std::vector<std::string> names;
  for (const Entry& e : kCollectors) names.emplace_back(e.name);
  return names;
}

Result<std::unique_ptr<Collector>> Collector::New(const Options& opts) {
  for (const std::string& d : opts.disabled_collectors) {
    bool known = std::any_of(std::begin(kCollectors), std::end(kCollectors),
                             [&](const Entry& e) { return d == e.name; });
    if (!known) return Status::InvalidArgument("host collector: unknown collector \"" + d + "\"");
  }
  std::vector<CollectorImpl::Named> subs;
  for (const Entry& e : kCollectors) {
    if (std::find(opts.disabled_collectors.begin(), opts.disabled_collectors.end(), e.name) !=
        opts.disabled_collectors.end()) {
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SubCollector> sub, e.factory(opts));
    subs.push_back({e.name, std::move(sub)});
  }
  return std::unique_ptr<Collector>(std::make_unique<CollectorImpl>(std::move(subs)));
}

}  // namespace vigil::host
