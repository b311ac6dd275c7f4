// The meminfo collector (node_memory_*, one family per /proc/meminfo field)
// and the vmstat collector (node_vmstat_*, the fields the pattern selects).
#include "collect/host/collectors.h"
#include "collect/host/proc_reader.h"

namespace vigil::host {

namespace {

class MeminfoCollector : public SubCollector {
 public:
  explicit MeminfoCollector(const Options& opts) : path_(opts.proc_path + "/meminfo") {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.empty()) continue;
      std::string_view key = fields_[0];
      if (key.empty() || key.back() != ':' || fields_.size() > 3 || fields_.size() < 2) {
        return Status::Corruption("invalid line in " + path_ + ": " + std::string(line));
      }
      key.remove_suffix(1);
      double v;
      if (!ParseDouble(fields_[1], &v)) {
        return Status::Corruption("invalid value in " + path_ + ": " + std::string(line));
      }
      // "Active(anon)" reads as Active_anon; a line with a unit is in kB.
      name_.assign("node_memory_");
      size_t open = key.find('(');
      size_t close = key.rfind(')');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        name_.append(key.substr(0, open));
        name_.push_back('_');
        name_.append(key.substr(open + 1, close - open - 1));
        name_.append(key.substr(close + 1));
      } else {
        name_.append(key);
      }
      if (fields_.size() == 3) {
        v *= 1024;
        name_.append("_bytes");
      }
      help_.assign("Memory information field ");
      help_.append(std::string_view(name_).substr(12));
      help_.push_back('.');
      page->Family(name_, help_, MetricType::kGauge);
      page->Sample(v);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  std::string buf_;
  std::string name_;
  std::string help_;
  std::vector<std::string_view> fields_;
};

class VmstatCollector : public SubCollector {
 public:
  VmstatCollector(const Options& opts, std::unique_ptr<NameFilter> fields)
      : path_(opts.proc_path + "/vmstat"), fields_filter_(std::move(fields)) {}

  Status Update(PageWriter* page) override {
    VIGIL_RETURN_IF_ERROR(ReadFileInto(path_, &buf_));
    std::string_view rest = buf_, line;
    while (NextLine(&rest, &line)) {
      SplitFields(line, &fields_);
      if (fields_.size() != 2 || !fields_filter_->Matches(fields_[0])) continue;
      double v;
      if (!ParseDouble(fields_[1], &v)) {
        return Status::Corruption("invalid value in " + path_ + ": " + std::string(line));
      }
      name_.assign("node_vmstat_");
      name_.append(fields_[0]);
      help_.assign("/proc/vmstat information field ");
      help_.append(fields_[0]);
      help_.push_back('.');
      page->Family(name_, help_, MetricType::kUntyped);
      page->Sample(v);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  std::unique_ptr<NameFilter> fields_filter_;
  std::string buf_;
  std::string name_;
  std::string help_;
  std::vector<std::string_view> fields_;
};

}  // namespace

std::unique_ptr<SubCollector> NewMeminfoCollector(const Options& opts) {
  return std::make_unique<MeminfoCollector>(opts);
}

Result<std::unique_ptr<SubCollector>> NewVmstatCollector(const Options& opts) {
  VIGIL_ASSIGN_OR_RETURN(auto filter, NameFilter::New("vmstat_fields", opts.vmstat_fields));
  return std::unique_ptr<SubCollector>(std::make_unique<VmstatCollector>(opts, std::move(filter)));
}

}  // namespace vigil::host
