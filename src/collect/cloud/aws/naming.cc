#include "collect/cloud/aws/naming.h"

#include <cctype>
#include <string>

#include "collect/cloud/common/collector.h"

namespace vigil::aws {

namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct ServiceInfo {
  std::string_view alias;
  std::string_view ns;
  std::vector<std::string> type_filters;
  std::vector<DimensionRule> rules;
};

// Aliases and resource types as YACE's supported-services list names them;
// the dimension rules follow its ARN-to-dimension regexps.
const std::vector<ServiceInfo>& Services() {
  static const auto* services = new std::vector<ServiceInfo>{
      {"ec2", "AWS/EC2", {"ec2:instance"}, {{"InstanceId", "ec2", "instance/"}}},
      {"ebs", "AWS/EBS", {"ec2:volume"}, {{"VolumeId", "ec2", "volume/"}}},
      {"elb",
       "AWS/ELB",
       {"elasticloadbalancing:loadbalancer"},
       {{"LoadBalancerName", "elasticloadbalancing", "loadbalancer/"}}},
      {"alb",
       "AWS/ApplicationELB",
       {"elasticloadbalancing:loadbalancer/app", "elasticloadbalancing:targetgroup"},
       {{"TargetGroup", "elasticloadbalancing", "targetgroup/", true, true, true},
        {"LoadBalancer", "elasticloadbalancing", "loadbalancer/"}}},
      {"nlb",
       "AWS/NetworkELB",
       {"elasticloadbalancing:loadbalancer/net", "elasticloadbalancing:targetgroup"},
       {{"TargetGroup", "elasticloadbalancing", "targetgroup/", true, true, true},
        {"LoadBalancer", "elasticloadbalancing", "loadbalancer/"}}},
      {"rds",
       "AWS/RDS",
       {"rds:db", "rds:cluster"},
       {{"DBInstanceIdentifier", "rds", "db:"}, {"DBClusterIdentifier", "rds", "cluster:"}}},
      {"lambda", "AWS/Lambda", {"lambda:function"}, {{"FunctionName", "lambda", "function:"}}},
      {"s3", "AWS/S3", {"s3"}, {{"BucketName", "s3", "", false, false}}},
      {"dynamodb", "AWS/DynamoDB", {"dynamodb:table"}, {{"TableName", "dynamodb", "table/"}}},
      {"sqs", "AWS/SQS", {"sqs"}, {{"QueueName", "sqs", ""}}},
      {"sns", "AWS/SNS", {"sns"}, {{"TopicName", "sns", ""}}},
      {"ecs-svc", "AWS/ECS", {"ecs:cluster", "ecs:service"}, {{"ClusterName", "ecs", "cluster/"}}},
      {"ecs", "AWS/ECS", {"ecs:cluster", "ecs:service"}, {{"ClusterName", "ecs", "cluster/"}}},
      {"es", "AWS/ES", {"es:domain"}, {{"DomainName", "es", "domain/"}}},
      {"kinesis", "AWS/Kinesis", {"kinesis:stream"}, {{"StreamName", "kinesis", "stream/"}}},
      {"efs",
       "AWS/EFS",
       {"elasticfilesystem:file-system"},
       {{"FileSystemId", "elasticfilesystem", "file-system/"}}},
      {"elasticache",
       "AWS/ElastiCache",
       {"elasticache:cluster"},
       {{"CacheClusterId", "elasticache", "cluster:"}}},
      {"natgw", "AWS/NATGateway", {"ec2:natgateway"}, {{"NatGatewayId", "ec2", "natgateway/"}}},
      {"cloudfront",
       "AWS/CloudFront",
       {"cloudfront:distribution"},
       {{"DistributionId", "cloudfront", "distribution/", false, true}}},
  };
  return *services;
}

const ServiceInfo* FindByNamespace(std::string_view ns) {
  for (const auto& s : Services()) {
    if (s.ns == ns) return &s;
  }
  return nullptr;
}

}  // namespace

std::string SnakeCase(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  char prev = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    // U+201C (left double quotation mark) is E2 80 9C in UTF-8.
    if (c == '\xE2' && i + 2 < s.size() && s[i + 1] == '\x80' && s[i + 2] == '\x9C') {
      out += '_';
      i += 2;
      prev = '_';
      continue;
    }
    switch (c) {
      case ' ':
      case ',':
      case '\t':
      case '/':
      case '\\':
      case '.':
      case '-':
      case ':':
      case '=':
      case '@':
      case '<':
      case '>':
      case '(':
      case ')':
        out += '_';
        break;
      case '%':
        out += "_percent";
        break;
      default:
        if (IsUpper(c) && (IsLower(prev) || IsDigit(prev))) out += '_';
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    prev = c;
  }
  return out;
}

