// Smaller node_exporter collectors: netclass (node_network_* properties of
// /sys/class/net), conntrack, timex (adjtimex), udp_queues, arp and os.
#include <sys/timex.h>

#include <array>
#include <cerrno>

#include "base/file.h"
#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

// An attribute file as procfs reads it: decimal, or hex with 0x ("flags").
bool ParseAttribute(std::string_view text, double* v) {
  text = TrimSpace(text);
  if (text.starts_with("0x")) {
    uint64_t u;
    if (!ParseHex(text.substr(2), &u)) return false;
    *v = static_cast<double>(u);
    return true;
  }
  int64_t i;
  if (!ParseInt(text, &i)) return false;
  *v = static_cast<double>(i);
  return true;
}

class NetclassCollector : public SubCollector {
 public:
  explicit NetclassCollector(const Options& opts) : dir_(opts.sys_path + "/class/net") {}

  Status Update(PageWriter* page) override {
    VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs::ListDir(dir_));
    devices_.clear();
    for (const std::string& name : names) {
      std::string dev_dir = dir_ + "/" + name;
      if (!fs::IsDir(dev_dir)) continue;  // bonding_masters and the like
      Device d;
      d.name = name;
      for (size_t i = 0; i < kProps.size(); ++i) {
        d.has[i] = ReadFileInto(dev_dir + "/" + kProps[i].file, &buf_).ok() &&
                   ParseAttribute(buf_, &d.values[i]);
      }
      ReadText(dev_dir + "/address", &d.address);
      ReadText(dev_dir + "/broadcast", &d.broadcast);
      ReadText(dev_dir + "/duplex", &d.duplex);
      ReadText(dev_dir + "/ifalias", &d.ifalias);
      ReadText(dev_dir + "/operstate", &d.operstate);
      devices_.push_back(std::move(d));
    }

    page->Family("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
                 MetricType::kGauge);
    for (const Device& d : devices_) page->Sample({{"device", d.name}}, d.operstate == "up");
    page->Family("node_network_info",
                 "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                 MetricType::kGauge);
    for (const Device& d : devices_) {
      page->Sample({{"address", d.address},
                    {"broadcast", d.broadcast},
                    {"device", d.name},
                    {"duplex", d.duplex},
                    {"ifalias", d.ifalias},
                    {"operstate", d.operstate}},
                   1);
    }
    for (size_t i = 0; i < kProps.size(); ++i) {
      name_.assign("node_network_");
      name_.append(kProps[i].metric);
      help_.assign("Network device property: ");
      help_.append(kProps[i].metric);
      page->Family(name_, help_, kProps[i].type);
      for (const Device& d : devices_) {
        if (!d.has[i]) continue;
        double v = d.values[i];
        // Mbit/s in sysfs; bytes/s on the page (-1, unknown, stays negative).
        if (kProps[i].file == std::string_view("speed")) v = v * 1000 * 1000 / 8;
        page->Sample({{"device", d.name}}, v);
      }
    }
    return Status::OK();
  }

 private:
  struct Prop {
    const char* file;
    const char* metric;
    MetricType type;
  };
  static constexpr std::array<Prop, 17> kProps = {{
      {"addr_assign_type", "address_assign_type", MetricType::kGauge},
      {"carrier", "carrier", MetricType::kGauge},
      {"carrier_changes", "carrier_changes_total", MetricType::kCounter},
      {"carrier_up_count", "carrier_up_changes_total", MetricType::kCounter},
      {"carrier_down_count", "carrier_down_changes_total", MetricType::kCounter},
      {"dev_id", "device_id", MetricType::kGauge},
      {"dormant", "dormant", MetricType::kGauge},
      {"flags", "flags", MetricType::kGauge},
      {"ifindex", "iface_id", MetricType::kGauge},
      {"iflink", "iface_link", MetricType::kGauge},
      {"link_mode", "iface_link_mode", MetricType::kGauge},
      {"mtu", "mtu_bytes", MetricType::kGauge},
      {"name_assign_type", "name_assign_type", MetricType::kGauge},
      {"netdev_group", "net_dev_group", MetricType::kGauge},
      {"speed", "speed_bytes", MetricType::kGauge},
      {"tx_queue_len", "transmit_queue_length", MetricType::kGauge},
      {"type", "protocol_type", MetricType::kGauge},
  }};

