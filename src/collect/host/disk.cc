// The diskstats collector: node_disk_* from /proc/diskstats (every field the
// kernel provides, up to the 17 of Linux 5.5+), with node_disk_info and,
// when udev has a record of the device, its filesystem and ATA properties.
#include <fmt/format.h>
#include <array>

#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

// The kernel counts sectors of 512 bytes whatever the device's block size.
constexpr double kSectorBytes = 512.0;
// Times are in milliseconds; multiplied (not divided) as node_exporter does,
// so the printed digits agree ("1704.6380000000001").
constexpr double kSecondsPerTick = 0.001;

struct StatDesc {
  const char* name;
  const char* help;
  MetricType type;
  double factor;  // 0: none
};

constexpr int kMaxStats = 17;
constexpr std::array<StatDesc, kMaxStats> kStats = {{
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
     MetricType::kCounter, 0},
    {"node_disk_reads_merged_total", "The total number of reads merged.", MetricType::kCounter, 0},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.",
     MetricType::kCounter, kSectorBytes},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
     MetricType::kCounter, kSecondsPerTick},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
     MetricType::kCounter, 0},
    {"node_disk_writes_merged_total", "The number of writes merged.", MetricType::kCounter, 0},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
     MetricType::kCounter, kSectorBytes},
    {"node_disk_write_time_seconds_total",
     "This is the total number of seconds spent by all writes.", MetricType::kCounter,
     kSecondsPerTick},
    {"node_disk_io_now", "The number of I/Os currently in progress.", MetricType::kGauge, 0},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MetricType::kCounter,
     kSecondsPerTick},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     MetricType::kCounter, kSecondsPerTick},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     MetricType::kCounter, 0},
    {"node_disk_discards_merged_total", "The total number of discards merged.",
     MetricType::kCounter, 0},
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     MetricType::kCounter, 0},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", MetricType::kCounter,
     kSecondsPerTick},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     MetricType::kCounter, 0},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", MetricType::kCounter,
     kSecondsPerTick},
}};

struct Disk {
  std::string device;
  std::string major;
  std::string minor;
  int stat_count = 0;
  std::array<double, kMaxStats> stats{};
  // From udev's database (E:KEY=VALUE lines); empty when udev has none.
  std::map<std::string, std::string, std::less<>> udev;

  std::string_view Udev(std::string_view key) const {
    auto it = udev.find(key);
    return it == udev.end() ? std::string_view() : std::string_view(it->second);
  }
};

