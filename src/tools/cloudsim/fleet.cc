// The simulated fleet: resources are made once from the seed; values are
// computed on demand from (seed, resource, metric, minute), never stored.
#include "tools/cloudsim/fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vigil::cloudsim {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr const char* kAwsAccount = "123456789012";
constexpr const char* kAzureSubscription = "00000000-0000-0000-0000-0000000000aa";
constexpr const char* kGcpProject = "example-project";

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashString(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t Mix(uint64_t a, uint64_t b) { return SplitMix(a ^ SplitMix(b)); }

// Uniform in [0, 1).
double Unit(uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }

std::string Hex(uint64_t h, int digits) {
  std::string s = fmt::format("{:016x}{:016x}", h, SplitMix(h));
  return s.substr(0, static_cast<size_t>(digits));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The upper bound of a ratio metric, or infinity.
double CapOf(const MetricDef& m) {
  if (m.unit == "Percent") return 100;
  if (m.unit == "10^2.%") return 1;
  return HUGE_VAL;
}

MetricDef Def(std::string name, std::string unit, double base, double amp, double noise,
              bool counter, std::string description) {
  MetricDef m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.base = base;
  m.daily_amplitude = amp;
  m.noise = noise;
  m.counter_like = counter;
  m.description = std::move(description);
  return m;
}

std::map<std::string, std::vector<MetricDef>> MakeMetricDefs() {
  std::map<std::string, std::vector<MetricDef>> d;
  d["AWS/EC2"] = {
      Def("CPUUtilization", "Percent", 35, 0.4, 0.15, false, "Percentage of allocated CPU in use"),
      Def("NetworkIn", "Bytes", 5e6, 0.5, 0.2, true, "Bytes received on all interfaces"),
      Def("NetworkOut", "Bytes", 8e6, 0.5, 0.2, true, "Bytes sent on all interfaces"),
      Def("DiskReadOps", "Count", 1200, 0.3, 0.25, true, "Completed read operations"),
      Def("StatusCheckFailed", "Count", 0, 0, 0, false, "1 when a status check failed"),
  };
  d["AWS/RDS"] = {
      Def("CPUUtilization", "Percent", 25, 0.3, 0.1, false, "Percentage of CPU in use"),
      Def("DatabaseConnections", "Count", 40, 0.5, 0.1, false, "Client connections in use"),
      Def("FreeStorageSpace", "Bytes", 5e10, 0.01, 0.001, false, "Available storage space"),
      Def("ReadLatency", "Seconds", 0.002, 0.2, 0.3, false, "Average time per disk read"),
  };
  d["AWS/ELB"] = {
      Def("RequestCount", "Count", 3000, 0.6, 0.15, true, "Requests completed"),
      Def("HTTPCode_Backend_5XX", "Count", 2, 0.5, 0.8, true, "5XX answers from the backends"),
      Def("Latency", "Seconds", 0.08, 0.3, 0.2, false, "Time until the backend answered"),
  };
  d["AWS/Lambda"] = {
      Def("Invocations", "Count", 600, 0.6, 0.2, true, "Function invocations"),
      Def("Errors", "Count", 1, 0.5, 0.9, true, "Invocations that failed"),
      Def("Duration", "Milliseconds", 120, 0.2, 0.25, false, "Time spent in the function"),
      Def("Throttles", "Count", 0, 0, 0, true, "Invocations throttled"),
  };
  d["AWS/S3"] = {
      Def("BucketSizeBytes", "Bytes", 2e11, 0.001, 0.0005, false, "Bytes stored"),
      Def("NumberOfObjects", "Count", 1.5e6, 0.001, 0.0005, false, "Objects stored"),
  };
  d["Microsoft.Compute/virtualMachines"] = {
      Def("Percentage CPU", "Percent", 30, 0.4, 0.15, false, "Percentage of allocated CPU in use"),
      Def("Network In Total", "Bytes", 4e6, 0.5, 0.2, true, "Bytes received on all interfaces"),
      Def("Available Memory Bytes", "Bytes", 4e9, 0.1, 0.05, false, "Memory available"),
  };
  d["Microsoft.Sql/servers/databases"] = {
      Def("cpu_percent", "Percent", 20, 0.4, 0.15, false, "CPU percentage"),
      Def("connection_successful", "Count", 50, 0.5, 0.2, true, "Successful connections"),
      Def("storage_percent", "Percent", 45, 0.01, 0.002, false, "Data space used percent"),
  };
  d["Microsoft.Storage/storageAccounts"] = {
      Def("UsedCapacity", "Bytes", 8e10, 0.001, 0.0005, false, "Capacity used"),
      Def("Transactions", "Count", 900, 0.5, 0.2, true, "Requests made"),
      Def("Availability", "Percent", 99.9, 0, 0.0005, false, "Percentage of available requests"),
  };
  d["gce_instance"] = {
      Def("compute.googleapis.com/instance/cpu/utilization", "10^2.%", 0.35, 0.4, 0.15, false,
          "Fractional utilization of allocated CPU"),
      Def("compute.googleapis.com/instance/network/received_bytes_count", "By", 3e6, 0.5, 0.2, true,
          "Bytes received from the network"),
  };
  d["cloudsql_database"] = {
      Def("cloudsql.googleapis.com/database/cpu/utilization", "10^2.%", 0.25, 0.3, 0.15, false,
          "Current CPU utilization"),
  };
  d["gcs_bucket"] = {
      Def("storage.googleapis.com/storage/total_bytes", "By", 6e10, 0.001, 0.0005, false,
          "Total size of all objects in the bucket"),
  };
  return d;
}

const char* const kEnvs[] = {"prod", "prod", "staging", "dev"};
const char* const kTeams[] = {"web", "data", "platform"};

std::map<std::string, std::string> Tags(const std::string& name, int i) {
  return {{"Name", name}, {"env", kEnvs[i % 4]}, {"team", kTeams[i % 3]}};
}

}  // namespace

double Stats::Percentile(double p) const {
  p = std::clamp(p, 0.0, 100.0);
  return minimum + (maximum - minimum) * p / 100.0;
}

Fleet::Fleet(const FleetOptions& opts) : seed_(opts.seed), metrics_(MakeMetricDefs()) {
  const int scale = std::max(1, opts.scale);
  auto add = [&](Resource r) {
    for (const MetricDef& m : metrics_[r.type]) r.metrics.push_back(&m);
    resources_.push_back(std::move(r));
  };
  auto aws_region = [](int i) { return i % 3 == 2 ? "eu-west-1" : "us-east-1"; };
  auto rid = [&](std::string_view kind, int i) { return Mix(seed_ ^ HashString(kind), i); };

  // AWS.
  for (int i = 0; i < 8 * scale; ++i) {
    Resource r;
    r.cloud = "aws";
    r.type = "AWS/EC2";
    r.region = aws_region(i);
    // The first two carry the instance ids of the SDK captures
    // (sdk-captures/aws), so replayed requests find data.
    r.name = i == 0   ? "i-0123456789abcdef0"
             : i == 1 ? "i-0fedcba9876543210"
                      : "i-0" + Hex(rid("ec2", i), 16);
    r.id = fmt::format("arn:aws:ec2:{}:{}:instance/{}", r.region, kAwsAccount, r.name);
    r.dimensions = {{"InstanceId", r.name}};
    r.tags = Tags(fmt::format("{}-{:02d}", kTeams[i % 3], i + 1), i);
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "aws";
    r.type = "AWS/RDS";
    r.region = aws_region(i);
    r.name = fmt::format("db-{}-{:02d}", kTeams[i % 3], i + 1);
    r.id = fmt::format("arn:aws:rds:{}:{}:db:{}", r.region, kAwsAccount, r.name);
    r.dimensions = {{"DBInstanceIdentifier", r.name}};
    r.tags = Tags(r.name, i);
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "aws";
    r.type = "AWS/ELB";
    r.region = aws_region(i);
    r.name = fmt::format("lb-{}-{:02d}", kTeams[i % 3], i + 1);
    r.id = fmt::format("arn:aws:elasticloadbalancing:{}:{}:loadbalancer/{}", r.region, kAwsAccount,
                       r.name);
    r.dimensions = {{"LoadBalancerName", r.name}};
    r.tags = Tags(r.name, i);
    add(std::move(r));
  }
  for (int i = 0; i < 6 * scale; ++i) {
    Resource r;
    r.cloud = "aws";
    r.type = "AWS/Lambda";
    r.region = aws_region(i);
    static const char* const kFunctions[] = {"checkout", "payments",       "thumbnailer",
                                             "notifier", "search-indexer", "auth"};
    r.name = i < 6 ? kFunctions[i] : fmt::format("{}-{}", kFunctions[i % 6], i / 6 + 1);
    r.id = fmt::format("arn:aws:lambda:{}:{}:function:{}", r.region, kAwsAccount, r.name);
    r.dimensions = {{"FunctionName", r.name}};
    r.tags = Tags(r.name, i);
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "aws";
    r.type = "AWS/S3";
    r.region = aws_region(i);
    r.name = fmt::format("vigil-sim-{}-{:02d}-{}", kTeams[i % 3], i + 1, Hex(rid("s3", i), 6));
    r.id = fmt::format("arn:aws:s3:::{}", r.name);
    r.dimensions = {{"BucketName", r.name}, {"StorageType", "StandardStorage"}};
    r.tags = Tags(r.name, i);
    add(std::move(r));
  }

  // Azure.
  const std::string sub = std::string("/subscriptions/") + kAzureSubscription;
  auto az_region = [](int i) { return i % 3 == 2 ? "westeurope" : "eastus"; };
  auto az_tags = [](int i) {
    return std::map<std::string, std::string>{{"env", kEnvs[i % 4]}, {"team", kTeams[i % 3]}};
  };
  for (int i = 0; i < 6 * scale; ++i) {
    Resource r;
    r.cloud = "azure";
    r.type = "Microsoft.Compute/virtualMachines";
    r.region = az_region(i);
    r.group = "rg-web";
    r.name = fmt::format("vm-web-{:02d}", i + 1);
    r.id = fmt::format("{}/resourceGroups/{}/providers/{}/{}", sub, r.group, r.type, r.name);
    r.tags = az_tags(i);
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "azure";
    r.type = "Microsoft.Sql/servers/databases";
    r.region = az_region(i);
    r.group = "rg-data";
    std::string server = fmt::format("sql-{}", i % 2 == 0 ? "main" : "reports");
    r.name = fmt::format("db{:02d}", i + 1);
    r.id = fmt::format("{}/resourceGroups/{}/providers/Microsoft.Sql/servers/{}/databases/{}", sub,
                       r.group, server, r.name);
    r.tags = az_tags(i);
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "azure";
    r.type = "Microsoft.Storage/storageAccounts";
    r.region = az_region(i);
    r.group = "rg-data";
    r.name = fmt::format("vigilsim{:02d}{}", i + 1, Hex(rid("sa", i), 6));
    r.id = fmt::format("{}/resourceGroups/{}/providers/{}/{}", sub, r.group, r.type, r.name);
    r.tags = az_tags(i);
    add(std::move(r));
  }

  // GCP.
  auto gcp_zone = [](int i) { return i % 3 == 2 ? "europe-west1-b" : "us-central1-a"; };
  for (int i = 0; i < 7 * scale; ++i) {
    Resource r;
    r.cloud = "gcp";
    r.type = "gce_instance";
    r.region = gcp_zone(i);
    r.name = fmt::format("gce-{}-{:02d}", kTeams[i % 3], i + 1);
    std::string instance_id =
        fmt::format("{}", rid("gce", i) % 9000000000000000000ULL + 1000000000000000000ULL);
    r.id = fmt::format("//compute.googleapis.com/projects/{}/zones/{}/instances/{}", kGcpProject,
                       r.region, r.name);
    r.dimensions = {{"project_id", kGcpProject}, {"instance_id", instance_id}, {"zone", r.region}};
    r.tags = {{"env", kEnvs[i % 4]}, {"team", kTeams[i % 3]}};
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "gcp";
    r.type = "cloudsql_database";
    r.region = gcp_zone(i);
    r.name = fmt::format("sql-{}-{:02d}", kTeams[i % 3], i + 1);
    std::string region = r.region.substr(0, r.region.rfind('-'));
    r.id = fmt::format("//cloudsql.googleapis.com/projects/{}/instances/{}", kGcpProject, r.name);
    r.dimensions = {{"project_id", kGcpProject},
                    {"database_id", fmt::format("{}:{}", kGcpProject, r.name)},
                    {"region", region}};
    r.tags = {{"env", kEnvs[i % 4]}};
    add(std::move(r));
  }
  for (int i = 0; i < 5 * scale; ++i) {
    Resource r;
    r.cloud = "gcp";
    r.type = "gcs_bucket";
    r.region = gcp_zone(i);
    r.name = fmt::format("vigil-sim-gcs-{:02d}-{}", i + 1, Hex(rid("gcs", i), 6));
    std::string location = r.region.substr(0, r.region.rfind('-'));
    r.id = fmt::format("//storage.googleapis.com/projects/_/buckets/{}", r.name);
    r.dimensions = {{"project_id", kGcpProject}, {"bucket_name", r.name}, {"location", location}};
    r.tags = {{"env", kEnvs[i % 4]}};
    add(std::move(r));
  }
}

std::vector<const Resource*> Fleet::ByCloud(const std::string& cloud) const {
  std::vector<const Resource*> out;
  for (const Resource& r : resources_) {
    if (r.cloud == cloud) out.push_back(&r);
  }
  return out;
}

const Resource* Fleet::Find(const std::string& cloud, const std::string& id) const {
  for (const Resource& r : resources_) {
    if (r.cloud == cloud && r.id == id) return &r;
  }
  return nullptr;
}

const std::vector<MetricDef>& Fleet::MetricsOf(const std::string& type) const {
  static const std::vector<MetricDef> kNone;
  auto it = metrics_.find(type);
  return it == metrics_.end() ? kNone : it->second;
}

std::vector<std::string> Fleet::Types(const std::string& cloud) const {
  std::vector<std::string> out;
  for (const Resource& r : resources_) {
    if (r.cloud == cloud && std::find(out.begin(), out.end(), r.type) == out.end()) {
      out.push_back(r.type);
    }
  }
  return out;
}

bool Fleet::HasData(const Resource& r, int64_t t_ms) const {
  // One resource in five has a 20-minute gap every six hours.
  uint64_t h = Mix(seed_, HashString(r.id));
  if (h % 5 != 0) return true;
  int64_t minute = FloorDiv(t_ms, kMinuteMs);
  int64_t offset = static_cast<int64_t>((h >> 8) % 340);
  int64_t in_block = ((minute % 360) + 360) % 360;
  return !(in_block >= offset && in_block < offset + 20);
}

double Fleet::Value(const Resource& r, const MetricDef& m, int64_t t_ms) const {
  const int64_t minute = FloorDiv(t_ms, kMinuteMs);
  const uint64_t key = Mix(Mix(seed_, HashString(r.id)), HashString(m.name));
  // A per-resource level so resources differ (0.6x .. 1.4x of the base).
  const double level = m.base * (0.6 + 0.8 * Unit(Mix(key, 0x1e7e1)));
  const double minute_of_day = static_cast<double>(((minute % 1440) + 1440) % 1440);
  // Peak at 15:00 UTC, trough at 03:00.
  const double daily =
      std::cos(2 * std::numbers::pi * (minute_of_day - 900.0) / 1440.0) * m.daily_amplitude;
  const double noise = (2 * Unit(Mix(key, static_cast<uint64_t>(minute))) - 1) * m.noise;
  double v = std::max(0.0, level * (1 + daily) * (1 + noise));

  // Incidents: in some six-hour blocks, a 15-45 minute window where the
  // metric jumps (spikes for most, a dip for availability-like metrics).
  const int64_t block = FloorDiv(minute, 360);
  const uint64_t ih = Mix(key ^ 0x1c1de47ULL, static_cast<uint64_t>(block));
  if (Unit(ih) < 0.08) {
    const int64_t start = block * 360 + static_cast<int64_t>((ih >> 20) % 300);
    const int64_t len = 15 + static_cast<int64_t>((ih >> 40) % 31);
    if (minute >= start && minute < start + len) {
      const double cap = CapOf(m);
      if (m.base == 0) {
        v = 1;
      } else if (std::isfinite(cap) && m.base > 0.9 * cap) {
        v *= 0.9;
      } else {
        v *= 3;
      }
    }
  }
  v = std::min(v, CapOf(m));
  if (m.unit == "Count" && !m.counter_like) v = std::round(v);
  if (m.counter_like) v = std::round(v);
  return v;
}

Stats Fleet::Aggregate(const Resource& r, const MetricDef& m, int64_t start_ms,
                       int64_t period_ms) const {
  Stats s;
  if (period_ms <= 0) return s;
  if (period_ms < kMinuteMs) {
    if (!HasData(r, start_ms)) return s;
    double v = Value(r, m, start_ms);
    if (m.counter_like) v = v * static_cast<double>(period_ms) / kMinuteMs;
    s.sum = s.average = s.minimum = s.maximum = v;
    s.sample_count = 1;
    return s;
  }
  const int64_t first = FloorDiv(start_ms + kMinuteMs - 1, kMinuteMs);  // minutes starting inside
  const int64_t end = FloorDiv(start_ms + period_ms - 1, kMinuteMs);
  bool any = false;
  for (int64_t minute = first; minute <= end; ++minute) {
    const int64_t t = minute * kMinuteMs;
    if (t >= start_ms + period_ms) break;
    if (!HasData(r, t)) continue;
    const double v = Value(r, m, t);
    s.sum += v;
    s.sample_count += 1;
    s.minimum = any ? std::min(s.minimum, v) : v;
    s.maximum = any ? std::max(s.maximum, v) : v;
    any = true;
  }
  if (any) s.average = s.sum / s.sample_count;
  return s;
}

}  // namespace vigil::cloudsim