  struct Device {
    std::string name;
    std::array<double, kProps.size()> values{};
    std::array<bool, kProps.size()> has{};
    std::string address, broadcast, duplex, ifalias, operstate;
  };

  void ReadText(const std::string& path, std::string* out) {
    if (ReadFileInto(path, &buf_).ok()) {
      out->assign(TrimSpace(buf_));
    } else {
      out->clear();
    }
  }

  std::string dir_;
  std::string buf_;
  std::string name_;
  std::string help_;
  std::vector<Device> devices_;
};

class ConntrackCollector : public SubCollector {
 public:
  explicit ConntrackCollector(const Options& opts)
      : count_path_(opts.proc_path + "/sys/net/netfilter/nf_conntrack_count"),
        max_path_(opts.proc_path + "/sys/net/netfilter/nf_conntrack_max"),
        stat_path_(opts.proc_path + "/net/stat/nf_conntrack") {}

  Status Update(PageWriter* page) override {
    double count, max;
    if (!ReadDoubleFile(count_path_, &buf_, &count) || !ReadDoubleFile(max_path_, &buf_, &max)) {
      return Status::NotFound("conntrack: no data (nf_conntrack not loaded?)");
    }
    // Per-CPU rows of hex counters under a header naming the columns, summed.
    VIGIL_RETURN_IF_ERROR(ReadFileInto(stat_path_, &buf_));
    std::array<double, kStats.size()> sums{};
    std::array<int, kStats.size()> column;
    column.fill(-1);
    std::string_view rest = buf_, line;
    if (!NextLine(&rest, &line)) return Status::Corruption("empty " + stat_path_);
    SplitFields(line, &fields_);
    for (size_t c = 0; c < fields_.size(); ++c) {
      for (size_t s = 0; s < kStats.size(); ++s) {
        if (fields_[c] == kStats[s].column) column[s] = static_cast<int>(c);
      }
    }
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.empty()) continue;
      for (size_t s = 0; s < kStats.size(); ++s) {
        if (column[s] < 0 || static_cast<size_t>(column[s]) >= fields_.size()) continue;
        uint64_t v;
        if (!ParseHex(fields_[column[s]], &v)) return Status::Corruption("bad " + stat_path_);
        sums[s] += static_cast<double>(v);
      }
    }
    page->Family("node_nf_conntrack_entries",
                 "Number of currently allocated flow entries for connection tracking.",
                 MetricType::kGauge);
    page->Sample(count);
    page->Family("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
                 MetricType::kGauge);
    page->Sample(max);
    for (size_t s = 0; s < kStats.size(); ++s) {
      if (column[s] < 0) continue;
      page->Family(kStats[s].metric, kStats[s].help, MetricType::kGauge);
      page->Sample(sums[s]);
    }
    return Status::OK();
  }

 private:
  struct Stat {
    const char* column;
    const char* metric;
    const char* help;
  };
  static constexpr std::array<Stat, 8> kStats = {{
      {"found", "node_nf_conntrack_stat_found",
       "Number of searched entries which were successful."},
      {"invalid", "node_nf_conntrack_stat_invalid",
       "Number of packets seen which can not be tracked."},
      {"ignore", "node_nf_conntrack_stat_ignore",
       "Number of packets seen which are already connected to a conntrack entry."},
      {"insert", "node_nf_conntrack_stat_insert", "Number of entries inserted into the list."},
      {"insert_failed", "node_nf_conntrack_stat_insert_failed",
       "Number of entries for which list insertion was attempted but failed."},
      {"drop", "node_nf_conntrack_stat_drop",
       "Number of packets dropped due to conntrack failure."},
      {"early_drop", "node_nf_conntrack_stat_early_drop",
       "Number of dropped conntrack entries to make room for new ones, if maximum table size was "
       "reached."},
      {"search_restart", "node_nf_conntrack_stat_search_restart",
       "Number of conntrack table lookups which had to be restarted due to hashtable resizes."},
  }};

  std::string count_path_;
  std::string max_path_;
  std::string stat_path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
};

