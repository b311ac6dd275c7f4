// Whole-machine collectors with one small file (or syscall) each: loadavg,
// stat (boot time, context switches, forks, interrupts, procs), filefd,
// time (clock, zone, clocksources), uname, entropy and pressure (PSI).
#include <sys/utsname.h>

#include <chrono>
#include <ctime>

#include "base/file.h"
#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

class LoadavgCollector : public SubCollector {
 public:
  explicit LoadavgCollector(const Options& opts) : path_(opts.proc_path + "/loadavg") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    SplitFields(buf_, &fields_);
    double load[3];
    if (fields_.size() < 3) return Status::Corruption("unexpected content in " + path_);
    for (int i = 0; i < 3; ++i) {
      if (!ParseDouble(fields_[i], &load[i])) {
        return Status::Corruption("unexpected content in " + path_);
      }
    }
    page->Family("node_load1", "1m load average.", MetricType::kGauge);
    page->Sample(load[0]);
    page->Family("node_load5", "5m load average.", MetricType::kGauge);
    page->Sample(load[1]);
    page->Family("node_load15", "15m load average.", MetricType::kGauge);
    page->Sample(load[2]);
    return Status::OK();
  }

 private:
  std::string path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
};

class StatCollector : public SubCollector {
 public:
  explicit StatCollector(const Options& opts) : path_(opts.proc_path + "/stat") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    double intr = 0, ctxt = 0, btime = 0, forks = 0, running = 0, blocked = 0;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      size_t sp = line.find(' ');
      if (sp == std::string_view::npos) continue;
      std::string_view key = line.substr(0, sp);
      double* dst = nullptr;
      if (key == "intr") {
        dst = &intr;
      } else if (key == "ctxt") {
        dst = &ctxt;
      } else if (key == "btime") {
        dst = &btime;
      } else if (key == "processes") {
        dst = &forks;
      } else if (key == "procs_running") {
        dst = &running;
      } else if (key == "procs_blocked") {
        dst = &blocked;
      } else {
        continue;
      }
      std::string_view value = TrimSpace(line.substr(sp + 1));
      value = value.substr(0, value.find(' '));  // intr: the total comes first
      if (!ParseDouble(value, dst)) {
        return Status::Corruption("couldn't parse " + std::string(key) + " in " + path_);
      }
    }
    page->Family("node_intr_total", "Total number of interrupts serviced.", MetricType::kCounter);
    page->Sample(intr);
    page->Family("node_context_switches_total", "Total number of context switches.",
                 MetricType::kCounter);
    page->Sample(ctxt);
    page->Family("node_forks_total", "Total number of forks.", MetricType::kCounter);
    page->Sample(forks);
    page->Family("node_boot_time_seconds", "Node boot time, in unixtime.", MetricType::kGauge);
    page->Sample(btime);
    page->Family("node_procs_running", "Number of processes in runnable state.",
                 MetricType::kGauge);
    page->Sample(running);
    page->Family("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
                 MetricType::kGauge);
    page->Sample(blocked);
    return Status::OK();
  }

 private:
  std::string path_;
  std::string buf_;
};

class FilefdCollector : public SubCollector {
 public:
  explicit FilefdCollector(const Options& opts) : path_(opts.proc_path + "/sys/fs/file-nr") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    SplitFields(buf_, &fields_);
    double allocated, maximum;
    if (fields_.size() != 3 || !ParseDouble(fields_[0], &allocated) ||
        !ParseDouble(fields_[2], &maximum)) {
      return Status::Corruption("unexpected content in " + path_);
    }
    page->Family("node_filefd_allocated", "File descriptor statistics: allocated.",
                 MetricType::kGauge);
    page->Sample(allocated);
    page->Family("node_filefd_maximum", "File descriptor statistics: maximum.", MetricType::kGauge);
    page->Sample(maximum);
    return Status::OK();
  }

 private:
  std::string path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
};

