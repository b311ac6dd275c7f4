#include "collect/scrape/target.h"

#include <fmt/format.h>

#include <map>

#include "base/strconv.h"

namespace vigil::scrape {

namespace {

constexpr std::string_view kAddress = "__address__";
constexpr std::string_view kScheme = "__scheme__";
constexpr std::string_view kMetricsPath = "__metrics_path__";
constexpr std::string_view kInterval = "__scrape_interval__";
constexpr std::string_view kTimeout = "__scrape_timeout__";
constexpr std::string_view kParamPrefix = "__param_";
constexpr std::string_view kMetaPrefix = "__meta_";

// Go's url.URL.EscapedPath for a plain path: bytes outside the path-safe
// set are %-escaped.
std::string EscapePath(std::string_view p) {
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || std::string_view("-_.~/!$&'()*+,;=:@").find(static_cast<char>(c)) !=
                               std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

uint64_t Fnv64a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string QueryEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

model::Labels TargetSpec::PublicLabels() const {
  std::vector<model::Label> out;
  out.reserve(labels.size());
  for (const auto& l : labels) {
    if (!l.name.starts_with("__")) out.push_back(l);
  }
  return model::Labels::FromSorted(std::move(out));
}

PopulateResult PopulateTarget(const model::Labels& target, const model::Labels& group,
                              const config::ScrapeConfig& cfg,
                              const relabel::Relabeler* relabeler) {
  PopulateResult res;
  model::LabelsBuilder lb(group);
  for (const auto& l : target) lb.Set(l.name, l.value);
  auto set_default = [&lb](std::string_view name, std::string_view value) {
    if (lb.Get(name).empty()) lb.Set(name, value);
  };
  set_default("job", cfg.job_name);
  set_default(kInterval, FormatPromDuration(cfg.scrape_interval_ms));
  set_default(kTimeout, FormatPromDuration(cfg.scrape_timeout_ms));
  set_default(kMetricsPath, cfg.metrics_path);
  set_default(kScheme, cfg.scheme);
  for (const auto& [name, values] : cfg.params) {
    if (!values.empty()) set_default(std::string(kParamPrefix) + name, values[0]);
  }
  res.spec.discovered = lb.Build();

  if (relabeler != nullptr && !relabeler->Process(&lb)) {
    res.dropped = true;
    return res;
  }
  const std::string addr(lb.Get(kAddress));
  if (addr.empty()) {
    res.error = Status::InvalidArgument("no address");
    return res;
  }
  if (addr.find('/') != std::string::npos) {
    res.error = Status::InvalidArgument(fmt::format("{} is not a valid hostname", GoQuote(addr)));
    return res;
  }
  const std::string interval(lb.Get(kInterval)), timeout(lb.Get(kTimeout));
  auto iv = ParsePromDurationNanos(interval);
  if (!iv.ok()) {
    res.error = Status::InvalidArgument(
        fmt::format("error parsing scrape interval: {}", iv.status().message()));
    return res;
  }
  if (*iv == 0) {
    res.error = Status::InvalidArgument("scrape interval cannot be 0");
    return res;
  }
  auto to = ParsePromDurationNanos(timeout);
  if (!to.ok()) {
    res.error = Status::InvalidArgument(
        fmt::format("error parsing scrape timeout: {}", to.status().message()));
    return res;
  }
  if (*to == 0) {
    res.error = Status::InvalidArgument("scrape timeout cannot be 0");
    return res;
  }
  if (*to > *iv) {
    res.error = Status::InvalidArgument(
        fmt::format("scrape timeout cannot be greater than scrape interval ({} > {})",
                    GoQuote(timeout), GoQuote(interval)));
    return res;
  }
  model::Labels relabeled = lb.Build();
  for (const auto& l : relabeled) {
    if (l.name.starts_with(kMetaPrefix)) lb.Del(l.name);
  }
  set_default("instance", addr);
  res.spec.labels = lb.Build();
  for (const auto& l : res.spec.labels) {
    if (!model::IsValidUTF8(l.value)) {
      res.error = Status::InvalidArgument(
          fmt::format("invalid label value for {}: {}", GoQuote(l.name), GoQuote(l.value)));
      return res;
    }
  }
  res.spec.interval_ms = *iv / 1'000'000;
  res.spec.timeout_ms = *to / 1'000'000;

  // URL: params from the config, each overridden (first value) or added by
  // a __param_<name> label; sorted by name as Go's url.Values.Encode.
  std::map<std::string, std::vector<std::string>> params = cfg.params;
  for (const auto& l : res.spec.labels) {
    if (!l.name.starts_with(kParamPrefix)) continue;
    auto& vals = params[l.name.substr(kParamPrefix.size())];
    if (vals.empty()) {
      vals.push_back(l.value);
    } else {
      vals[0] = l.value;
    }
  }
  std::string url = fmt::format("{}://{}{}", res.spec.labels.Get(kScheme), addr,
                                EscapePath(res.spec.labels.Get(kMetricsPath)));
  char sep = '?';
  for (const auto& [name, vals] : params) {
    for (const auto& v : vals) {
      url += sep;
      url += QueryEscape(name);
      url += '=';
      url += QueryEscape(v);
      sep = '&';
    }
  }
  res.spec.url = std::move(url);
  res.spec.hash = res.spec.labels.Hash() ^ Fnv64a(res.spec.url);
  return res;
}

}  // namespace vigil::scrape