std::string MetricName(std::string_view ns, std::string_view metric, std::string_view statistic) {
  if (!ns.empty() && ns.front() == '/') ns.remove_prefix(1);
  std::string prom_ns = SnakeCase(Lower(ns));
  std::string out;
  if (prom_ns.rfind("aws", 0) != 0) out = "aws_";
  out += prom_ns;
  out += '_';
  // Drop leading parts of the metric name that repeat the namespace's parts
  // after the first ("aws_glue" + "glue_driver_x" -> "driver_x").
  std::string prom_metric = SnakeCase(metric);
  std::string_view rest = prom_metric;
  std::string_view parts = prom_ns;
  size_t first = parts.find('_');
  parts = first == std::string_view::npos ? std::string_view() : parts.substr(first + 1);
  while (!parts.empty()) {
    size_t end = parts.find('_');
    std::string_view part = parts.substr(0, end);
    parts = end == std::string_view::npos ? std::string_view() : parts.substr(end + 1);
    if (!part.empty() && rest.size() > part.size() && rest.substr(0, part.size()) == part) {
      rest.remove_prefix(part.size());
      while (!rest.empty() && rest.front() == '_') rest.remove_prefix(1);
    }
  }
  out += rest;
  if (!statistic.empty()) {
    out += '_';
    out += SnakeCase(statistic);
  }
  return cloud::SanitizeMetricName(out);
}

std::string InfoMetricName(std::string_view ns) { return MetricName(ns, "info", ""); }

std::string DimensionLabel(std::string_view dimension) {
  return cloud::SanitizeLabelName("dimension_" + std::string(dimension));
}

std::string TagLabel(std::string_view key) {
  return cloud::SanitizeLabelName("tag_" + std::string(key));
}

std::string NamespaceForType(std::string_view type) {
  std::string lower = Lower(type);
  for (const auto& s : Services()) {
    if (s.alias == lower) return std::string(s.ns);
  }
  return std::string(type);
}

std::vector<std::string> ResourceTypeFilters(std::string_view ns) {
  const ServiceInfo* s = FindByNamespace(ns);
  return s == nullptr ? std::vector<std::string>{} : s->type_filters;
}

bool IsValidStatistic(std::string_view stat) {
  if (stat == "Sum" || stat == "Average" || stat == "Maximum" || stat == "Minimum" ||
      stat == "SampleCount") {
    return true;
  }
  // pNN or pNN.N..., 0 <= NN <= 100.
  if (stat.size() < 2 || stat[0] != 'p') return false;
  std::string_view num = stat.substr(1);
  size_t dot = num.find('.');
  std::string_view whole = num.substr(0, dot);
  if (whole.empty() || whole.size() > 3) return false;
  for (char c : whole) {
    if (!IsDigit(c)) return false;
  }
  if (dot != std::string_view::npos) {
    std::string_view frac = num.substr(dot + 1);
    if (frac.empty() || frac.size() > 10) return false;
    for (char c : frac) {
      if (!IsDigit(c)) return false;
    }
  }
  int w = std::stoi(std::string(whole));
  return w < 100 || (w == 100 && dot == std::string_view::npos);
}

bool ParseArn(std::string_view arn, Arn* out) {
  std::string_view parts[5];
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return false;
    parts[i] = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2].empty() || rest.empty()) return false;
  out->partition = std::string(parts[1]);
  out->service = std::string(parts[2]);
  out->region = std::string(parts[3]);
  out->account = std::string(parts[4]);
  out->resource = std::string(rest);
  return true;
}

const std::vector<DimensionRule>& DimensionRules(std::string_view ns) {
  static const std::vector<DimensionRule> kNone;
  const ServiceInfo* s = FindByNamespace(ns);
  return s == nullptr ? kNone : s->rules;
}

bool DimensionOfArn(const DimensionRule& rule, const Arn& arn, std::string* value) {
  if (arn.service != rule.service) return false;
  std::string_view res = arn.resource;
  if (res.size() <= rule.resource_prefix.size() ||
      res.substr(0, rule.resource_prefix.size()) != rule.resource_prefix) {
    return false;
  }
  *value = std::string(rule.value_has_prefix ? res : res.substr(rule.resource_prefix.size()));
  return true;
}

std::string ArnOfDimension(const DimensionRule& rule, std::string_view partition,
                           std::string_view region, std::string_view account,
                           std::string_view value) {
  std::string arn = "arn:";
  arn += partition;
  arn += ':';
  arn += rule.service;
  arn += ':';
  if (rule.regional) arn += region;
  arn += ':';
  if (rule.with_account) arn += account;
  arn += ':';
  if (!rule.value_has_prefix) arn += rule.resource_prefix;
  arn += value;
  return arn;
}

std::string PartitionOfRegion(std::string_view region) {
  if (region.rfind("cn-", 0) == 0) return "aws-cn";
  if (region.rfind("us-gov-", 0) == 0) return "aws-us-gov";
  return "aws";
}

}  // namespace vigil::aws