class DiskstatsCollector : public SubCollector {
 public:
  DiskstatsCollector(const Options& opts, std::unique_ptr<NameFilter> exclude)
      : path_(opts.proc_path + "/diskstats"),
        udev_dir_(opts.udev_data_path),
        exclude_(std::move(exclude)) {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    size_t n = 0;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.empty()) continue;
      if (fields_.size() < 14) {
        return Status::Corruption("invalid line in " + path_ + ": " + std::string(line));
      }
      if (exclude_->Matches(fields_[2])) continue;
      if (disks_.size() <= n) disks_.emplace_back();
      Disk& d = disks_[n++];
      d.major.assign(fields_[0]);
      d.minor.assign(fields_[1]);
      d.device.assign(fields_[2]);
      d.stat_count = std::min<int>(kMaxStats, static_cast<int>(fields_.size()) - 3);
      for (int i = 0; i < d.stat_count; ++i) {
        uint64_t v;
        if (!ParseUint(fields_[3 + i], &v)) {
          return Status::Corruption("invalid value in " + path_ + ": " + std::string(line));
        }
        d.stats[i] = static_cast<double>(v);
        if (kStats[i].factor != 0) d.stats[i] *= kStats[i].factor;
      }
      ReadUdev(&d);
    }
    disks_.resize(n);

    page->Family("node_disk_info", "Info of /sys/block/<block_device>.", MetricType::kGauge);
    for (const Disk& d : disks_) {
      page->Sample({{"device", d.device},
                    {"major", d.major},
                    {"minor", d.minor},
                    {"model", d.Udev("ID_MODEL")},
                    {"path", d.Udev("ID_PATH")},
                    {"revision", d.Udev("ID_REVISION")},
                    {"serial", d.Udev("ID_SERIAL_SHORT")},
                    {"wwn", d.Udev("ID_WWN")}},
                   1);
    }
    for (int i = 0; i < kMaxStats; ++i) {
      page->Family(kStats[i].name, kStats[i].help, kStats[i].type);
      for (const Disk& d : disks_) {
        if (i < d.stat_count) page->Sample({{"device", d.device}}, d.stats[i]);
      }
    }
    page->Family("node_disk_filesystem_info", "Info about disk filesystem.", MetricType::kGauge);
    for (const Disk& d : disks_) {
      if (d.Udev("ID_FS_TYPE").empty()) continue;
      page->Sample({{"device", d.device},
                    {"type", d.Udev("ID_FS_TYPE")},
                    {"usage", d.Udev("ID_FS_USAGE")},
                    {"uuid", d.Udev("ID_FS_UUID")},
                    {"version", d.Udev("ID_FS_VERSION")}},
                   1);
    }
    page->Family("node_disk_device_mapper_info", "Info about disk device mapper.",
                 MetricType::kGauge);
    for (const Disk& d : disks_) {
      if (d.Udev("DM_NAME").empty()) continue;
      page->Sample({{"device", d.device},
                    {"lv_layer", d.Udev("DM_LV_LAYER")},
                    {"lv_name", d.Udev("DM_LV_NAME")},
                    {"name", d.Udev("DM_NAME")},
                    {"uuid", d.Udev("DM_UUID")},
                    {"vg_name", d.Udev("DM_VG_NAME")}},
                   1);
    }
    AtaFamily(page, "node_disk_ata_write_cache", "ATA disk has a write cache.",
              "ID_ATA_WRITE_CACHE");
    AtaFamily(page, "node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled.",
              "ID_ATA_WRITE_CACHE_ENABLED");
    AtaFamily(page, "node_disk_ata_rotation_rate_rpm",
              "ATA disk rotation rate in RPMs (0 for SSDs).", "ID_ATA_ROTATION_RATE_RPM");
    return Status::OK();
  }

 private:
  void AtaFamily(PageWriter* page, const char* name, const char* help, std::string_view key) {
    page->Family(name, help, MetricType::kGauge);
    for (const Disk& d : disks_) {
      if (d.Udev("ID_ATA").empty()) continue;
      std::string_view text = d.Udev(key);
      double v;
      if (!text.empty() && ParseDouble(text, &v)) page->Sample({{"device", d.device}}, v);
    }
  }

  void ReadUdev(Disk* d) {
    d->udev.clear();
    if (udev_dir_.empty()) return;
    std::string path = fmt::format("{}/b{}:{}", udev_dir_, d->major, d->minor);
    if (!ReadFileInto(path, &udev_buf_).ok()) return;  // no udev: labels stay empty
    std::string_view rest = udev_buf_, line;
    while (NextLine(&rest, &line)) {
      if (!line.starts_with("E:")) continue;
      line.remove_prefix(2);
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      d->udev.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
  }

  std::string path_;
  std::string udev_dir_;
  std::unique_ptr<NameFilter> exclude_;
  std::string buf_;
  std::string udev_buf_;
  std::vector<std::string_view> fields_;
  std::vector<Disk> disks_;
};

}  // namespace

Result<std::unique_ptr<SubCollector>> NewDiskstatsCollector(const Options& opts) {
  VIGIL_ASSIGN_OR_RETURN(
      auto exclude, NameFilter::New("diskstats_device_exclude", opts.diskstats_device_exclude));
  return std::unique_ptr<SubCollector>(
      std::make_unique<DiskstatsCollector>(opts, std::move(exclude)));
}

}  // namespace vigil::host
