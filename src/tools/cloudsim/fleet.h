// The simulated fleet behind `vigil cloudsim`: the resources of three clouds
// and the value of each of their metrics at any time, computed (not stored)
// from a seed, so every run, every client and every test sees the same
// numbers. A value is a daily curve (peak in the afternoon, UTC) plus
// deterministic noise, plus incidents: windows where one resource's metric
// jumps (a CPU spike, an error burst). The same (resource, metric, period
// start, period) always gives the same statistics, whatever the query shape.
//
//   AWS    EC2 instances, RDS instances, ELB/ALB load balancers, Lambda
//          functions, S3 buckets, in regions us-east-1 and eu-west-1, tagged
//          (Name, env, team); account 123456789012.
//   Azure  virtual machines, SQL databases, storage accounts in subscription
//          00000000-0000-0000-0000-0000000000aa, resource groups rg-web /
//          rg-data, regions eastus / westeurope, tagged.
//   GCP    GCE instances, Cloud SQL databases, GCS buckets in project
//          example-project, zones us-central1-a / europe-west1-b.
//
// Thread-safety: a Fleet is immutable after construction; every method may
// be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vigil::cloudsim {

struct MetricDef {
  std::string name;            // CloudWatch MetricName / Azure metric name / GCP metric type
  std::string unit;            // "Percent", "Bytes", "Count", "Seconds", ...
  double base = 0;             // mean level
  double daily_amplitude = 0;  // relative swing of the daily curve (0.3 = ±30%)
  double noise = 0;            // relative noise
  bool counter_like = false;   // per-period sums (requests, bytes): scale with the period
  std::string description;
};

struct Resource {
  std::string cloud;   // "aws", "azure", "gcp"
  std::string id;      // ARN / ARM id / GCP resource name
  std::string name;    // short name (instance id, VM name, bucket)
  std::string type;    // "AWS/EC2", "Microsoft.Compute/virtualMachines", "gce_instance"
  std::string region;  // us-east-1 / eastus / us-central1-a (zone for GCP)
  std::string group;   // Azure resource group; "" elsewhere
  // AWS: the CloudWatch dimensions (InstanceId=i-...); GCP: resource labels
  // (instance_id, zone, project_id); Azure: empty.
  std::map<std::string, std::string> dimensions;
  std::map<std::string, std::string> tags;
  std::vector<const MetricDef*> metrics;
};

// The statistics of one metric of one resource over [start, start+period).
struct Stats {
  double sum = 0, average = 0, minimum = 0, maximum = 0, sample_count = 0;
  double Percentile(double p) const;  // p in (0, 100), interpolated between min and max
};

struct FleetOptions {
  uint64_t seed = 42;
  int scale = 1;  // multiplies the number of resources of each kind (benchmarks use more)
};

class Fleet {
 public:
  explicit Fleet(const FleetOptions& opts = {});

  const std::vector<Resource>& resources() const { return resources_; }
  std::vector<const Resource*> ByCloud(const std::string& cloud) const;
  const Resource* Find(const std::string& cloud, const std::string& id) const;
  // The metric definitions of a type ("AWS/EC2", ...).
  const std::vector<MetricDef>& MetricsOf(const std::string& type) const;
  std::vector<std::string> Types(const std::string& cloud) const;

  // The value at one instant (1-minute resolution underneath).
  double Value(const Resource& r, const MetricDef& m, int64_t t_ms) const;
  // Aggregates the 1-minute samples of [start_ms, start_ms + period_ms).
  // A period shorter than a minute divides the minute's value.
  Stats Aggregate(const Resource& r, const MetricDef& m, int64_t start_ms, int64_t period_ms) const;
  // Whether the resource reports data at that time (new resources appear,
  // and some have gaps), so clients see missing datapoints.
  bool HasData(const Resource& r, int64_t t_ms) const;

 private:
  uint64_t seed_;
  std::vector<Resource> resources_;
  std::map<std::string, std::vector<MetricDef>> metrics_;
};

}  // namespace vigil::cloudsim
