// The cpu collector: node_cpu_seconds_total{cpu,mode} and
// node_cpu_guest_seconds_total{cpu,mode} from the cpuN lines of /proc/stat.
#include <array>

#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

// /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 for user space.
constexpr double kUserHz = 100.0;
// An idle counter that goes back by this much means the CPU was hot-plugged:
// start that CPU afresh instead of holding the old values (node_exporter's rule).
constexpr double kJumpBackSeconds = 3.0;

// The order of the cpuN columns: user nice system idle iowait irq softirq
// steal guest guest_nice.
constexpr int kColumns = 10;
constexpr std::array<const char*, 8> kModes = {"user",   "nice", "system",  "idle",
                                               "iowait", "irq",  "softirq", "steal"};
constexpr int kGuest = 8;
constexpr int kGuestNice = 9;
constexpr int kIdle = 3;

struct CpuTimes {
  std::string cpu;  // the N of cpuN, as the label
  std::array<double, kColumns> seconds{};
};

class CpuCollector : public SubCollector {
 public:
  explicit CpuCollector(const Options& opts) : path_(opts.proc_path + "/stat") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    size_t n = 0;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9') {
        continue;
      }
      SplitFields(line, &fields_);
      if (fields_.size() < 5) return Status::Corruption("short cpu line in " + path_);
      if (fresh_.size() <= n) fresh_.emplace_back();
      CpuTimes& t = fresh_[n++];
      t.cpu.assign(fields_[0].substr(3));
      t.seconds.fill(0);
      for (size_t i = 1; i < fields_.size() && i <= kColumns; ++i) {
        double v;
        if (!ParseDouble(fields_[i], &v)) return Status::Corruption("bad cpu value in " + path_);
        t.seconds[i - 1] = v / kUserHz;
      }
    }
    fresh_.resize(n);
    KeepMonotonic();

    page->Family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                 MetricType::kCounter);
    for (const CpuTimes& t : last_) {
      for (size_t m = 0; m < kModes.size(); ++m) {
        page->Sample({{"cpu", t.cpu}, {"mode", kModes[m]}}, t.seconds[m]);
      }
    }
    page->Family("node_cpu_guest_seconds_total",
                 "Seconds the CPUs spent in guests (VMs) for each mode.", MetricType::kCounter);
    for (const CpuTimes& t : last_) {
      // Guest time is also counted in user and nice; shown apart as node_exporter does.
      page->Sample({{"cpu", t.cpu}, {"mode", "nice"}}, t.seconds[kGuestNice]);
      page->Sample({{"cpu", t.cpu}, {"mode", "user"}}, t.seconds[kGuest]);
    }
    return Status::OK();
  }

 private:
  // Counters that the kernel reports a little lower than before (it happens
  // with some hypervisors and on hot-plug) would look like resets to rate():
  // hold the previous value instead, per column.
  void KeepMonotonic() {
    if (last_.size() != fresh_.size()) {
      last_ = fresh_;
      return;
    }
    for (size_t i = 0; i < fresh_.size(); ++i) {
      CpuTimes& old = last_[i];
      const CpuTimes& now = fresh_[i];
      if (old.cpu != now.cpu || old.seconds[kIdle] - now.seconds[kIdle] >= kJumpBackSeconds) {
        old = now;
        continue;
      }
      for (int c = 0; c < kColumns; ++c) {
        if (now.seconds[c] >= old.seconds[c]) old.seconds[c] = now.seconds[c];
      }
    }
  }

  std::string path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
  std::vector<CpuTimes> fresh_;
  std::vector<CpuTimes> last_;
};

}  // namespace

std::unique_ptr<SubCollector> NewCpuCollector(const Options& opts) {
  return std::make_unique<CpuCollector>(opts);
}

}  // namespace vigil::host
