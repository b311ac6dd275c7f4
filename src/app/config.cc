#include "app/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "base/time.h"

namespace vigil::app {

namespace {

Status At(const std::string& file, const YAML::Node& n, std::string_view msg) {
  const YAML::Mark m = n.Mark();
  return Status::InvalidArgument(fmt::format("{}:{}:{}: {}", file, m.line + 1, m.column + 1, msg));
}

bool Explicit(const std::vector<std::string>& flags, std::string_view name) {
  return std::find(flags.begin(), flags.end(), name) != flags.end();
}

// Fields of Prometheus' configuration whose type is Secret (common/config and
// the service discovery configs), and those of Vigil's cloud_configs: shown
// as "<secret>".
bool IsSecretField(std::string_view key) {
  static constexpr std::string_view kSecrets[] = {
      "password",          "bearer_token",  "credentials",
      "client_secret",     "secret_key",    "token",
      "api_key",           "auth_token",    "application_credential_secret",
      "secret_access_key", "session_token",
  };
  return std::find(std::begin(kSecrets), std::end(kSecrets), key) != std::end(kSecrets);
}

// A copy of n with secret scalars replaced.
YAML::Node Redacted(const YAML::Node& n) {
  if (n.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : n) {
      const YAML::Node& v = kv.second;
      bool secret = kv.first.IsScalar() && IsSecretField(kv.first.Scalar()) && v.IsScalar() &&
                    !v.Scalar().empty();
      out[Redacted(kv.first)] = secret ? YAML::Node("<secret>") : Redacted(v);
    }
    return out;
  }
  if (n.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : n) out.push_back(Redacted(item));
    return out;
  }
  return YAML::Clone(n);
}

}  // namespace

Result<std::string> ConfigForStatusPage(std::string_view yaml_text) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (root.IsNull()) return std::string();
    YAML::Emitter out;
    out << Redacted(root);
    std::string text = out.c_str();
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    return text;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("config file: {}", e.what()));
  }
}

Result<uint64_t> ParseByteSize(std::string_view s) {
  static constexpr struct {
    std::string_view unit;
    uint64_t mult;
  } kUnits[] = {{"EB", 1ull << 60},
                {"PB", 1ull << 50},
                {"TB", 1ull << 40},
                {"GB", 1ull << 30},
                {"MB", 1ull << 20},
                {"KB", 1ull << 10},
                {"EiB", 1ull << 60},
                {"PiB", 1ull << 50},
                {"TiB", 1ull << 40},
                {"GiB", 1ull << 30},
                {"MiB", 1ull << 20},
                {"KiB", 1ull << 10},
                {"B", 1}};
  uint64_t mult = 1;
  std::string_view num = s;
  for (const auto& u : kUnits) {
    if (s.size() > u.unit.size() && s.ends_with(u.unit)) {
      mult = u.mult;
      num = s.substr(0, s.size() - u.unit.size());
      break;
    }
  }
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (num.empty() || ec != std::errc() || p != num.data() + num.size() ||
      (mult > 1 && n > UINT64_MAX / mult)) {
    return Status::InvalidArgument(fmt::format(
        "invalid size \"{}\" (want a number with a unit: B, KB, MB, GB, TB, PB, EB)", s));
  }
  return n * mult;
}