class TimeCollector : public SubCollector {
 public:
  explicit TimeCollector(const Options& opts)
      : clocksource_dir_(opts.sys_path + "/devices/system/clocksource"),
        now_nanos_(opts.now_nanos) {}

  Status Update(PageWriter* page) override {
    int64_t nanos = now_nanos_ ? now_nanos_()
                               : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    page->Family("node_time_seconds", "System time in seconds since epoch (1970).",
                 MetricType::kGauge);
    page->Sample(static_cast<double>(nanos) / 1e9);

    time_t secs = static_cast<time_t>(nanos / 1000000000);
    struct tm local;
    if (localtime_r(&secs, &local) != nullptr) {
      page->Family("node_time_zone_offset_seconds", "System time zone offset in seconds.",
                   MetricType::kGauge);
      page->Sample({{"time_zone", local.tm_zone ? local.tm_zone : ""}},
                   static_cast<double>(local.tm_gmtoff));
    }
    return UpdateClocksources(page);
  }

 private:
  Status UpdateClocksources(PageWriter* page) {
    // Absent on some kernels and in containers: then there is nothing to say.
    if (!fs::IsDir(clocksource_dir_)) return Status::OK();
    VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(clocksource_dir_));
    struct Source {
      std::string device;
      std::string available;
      std::string current;
    };
    std::vector<Source> sources;
    for (const std::string& name : names) {
      if (name.size() <= 11 || name.compare(0, 11, "clocksource") != 0 || name[11] < '0' ||
          name[11] > '9') {
        continue;
      }
      Source s;
      s.device = std::to_string(sources.size());
      std::string dir = clocksource_dir_ + "/" + name;
      if (!ReadLineFile(dir + "/available_clocksource", &buf_, &s.available) ||
          !ReadLineFile(dir + "/current_clocksource", &buf_, &s.current)) {
        return Status::IOError("couldn't get clocksources from " + dir);
      }
      sources.push_back(std::move(s));
    }
    page->Family("node_time_clocksource_available_info",
                 "Available clocksources read from '/sys/devices/system/clocksource'.",
                 MetricType::kGauge);
    for (const Source& s : sources) {
      SplitFields(s.available, &fields_);
      for (std::string_view cs : fields_) {
        page->Sample({{"clocksource", cs}, {"device", s.device}}, 1);
      }
    }
    page->Family("node_time_clocksource_current_info",
                 "Current clocksource read from '/sys/devices/system/clocksource'.",
                 MetricType::kGauge);
    for (const Source& s : sources) {
      page->Sample({{"clocksource", TrimSpace(s.current)}, {"device", s.device}}, 1);
    }
    return Status::OK();
  }

  std::string clocksource_dir_;
  std::function<int64_t()> now_nanos_;
  std::string buf_;
  std::vector<std::string_view> fields_;
};

class UnameCollector : public SubCollector {
 public:
  Status Update(PageWriter* page) override {
    struct utsname u;
    if (::uname(&u) != 0) return Status::FromErrno("uname", errno);
    page->Family("node_uname_info",
                 "Labeled system information as provided by the uname system call.",
                 MetricType::kGauge);
    page->Sample({{"domainname", u.domainname},
                  {"machine", u.machine},
                  {"nodename", u.nodename},
                  {"release", u.release},
                  {"sysname", u.sysname},
                  {"version", u.version}},
                 1);
    return Status::OK();
  }
};

class EntropyCollector : public SubCollector {
 public:
  explicit EntropyCollector(const Options& opts)
      : avail_path_(opts.proc_path + "/sys/kernel/random/entropy_avail"),
        pool_path_(opts.proc_path + "/sys/kernel/random/poolsize") {}

  Status Update(PageWriter* page) override {
    double avail, pool;
    if (!ReadDoubleFile(avail_path_, &buf_, &avail)) {
      return Status::IOError("couldn't get entropy_avail from " + avail_path_);
    }
    if (!ReadDoubleFile(pool_path_, &buf_, &pool)) {
      return Status::IOError("couldn't get entropy poolsize from " + pool_path_);
    }
    page->Family("node_entropy_available_bits", "Bits of available entropy.", MetricType::kGauge);
    page->Sample(avail);
    page->Family("node_entropy_pool_size_bits", "Bits of entropy pool.", MetricType::kGauge);
    page->Sample(pool);
    return Status::OK();
  }

