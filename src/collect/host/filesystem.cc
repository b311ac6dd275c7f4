// The filesystem collector: node_filesystem_*{device,fstype,mountpoint} for
// each mount of /proc/1/mounts (falling back to /proc/mounts) that the
// excludes let through, sized with statfs(2) as node_exporter does.
#include <sys/vfs.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "base/logging.h"

#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

struct Mount {
  std::string device;
  std::string mount_point;
  std::string fs_type;
  bool read_only = false;
  bool device_error = false;
  double size = 0, free = 0, avail = 0, files = 0, files_free = 0;
};

// fstab(5) escapes in mount points: \040 is a space, \011 a tab.
std::string UnescapeMountPoint(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.substr(i, 4) == "\\040") {
      out.push_back(' ');
      i += 3;
    } else if (s[i] == '\\' && s.substr(i, 4) == "\\011") {
      out.push_back('\t');
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// statfs(2), retried on EINTR: 0 or the errno.
int StatfsPath(const std::string& path, struct statfs* st) {
  for (;;) {
    if (::statfs(path.c_str(), st) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

// A statfs of a network or FUSE filesystem blocks for as long as its server
// is away; those run on a helper thread the scrape does not wait for long.
bool MayHang(std::string_view fs_type) {
  for (std::string_view t :
       {"nfs", "cifs", "smb", "fuse", "ceph", "gluster", "9p", "afs", "lustre", "davfs", "sshfs"}) {
    if (fs_type.find(t) != std::string_view::npos) return true;
  }
  return false;
}

// Paths whose statfs has not returned yet: skipped (device_error 1) until it
// does, as node_exporter does with its stuck mounts.
struct StuckPaths {
  std::mutex mu;
  std::set<std::string> paths;
};

// statfs on a detached thread, waited for up to `timeout`. False if it has
// not returned in time; the path then stays in *stuck until it does.
bool StatfsWithTimeout(const std::string& path, std::chrono::milliseconds timeout,
                       const std::shared_ptr<StuckPaths>& stuck, struct statfs* st, int* err) {
  struct Call {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    bool abandoned = false;
    int err = 0;
    struct statfs st;
  };
  auto call = std::make_shared<Call>();
  std::thread([call, path, stuck] {
    struct statfs result;
    int e = StatfsPath(path, &result);
    std::lock_guard<std::mutex> l(call->mu);
    call->st = result;
    call->err = e;
    call->done = true;
    if (call->abandoned) {
      std::lock_guard<std::mutex> s(stuck->mu);
      stuck->paths.erase(path);
    }
    call->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> l(call->mu);
  if (!call->cv.wait_for(l, timeout, [&] { return call->done; })) {
    call->abandoned = true;
    std::lock_guard<std::mutex> s(stuck->mu);
    stuck->paths.insert(path);
    return false;
  }
  *st = call->st;
  *err = call->err;
  return true;
}

class FilesystemCollector : public SubCollector {
 public:
  FilesystemCollector(const Options& opts, std::unique_ptr<NameFilter> mount_points_exclude,
                      std::unique_ptr<NameFilter> fs_types_exclude)
      : init_mounts_path_(opts.proc_path + "/1/mounts"),
        mounts_path_(opts.proc_path + "/mounts"),
        rootfs_(opts.rootfs_path),
        mount_timeout_(opts.filesystem_mount_timeout_ms),
        stuck_(std::make_shared<StuckPaths>()),
        mount_points_exclude_(std::move(mount_points_exclude)),
        fs_types_exclude_(std::move(fs_types_exclude)) {
    while (rootfs_.size() > 1 && rootfs_.back() == '/') rootfs_.pop_back();
  }

  Status Update(PageWriter* page) override {
    // /proc/1/mounts shows the host's mounts when we run in a container with
    // the host's /proc; hidepid can hide it, then ours must do.
    if (!ReadFileInto(init_mounts_path_, &buf_).ok()) {
      VIGIL_RETURN_IF_ERROR(ReadFileInto(mounts_path_, &buf_));
    }
    mounts_.clear();
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.empty()) continue;
      if (fields_.size() < 4) {
        return Status::Corruption("malformed mount point information: " + std::string(line));
      }
      Mount m;
      m.mount_point = StripRootfs(UnescapeMountPoint(fields_[1]));
      if (mount_points_exclude_->Matches(m.mount_point)) continue;
      if (fs_types_exclude_->Matches(fields_[2])) continue;
      m.device.assign(fields_[0]);
      m.fs_type.assign(fields_[2]);
      if (!seen.emplace(m.device, m.mount_point, m.fs_type).second) continue;
      std::string_view options = fields_[3];
      while (!options.empty()) {
        size_t comma = options.find(',');
        std::string_view opt = options.substr(0, comma);
        if (opt == "ro") m.read_only = true;
        options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
      }
      Stat(&m);
      mounts_.push_back(std::move(m));
    }

    page->Family("node_filesystem_device_error",
                 "Whether an error occurred while getting statistics for the given device.",
                 MetricType::kGauge);
    for (const Mount& m : mounts_) Emit(page, m, m.device_error ? 1 : 0);
    page->Family("node_filesystem_readonly", "Filesystem read-only status.", MetricType::kGauge);
    for (const Mount& m : mounts_) Emit(page, m, m.read_only ? 1 : 0);
    Family(page, "node_filesystem_size_bytes", "Filesystem size in bytes.", &Mount::size);
    Family(page, "node_filesystem_free_bytes", "Filesystem free space in bytes.", &Mount::free);
    Family(page, "node_filesystem_avail_bytes",
           "Filesystem space available to non-root users in bytes.", &Mount::avail);
    Family(page, "node_filesystem_files", "Filesystem total file nodes.", &Mount::files);
    Family(page, "node_filesystem_files_free", "Filesystem total free file nodes.",
           &Mount::files_free);
    return Status::OK();
  }

 private:
  void Family(PageWriter* page, const char* name, const char* help, double Mount::*field) {
    page->Family(name, help, MetricType::kGauge);
    for (const Mount& m : mounts_) {
      if (!m.device_error) Emit(page, m, m.*field);
    }
  }

  // The labels in client_golang's (sorted) order.
  static void Emit(PageWriter* page, const Mount& m, double value) {
    page->Sample({{"device", m.device}, {"fstype", m.fs_type}, {"mountpoint", m.mount_point}},
                 value);
  }

  std::string StripRootfs(std::string mount_point) const {
    if (rootfs_ == "/" || rootfs_.empty()) return mount_point;
    if (mount_point.compare(0, rootfs_.size(), rootfs_) == 0) {
      mount_point.erase(0, rootfs_.size());
      if (mount_point.empty()) mount_point = "/";
    }
    return mount_point;
  }

  void Stat(Mount* m) {
    std::string path = rootfs_ == "/" ? m->mount_point : rootfs_ + m->mount_point;
    struct statfs st;
    int err = 0;
    if (MayHang(m->fs_type)) {
      {
        std::lock_guard<std::mutex> l(stuck_->mu);
        if (stuck_->paths.count(path)) {
          m->device_error = true;
          return;
        }
      }
      if (!StatfsWithTimeout(path, mount_timeout_, stuck_, &st, &err)) {
        log::Get("host")->warn(
            "statfs of {} ({}) did not return within {} ms; skipping it until "
            "it does",
            path, m->fs_type, mount_timeout_.count());
        m->device_error = true;
        return;
      }
    } else {
      err = StatfsPath(path, &st);
    }
    if (err != 0) {
      m->device_error = true;
      return;
    }
    double bsize = static_cast<double>(st.f_bsize);
    m->size = static_cast<double>(st.f_blocks) * bsize;
    m->free = static_cast<double>(st.f_bfree) * bsize;
    m->avail = static_cast<double>(st.f_bavail) * bsize;
    m->files = static_cast<double>(st.f_files);
    m->files_free = static_cast<double>(st.f_ffree);
  }

  std::string init_mounts_path_;
  std::string mounts_path_;
  std::string rootfs_;
  std::chrono::milliseconds mount_timeout_;
  std::shared_ptr<StuckPaths> stuck_;  // shared with helper threads that outlive a scrape
  std::unique_ptr<NameFilter> mount_points_exclude_;
  std::unique_ptr<NameFilter> fs_types_exclude_;
  std::string buf_;
  std::vector<std::string_view> fields_;
  std::vector<Mount> mounts_;
};

}  // namespace

Result<std::unique_ptr<SubCollector>> NewFilesystemCollector(const Options& opts) {
  VIGIL_ASSIGN_OR_RETURN(auto mp, NameFilter::New("filesystem_mount_points_exclude",
                                                  opts.filesystem_mount_points_exclude));
  VIGIL_ASSIGN_OR_RETURN(
      auto ft, NameFilter::New("filesystem_fs_types_exclude", opts.filesystem_fs_types_exclude));
  return std::unique_ptr<SubCollector>(
      std::make_unique<FilesystemCollector>(opts, std::move(mp), std::move(ft)));
}

}  // namespace vigil::host
