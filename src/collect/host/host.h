// The host collector: this machine's CPU, memory, load, disks, filesystems,
// network, processes and uptime, read from /proc and /sys, under
// node_exporter's metric names, labels, HELP and TYPE, so dashboards and
// alert rules written for node_exporter work unchanged.
//
// It renders Prometheus text exposition (0.0.4) into a buffer; the scrape
// layer parses that like any target's page (an in-process target), so the
// host's series get `up`, staleness and relabeling like every other target.
//
// Thread-safety: a Collector may be used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vigil::host {

struct Options {
  // Roots, so tests can point at a fixture tree.
  std::string proc_path = "/proc";
  std::string sys_path = "/sys";
  std::string rootfs_path = "/";
  // node_exporter's defaults for --collector.filesystem.mount-points-exclude,
  // --collector.filesystem.fs-types-exclude, --collector.netdev.device-exclude
  // (none by default) and --collector.diskstats.device-exclude (RE2, anchored).
  std::string filesystem_mount_points_exclude =
      "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
  std::string filesystem_fs_types_exclude =
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
      "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|"
      "squashfs|sysfs|tracefs)$";
  std::string netdev_device_exclude;  // empty: none
  std::string diskstats_device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  // node_exporter's --collector.netstat.fields and --collector.vmstat.fields
  // (the fields exported; matched against "Proto_Name" and the vmstat key).
  std::string netstat_fields =
      "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
      "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"
      "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"
      "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
  std::string vmstat_fields = "^(oom_kill|pgpg|pswp|pg.*fault).*";
  // udev's database (node_exporter's --path.udev.data): model, serial, etc.
  // of disks for node_disk_info. Empty: do not look.
  std::string udev_data_path = "/run/udev/data";
  // How long a statfs of a network or FUSE filesystem may take before the
  // mount is reported with device_error 1 and skipped until it answers
  // (node_exporter's --collector.filesystem.mount-timeout).
  int64_t filesystem_mount_timeout_ms = 5000;
  // Collectors to leave out, by node_exporter's name ("netstat", "softnet").
  std::vector<std::string> disabled_collectors;
  // Nanoseconds since the epoch for node_time_seconds; unset: the system clock.
  std::function<int64_t()> now_nanos;
};

// Every collector Vigil implements (node_exporter's names), in page order;
// Options::disabled_collectors takes these.
std::vector<std::string> CollectorNames();

class Collector {
 public:
  static Result<std::unique_ptr<Collector>> New(const Options& opts);
  virtual ~Collector() = default;

  // Appends one full exposition page to *out (HELP, TYPE and samples, no
  // timestamps). A sub-collector that fails (a file missing on this kernel)
  // is reported as node_scrape_collector_success{collector="..."} 0, as
  // node_exporter does, and does not fail the page.
  virtual Status Collect(std::string* out) = 0;
};

}  // namespace vigil::host
