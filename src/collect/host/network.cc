// Network collectors: netdev (node_network_{receive,transmit}_*_total from
// /proc/net/dev), netstat (node_netstat_* from /proc/net/{netstat,snmp,snmp6},
// the fields the pattern selects), sockstat and softnet.
#include <unistd.h>

#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

class NetdevCollector : public SubCollector {
 public:
  NetdevCollector(const Options& opts, std::unique_ptr<NameFilter> exclude)
      : path_(opts.proc_path + "/net/dev"),
        sys_class_net_(opts.sys_path + "/class/net/"),
        exclude_(std::move(exclude)) {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    std::string_view rest = buf_, line;
    // Line 2 names the columns: " face |bytes packets ...|bytes packets ...".
    if (!NextLine(&rest, &line) || !NextLine(&rest, &line)) {
      return Status::Corruption("no header in " + path_);
    }
    size_t bar1 = line.find('|');
    size_t bar2 = bar1 == std::string_view::npos ? bar1 : line.find('|', bar1 + 1);
    if (bar2 == std::string_view::npos) return Status::Corruption("bad header in " + path_);
    keys_.clear();
    SplitFields(line.substr(bar1 + 1, bar2 - bar1 - 1), &fields_);
    for (std::string_view f : fields_) keys_.push_back("receive_" + std::string(f));
    SplitFields(line.substr(bar2 + 1), &fields_);
    for (std::string_view f : fields_) keys_.push_back("transmit_" + std::string(f));

    size_t n = 0;
    while (NextLine(&rest, &line)) {
      size_t colon = line.rfind(':');
      if (colon == std::string_view::npos) continue;
      std::string_view dev = TrimSpace(line.substr(0, colon));
      if (exclude_->Matches(dev)) continue;
      SplitFields(line.substr(colon + 1), &fields_);
      if (fields_.size() != keys_.size()) {
        return Status::Corruption("field count mismatch in " + path_ + " for " + std::string(dev));
      }
      if (devices_.size() <= n) devices_.emplace_back();
      Device& d = devices_[n++];
      d.name.assign(dev);
      d.values.resize(fields_.size());
      for (size_t i = 0; i < fields_.size(); ++i) {
        uint64_t v;
        if (!ParseUint(fields_[i], &v)) {
          return Status::Corruption("invalid value in " + path_ + " for " + std::string(dev));
        }
        d.values[i] = static_cast<double>(v);
      }
      // Not in /proc/net/dev; node_exporter gets it over netlink.
      uint64_t nohandler;
      d.has_nohandler =
          ReadUintFile(sys_class_net_ + d.name + "/statistics/rx_nohandler", &scratch_, &nohandler);
      d.nohandler = static_cast<double>(nohandler);
    }
    devices_.resize(n);

    for (size_t k = 0; k < keys_.size(); ++k) {
      Family(page, keys_[k]);
      for (const Device& d : devices_) page->Sample({{"device", d.name}}, d.values[k]);
    }
    Family(page, "receive_nohandler");
    for (const Device& d : devices_) {
      if (d.has_nohandler) page->Sample({{"device", d.name}}, d.nohandler);
    }
    return Status::OK();
  }

 private:
  struct Device {
    std::string name;
    std::vector<double> values;
    bool has_nohandler = false;
    double nohandler = 0;
  };

  void Family(PageWriter* page, const std::string& key) {
    name_.assign("node_network_");
    name_.append(key);
    name_.append("_total");
    help_.assign("Network device statistic ");
    help_.append(key);
    help_.push_back('.');
    page->Family(name_, help_, MetricType::kCounter);
  }

  std::string path_;
  std::string sys_class_net_;
  std::unique_ptr<NameFilter> exclude_;
  std::string buf_;
  std::string scratch_;
  std::string name_;
  std::string help_;
  std::vector<std::string> keys_;
  std::vector<std::string_view> fields_;
  std::vector<Device> devices_;
};

