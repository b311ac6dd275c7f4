// host/collectors: the sub-collectors behind host::Collector, one per
// node_exporter collector of the same name (cpu, meminfo, diskstats, ...).
//
// Each Update reads its files once and appends whole families to the page.
// An Update that fails leaves the page as it found it (host.cc truncates),
// and the failure shows as node_scrape_collector_success{collector} 0.
//
// Owned by the host collector; internal to src/collect/host.
// Thread-safety: a sub-collector is used by one thread at a time (it keeps
// read buffers and, for cpu, the previous sample between scrapes).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "collect/host/exposition.h"
#include "collect/host/host.h"

namespace re2 {
class RE2;
}

namespace vigil::host {

class SubCollector {
 public:
  virtual ~SubCollector() = default;
  virtual Status Update(PageWriter* page) = 0;
};

// An exclude pattern (Go's regexp MatchString: unanchored unless the pattern
// says ^...$) with its answers cached: device, mount and field names repeat
// on every scrape, so each distinct name is matched once.
class NameFilter {
 public:
  // An empty pattern matches nothing.
  static Result<std::unique_ptr<NameFilter>> New(std::string_view flag, const std::string& pattern);
  ~NameFilter();
  bool Matches(std::string_view name);

 private:
  NameFilter() = default;
  std::unique_ptr<re2::RE2> re_;
  std::map<std::string, bool, std::less<>> cache_;
};

// Sub-collectors that cannot fail to construct.
std::unique_ptr<SubCollector> NewCpuCollector(const Options& opts);
std::unique_ptr<SubCollector> NewMeminfoCollector(const Options& opts);
std::unique_ptr<SubCollector> NewLoadavgCollector(const Options& opts);
std::unique_ptr<SubCollector> NewStatCollector(const Options& opts);
std::unique_ptr<SubCollector> NewFilefdCollector(const Options& opts);
std::unique_ptr<SubCollector> NewTimeCollector(const Options& opts);
std::unique_ptr<SubCollector> NewUnameCollector(const Options& opts);
std::unique_ptr<SubCollector> NewEntropyCollector(const Options& opts);
std::unique_ptr<SubCollector> NewPressureCollector(const Options& opts);
std::unique_ptr<SubCollector> NewSockstatCollector(const Options& opts);
std::unique_ptr<SubCollector> NewSoftnetCollector(const Options& opts);
std::unique_ptr<SubCollector> NewNetclassCollector(const Options& opts);
std::unique_ptr<SubCollector> NewConntrackCollector(const Options& opts);
std::unique_ptr<SubCollector> NewTimexCollector(const Options& opts);
std::unique_ptr<SubCollector> NewUdpQueuesCollector(const Options& opts);
std::unique_ptr<SubCollector> NewArpCollector(const Options& opts);
std::unique_ptr<SubCollector> NewOsCollector(const Options& opts);
// Sub-collectors with a filter pattern from Options.
Result<std::unique_ptr<SubCollector>> NewVmstatCollector(const Options& opts);
Result<std::unique_ptr<SubCollector>> NewDiskstatsCollector(const Options& opts);
Result<std::unique_ptr<SubCollector>> NewFilesystemCollector(const Options& opts);
Result<std::unique_ptr<SubCollector>> NewNetdevCollector(const Options& opts);
Result<std::unique_ptr<SubCollector>> NewNetstatCollector(const Options& opts);

}  // namespace vigil::host
