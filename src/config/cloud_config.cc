#include "config/cloud_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>

#include "base/time.h"

namespace vigil::config {

namespace {

// YACE's service aliases (and a few more), for a discovery job's `type`.
constexpr std::pair<std::string_view, std::string_view> kAwsAliases[] = {
    {"alb", "AWS/ApplicationELB"},
    {"apigateway", "AWS/ApiGateway"},
    {"cloudfront", "AWS/CloudFront"},
    {"dynamodb", "AWS/DynamoDB"},
    {"ebs", "AWS/EBS"},
    {"ec2", "AWS/EC2"},
    {"ecs-containerinsights", "ECS/ContainerInsights"},
    {"ecs-svc", "AWS/ECS"},
    {"efs", "AWS/EFS"},
    {"elasticache", "AWS/ElastiCache"},
    {"elb", "AWS/ELB"},
    {"es", "AWS/ES"},
    {"firehose", "AWS/Firehose"},
    {"kafka", "AWS/Kafka"},
    {"kinesis", "AWS/Kinesis"},
    {"lambda", "AWS/Lambda"},
    {"natgw", "AWS/NATGateway"},
    {"nlb", "AWS/NetworkELB"},
    {"rds", "AWS/RDS"},
    {"redshift", "AWS/Redshift"},
    {"s3", "AWS/S3"},
    {"sfn", "AWS/States"},
    {"sns", "AWS/SNS"},
    {"sqs", "AWS/SQS"},
};

constexpr std::string_view kGcpAligners[] = {
    "ALIGN_NONE",
    "ALIGN_DELTA",
    "ALIGN_RATE",
    "ALIGN_INTERPOLATE",
    "ALIGN_NEXT_OLDER",
    "ALIGN_MIN",
    "ALIGN_MAX",
    "ALIGN_MEAN",
    "ALIGN_COUNT",
    "ALIGN_SUM",
    "ALIGN_STDDEV",
    "ALIGN_COUNT_TRUE",
    "ALIGN_COUNT_FALSE",
    "ALIGN_FRACTION_TRUE",
    "ALIGN_PERCENTILE_99",
    "ALIGN_PERCENTILE_95",
    "ALIGN_PERCENTILE_50",
    "ALIGN_PERCENTILE_05",
    "ALIGN_PERCENT_CHANGE",
};

constexpr std::string_view kGcpReducers[] = {
    "REDUCE_NONE",          "REDUCE_MEAN",          "REDUCE_MIN",           "REDUCE_MAX",
    "REDUCE_SUM",           "REDUCE_STDDEV",        "REDUCE_COUNT",         "REDUCE_COUNT_TRUE",
    "REDUCE_COUNT_FALSE",   "REDUCE_FRACTION_TRUE", "REDUCE_PERCENTILE_99", "REDUCE_PERCENTILE_95",
    "REDUCE_PERCENTILE_50", "REDUCE_PERCENTILE_05",
};

}  // namespace

std::string AwsNamespaceForType(std::string_view type) {
  if (type.find('/') != std::string_view::npos) return std::string(type);
  for (const auto& [alias, ns] : kAwsAliases) {
    if (alias == type) return std::string(ns);
  }
  return "";
}

std::vector<std::string> AwsTypeAliases() {
  std::vector<std::string> out;
  for (const auto& [alias, ns] : kAwsAliases) out.emplace_back(alias);
  return out;
}

bool IsValidAwsStatistic(std::string_view stat) {
  for (std::string_view s : {"Sum", "Average", "Maximum", "Minimum", "SampleCount"}) {
    if (stat == s) return true;
  }
  if (stat.size() < 2 || stat[0] != 'p') return false;
  std::string_view num = stat.substr(1);
  size_t dot = num.find('.');
  std::string_view whole = num.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : num.substr(dot + 1);
  auto digits = [](std::string_view d) {
    return !d.empty() &&
           std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || whole.size() > 3) return false;
  if (dot != std::string_view::npos && (!digits(frac) || frac.size() > 3)) return false;
  int w = std::stoi(std::string(whole));
  bool frac_zero = std::all_of(frac.begin(), frac.end(), [](char c) { return c == '0'; });
  return w < 100 || (w == 100 && frac_zero);
}

bool IsValidAwsPeriod(int64_t period_ms) {
  if (period_ms <= 0) return false;
  if (period_ms % kMinute == 0) return true;
  for (int64_t s : {1, 5, 10, 20, 30}) {
    if (period_ms == s * kSecond) return true;
  }
  return false;
}

std::optional<int64_t> ParseIso8601DurationMs(std::string_view s) {
  if (s.size() < 3 || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  size_t i = 1;
  bool in_time = false, any = false;
  double total = 0;
  // Units allowed in order, date part then time part; each at most once.
  std::string_view order = "WD";
  std::string_view time_order = "HMS";
  size_t next_date = 0, next_time = 0;
  while (i < s.size()) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    if (c == 'T') {
      if (in_time || i + 1 >= s.size()) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == ',')) {
      ++i;
    }
    if (i == start || i >= s.size()) return std::nullopt;
    std::string num(s.substr(start, i - start));
    std::replace(num.begin(), num.end(), ',', '.');
    if (std::count(num.begin(), num.end(), '.') > 1 || num.front() == '.' || num.back() == '.') {
      return std::nullopt;
    }
    double v = std::strtod(num.c_str(), nullptr);
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    ++i;
    int64_t mult = 0;
    if (!in_time) {
      size_t pos = order.find(unit, next_date);
      if (pos == std::string_view::npos) return std::nullopt;  // Y, M (months) or junk
      next_date = pos + 1;
      mult = unit == 'W' ? 7 * kDay : kDay;
    } else {
      size_t pos = time_order.find(unit, next_time);
      if (pos == std::string_view::npos) return std::nullopt;
      next_time = pos + 1;
      mult = unit == 'H' ? kHour : unit == 'M' ? kMinute : kSecond;
    }
    // Only the last (smallest) component may have a fraction.
    if (num.find('.') != std::string::npos && i != s.size()) return std::nullopt;
    total += v * static_cast<double>(mult);
    if (total > 9.0e15) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

std::string FormatIso8601Duration(int64_t ms) {
  if (ms <= 0) return "PT0S";
  std::string out = "P";
  if (ms >= kDay) {
    out += fmt::format("{}D", ms / kDay);
    ms %= kDay;
  }
  if (ms == 0) return out;
  out += "T";
  if (ms >= kHour) {
    out += fmt::format("{}H", ms / kHour);
    ms %= kHour;
  }
  if (ms >= kMinute) {
    out += fmt::format("{}M", ms / kMinute);
    ms %= kMinute;
  }
  if (ms > 0) {
    if (ms % kSecond == 0) {
      out += fmt::format("{}S", ms / kSecond);
    } else {
      std::string frac = fmt::format("{:03d}", ms % kSecond);
      while (frac.back() == '0') frac.pop_back();
      out += fmt::format("{}.{}S", ms / kSecond, frac);
    }
  }
  return out;
}

bool IsAzureTimeGrain(int64_t ms) {
  for (int64_t g :
       {kMinute, 5 * kMinute, 15 * kMinute, 30 * kMinute, kHour, 6 * kHour, 12 * kHour, kDay}) {
    if (ms == g) return true;
  }
  return false;
}

bool IsAzureAggregation(std::string_view aggregation) {
  for (std::string_view a : {"average", "minimum", "maximum", "total", "count"}) {
    if (aggregation == a) return true;
  }
  return false;
}

bool IsGcpAligner(std::string_view name) {
  return std::find(std::begin(kGcpAligners), std::end(kGcpAligners), name) !=
         std::end(kGcpAligners);
}

bool IsGcpReducer(std::string_view name) {
  return std::find(std::begin(kGcpReducers), std::end(kGcpReducers), name) !=
         std::end(kGcpReducers);
}

}  // namespace vigil::config