Status LoadConfigFile(const std::string& path, ServeConfig* cfg,
                      const std::vector<std::string>& explicit_flags) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument(fmt::format("{}: cannot read the config file", path));
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root || root.IsNull()) return Status::OK();  // an empty file is a valid config
  if (!root.IsMap()) return At(path, root, "the config file must be a mapping");

  static const std::set<std::string> kPrometheusSections = {
      "global",     "scrape_configs", "scrape_config_files",
      "rule_files", "remote_write",   "remote_read",
      "alerting",   "storage",        "tracing",
      "otlp",       "runtime",        "cloud_configs",
      "logs"};
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    if (key == "vigil" || kPrometheusSections.count(key)) continue;
    return At(path, kv.first,
              fmt::format("field {} not found in the config file's top level", key));
  }
  YAML::Node vigil = root["vigil"];
  if (!vigil || vigil.IsNull()) return Status::OK();
  if (!vigil.IsMap()) return At(path, vigil, "vigil: must be a mapping");

  auto str = [&](const YAML::Node& n, std::string* out) -> Status {
    if (!n.IsScalar()) return At(path, n, "expected a string");
    *out = n.as<std::string>();
    return Status::OK();
  };
  auto duration = [&](const YAML::Node& n, int64_t* out) -> Status {
    std::string s;
    VIGIL_RETURN_IF_ERROR(str(n, &s));
    auto d = ParseDurationMillis(s);
    if (!d.ok()) return At(path, n, d.status().message());
    *out = *d;
    return Status::OK();
  };
  auto size = [&](const YAML::Node& n, uint64_t* out) -> Status {
    std::string s;
    VIGIL_RETURN_IF_ERROR(str(n, &s));
    auto b = ParseByteSize(s);
    if (!b.ok()) return At(path, n, b.status().message());
    *out = *b;
    return Status::OK();
  };
  auto count = [&](const YAML::Node& n, uint64_t* out) -> Status {
    std::string s;
    VIGIL_RETURN_IF_ERROR(str(n, &s));
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      return At(path, n, "expected a non-negative integer");
    *out = v;
    return Status::OK();
  };
  auto boolean = [&](const YAML::Node& n, bool* out) -> Status {
    std::string s;
    VIGIL_RETURN_IF_ERROR(str(n, &s));
    if (s == "true") {
      *out = true;
    } else if (s == "false") {
      *out = false;
    } else {
      return At(path, n, "expected true or false");
    }
    return Status::OK();
  };

  for (const auto& section : vigil) {
    std::string name = section.first.as<std::string>();
    const YAML::Node& body = section.second;
    if (name != "storage" && name != "web" && name != "log" && name != "query" && name != "host") {
      return At(path, section.first, fmt::format("field {} not found in vigil", name));
    }
    if (!body.IsMap()) return At(path, body, fmt::format("vigil.{} must be a mapping", name));
    for (const auto& kv : body) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      // Each key names the flag it mirrors, so an explicit flag wins.
      auto set = [&](std::string_view flag, auto&& apply) -> Status {
        if (Explicit(explicit_flags, flag)) return Status::OK();
        return apply();
      };
      Status s;
      if (name == "storage" && key == "retention_time") {
        s = set("retention.time", [&] { return duration(v, &cfg->retention_ms); });
      } else if (name == "storage" && key == "retention_size") {
        s = set("retention.size", [&] { return size(v, &cfg->retention_bytes); });
      } else if (name == "storage" && key == "ooo_window") {
        s = set("storage.ooo-window", [&] { return duration(v, &cfg->ooo_window_ms); });
      } else if (name == "storage" && key == "max_head_series") {
        s = set("storage.max-head-series", [&] { return count(v, &cfg->max_head_series); });
      } else if (name == "storage" && key == "max_labels_per_series") {
        s = set("storage.max-labels-per-series",
                [&] { return count(v, &cfg->max_labels_per_series); });
      } else if (name == "storage" && key == "max_label_name_length") {
        s = set("storage.max-label-name-length",
                [&] { return count(v, &cfg->max_label_name_length); });
      } else if (name == "storage" && key == "max_label_value_length") {
        s = set("storage.max-label-value-length",
                [&] { return count(v, &cfg->max_label_value_length); });
      } else if (name == "storage" && key == "wal_fsync_interval") {
        s = set("storage.wal-fsync-interval",
                [&] { return duration(v, &cfg->wal_fsync_interval_ms); });
      } else if (name == "web" && key == "listen") {
        s = set("listen", [&] { return str(v, &cfg->listen); });
      } else if (name == "web" && key == "enable_admin_api") {
        s = set("web.enable-admin-api", [&] { return boolean(v, &cfg->enable_admin_api); });
      } else if (name == "web" && key == "dashboards_read_only") {
        s = set("web.dashboards-read-only", [&] { return boolean(v, &cfg->dashboards_read_only); });
      } else if (name == "web" && key == "enable_lifecycle") {
        s = set("web.enable-lifecycle", [&] { return boolean(v, &cfg->enable_lifecycle); });
      } else if (name == "host" && key == "enabled") {
        s = set("host.enabled", [&] { return boolean(v, &cfg->host_enabled); });
      } else if (name == "web" && key == "max_write_bytes") {
        s = set("web.max-write-bytes", [&] { return size(v, &cfg->max_write_bytes); });
      } else if (name == "query" && key == "lookback_delta") {
        s = set("query.lookback-delta", [&] { return duration(v, &cfg->query_lookback_delta_ms); });
      } else if (name == "query" && key == "max_samples") {
        s = set("query.max-samples", [&] { return count(v, &cfg->query_max_samples); });
      } else if (name == "query" && key == "timeout") {
        s = set("query.timeout", [&] { return duration(v, &cfg->query_timeout_ms); });
      } else if (name == "query" && key == "max_concurrency") {
        s = set("query.max-concurrency", [&] {
          VIGIL_RETURN_IF_ERROR(count(v, &cfg->query_max_concurrency));
          if (cfg->query_max_concurrency == 0) return At(path, v, "must be at least 1");
          return Status::OK();
        });
      } else if (name == "query" && key == "max_workers_per_query") {
        s = set("query.max-workers-per-query",
                [&] { return count(v, &cfg->query_max_workers_per_query); });
      } else if (name == "log" && key == "level") {
        s = set("log.level", [&] { return str(v, &cfg->log_level); });
      } else if (name == "log" && key == "format") {
        s = set("log.format", [&] { return str(v, &cfg->log_format); });
      } else {
        return At(path, kv.first, fmt::format("field {} not found in vigil.{}", key, name));
      }
      VIGIL_RETURN_IF_ERROR(s);
    }
  }
  return Status::OK();
}

}  // namespace vigil::app