 private:
  std::string avail_path_;
  std::string pool_path_;
  std::string buf_;
};

class PressureCollector : public SubCollector {
 public:
  explicit PressureCollector(const Options& opts) : dir_(opts.proc_path + "/pressure/") {}

  Status Update(PageWriter* page) override {
    double cpu_some, cpu_full, io_some, io_full, mem_some, mem_full;
    VIGIL_RETURN_IF_ERROR(Read("cpu", &cpu_some, &cpu_full));
    VIGIL_RETURN_IF_ERROR(Read("io", &io_some, &io_full));
    VIGIL_RETURN_IF_ERROR(Read("memory", &mem_some, &mem_full));
    page->Family("node_pressure_cpu_waiting_seconds_total",
                 "Total time in seconds that processes have waited for CPU time",
                 MetricType::kCounter);
    page->Sample(cpu_some);
    page->Family("node_pressure_io_waiting_seconds_total",
                 "Total time in seconds that processes have waited due to IO congestion",
                 MetricType::kCounter);
    page->Sample(io_some);
    page->Family("node_pressure_io_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to IO congestion",
                 MetricType::kCounter);
    page->Sample(io_full);
    page->Family("node_pressure_memory_waiting_seconds_total",
                 "Total time in seconds that processes have waited for memory",
                 MetricType::kCounter);
    page->Sample(mem_some);
    page->Family("node_pressure_memory_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to memory congestion",
                 MetricType::kCounter);
    page->Sample(mem_full);
    return Status::OK();
  }

 private:
  // The total= of the "some" and "full" lines, in seconds (the file has µs).
  Status Read(const char* resource, double* some, double* full) {
    std::string path = dir_ + resource;
    Status s = ReadFileInto(path, &buf_);
    if (!s.ok()) {
      return s.WithContext(
          "pressure information is unavailable, you need a Linux kernel >= 4.20 and/or "
          "CONFIG_PSI");
    }
    *some = 0;
    *full = 0;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      double* dst = line.starts_with("some ") ? some : line.starts_with("full ") ? full : nullptr;
      if (dst == nullptr) continue;
      size_t pos = line.find("total=");
      uint64_t micros;
      if (pos == std::string_view::npos || !ParseUint(TrimSpace(line.substr(pos + 6)), &micros)) {
        return Status::Corruption("unexpected content in " + path);
      }
      // Two steps as node_exporter divides, so the printed digits agree.
      *dst = static_cast<double>(micros) / 1000.0 / 1000.0;
    }
    return Status::OK();
  }

  std::string dir_;
  std::string buf_;
};

}  // namespace

std::unique_ptr<SubCollector> NewLoadavgCollector(const Options& opts) {
  return std::make_unique<LoadavgCollector>(opts);
}
std::unique_ptr<SubCollector> NewStatCollector(const Options& opts) {
  return std::make_unique<StatCollector>(opts);
}
std::unique_ptr<SubCollector> NewFilefdCollector(const Options& opts) {
  return std::make_unique<FilefdCollector>(opts);
}
std::unique_ptr<SubCollector> NewTimeCollector(const Options& opts) {
  return std::make_unique<TimeCollector>(opts);
}
std::unique_ptr<SubCollector> NewUnameCollector(const Options&) {
  return std::make_unique<UnameCollector>();
}
std::unique_ptr<SubCollector> NewEntropyCollector(const Options& opts) {
  return std::make_unique<EntropyCollector>(opts);
}
std::unique_ptr<SubCollector> NewPressureCollector(const Options& opts) {
  return std::make_unique<PressureCollector>(opts);
}

}  // namespace vigil::host