class TimexCollector : public SubCollector {
 public:
  Status Update(PageWriter* page) override {
    struct timex tx = {};
    int state = ::adjtimex(&tx);
    if (state < 0) return Status::FromErrno("adjtimex", errno);
    constexpr double kMicro = 1e6;
    constexpr double kNano = 1e9;
    constexpr double kPpm16Frac = 1000000.0 * 65536.0;  // adjtimex(2), NOTES
    const double divisor = (tx.status & STA_NANO) != 0 ? kNano : kMicro;
    auto gauge = [&](const char* name, const char* help, double v) {
      page->Family(name, help, MetricType::kGauge);
      page->Sample(v);
    };
    auto counter = [&](const char* name, const char* help, double v) {
      page->Family(name, help, MetricType::kCounter);
      page->Sample(v);
    };
    gauge("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
          state == TIME_ERROR ? 0 : 1);
    gauge("node_timex_offset_seconds", "Time offset in between local system and reference clock.",
          static_cast<double>(tx.offset) / divisor);
    gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.",
          1 + static_cast<double>(tx.freq) / kPpm16Frac);
    gauge("node_timex_maxerror_seconds", "Maximum error in seconds.",
          static_cast<double>(tx.maxerror) / kMicro);
    gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.",
          static_cast<double>(tx.esterror) / kMicro);
    gauge("node_timex_status", "Value of the status array bits.", static_cast<double>(tx.status));
    gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.",
          static_cast<double>(tx.constant));
    gauge("node_timex_tick_seconds", "Seconds between clock ticks.",
          static_cast<double>(tx.tick) / kMicro);
    gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.",
          static_cast<double>(tx.ppsfreq) / kPpm16Frac);
    gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.",
          static_cast<double>(tx.jitter) / divisor);
    gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.",
          static_cast<double>(tx.shift));
    gauge("node_timex_pps_stability_hertz",
          "Pulse per second stability, average of recent frequency changes.",
          static_cast<double>(tx.stabil) / kPpm16Frac);
    counter("node_timex_pps_jitter_total",
            "Pulse per second count of jitter limit exceeded events.",
            static_cast<double>(tx.jitcnt));
    counter("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.",
            static_cast<double>(tx.calcnt));
    counter("node_timex_pps_error_total", "Pulse per second count of calibration errors.",
            static_cast<double>(tx.errcnt));
    counter("node_timex_pps_stability_exceeded_total",
            "Pulse per second count of stability limit exceeded events.",
            static_cast<double>(tx.stbcnt));
    gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.",
          static_cast<double>(tx.tai));
    return Status::OK();
  }
};

class UdpQueuesCollector : public SubCollector {
 public:
  explicit UdpQueuesCollector(const Options& opts)
      : v4_path_(opts.proc_path + "/net/udp"), v6_path_(opts.proc_path + "/net/udp6") {}

  Status Update(PageWriter* page) override {
    double tx4 = 0, rx4 = 0, tx6 = 0, rx6 = 0;
    Status s4 = Sum(v4_path_, &tx4, &rx4);
    if (!s4.ok() && !s4.IsNotFound()) return s4;
    Status s6 = Sum(v6_path_, &tx6, &rx6);
    if (!s6.ok() && !s6.IsNotFound()) return s6;
    if (!s4.ok() && !s6.ok()) return Status::NotFound("udp_queues: no data");
    page->Family("node_udp_queues",
                 "Number of allocated memory in the kernel for UDP datagrams in bytes.",
                 MetricType::kGauge);
    if (s4.ok()) {
      page->Sample({{"ip", "v4"}, {"queue", "tx"}}, tx4);
      page->Sample({{"ip", "v4"}, {"queue", "rx"}}, rx4);
    }
    if (s6.ok()) {
      page->Sample({{"ip", "v6"}, {"queue", "tx"}}, tx6);
      page->Sample({{"ip", "v6"}, {"queue", "rx"}}, rx6);
    }
    return Status::OK();
  }

 private:
  // Column 5 is "tx_queue:rx_queue" in hex.
  Status Sum(const std::string& path, double* tx, double* rx) {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path, &buf_));
    std::string_view rest = buf_, line;
    NextLine(&rest, &line);  // header
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.size() < 5) continue;
      std::string_view q = fields_[4];
      size_t colon = q.find(':');
      uint64_t t, r;
      if (colon == std::string_view::npos || !ParseHex(q.substr(0, colon), &t) ||
          !ParseHex(q.substr(colon + 1), &r)) {
        return Status::Corruption("bad queue column in " + path);
      }
      *tx += static_cast<double>(t);
      *rx += static_cast<double>(r);
    }
    return Status::OK();
  }

  std::string v4_path_;
  std::string v6_path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
};