class NetstatCollector : public SubCollector {
 public:
  NetstatCollector(const Options& opts, std::unique_ptr<NameFilter> fields)
      : netstat_path_(opts.proc_path + "/net/netstat"),
        snmp_path_(opts.proc_path + "/net/snmp"),
        snmp6_path_(opts.proc_path + "/net/snmp6"),
        fields_filter_(std::move(fields)) {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(netstat_path_, &buf_).WithContext("couldn't get netstats"));
    VIGIL_RETURN_IF_ERROR(EmitPairs(page, netstat_path_));
    VIGIL_RETURN_IF_ERROR(ReadFileInto(snmp_path_, &buf_).WithContext("couldn't get SNMP stats"));
    VIGIL_RETURN_IF_ERROR(EmitPairs(page, snmp_path_));
    Status s = ReadFileInto(snmp6_path_, &buf_);
    if (s.IsNotFound()) return Status::OK();  // IPv6 disabled
    VIGIL_RETURN_IF_ERROR(s.WithContext("couldn't get SNMP6 stats"));
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.size() < 2) continue;
      // "Icmp6InMsgs 4": the protocol runs up to and including the "6".
      size_t six = fields_[0].find('6');
      if (six == std::string_view::npos) continue;
      VIGIL_RETURN_IF_ERROR(
          EmitOne(page, fields_[0].substr(0, six + 1), fields_[0].substr(six + 1), fields_[1]));
    }
    return Status::OK();
  }

 private:
  // "Proto: Name1 Name2 ...\nProto: v1 v2 ...", repeated.
  Status EmitPairs(PageWriter* page, const std::string& path) {
    std::string_view rest = buf_, names, values;
    while (NextLine(&rest, &names)) {
      if (!NextLine(&rest, &values)) return Status::Corruption("odd line count in " + path);
      SplitFields(names, &fields_);
      SplitFields(values, &values_);
      if (fields_.empty() || fields_.size() != values_.size() || fields_[0] != values_[0]) {
        return Status::Corruption("mismatched lines in " + path);
      }
      std::string_view proto = fields_[0];
      if (!proto.empty() && proto.back() == ':') proto.remove_suffix(1);
      for (size_t i = 1; i < fields_.size(); ++i) {
        VIGIL_RETURN_IF_ERROR(EmitOne(page, proto, fields_[i], values_[i]));
      }
    }
    return Status::OK();
  }

  Status EmitOne(PageWriter* page, std::string_view proto, std::string_view name,
                 std::string_view value) {
    key_.assign(proto);
    key_.push_back('_');
    key_.append(name);
    double v;
    if (!ParseDouble(value, &v)) {
      return Status::Corruption("invalid value " + std::string(value) + " in netstats");
    }
    if (!fields_filter_->Matches(key_)) return Status::OK();
    name_.assign("node_netstat_");
    name_.append(key_);
    help_.assign("Statistic ");
    help_.append(proto);
    help_.append(name);
    help_.push_back('.');
    page->Family(name_, help_, MetricType::kUntyped);
    page->Sample(v);
    return Status::OK();
  }

  std::string netstat_path_;
  std::string snmp_path_;
  std::string snmp6_path_;
  std::unique_ptr<NameFilter> fields_filter_;
  std::string buf_;
  std::string key_;
  std::string name_;
  std::string help_;
  std::vector<std::string_view> fields_;
  std::vector<std::string_view> values_;
};

