// Naming for the CloudWatch collector: how a CloudWatch namespace, metric and
// statistic become a Prometheus series name the way YACE
// (yet-another-cloudwatch-exporter) builds it, which discovery `type` aliases
// name which namespace, which Tagging API resource types belong to a
// namespace, and how a metric's dimensions lead to the ARN of the resource
// it describes (the `name` label).
//
// Owner: the AWS CloudWatch collector (helper "awscw"). Pure functions over
// static tables; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::aws {

// YACE's snake-casing of a CloudWatch name: the characters
// ` , \t / \ . - : = @ < > ( )` and U+201C become "_", "%" becomes
// "_percent", an upper-case letter that follows a lower-case letter or a
// digit gets a "_" before it, and everything is lower-cased.
//   "CPUUtilization" -> "cpuutilization", "HTTPCode_Backend_4XX" ->
//   "httpcode_backend_4_xx", "FreeStorageSpace" -> "free_storage_space".
std::string SnakeCase(std::string_view s);

// aws_<namespace>_<metric>_<statistic> as YACE's BuildMetricName: the
// namespace loses a leading "/", is lower-cased and snake-cased, gets "aws_"
// in front unless it already starts with "aws"; leading parts of the metric
// name that repeat the namespace's parts are dropped ("AWS/Glue" +
// "glue.driver.x" -> "aws_glue_driver_x"). An empty statistic adds nothing.
// The result is then made a valid metric name (cloud::SanitizeMetricName).
std::string MetricName(std::string_view ns, std::string_view metric, std::string_view statistic);
// aws_<namespace>_info: the series that carries a resource's tags.
std::string InfoMetricName(std::string_view ns);
// "dimension_<Dim>" and "tag_<Key>" with the name made a valid label name.
std::string DimensionLabel(std::string_view dimension);
std::string TagLabel(std::string_view key);

// The namespace of a discovery `type`: an alias ("ec2", "rds", "alb", ...)
// or a namespace given as is ("AWS/EC2", "ContainerInsights").
std::string NamespaceForType(std::string_view type);

// The Tagging API ResourceTypeFilters that list a namespace's resources
// ("AWS/EC2" -> {"ec2:instance"}); empty for namespaces without a mapping.
std::vector<std::string> ResourceTypeFilters(std::string_view ns);

// Sum Average Maximum Minimum SampleCount, or a percentile pNN / pNN.N.
bool IsValidStatistic(std::string_view stat);

// The parts of an ARN: arn:<partition>:<service>:<region>:<account>:<resource>.
struct Arn {
  std::string partition, service, region, account, resource;
};
bool ParseArn(std::string_view arn, Arn* out);

// How a dimension of a namespace names a resource: the ARN of the resource
// whose dimension `dimension` has value v is
//   arn:<partition>:<service>:<region>:<account>:<resource_prefix><v>
// (region empty when !regional, as for S3 and CloudFront; account empty
// when !with_account, as for S3). When value_has_prefix, the dimension value
// itself starts with the prefix (TargetGroup = "targetgroup/name/id").
struct DimensionRule {
  std::string_view dimension;
  std::string_view service;
  std::string_view resource_prefix;
  bool regional = true;
  bool with_account = true;
  bool value_has_prefix = false;
};
// The rules of a namespace, most specific first (a metric is associated by
// the first rule whose dimension it has).
const std::vector<DimensionRule>& DimensionRules(std::string_view ns);

// The (dimension, value) a resource's ARN stands for under one rule, or
// false when the ARN is not of that rule's kind.
bool DimensionOfArn(const DimensionRule& rule, const Arn& arn, std::string* value);
// The ARN a rule gives for a dimension value.
std::string ArnOfDimension(const DimensionRule& rule, std::string_view partition,
                           std::string_view region, std::string_view account,
                           std::string_view value);
// "aws", "aws-cn" or "aws-us-gov" from a region name.
std::string PartitionOfRegion(std::string_view region);

}  // namespace vigil::aws