class ArpCollector : public SubCollector {
 public:
  explicit ArpCollector(const Options& opts) : path_(opts.proc_path + "/net/arp") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    counts_.clear();
    std::string_view rest = buf_, line;
    NextLine(&rest, &line);  // header
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.size() < 6) continue;
      counts_[std::string(fields_[5])] += 1;
    }
    page->Family("node_arp_entries", "ARP entries by device", MetricType::kGauge);
    for (const auto& [dev, n] : counts_) page->Sample({{"device", dev}}, n);
    return Status::OK();
  }

 private:
  std::string path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
  std::map<std::string, double> counts_;
};

class OsCollector : public SubCollector {
 public:
  explicit OsCollector(const Options& opts) {
    std::string root = opts.rootfs_path;
    while (!root.empty() && root.back() == '/') root.pop_back();
    paths_ = {root + "/etc/os-release", root + "/usr/lib/os-release"};
  }

  Status Update(PageWriter* page) override {
    Status s;
    for (const std::string& p : paths_) {
      s = ReadFileInto(p, &buf_);
      if (s.ok()) break;
    }
    VIGIL_RETURN_IF_ERROR(s);
    std::map<std::string, std::string, std::less<>> kv;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      line = TrimSpace(line);
      if (line.empty() || line.front() == '#') continue;
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      kv[std::string(line.substr(0, eq))] = Unquote(line.substr(eq + 1));
    }
    auto get = [&](std::string_view k) -> std::string_view {
      auto it = kv.find(k);
      return it == kv.end() ? std::string_view() : std::string_view(it->second);
    };
    page->Family("node_os_info",
                 "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
                 "image_version, name, pretty_name, variant, variant_id, version, "
                 "version_codename, version_id.",
                 MetricType::kGauge);
    page->Sample({{"build_id", get("BUILD_ID")},
                  {"id", get("ID")},
                  {"id_like", get("ID_LIKE")},
                  {"image_id", get("IMAGE_ID")},
                  {"image_version", get("IMAGE_VERSION")},
                  {"name", get("NAME")},
                  {"pretty_name", get("PRETTY_NAME")},
                  {"variant", get("VARIANT")},
                  {"variant_id", get("VARIANT_ID")},
                  {"version", get("VERSION")},
                  {"version_codename", get("VERSION_CODENAME")},
                  {"version_id", get("VERSION_ID")}},
                 1);
    // The leading major[.minor] of VERSION_ID as a number ("22.04.1" is 22.04).
    std::string_view vid = get("VERSION_ID");
    size_t end = 0;
    while (end < vid.size() && vid[end] >= '0' && vid[end] <= '9') ++end;
    if (end > 0 && end < vid.size() && vid[end] == '.') {
      ++end;
      while (end < vid.size() && vid[end] >= '0' && vid[end] <= '9') ++end;
    }
    double version;
    if (end > 0 && ParseDouble(vid.substr(0, end), &version)) {
      page->Family("node_os_version", "Metric containing the major.minor part of the OS version.",
                   MetricType::kGauge);
      page->Sample({{"id", get("ID")}, {"id_like", get("ID_LIKE")}, {"name", get("NAME")}},
                   version);
    }
    return Status::OK();
  }

 private:
  // os-release(5) values: shell-style, optionally quoted, with \-escapes.
  static std::string Unquote(std::string_view v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
      char q = v.front();
      v = v.substr(1, v.size() - 2);
      if (q == '\'') return std::string(v);
    }
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;
  }

  std::vector<std::string> paths_;
  std::string buf_;
};

}  // namespace

std::unique_ptr<SubCollector> NewNetclassCollector(const Options& opts) {
  return std::make_unique<NetclassCollector>(opts);
}
std::unique_ptr<SubCollector> NewConntrackCollector(const Options& opts) {
  return std::make_unique<ConntrackCollector>(opts);
}
std::unique_ptr<SubCollector> NewTimexCollector(const Options&) {
  return std::make_unique<TimexCollector>();
}
std::unique_ptr<SubCollector> NewUdpQueuesCollector(const Options& opts) {
  return std::make_unique<UdpQueuesCollector>(opts);
}
std::unique_ptr<SubCollector> NewArpCollector(const Options& opts) {
  return std::make_unique<ArpCollector>(opts);
}
std::unique_ptr<SubCollector> NewOsCollector(const Options& opts) {
  return std::make_unique<OsCollector>(opts);
}

}  // namespace vigil::host