class SockstatCollector : public SubCollector {
 public:
  explicit SockstatCollector(const Options& opts)
      : path4_(opts.proc_path + "/net/sockstat"),
        path6_(opts.proc_path + "/net/sockstat6"),
        page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))) {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path4_, &buf_));
    VIGIL_RETURN_IF_ERROR(Emit(page, path4_, /*ipv6=*/false));
    Status s = ReadFileInto(path6_, &buf_);
    if (s.IsNotFound()) return Status::OK();  // absent when IPv6 is disabled
    VIGIL_RETURN_IF_ERROR(s);
    return Emit(page, path6_, /*ipv6=*/true);
  }

 private:
  Status Emit(PageWriter* page, const std::string& path, bool ipv6) {
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.size() < 3 || fields_[0].back() != ':' || fields_.size() % 2 != 1) continue;
      std::string_view proto = fields_[0].substr(0, fields_[0].size() - 1);
      if (proto == "sockets") {
        double used;
        if (ipv6 || fields_[1] != "used") continue;
        if (!ParseDouble(fields_[2], &used)) return Status::Corruption("bad value in " + path);
        page->Family("node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                     MetricType::kGauge);
        page->Sample(used);
        continue;
      }
      double mem = -1;
      for (size_t i = 1; i + 1 < fields_.size(); i += 2) {
        std::string_view state = fields_[i];
        if (state != "inuse" && state != "orphan" && state != "tw" && state != "alloc" &&
            state != "mem" && state != "memory") {
          continue;
        }
        double v;
        if (!ParseDouble(fields_[i + 1], &v)) return Status::Corruption("bad value in " + path);
        One(page, proto, state, v);
        if (state == "mem") mem = v;
      }
      if (mem >= 0) One(page, proto, "mem_bytes", mem * page_size_);
    }
    return Status::OK();
  }

  void One(PageWriter* page, std::string_view proto, std::string_view state, double v) {
    name_.assign("node_sockstat_");
    name_.append(proto);
    name_.push_back('_');
    name_.append(state);
    help_.assign("Number of ");
    help_.append(proto);
    help_.append(" sockets in state ");
    help_.append(state);
    help_.push_back('.');
    page->Family(name_, help_, MetricType::kGauge);
    page->Sample(v);
  }

  std::string path4_;
  std::string path6_;
  double page_size_;
  std::string buf_;
  std::string name_;
  std::string help_;
  std::vector<std::string_view> fields_;
};

class SoftnetCollector : public SubCollector {
 public:
  explicit SoftnetCollector(const Options& opts) : path_(opts.proc_path + "/net/softnet_stat") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    rows_.clear();
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.empty()) continue;
      if (fields_.size() < 9) return Status::Corruption("too few columns in " + path_);
      Row r;
      r.cpu = std::to_string(rows_.size());
      uint64_t v[3];
      for (int i = 0; i < 3; ++i) {
        if (!ParseHex(fields_[i], &v[i])) return Status::Corruption("bad value in " + path_);
      }
      r.processed = static_cast<double>(v[0]);
      r.dropped = static_cast<double>(v[1]);
      r.squeezed = static_cast<double>(v[2]);
      rows_.push_back(std::move(r));
    }
    page->Family("node_softnet_processed_total", "Number of processed packets",
                 MetricType::kCounter);
    for (const Row& r : rows_) page->Sample({{"cpu", r.cpu}}, r.processed);
    page->Family("node_softnet_dropped_total", "Number of dropped packets", MetricType::kCounter);
    for (const Row& r : rows_) page->Sample({{"cpu", r.cpu}}, r.dropped);
    page->Family("node_softnet_times_squeezed_total",
                 "Number of times processing packets ran out of quota", MetricType::kCounter);
    for (const Row& r : rows_) page->Sample({{"cpu", r.cpu}}, r.squeezed);
    return Status::OK();
  }

 private:
  struct Row {
    std::string cpu;
    double processed, dropped, squeezed;
  };
  std::string path_;
  std::string buf_;
  std::vector<std::string_view> fields_;
  std::vector<Row> rows_;
};

}  // namespace

Result<std::unique_ptr<SubCollector>> NewNetdevCollector(const Options& opts) {
  VIGIL_ASSIGN_OR_RETURN(auto exclude,
                         NameFilter::New("netdev_device_exclude", opts.netdev_device_exclude));
  return std::unique_ptr<SubCollector>(std::make_unique<NetdevCollector>(opts, std::move(exclude)));
}

Result<std::unique_ptr<SubCollector>> NewNetstatCollector(const Options& opts) {
  VIGIL_ASSIGN_OR_RETURN(auto fields, NameFilter::New("netstat_fields", opts.netstat_fields));
  return std::unique_ptr<SubCollector>(std::make_unique<NetstatCollector>(opts, std::move(fields)));
}

std::unique_ptr<SubCollector> NewSockstatCollector(const Options& opts) {
  return std::make_unique<SockstatCollector>(opts);
}

std::unique_ptr<SubCollector> NewSoftnetCollector(const Options& opts) {
  return std::make_unique<SoftnetCollector>(opts);
}

}  // namespace vigil::host
