#include "config/config.h"

#include <fmt/format.h>
#include <glob.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <utility>

#include "base/file.h"
#include "base/strconv.h"
#include "config/text_forms.h"

namespace vigil::config {

const char* ScrapeProtocolName(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kOpenMetricsText1_0_0:
      return "OpenMetricsText1.0.0";
    case ScrapeProtocol::kOpenMetricsText0_0_1:
      return "OpenMetricsText0.0.1";
    case ScrapeProtocol::kPrometheusText1_0_0:
      return "PrometheusText1.0.0";
    case ScrapeProtocol::kPrometheusText0_0_4:
      return "PrometheusText0.0.4";
    case ScrapeProtocol::kPrometheusProto:
      return "PrometheusProto";
  }
  return "";
}

std::vector<ScrapeProtocol> DefaultScrapeProtocols() {
  return {ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
          ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
}

std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name) {
  for (ScrapeProtocol p :
       {ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
        ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4,
        ScrapeProtocol::kPrometheusProto}) {
    if (name == ScrapeProtocolName(p)) return p;
  }
  return std::nullopt;
}

namespace {

using detail::CanonicalHeaderKey;
using detail::DecodeBase64;
using detail::ExpandEnv;
using detail::IsOneOf;
using detail::IsReservedRemoteHeader;
using detail::IsYamlNull;
using detail::JoinDir;
using detail::Lower;
using detail::ParseBase2Bytes;
using detail::ParseURL;
using detail::YamlBool;
using detail::YamlFloatSyntax;
using detail::YamlIntSyntax;

constexpr std::string_view kYamlTagPrefix = "tag:yaml.org,2002:";

// Discovery mechanisms Prometheus has and Vigil does not.
constexpr std::string_view kUnsupportedSD[] = {
    "azure_sd_configs",     "consul_sd_configs",      "digitalocean_sd_configs",
    "docker_sd_configs",    "dockerswarm_sd_configs", "dns_sd_configs",
    "ec2_sd_configs",       "eureka_sd_configs",      "gce_sd_configs",
    "hetzner_sd_configs",   "ionos_sd_configs",       "kubernetes_sd_configs",
    "kuma_sd_configs",      "lightsail_sd_configs",   "linode_sd_configs",
    "marathon_sd_configs",  "nerve_sd_configs",       "nomad_sd_configs",
    "openstack_sd_configs", "ovhcloud_sd_configs",    "puppetdb_sd_configs",
    "scaleway_sd_configs",  "serverset_sd_configs",   "stackit_sd_configs",
    "triton_sd_configs",    "uyuni_sd_configs",       "vultr_sd_configs",
};

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

// The tag go-yaml names in "cannot unmarshal !!str `x` into T".
std::string ShortTag(const YAML::Node& n) {
  if (n.IsMap()) return "!!map";
  if (n.IsSequence()) return "!!seq";
  if (n.IsNull()) return "!!null";
  const std::string& tag = n.Tag();
  if (tag.starts_with(kYamlTagPrefix)) return "!!" + tag.substr(kYamlTagPrefix.size());
  if (!IsPlain(n)) return tag == "!" ? "!!str" : tag;
  const std::string& s = n.Scalar();
  if (IsYamlNull(s)) return "!!null";
  if (YamlBool(s)) return "!!bool";
  if (YamlIntSyntax(s)) return "!!int";
  if (YamlFloatSyntax(s)) return "!!float";
  return "!!str";
}

// model.LabelName.IsValid and LabelValue.IsValid under the UTF-8 scheme.
bool ValidLabelName(std::string_view s, bool utf8) {
  if (!utf8) return IsLegacyLabelName(s);
  return !s.empty() && model::IsValidUTF8(s);
}

// validateAcceptScrapeProtocols.
Status ValidateProtocols(const std::vector<std::string>& names, std::vector<ScrapeProtocol>* out) {
  if (names.empty()) return Status::InvalidArgument("scrape_protocols cannot be empty");
  std::set<std::string> seen;
  out->clear();
  for (const auto& n : names) {
    if (seen.count(Lower(n))) {
      return Status::InvalidArgument(
          fmt::format("duplicated protocol in scrape_protocols, got [{}]", fmt::join(names, " ")));
    }
    auto p = ParseScrapeProtocol(n);
    if (!p) {
      return Status::InvalidArgument(fmt::format(
          "scrape_protocols: unknown scrape protocol {}, supported: [OpenMetricsText0.0.1 "
          "OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]",
          n));
    }
    seen.insert(Lower(n));
    out->push_back(*p);
  }
  return Status::OK();
}

// The parts of an HTTP client config that exist only while loading.
struct HTTPClientRaw {
  std::string bearer_token;
  std::string bearer_token_file;
  bool oauth2 = false;
};

// A scrape config's values that Validate resolves against the global config.
struct ScrapeRaw {
  ScrapeConfig cfg;
  YAML::Node node;
  std::string file;  // for error messages
  std::optional<std::vector<std::string>> protocols;
  std::string fallback_protocol;
  std::optional<bool> always_scrape_classic_histograms;
  std::optional<bool> convert_classic_histograms_to_nhcb;
  bool body_size_limit_set = false;
  std::vector<YAML::Node> relabel_nodes;
  std::vector<YAML::Node> metric_relabel_nodes;
};

struct GlobalRaw {
  GlobalConfig cfg;
  std::optional<std::vector<std::string>> protocols;
  std::string escaping_scheme;
};

struct Field {
  std::string_view name;
  std::function<Status(const YAML::Node&)> fn;  // null: known but not supported by Vigil
};

Field Unsupported(std::string_view name) { return Field{name, nullptr}; }

// Structs that hold discovery configs know Prometheus' other mechanisms by
// name, to refuse them as unsupported rather than unknown.
void AddUnsupportedSD(std::vector<Field>* fields) {
  for (std::string_view key : kUnsupportedSD) fields->push_back(Unsupported(key));
}

class Loader {
 public:
  Loader(std::string file, std::string dir) : file_(std::move(file)), dir_(std::move(dir)) {}

  Result<Config> LoadRoot(const YAML::Node& root);

  const std::string& file() const { return file_; }

  Status Err(const YAML::Node& n, std::string_view msg) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return FileErr(msg);
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", file_, m.line + 1, m.column + 1, msg));
  }
  Status At(const YAML::Node& n, const Status& st) const {
    if (st.ok()) return st;
    return Err(n, st.message());
  }
  Status FileErr(std::string_view msg) const {
    return Status::InvalidArgument(fmt::format("{}: {}", file_, msg));
  }

  Status TypeErr(const YAML::Node& n, std::string_view go_type) const {
    std::string value;
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      value = s.size() > 10 ? fmt::format(" `{}...`", s.substr(0, 7)) : fmt::format(" `{}`", s);
    }
    return Err(n, fmt::format("yaml: unmarshal errors: cannot unmarshal {}{} into {}", ShortTag(n),
                              value, go_type));
  }

  // ---- scalars ----------------------------------------------------------

  // A scalar's text (a !!binary one decoded), for any Go string-like type.
  Status Text(const YAML::Node& n, std::string* out, std::string_view go_type = "string") const {
    if (!n || n.IsNull()) {
      out->clear();
      return Status::OK();
    }
    if (!n.IsScalar()) return TypeErr(n, go_type);
    if (n.Tag() == std::string(kYamlTagPrefix) + "binary") {
      auto decoded = DecodeBase64(n.Scalar());
      if (!decoded) return Err(n, "!!binary value contains invalid base64 data");
      *out = std::move(*decoded);
      return Status::OK();
    }
    *out = n.Scalar();
    return Status::OK();
  }
  Status Str(const YAML::Node& n, std::string* out) const { return Text(n, out); }
  Status SecretStr(const YAML::Node& n, Secret* out) const {
    return Text(n, &out->value, "config.Secret");
  }

  Status Bool(const YAML::Node& n, bool* out) const {
    if (!n || n.IsNull()) {
      *out = false;
      return Status::OK();
    }
    if (n.IsScalar() && (IsPlain(n) || n.Tag() == std::string(kYamlTagPrefix) + "bool")) {
      if (auto b = YamlBool(n.Scalar())) {
        *out = *b;
        return Status::OK();
      }
    }
    return TypeErr(n, "bool");
  }
  Status OptBool(const YAML::Node& n, std::optional<bool>* out) const {
    if (!n || n.IsNull()) {
      out->reset();
      return Status::OK();
    }
    bool b = false;
    VIGIL_RETURN_IF_ERROR(Bool(n, &b));
    *out = b;
    return Status::OK();
  }

  Status Int(const YAML::Node& n, int64_t* out, std::string_view go_type = "int") const {
    if (!n || n.IsNull()) {
      *out = 0;
      return Status::OK();
    }
    if (n.IsScalar() && IsPlain(n)) {
      std::string s = n.Scalar();
      if (auto i = ParseGoInt(s); i.ok()) {
        *out = *i;
        return Status::OK();
      }
      if (YamlFloatSyntax(s)) {
        auto f = ParseGoFloat(s);
        if (f.ok() && std::isfinite(*f) && std::fabs(*f) < 9.2e18) {
          *out = static_cast<int64_t>(*f);
          return Status::OK();
        }
      }
    }
    return TypeErr(n, go_type);
  }
  Status Uint(const YAML::Node& n, uint64_t* out, std::string_view go_type = "uint") const {
    int64_t v = 0;
    Status st = Int(n, &v, go_type);
    if (!st.ok()) return st;
    if (v < 0) return TypeErr(n, go_type);
    *out = static_cast<uint64_t>(v);
    return Status::OK();
  }
  Status Float(const YAML::Node& n, double* out) const {
    if (!n || n.IsNull()) {
      *out = 0;
      return Status::OK();
    }
    if (n.IsScalar() && IsPlain(n)) {
      const std::string& s = n.Scalar();
      if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
        *out = INFINITY;
        return Status::OK();
      }
      if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) {
        *out = -INFINITY;
        return Status::OK();
      }
      if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) {
        *out = NAN;
        return Status::OK();
      }
      if (YamlFloatSyntax(s) || YamlIntSyntax(s)) {
        auto f = ParseGoNumber(s);
        if (f.ok()) {
          *out = *f;
          return Status::OK();
        }
      }
    }
    return TypeErr(n, "float64");
  }

  // model.Duration, in milliseconds.
  Status Duration(const YAML::Node& n, int64_t* out_ms) const {
    if (!n || n.IsNull()) {
      *out_ms = 0;
      return Status::OK();
    }
    std::string s;
    VIGIL_RETURN_IF_ERROR(Text(n, &s));
    auto ns = ParsePromDurationNanos(s);
    if (!ns.ok()) return Err(n, ns.status().message());
    *out_ms = *ns / 1'000'000;
    return Status::OK();
  }

  // units.Base2Bytes.
  Status Size(const YAML::Node& n, uint64_t* out) const {
    if (!n || n.IsNull()) {
      *out = 0;
      return Status::OK();
    }
    std::string s;
    VIGIL_RETURN_IF_ERROR(Text(n, &s, "units.Base2Bytes"));
    auto v = ParseBase2Bytes(s);
    if (!v.ok()) return Err(n, v.status().message());
    *out = *v;
    return Status::OK();
  }

  // ---- collections --------------------------------------------------------

  Status StrList(const YAML::Node& n, std::vector<std::string>* out,
                 std::string_view go_type = "[]string") const {
    out->clear();
    if (!n || n.IsNull()) return Status::OK();
    if (!n.IsSequence()) return TypeErr(n, go_type);
    std::string elem_type(go_type.substr(2));
    for (const auto& item : n) {
      std::string s;
      VIGIL_RETURN_IF_ERROR(Text(item, &s, elem_type));
      out->push_back(std::move(s));
    }
    return Status::OK();
  }

  Status StrMap(const YAML::Node& n, std::map<std::string, std::string>* out,
                std::string_view go_type = "map[string]string") const {
    out->clear();
    if (!n || n.IsNull()) return Status::OK();
    if (!n.IsMap()) return TypeErr(n, go_type);
    for (const auto& kv : n) {
      std::string k, v;
      VIGIL_RETURN_IF_ERROR(Text(kv.first, &k));
      VIGIL_RETURN_IF_ERROR(Text(kv.second, &v));
      (*out)[k] = std::move(v);
    }
    return Status::OK();
  }

  // A sequence of mappings, each item to fn. A null item ("-" alone) is
  // refused with null_msg, at the sequence (a null node has no position of
  // its own).
  Status List(const YAML::Node& n, std::string_view go_type, std::string_view null_msg,
              const std::function<Status(const YAML::Node&)>& fn) const {
    if (!n || n.IsNull()) return Status::OK();
    if (!n.IsSequence()) return TypeErr(n, go_type);
    for (const auto& item : n) {
      if (!item || item.IsNull()) return Err(n, null_msg);
      VIGIL_RETURN_IF_ERROR(fn(item));
    }
    return Status::OK();
  }

  // A mapping decoded strictly into fields, as yaml.UnmarshalStrict does.
  Status Struct(const YAML::Node& n, std::string_view go_type,
                const std::vector<Field>& fields) const {
    if (!n || n.IsNull()) return Status::OK();
    if (!n.IsMap()) return TypeErr(n, go_type);
    // YAML merge keys ("<<: *defaults"), as go-yaml applies them: keys
    // written in the mapping win over merged ones.
    std::vector<std::pair<YAML::Node, YAML::Node>> entries;
    std::set<std::string> explicit_keys;
    std::vector<YAML::Node> merged;
    for (const auto& kv : n) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "<<" && IsPlain(kv.first)) {
        if (kv.second.IsMap()) {
          merged.push_back(kv.second);
        } else if (kv.second.IsSequence()) {
          for (const auto& m : kv.second) {
            if (!m.IsMap())
              return Err(kv.second, "map merge requires map or sequence of maps as the value");
            merged.push_back(m);
          }
        } else {
          return Err(kv.second, "map merge requires map or sequence of maps as the value");
        }
        continue;
      }
      if (kv.first.IsScalar()) explicit_keys.insert(kv.first.Scalar());
      entries.emplace_back(kv.first, kv.second);
    }
    for (const auto& m : merged) {
      for (const auto& kv : m) {
        if (!kv.first.IsScalar() || !explicit_keys.insert(kv.first.Scalar()).second) continue;
        entries.emplace_back(kv.first, kv.second);
      }
    }
    std::set<std::string> seen;
    for (const auto& kv : entries) {
      const YAML::Node& k = kv.first;
      std::string key;
      if (!k.IsScalar()) return TypeErr(k, "string");
      key = k.Scalar();
      auto it =
          std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == key; });
      if (it == fields.end()) {
        return Err(k, fmt::format("field {} not found in type {}", key, go_type));
      }
      if (!seen.insert(key).second) {
        return Err(k, fmt::format("field {} already set in type {}", key, go_type));
      }
      if (!it->fn) return Err(k, fmt::format("{} is not supported by Vigil", key));
      VIGIL_RETURN_IF_ERROR(it->fn(kv.second));
    }
    return Status::OK();
  }

  // ---- Prometheus types -----------------------------------------------------

  Status LabelsMap(const YAML::Node& n, model::Labels* out, bool validate_names) const {
    if (!n || n.IsNull()) {
      *out = model::Labels();
      return Status::OK();
    }
    if (!n.IsMap()) return TypeErr(n, "model.LabelSet");
    std::map<std::string, std::string> m;
    for (const auto& kv : n) {
      std::string k, v;
      VIGIL_RETURN_IF_ERROR(Text(kv.first, &k, "model.LabelName"));
      if (validate_names && !ValidLabelName(k, true)) {
        return Err(kv.first, fmt::format("{} is not a valid label name", GoQuote(k)));
      }
      VIGIL_RETURN_IF_ERROR(Text(kv.second, &v, "model.LabelValue"));
      if (validate_names && !model::IsValidUTF8(v)) {
        return Err(kv.second, fmt::format("{} is not a valid label value", GoQuote(v)));
      }
      m[k] = std::move(v);
    }
    std::vector<model::Label> ls;
    for (auto& [k, v] : m) ls.push_back({k, v});
    *out = model::Labels::FromSorted(std::move(ls));
    return Status::OK();
  }

  Status TLS(const YAML::Node& n, TLSConfig* tls) const {
    VIGIL_RETURN_IF_ERROR(Struct(
        n, "config.TLSConfig",
        {
            {"ca", [&](const YAML::Node& v) { return Str(v, &tls->ca); }},
            {"ca_file", [&](const YAML::Node& v) { return Str(v, &tls->ca_file); }},
            {"cert", [&](const YAML::Node& v) { return Str(v, &tls->cert); }},
            {"cert_file", [&](const YAML::Node& v) { return Str(v, &tls->cert_file); }},
            {"key", [&](const YAML::Node& v) { return SecretStr(v, &tls->key); }},
            {"key_file", [&](const YAML::Node& v) { return Str(v, &tls->key_file); }},
            {"server_name", [&](const YAML::Node& v) { return Str(v, &tls->server_name); }},
            {"insecure_skip_verify",
             [&](const YAML::Node& v) { return Bool(v, &tls->insecure_skip_verify); }},
            {"min_version", [&](const YAML::Node& v) { return TLSVersion(v, &tls->min_version); }},
            {"max_version", [&](const YAML::Node& v) { return TLSVersion(v, &tls->max_version); }},
            Unsupported("ca_ref"),
            Unsupported("cert_ref"),
            Unsupported("key_ref"),
        }));
    Status st = ValidateTLS(*tls);
    return st.ok() ? st : At(n, st);
  }

  Status TLSVersion(const YAML::Node& n, std::string* out) const {
    VIGIL_RETURN_IF_ERROR(Text(n, out, "config.TLSVersion"));
    if (out->empty() || IsOneOf(*out, {"TLS10", "TLS11", "TLS12", "TLS13"})) return Status::OK();
    return Err(n, fmt::format("unknown TLS version: {}", *out));
  }

  static Status ValidateTLS(const TLSConfig& c) {
    if (!c.ca.empty() && !c.ca_file.empty()) {
      return Status::InvalidArgument("at most one of ca, ca_file & ca_ref must be configured");
    }
    if (!c.cert.empty() && !c.cert_file.empty()) {
      return Status::InvalidArgument(
          "at most one of cert, cert_file & cert_ref must be configured");
    }
    if (!c.key.empty() && !c.key_file.empty()) {
      return Status::InvalidArgument("at most one of key and key_file must be configured");
    }
    bool cert = !c.cert.empty() || !c.cert_file.empty();
    bool key = !c.key.empty() || !c.key_file.empty();
    if (cert && !key) {
      return Status::InvalidArgument(
          "exactly one of key or key_file must be configured when a client certificate is "
          "configured");
    }
    if (key && !cert) {
      return Status::InvalidArgument(
          "exactly one of cert or cert_file must be configured when a client key is configured");
    }
    return Status::OK();
  }

  Status Headers(const YAML::Node& n, HTTPClientConfig* c) const {
    c->http_headers.clear();
    c->http_header_files.clear();
    if (!n || n.IsNull()) return Status::OK();
    if (!n.IsMap()) return TypeErr(n, "config.Headers");
    for (const auto& kv : n) {
      std::string name;
      VIGIL_RETURN_IF_ERROR(Text(kv.first, &name));
      if (Lower(name) == "authorization") {
        return Err(kv.first, "setting Authorization header is not allowed");
      }
      std::string canonical = CanonicalHeaderKey(name);
      if (IsReservedRemoteHeader(Lower(name)) ||
          Lower(name) == "x-prometheus-scrape-timeout-seconds") {
        return Err(kv.first, fmt::format("setting {} header is not allowed", canonical));
      }
      std::vector<std::string> values, secrets, files;
      VIGIL_RETURN_IF_ERROR(
          Struct(kv.second, "config.Header",
                 {
                     {"values", [&](const YAML::Node& v) { return StrList(v, &values); }},
                     {"secrets",
                      [&](const YAML::Node& v) { return StrList(v, &secrets, "[]config.Secret"); }},
                     {"files", [&](const YAML::Node& v) { return StrList(v, &files); }},
                 }));
      auto& out = c->http_headers[name];
      out.insert(out.end(), values.begin(), values.end());
      out.insert(out.end(), secrets.begin(), secrets.end());
      if (!files.empty()) c->http_header_files[name] = std::move(files);
    }
    return Status::OK();
  }

  // The inline fields of common/config HTTPClientConfig.
  void HTTPClientFields(HTTPClientConfig* c, HTTPClientRaw* raw, std::vector<Field>* f) const {
    f->push_back(
        {"basic_auth", [this, c](const YAML::Node& v) {
           if (!v || v.IsNull()) {
             c->basic_auth.reset();
             return Status::OK();
           }
           BasicAuth ba;
           VIGIL_RETURN_IF_ERROR(Struct(
               v, "config.BasicAuth",
               {
                   {"username", [&](const YAML::Node& x) { return Str(x, &ba.username); }},
                   {"username_file",
                    [&](const YAML::Node& x) { return Str(x, &ba.username_file); }},
                   {"password", [&](const YAML::Node& x) { return SecretStr(x, &ba.password); }},
                   {"password_file",
                    [&](const YAML::Node& x) { return Str(x, &ba.password_file); }},
                   Unsupported("username_ref"),
                   Unsupported("password_ref"),
               }));
           c->basic_auth = std::move(ba);
           return Status::OK();
         }});
    f->push_back({"authorization", [this, c](const YAML::Node& v) {
                    if (!v || v.IsNull()) {
                      c->authorization.reset();
                      return Status::OK();
                    }
                    Authorization a;
                    a.type.clear();
                    VIGIL_RETURN_IF_ERROR(Struct(
                        v, "config.Authorization",
                        {
                            {"type", [&](const YAML::Node& x) { return Str(x, &a.type); }},
                            {"credentials",
                             [&](const YAML::Node& x) { return SecretStr(x, &a.credentials); }},
                            {"credentials_file",
                             [&](const YAML::Node& x) { return Str(x, &a.credentials_file); }},
                            Unsupported("credentials_ref"),
                        }));
                    c->authorization = std::move(a);
                    return Status::OK();
                  }});
    f->push_back(Unsupported("oauth2"));
    f->push_back({"bearer_token", [this, raw](const YAML::Node& v) {
                    return Text(v, &raw->bearer_token, "config.Secret");
                  }});
    f->push_back({"bearer_token_file",
                  [this, raw](const YAML::Node& v) { return Str(v, &raw->bearer_token_file); }});
    f->push_back({"tls_config", [this, c](const YAML::Node& v) { return TLS(v, &c->tls_config); }});
    f->push_back({"follow_redirects",
                  [this, c](const YAML::Node& v) { return Bool(v, &c->follow_redirects); }});
    f->push_back(
        {"enable_http2", [this, c](const YAML::Node& v) { return Bool(v, &c->enable_http2); }});
    f->push_back({"proxy_url", [this, c](const YAML::Node& v) {
                    VIGIL_RETURN_IF_ERROR(Text(v, &c->proxy_url, "config.URL"));
                    if (c->proxy_url.empty()) return Status::OK();
                    auto u = ParseURL(c->proxy_url);
                    return u.ok() ? Status::OK() : Err(v, u.status().message());
                  }});
    f->push_back({"no_proxy", [this, c](const YAML::Node& v) { return Str(v, &c->no_proxy); }});
    f->push_back({"proxy_from_environment",
                  [this, c](const YAML::Node& v) { return Bool(v, &c->proxy_from_environment); }});
    f->push_back({"proxy_connect_header", [this, c](const YAML::Node& v) {
                    c->proxy_connect_header.clear();
                    if (!v || v.IsNull()) return Status::OK();
                    if (!v.IsMap()) return TypeErr(v, "config.ProxyHeader");
                    for (const auto& kv : v) {
                      std::string k;
                      VIGIL_RETURN_IF_ERROR(Text(kv.first, &k));
                      VIGIL_RETURN_IF_ERROR(
                          StrList(kv.second, &c->proxy_connect_header[k], "[]config.Secret"));
                    }
                    return Status::OK();
                  }});
    f->push_back({"http_headers", [this, c](const YAML::Node& v) { return Headers(v, c); }});
  }

  // HTTPClientConfig.Validate, which also folds bearer_token(_file) into
  // authorization.
  static Status ValidateHTTPClient(HTTPClientConfig* c, const HTTPClientRaw& raw) {
    bool bearer = !raw.bearer_token.empty() || !raw.bearer_token_file.empty();
    if (!raw.bearer_token.empty() && !raw.bearer_token_file.empty()) {
      return Status::InvalidArgument(
          "at most one of bearer_token & bearer_token_file must be configured");
    }
    if ((c->basic_auth || raw.oauth2) && bearer) {
      return Status::InvalidArgument(
          "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be "
          "configured");
    }
    if (c->basic_auth && !c->basic_auth->username.empty() &&
        !c->basic_auth->username_file.empty()) {
      return Status::InvalidArgument(
          "at most one of basic_auth username, username_file & username_ref must be configured");
    }
    if (c->basic_auth && !c->basic_auth->password.empty() &&
        !c->basic_auth->password_file.empty()) {
      return Status::InvalidArgument(
          "at most one of basic_auth password, password_file & password_ref must be configured");
    }
    if (c->authorization) {
      if (bearer) {
        return Status::InvalidArgument(
            "authorization is not compatible with bearer_token & bearer_token_file");
      }
      Authorization& a = *c->authorization;
      if (!a.credentials.empty() && !a.credentials_file.empty()) {
        return Status::InvalidArgument(
            "at most one of authorization credentials & credentials_file must be configured");
      }
      size_t b = a.type.find_first_not_of(" \t\r\n\v\f");
      size_t e = a.type.find_last_not_of(" \t\r\n\v\f");
      a.type = b == std::string::npos ? "" : a.type.substr(b, e - b + 1);
      if (a.type.empty()) a.type = "Bearer";
      if (Lower(a.type) == "basic") {
        return Status::InvalidArgument(
            "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
      }
      if (c->basic_auth || raw.oauth2) {
        return Status::InvalidArgument(
            "at most one of basic_auth, oauth2 & authorization must be configured");
      }
    } else if (!raw.bearer_token.empty()) {
      c->authorization = Authorization{"Bearer", Secret{raw.bearer_token}, ""};
    } else if (!raw.bearer_token_file.empty()) {
      c->authorization = Authorization{"Bearer", Secret{}, raw.bearer_token_file};
    }
    bool has_proxy_url = !c->proxy_url.empty();
    if (!c->proxy_connect_header.empty() && !c->proxy_from_environment && !has_proxy_url) {
      return Status::InvalidArgument(
          "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also "
          "be configured");
    }
    if (c->proxy_from_environment && has_proxy_url) {
      return Status::InvalidArgument(
          "if proxy_from_environment is configured, proxy_url must not be configured");
    }
    if (c->proxy_from_environment && !c->no_proxy.empty()) {
      return Status::InvalidArgument(
          "if proxy_from_environment is configured, no_proxy must not be configured");
    }
    if (!has_proxy_url && !c->no_proxy.empty()) {
      return Status::InvalidArgument(
          "if no_proxy is configured, proxy_url must also be configured");
    }
    return Status::OK();
  }

  // One relabel rule; checked with relabel::Validate when utf8 is given
  // (scrape configs check theirs once their name validation scheme is known).
  Status Relabel(const YAML::Node& n, std::vector<relabel::RelabelConfig>* out,
                 std::vector<YAML::Node>* nodes, std::optional<bool> utf8) const {
    relabel::RelabelConfig rc;
    VIGIL_RETURN_IF_ERROR(
        Struct(n, "relabel.Config",
               {
                   {"source_labels",
                    [&](const YAML::Node& v) {
                      rc.source_labels_set = true;
                      VIGIL_RETURN_IF_ERROR(StrList(v, &rc.source_labels, "model.LabelNames"));
                      for (const auto& l : rc.source_labels) {
                        if (!ValidLabelName(l, true)) {
                          return Err(v, fmt::format("{} is not a valid label name", GoQuote(l)));
                        }
                      }
                      return Status::OK();
                    }},
                   {"separator",
                    [&](const YAML::Node& v) {
                      rc.separator_set = true;
                      return Str(v, &rc.separator);
                    }},
                   {"regex",
                    [&](const YAML::Node& v) {
                      rc.regex_set = true;
                      return Text(v, &rc.regex, "relabel.Regexp");
                    }},
                   {"modulus",
                    [&](const YAML::Node& v) {
                      rc.modulus_set = true;
                      return Uint(v, &rc.modulus, "uint64");
                    }},
                   {"target_label",
                    [&](const YAML::Node& v) {
                      rc.target_label_set = true;
                      return Str(v, &rc.target_label);
                    }},
                   {"replacement",
                    [&](const YAML::Node& v) {
                      rc.replacement_set = true;
                      return Str(v, &rc.replacement);
                    }},
                   {"action",
                    [&](const YAML::Node& v) {
                      if (!v || v.IsNull()) return Err(v, "relabel action cannot be empty");
                      std::string s;
                      VIGIL_RETURN_IF_ERROR(Text(v, &s, "relabel.Action"));
                      if (s.empty()) return Err(v, "relabel action cannot be empty");
                      auto a = relabel::ParseAction(s);
                      if (!a.ok()) return Err(v, a.status().message());
                      rc.action = *a;
                      return Status::OK();
                    }},
               }));
    if (utf8.has_value()) {
      Status st = relabel::Validate(rc, *utf8);
      if (!st.ok()) return Err(n, st.message());
    }
    out->push_back(std::move(rc));
    if (nodes) nodes->push_back(n);
    return Status::OK();
  }

  Status RelabelList(const YAML::Node& n, std::string_view null_msg,
                     std::vector<relabel::RelabelConfig>* out, std::vector<YAML::Node>* nodes,
                     std::optional<bool> utf8) const {
    out->clear();
    return List(n, "[]*relabel.Config", null_msg,
                [&](const YAML::Node& item) { return Relabel(item, out, nodes, utf8); });
  }

  Status StaticConfigs(const YAML::Node& n, std::vector<TargetGroup>* out) const {
    out->clear();
    return List(
        n, "discovery.StaticConfig", "empty or null section in static_configs",
        [&](const YAML::Node& item) {
          TargetGroup tg;
          std::vector<std::string> targets;
          VIGIL_RETURN_IF_ERROR(Struct(
              item, "targetgroup.Group",
              {
                  {"targets", [&](const YAML::Node& v) { return StrList(v, &targets); }},
                  {"labels", [&](const YAML::Node& v) { return LabelsMap(v, &tg.labels, true); }},
              }));
          for (auto& t : targets) {
            tg.targets.push_back(model::Labels::FromStrings({"__address__", t}));
          }
          tg.source = std::to_string(out->size());
          out->push_back(std::move(tg));
          return Status::OK();
        });
  }

  Status FileSD(const YAML::Node& n, std::vector<FileSDConfig>* out) const {
    out->clear();
    return List(
        n, "[]*file.SDConfig", "empty or null file_sd_configs section",
        [&](const YAML::Node& item) {
          FileSDConfig fc;
          VIGIL_RETURN_IF_ERROR(Struct(
              item, "file.SDConfig",
              {
                  {"files", [&](const YAML::Node& v) { return StrList(v, &fc.files); }},
                  {"refresh_interval",
                   [&](const YAML::Node& v) { return Duration(v, &fc.refresh_interval_ms); }},
              }));
          if (fc.files.empty()) {
            return Err(item, "file service discovery config must contain at least one path name");
          }
          for (const auto& f : fc.files) {
            if (!ValidFileSDName(f)) {
              return Err(item,
                         fmt::format("path name {} is not valid for file discovery", GoQuote(f)));
            }
          }
          out->push_back(std::move(fc));
          return Status::OK();
        });
  }

  // ^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$
  static bool ValidFileSDName(std::string_view s) {
    size_t dot = s.rfind('.');
    if (dot == std::string_view::npos) return false;
    if (!IsOneOf(s.substr(dot + 1), {"json", "yml", "yaml", "JSON", "YML", "YAML"})) return false;
    return ValidRulePath(s.substr(0, dot));
  }
  // ^[^*]*(\*[^/]*)?$
  static bool ValidRulePath(std::string_view s) {
    size_t star = s.find('*');
    if (star == std::string_view::npos) return true;
    return s.find_first_of("*/", star + 1) == std::string_view::npos;
  }

  Status HTTPSD(const YAML::Node& n, std::vector<HTTPSDConfig>* out) const {
    out->clear();
    return List(n, "[]*http.SDConfig", "empty or null http_sd_configs section",
                [&](const YAML::Node& item) {
                  HTTPSDConfig hc;
                  HTTPClientRaw raw;
                  std::vector<Field> fields = {
                      {"url", [&](const YAML::Node& v) { return Str(v, &hc.url); }},
                      {"refresh_interval",
                       [&](const YAML::Node& v) { return Duration(v, &hc.refresh_interval_ms); }},
                  };
                  HTTPClientFields(&hc.http_client, &raw, &fields);
                  VIGIL_RETURN_IF_ERROR(Struct(item, "http.SDConfig", fields));
                  if (hc.url.empty()) return Err(item, "URL is missing");
                  auto u = ParseURL(hc.url);
                  if (!u.ok()) return Err(item, u.status().message());
                  if (u->scheme != "http" && u->scheme != "https") {
                    return Err(item, "URL scheme must be 'http' or 'https'");
                  }
                  if (u->host.empty()) return Err(item, "host is missing in URL");
                  VIGIL_RETURN_IF_ERROR(At(item, ValidateHTTPClient(&hc.http_client, raw)));
                  out->push_back(std::move(hc));
                  return Status::OK();
                });
  }

  Status CheckStaticTargets(const YAML::Node& n, const std::vector<TargetGroup>& groups) const {
    for (const auto& g : groups) {
      for (const auto& t : g.targets) {
        std::string_view addr = t.Get("__address__");
        if (addr.find('/') != std::string_view::npos) {
          return Err(n, fmt::format("{} is not a valid hostname", GoQuote(addr)));
        }
      }
    }
    return Status::OK();
  }

  Status Global(const YAML::Node& n, GlobalRaw* g) const;
  Status Scrape(const YAML::Node& n, ScrapeRaw* s) const;
  Status ValidateScrape(ScrapeRaw* s, const GlobalRaw& g) const;
  // The `url` of remote_write and remote_read: a URL, and whether it was given.
  Field RemoteURLField(std::string* url, bool* set) const {
    return {"url", [this, url, set](const YAML::Node& v) {
              VIGIL_RETURN_IF_ERROR(Text(v, url, "config.URL"));
              *set = v && !v.IsNull();
              if (!*set) return Status::OK();
              auto u = ParseURL(*url);
              return u.ok() ? Status::OK() : Err(v, u.status().message());
            }};
  }
  Status RemoteWrite(const YAML::Node& n, RemoteWriteConfig* rw) const;
  Status RemoteRead(const YAML::Node& n, RemoteReadConfig* rr) const;
  Status Alerting(const YAML::Node& n, AlertingConfig* a) const;
  Status Storage(const YAML::Node& n, StorageConfig* s) const;
  Status OTLP(const YAML::Node& n, OTLPConfig* o) const;

  // cloud_configs (cloud_config.h). Cloud fills c and the node of each
  // entry, for errors found later.
  struct CloudNodes {
    std::vector<YAML::Node> aws, azure, gcp;
  };
  Status Cloud(const YAML::Node& n, CloudConfigs* c, CloudNodes* nodes) const;
  Status AWSCloud(const YAML::Node& n, AWSCloudConfig* c) const;
  Status AWSCredentials(const YAML::Node& n, AWSCredentialsConfig* c) const;
  Status AWSJob(const YAML::Node& n, AWSDiscoveryJob* j) const;
  Status AWSMetric(const YAML::Node& n, AWSMetricConfig* m) const;
  Status AWSStatistics(const YAML::Node& n, std::vector<std::string>* out) const;
  Status AWSPeriod(const YAML::Node& n, int64_t* out_ms) const;
  Status AzureCloud(const YAML::Node& n, AzureCloudConfig* c) const;
  Status AzureResource(const YAML::Node& n, AzureResourceQuery* r) const;
  Status GCPCloud(const YAML::Node& n, GCPCloudConfig* c) const;
  Status GCPMetric(const YAML::Node& n, GCPMetricQuery* m) const;
  Status PositiveDuration(const YAML::Node& n, int64_t* out_ms, std::string_view key) const;
  Status OptDuration(const YAML::Node& n, std::optional<int64_t>* out_ms) const;
  // An http(s) URL ("" allowed), trailing slashes dropped.
  Status CloudURL(const YAML::Node& n, std::string* out, std::string_view key) const;
  Status NonEmptyStrList(const YAML::Node& n, std::vector<std::string>* out,
                         std::string_view what) const;
  void ResolveCloud(CloudConfigs* c) const;
  // A cloud log source names a cloud_configs entry of its provider; an entry
  // with nothing to poll for metrics must be used by a log source.
  Status CheckCloudLogSources(const Config& cfg, const CloudNodes& nodes,
                              const YAML::Node& logs_node) const;

  // logs (log_config.h).
  Status Logs(const YAML::Node& n, LogsConfig* c) const;
  Status CloudLogSection(const YAML::Node& n, std::string_view type, CloudLogSourceConfig* c) const;
  Status LogSource(const YAML::Node& n, LogSourceConfig* s,
                   const std::function<Status(const YAML::Node&,
                                              std::map<std::string, std::string>*)>& labels) const;
  Status LogStep(const YAML::Node& n, LogStepConfig* s) const;
  Status LogForwarder(const YAML::Node& n, LogForwarderConfig* f) const;

  std::string Resolve(const std::string& p) const { return JoinDir(dir_, p); }
  void ResolveHTTPClient(HTTPClientConfig* c) const;
  void ResolveScrape(ScrapeConfig* s) const;

 private:
  std::string file_;
  std::string dir_;
};

Status Loader::Global(const YAML::Node& n, GlobalRaw* g) const {
  GlobalConfig& c = g->cfg;
  // Like Prometheus: start from zero and fill the defaults afterwards.
  c.scrape_interval_ms = 0;
  c.scrape_timeout_ms = 0;
  c.evaluation_interval_ms = 0;
  c.metric_name_validation_scheme.clear();
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.plain",
      {
          {"scrape_interval",
           [&](const YAML::Node& v) { return Duration(v, &c.scrape_interval_ms); }},
          {"scrape_timeout",
           [&](const YAML::Node& v) { return Duration(v, &c.scrape_timeout_ms); }},
          {"scrape_protocols",
           [&](const YAML::Node& v) {
             std::vector<std::string> p;
             VIGIL_RETURN_IF_ERROR(StrList(v, &p, "[]config.ScrapeProtocol"));
             if (v && !v.IsNull()) g->protocols = std::move(p);
             return Status::OK();
           }},
          {"evaluation_interval",
           [&](const YAML::Node& v) { return Duration(v, &c.evaluation_interval_ms); }},
          {"rule_query_offset",
           [&](const YAML::Node& v) { return Duration(v, &c.rule_query_offset_ms); }},
          {"external_labels",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(LabelsMap(v, &c.external_labels, false));
             // GlobalConfig's own check, with its messages, at the label.
             if (v && v.IsMap()) {
               for (const auto& kv : v) {
                 std::string k, val;
                 VIGIL_RETURN_IF_ERROR(Text(kv.first, &k));
                 VIGIL_RETURN_IF_ERROR(Text(kv.second, &val));
                 if (!ValidLabelName(k, true)) {
                   return Err(kv.first, fmt::format("{} is not a valid label name", GoQuote(k)));
                 }
                 if (!model::IsValidUTF8(val)) {
                   return Err(kv.second,
                              fmt::format("{} is not a valid label value", GoQuote(val)));
                 }
               }
             }
             return Status::OK();
           }},
          {"query_log_file", [&](const YAML::Node& v) { return Str(v, &c.query_log_file); }},
          {"scrape_failure_log_file",
           [&](const YAML::Node& v) { return Str(v, &c.scrape_failure_log_file); }},
          {"body_size_limit", [&](const YAML::Node& v) { return Size(v, &c.body_size_limit); }},
          {"sample_limit", [&](const YAML::Node& v) { return Uint(v, &c.sample_limit); }},
          {"target_limit", [&](const YAML::Node& v) { return Uint(v, &c.target_limit); }},
          {"label_limit", [&](const YAML::Node& v) { return Uint(v, &c.label_limit); }},
          {"label_name_length_limit",
           [&](const YAML::Node& v) { return Uint(v, &c.label_name_length_limit); }},
          {"label_value_length_limit",
           [&](const YAML::Node& v) { return Uint(v, &c.label_value_length_limit); }},
          {"keep_dropped_targets",
           [&](const YAML::Node& v) { return Uint(v, &c.keep_dropped_targets); }},
          {"metric_name_validation_scheme",
           [&](const YAML::Node& v) { return Str(v, &c.metric_name_validation_scheme); }},
          {"metric_name_escaping_scheme",
           [&](const YAML::Node& v) { return Str(v, &g->escaping_scheme); }},
          {"always_scrape_classic_histograms",
           [&](const YAML::Node& v) { return Bool(v, &c.always_scrape_classic_histograms); }},
          {"convert_classic_histograms_to_nhcb",
           [&](const YAML::Node& v) { return Bool(v, &c.convert_classic_histograms_to_nhcb); }},
      }));
  if (c.scrape_interval_ms == 0) c.scrape_interval_ms = 60 * 1000;
  if (c.scrape_timeout_ms > c.scrape_interval_ms) {
    return Err(n, "global scrape timeout greater than scrape interval");
  }
  if (c.scrape_timeout_ms == 0)
    c.scrape_timeout_ms = std::min<int64_t>(10 * 1000, c.scrape_interval_ms);
  if (c.evaluation_interval_ms == 0) c.evaluation_interval_ms = 60 * 1000;
  if (g->protocols) {
    Status st = ValidateProtocols(*g->protocols, &c.scrape_protocols);
    if (!st.ok()) return Err(n, fmt::format("{} for global config", st.message()));
  }
  if (c.metric_name_validation_scheme.empty()) c.metric_name_validation_scheme = "utf8";
  return Status::OK();
}

Status Loader::Scrape(const YAML::Node& n, ScrapeRaw* s) const {
  ScrapeConfig& c = s->cfg;
  HTTPClientRaw raw;
  // Relabel rules are checked once the job's name validation scheme is known.
  std::vector<Field> fields = {
      {"job_name", [&](const YAML::Node& v) { return Str(v, &c.job_name); }},
      {"honor_labels", [&](const YAML::Node& v) { return Bool(v, &c.honor_labels); }},
      {"honor_timestamps", [&](const YAML::Node& v) { return Bool(v, &c.honor_timestamps); }},
      {"track_timestamps_staleness",
       [&](const YAML::Node& v) { return Bool(v, &c.track_timestamps_staleness); }},
      {"params",
       [&](const YAML::Node& v) {
         c.params.clear();
         if (!v || v.IsNull()) return Status::OK();
         if (!v.IsMap()) return TypeErr(v, "url.Values");
         for (const auto& kv : v) {
           std::string k;
           VIGIL_RETURN_IF_ERROR(Text(kv.first, &k));
           VIGIL_RETURN_IF_ERROR(StrList(kv.second, &c.params[k]));
         }
         return Status::OK();
       }},
      {"scrape_interval", [&](const YAML::Node& v) { return Duration(v, &c.scrape_interval_ms); }},
      {"scrape_timeout", [&](const YAML::Node& v) { return Duration(v, &c.scrape_timeout_ms); }},
      {"scrape_protocols",
       [&](const YAML::Node& v) {
         std::vector<std::string> p;
         VIGIL_RETURN_IF_ERROR(StrList(v, &p, "[]config.ScrapeProtocol"));
         if (v && !v.IsNull()) s->protocols = std::move(p);
         return Status::OK();
       }},
      {"fallback_scrape_protocol",
       [&](const YAML::Node& v) {
         return Text(v, &s->fallback_protocol, "config.ScrapeProtocol");
       }},
      {"always_scrape_classic_histograms",
       [&](const YAML::Node& v) { return OptBool(v, &s->always_scrape_classic_histograms); }},
      {"convert_classic_histograms_to_nhcb",
       [&](const YAML::Node& v) { return OptBool(v, &s->convert_classic_histograms_to_nhcb); }},
      {"metrics_path", [&](const YAML::Node& v) { return Str(v, &c.metrics_path); }},
      {"scheme", [&](const YAML::Node& v) { return Str(v, &c.scheme); }},
      {"enable_compression", [&](const YAML::Node& v) { return Bool(v, &c.enable_compression); }},
      {"body_size_limit", [&](const YAML::Node& v) { return Size(v, &c.body_size_limit); }},
      {"sample_limit", [&](const YAML::Node& v) { return Uint(v, &c.sample_limit); }},
      {"target_limit", [&](const YAML::Node& v) { return Uint(v, &c.target_limit); }},
      {"label_limit", [&](const YAML::Node& v) { return Uint(v, &c.label_limit); }},
      {"label_name_length_limit",
       [&](const YAML::Node& v) { return Uint(v, &c.label_name_length_limit); }},
      {"label_value_length_limit",
       [&](const YAML::Node& v) { return Uint(v, &c.label_value_length_limit); }},
      {"keep_dropped_targets",
       [&](const YAML::Node& v) { return Uint(v, &c.keep_dropped_targets); }},
      {"native_histogram_bucket_limit",
       [&](const YAML::Node& v) { return Uint(v, &c.native_histogram_bucket_limit); }},
      {"native_histogram_min_bucket_factor",
       [&](const YAML::Node& v) { return Float(v, &c.native_histogram_min_bucket_factor); }},
      {"metric_name_validation_scheme",
       [&](const YAML::Node& v) { return Str(v, &c.metric_name_validation_scheme); }},
      {"metric_name_escaping_scheme",
       [&](const YAML::Node& v) { return Str(v, &c.metric_name_escaping_scheme); }},
      {"scrape_failure_log_file",
       [&](const YAML::Node& v) { return Str(v, &c.scrape_failure_log_file); }},
      {"relabel_configs",
       [&](const YAML::Node& v) {
         return RelabelList(v, "empty or null target relabeling rule in scrape config",
                            &c.relabel_configs, &s->relabel_nodes, std::nullopt);
       }},
      {"metric_relabel_configs",
       [&](const YAML::Node& v) {
         return RelabelList(v, "empty or null metric relabeling rule in scrape config",
                            &c.metric_relabel_configs, &s->metric_relabel_nodes, std::nullopt);
       }},
      {"static_configs", [&](const YAML::Node& v) { return StaticConfigs(v, &c.static_configs); }},
      {"file_sd_configs", [&](const YAML::Node& v) { return FileSD(v, &c.file_sd_configs); }},
      {"http_sd_configs", [&](const YAML::Node& v) { return HTTPSD(v, &c.http_sd_configs); }},
  };
  HTTPClientFields(&c.http_client, &raw, &fields);
  AddUnsupportedSD(&fields);
  VIGIL_RETURN_IF_ERROR(Struct(n, "config.ScrapeConfig", fields));
  if (c.job_name.empty()) return Err(n, "job_name is empty");
  VIGIL_RETURN_IF_ERROR(At(n, ValidateHTTPClient(&c.http_client, raw)));
  if (c.relabel_configs.empty()) VIGIL_RETURN_IF_ERROR(CheckStaticTargets(n, c.static_configs));
  return Status::OK();
}

// ScrapeConfig.Validate: defaults from the global config, then the checks.
Status Loader::ValidateScrape(ScrapeRaw* s, const GlobalRaw& g) const {
  ScrapeConfig& c = s->cfg;
  const GlobalConfig& gc = g.cfg;
  const YAML::Node& n = s->node;
  if (c.scrape_interval_ms == 0) c.scrape_interval_ms = gc.scrape_interval_ms;
  if (c.scrape_timeout_ms > c.scrape_interval_ms) {
    return Err(n,
               fmt::format("scrape timeout greater than scrape interval for scrape config with job "
                           "name {}",
                           GoQuote(c.job_name)));
  }
  if (c.scrape_timeout_ms == 0)
    c.scrape_timeout_ms = std::min(gc.scrape_timeout_ms, c.scrape_interval_ms);
  if (c.body_size_limit == 0) c.body_size_limit = gc.body_size_limit;
  if (c.sample_limit == 0) c.sample_limit = gc.sample_limit;
  if (c.target_limit == 0) c.target_limit = gc.target_limit;
  if (c.label_limit == 0) c.label_limit = gc.label_limit;
  if (c.label_name_length_limit == 0) c.label_name_length_limit = gc.label_name_length_limit;
  if (c.label_value_length_limit == 0) c.label_value_length_limit = gc.label_value_length_limit;
  if (c.keep_dropped_targets == 0) c.keep_dropped_targets = gc.keep_dropped_targets;
  if (c.scrape_failure_log_file.empty()) c.scrape_failure_log_file = gc.scrape_failure_log_file;

  if (s->protocols) {
    Status st = ValidateProtocols(*s->protocols, &c.scrape_protocols);
    if (!st.ok()) {
      return Err(n, fmt::format("{} for scrape config with job name {}", st.message(),
                                GoQuote(c.job_name)));
    }
  } else {
    c.scrape_protocols = gc.scrape_protocols;
  }
  if (!s->fallback_protocol.empty()) {
    auto p = ParseScrapeProtocol(s->fallback_protocol);
    if (!p) {
      return Err(n,
                 fmt::format("invalid fallback_scrape_protocol for scrape config with job name {}: "
                             "unknown scrape protocol {}, supported: [OpenMetricsText0.0.1 "
                             "OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 "
                             "PrometheusText1.0.0]",
                             GoQuote(c.job_name), s->fallback_protocol));
    }
    c.scrape_fallback_protocol = *p;
  }

  const std::string& global_scheme = gc.metric_name_validation_scheme;
  if (!IsOneOf(global_scheme, {"", "legacy", "utf8"})) {
    return Err(n, fmt::format("unknown global name validation method specified, must be either '', "
                              "'legacy' or 'utf8', got {}",
                              global_scheme));
  }
  if (c.metric_name_validation_scheme.empty()) {
    c.metric_name_validation_scheme = global_scheme;
  } else if (!IsOneOf(c.metric_name_validation_scheme, {"legacy", "utf8"})) {
    return Err(n,
               fmt::format("unknown scrape config name validation method specified, must be either "
                           "'', 'legacy' or 'utf8', got {}",
                           c.metric_name_validation_scheme));
  }
  std::string global_escaping = g.escaping_scheme;
  if (global_escaping.empty()) {
    global_escaping = global_scheme == "legacy" ? "underscores" : "allow-utf-8";
  } else if (!IsOneOf(global_escaping, {"allow-utf-8", "underscores", "dots", "values"})) {
    return Err(n, fmt::format("unknown global name escaping method specified, must be one of "
                              "'allow-utf-8', 'underscores', 'dots', or 'values', got {}",
                              global_scheme));
  }
  if (c.metric_name_escaping_scheme.empty()) c.metric_name_escaping_scheme = global_escaping;
  if (c.metric_name_escaping_scheme == "allow-utf-8") {
    if (c.metric_name_validation_scheme != "utf8") {
      return Err(n, "utf8 metric names requested but validation scheme is not set to UTF8");
    }
  } else if (!IsOneOf(c.metric_name_escaping_scheme, {"underscores", "dots", "values"})) {
    return Err(n,
               fmt::format("unknown scrape config name escaping method specified, must be one of "
                           "'allow-utf-8', 'underscores', 'dots', or 'values', got {}",
                           c.metric_name_validation_scheme));
  }
  c.convert_classic_histograms_to_nhcb =
      s->convert_classic_histograms_to_nhcb.value_or(gc.convert_classic_histograms_to_nhcb);
  c.always_scrape_classic_histograms =
      s->always_scrape_classic_histograms.value_or(gc.always_scrape_classic_histograms);

  bool utf8 = c.metric_name_validation_scheme != "legacy";
  for (size_t i = 0; i < c.relabel_configs.size(); ++i) {
    Status st = relabel::Validate(c.relabel_configs[i], utf8);
    if (!st.ok()) return Err(s->relabel_nodes[i], st.message());
  }
  for (size_t i = 0; i < c.metric_relabel_configs.size(); ++i) {
    Status st = relabel::Validate(c.metric_relabel_configs[i], utf8);
    if (!st.ok()) return Err(s->metric_relabel_nodes[i], st.message());
  }
  return Status::OK();
}

Status ValidateRemoteHeaders(const std::map<std::string, std::string>& headers) {
  for (const auto& [name, value] : headers) {
    std::string lower = Lower(name);
    if (lower == "authorization") {
      return Status::InvalidArgument(
          "authorization header must be changed via the basic_auth, authorization, oauth2, "
          "sigv4, azuread or google_iam parameter");
    }
    if (IsReservedRemoteHeader(lower)) {
      return Status::InvalidArgument(
          fmt::format("{} is a reserved header. It must not be changed", name));
    }
  }
  return Status::OK();
}

Status Loader::RemoteWrite(const YAML::Node& n, RemoteWriteConfig* rw) const {
  HTTPClientRaw raw;
  // DefaultRemoteWriteHTTPClientConfig: remote write stays on HTTP/1.1
  // unless asked.
  rw->http_client.enable_http2 = false;
  bool url_set = false;
  std::vector<Field> fields = {
      RemoteURLField(&rw->url, &url_set),
      {"name", [&](const YAML::Node& v) { return Str(v, &rw->name); }},
      {"remote_timeout", [&](const YAML::Node& v) { return Duration(v, &rw->remote_timeout_ms); }},
      {"headers", [&](const YAML::Node& v) { return StrMap(v, &rw->headers); }},
      {"protobuf_message", [&](const YAML::Node& v) { return Str(v, &rw->protobuf_message); }},
      {"send_exemplars", [&](const YAML::Node& v) { return Bool(v, &rw->send_exemplars); }},
      {"send_native_histograms",
       [&](const YAML::Node& v) { return Bool(v, &rw->send_native_histograms); }},
      {"write_relabel_configs",
       [&](const YAML::Node& v) {
         return RelabelList(v, "empty or null relabeling rule in remote write config",
                            &rw->write_relabel_configs, nullptr, true);
       }},
      {"queue_config",
       [&](const YAML::Node& v) {
         QueueConfig& q = rw->queue_config;
         return Struct(
             v, "config.QueueConfig",
             {
                 {"capacity", [&](const YAML::Node& x) { return Int(x, &q.capacity); }},
                 {"max_shards", [&](const YAML::Node& x) { return Int(x, &q.max_shards); }},
                 {"min_shards", [&](const YAML::Node& x) { return Int(x, &q.min_shards); }},
                 {"max_samples_per_send",
                  [&](const YAML::Node& x) { return Int(x, &q.max_samples_per_send); }},
                 {"batch_send_deadline",
                  [&](const YAML::Node& x) { return Duration(x, &q.batch_send_deadline_ms); }},
                 {"min_backoff",
                  [&](const YAML::Node& x) { return Duration(x, &q.min_backoff_ms); }},
                 {"max_backoff",
                  [&](const YAML::Node& x) { return Duration(x, &q.max_backoff_ms); }},
                 {"retry_on_http_429",
                  [&](const YAML::Node& x) { return Bool(x, &q.retry_on_http_429); }},
                 {"sample_age_limit",
                  [&](const YAML::Node& x) { return Duration(x, &q.sample_age_limit_ms); }},
             });
       }},
      {"metadata_config",
       [&](const YAML::Node& v) {
         return Struct(
             v, "config.MetadataConfig",
             {
                 {"send", [&](const YAML::Node& x) { return Bool(x, &rw->metadata_send); }},
                 {"send_interval",
                  [&](const YAML::Node& x) { return Duration(x, &rw->metadata_send_interval_ms); }},
                 {"max_samples_per_send",
                  [&](const YAML::Node& x) { return Int(x, &rw->metadata_max_samples_per_send); }},
             });
       }},
      Unsupported("sigv4"),
      Unsupported("azuread"),
      Unsupported("google_iam"),
      Unsupported("round_robin_dns"),
  };
  HTTPClientFields(&rw->http_client, &raw, &fields);
  VIGIL_RETURN_IF_ERROR(Struct(n, "config.RemoteWriteConfig", fields));
  if (!url_set) return Err(n, "url for remote_write is empty");
  VIGIL_RETURN_IF_ERROR(At(n, ValidateRemoteHeaders(rw->headers)));
  if (!IsOneOf(rw->protobuf_message,
               {"prometheus.WriteRequest", "io.prometheus.write.v2.Request"})) {
    return Err(
        n, fmt::format("invalid protobuf_message value: unknown remote write protobuf message {}, "
                       "supported: prometheus.WriteRequest, io.prometheus.write.v2.Request",
                       rw->protobuf_message));
  }
  return At(n, ValidateHTTPClient(&rw->http_client, raw));
}

Status Loader::RemoteRead(const YAML::Node& n, RemoteReadConfig* rr) const {
  HTTPClientRaw raw;
  bool url_set = false;
  std::vector<Field> fields = {
      RemoteURLField(&rr->url, &url_set),
      {"name", [&](const YAML::Node& v) { return Str(v, &rr->name); }},
      {"remote_timeout", [&](const YAML::Node& v) { return Duration(v, &rr->remote_timeout_ms); }},
      {"headers", [&](const YAML::Node& v) { return StrMap(v, &rr->headers); }},
      {"required_matchers", [&](const YAML::Node& v) { return StrMap(v, &rr->required_matchers); }},
      {"read_recent", [&](const YAML::Node& v) { return Bool(v, &rr->read_recent); }},
      {"filter_external_labels",
       [&](const YAML::Node& v) { return Bool(v, &rr->filter_external_labels); }},
  };
  HTTPClientFields(&rr->http_client, &raw, &fields);
  VIGIL_RETURN_IF_ERROR(Struct(n, "config.RemoteReadConfig", fields));
  if (!url_set) return Err(n, "url for remote_read is empty");
  VIGIL_RETURN_IF_ERROR(At(n, ValidateRemoteHeaders(rr->headers)));
  return At(n, ValidateHTTPClient(&rr->http_client, raw));
}

Status Loader::Alerting(const YAML::Node& n, AlertingConfig* a) const {
  return Struct(
      n, "config.AlertingConfig",
      {
          {"alert_relabel_configs",
           [&](const YAML::Node& v) {
             return RelabelList(v, "empty or null alert relabeling rule", &a->alert_relabel_configs,
                                nullptr, true);
           }},
          {"alertmanagers",
           [&](const YAML::Node& v) {
             a->alertmanagers.clear();
             return List(
                 v, "config.AlertmanagerConfigs", "empty or null alertmanager config",
                 [&](const YAML::Node& item) {
                   AlertmanagerConfig am;
                   HTTPClientRaw raw;
                   std::vector<Field> fields = {
                       {"scheme", [&](const YAML::Node& x) { return Str(x, &am.scheme); }},
                       {"path_prefix",
                        [&](const YAML::Node& x) { return Str(x, &am.path_prefix); }},
                       {"timeout",
                        [&](const YAML::Node& x) { return Duration(x, &am.timeout_ms); }},
                       {"api_version",
                        [&](const YAML::Node& x) {
                          VIGIL_RETURN_IF_ERROR(
                              Text(x, &am.api_version, "config.AlertmanagerAPIVersion"));
                          if (am.api_version != "v2") {
                            return Err(x, fmt::format("expected Alertmanager api version to be one "
                                                      "of [v2] but got {}",
                                                      am.api_version));
                          }
                          return Status::OK();
                        }},
                       {"relabel_configs",
                        [&](const YAML::Node& x) {
                          return RelabelList(x, "empty or null Alertmanager target relabeling rule",
                                             &am.relabel_configs, nullptr, true);
                        }},
                       {"alert_relabel_configs",
                        [&](const YAML::Node& x) {
                          return RelabelList(x, "empty or null Alertmanager alert relabeling rule",
                                             &am.alert_relabel_configs, nullptr, true);
                        }},
                       {"static_configs",
                        [&](const YAML::Node& x) { return StaticConfigs(x, &am.static_configs); }},
                       {"file_sd_configs",
                        [&](const YAML::Node& x) { return FileSD(x, &am.file_sd_configs); }},
                       {"http_sd_configs",
                        [&](const YAML::Node& x) { return HTTPSD(x, &am.http_sd_configs); }},
                       Unsupported("sigv4"),
                   };
                   HTTPClientFields(&am.http_client, &raw, &fields);
                   AddUnsupportedSD(&fields);
                   VIGIL_RETURN_IF_ERROR(Struct(item, "config.AlertmanagerConfig", fields));
                   VIGIL_RETURN_IF_ERROR(At(item, ValidateHTTPClient(&am.http_client, raw)));
                   if (am.relabel_configs.empty()) {
                     VIGIL_RETURN_IF_ERROR(CheckStaticTargets(item, am.static_configs));
                   }
                   a->alertmanagers.push_back(std::move(am));
                   return Status::OK();
                 });
           }},
      });
}

Status Loader::Storage(const YAML::Node& n, StorageConfig* s) const {
  return Struct(
      n, "config.StorageConfig",
      {
          {"tsdb",
           [&](const YAML::Node& v) {
             return Struct(v, "config.TSDBConfig",
                           {
                               {"out_of_order_time_window",
                                [&](const YAML::Node& x) {
                                  return Duration(x, &s->out_of_order_time_window_ms);
                                }},
                           });
           }},
          {"exemplars",
           [&](const YAML::Node& v) {
             return Struct(
                 v, "config.ExemplarsConfig",
                 {
                     {"max_exemplars",
                      [&](const YAML::Node& x) { return Int(x, &s->max_exemplars, "int64"); }},
                 });
           }},
      });
}

// sanitizeAttributes: trims, refuses empty and duplicated names.
Status SanitizeAttributes(std::vector<std::string>* attrs, std::string_view adjective) {
  std::set<std::string> seen;
  std::vector<std::string> errs;
  for (auto& a : *attrs) {
    size_t b = a.find_first_not_of(" \t\r\n\v\f");
    size_t e = a.find_last_not_of(" \t\r\n\v\f");
    std::string t = b == std::string::npos ? "" : a.substr(b, e - b + 1);
    if (t.empty()) {
      errs.push_back(fmt::format("empty {} OTel resource attribute", adjective));
      continue;
    }
    if (!seen.insert(t).second) {
      errs.push_back(
          fmt::format("duplicated {} OTel resource attribute {}", adjective, GoQuote(t)));
      continue;
    }
    a = t;
  }
  if (errs.empty()) return Status::OK();
  return Status::InvalidArgument(fmt::format("{}", fmt::join(errs, "\n")));
}

Status Loader::OTLP(const YAML::Node& n, OTLPConfig* o) const {
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.OTLPConfig",
      {
          {"promote_all_resource_attributes",
           [&](const YAML::Node& v) { return Bool(v, &o->promote_all_resource_attributes); }},
          {"promote_resource_attributes",
           [&](const YAML::Node& v) { return StrList(v, &o->promote_resource_attributes); }},
          {"ignore_resource_attributes",
           [&](const YAML::Node& v) { return StrList(v, &o->ignore_resource_attributes); }},
          {"translation_strategy",
           [&](const YAML::Node& v) {
             return Text(v, &o->translation_strategy, "config.translationStrategyOption");
           }},
          {"keep_identifying_resource_attributes",
           [&](const YAML::Node& v) { return Bool(v, &o->keep_identifying_resource_attributes); }},
          {"convert_histograms_to_nhcb",
           [&](const YAML::Node& v) { return Bool(v, &o->convert_histograms_to_nhcb); }},
          {"promote_scope_metadata",
           [&](const YAML::Node& v) { return Bool(v, &o->promote_scope_metadata); }},
      }));
  if (o->promote_all_resource_attributes) {
    if (!o->promote_resource_attributes.empty()) {
      return Err(n,
                 "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be "
                 "configured simultaneously");
    }
    Status st = SanitizeAttributes(&o->ignore_resource_attributes, "ignored");
    if (!st.ok()) return Err(n, "invalid 'ignore_resource_attributes': " + st.message());
  } else {
    if (!o->ignore_resource_attributes.empty()) {
      return Err(n,
                 "'ignore_resource_attributes' cannot be configured unless "
                 "'promote_all_resource_attributes' is true");
    }
    Status st = SanitizeAttributes(&o->promote_resource_attributes, "promoted");
    if (!st.ok()) return Err(n, "invalid 'promote_resource_attributes': " + st.message());
  }
  return Status::OK();
}

// ---- logs (Vigil's extension, log_config.h) --------------------------------

namespace {
const std::set<std::string, std::less<>> kLogStepTypes = {
    "json",   "logfmt", "regex",  "syslog", "nginx",  "apache", "normalize",
    "redact", "drop",   "sample", "labels", "metric", "lua"};
const std::set<std::string, std::less<>> kRedactBuiltins = {
    "email", "credit_card", "ipv4", "bearer_token", "aws_access_key", "jwt"};
}  // namespace

Status Loader::LogStep(const YAML::Node& n, LogStepConfig* s) const {
  if (!n.IsMap() || n.size() != 1) {
    return Err(n, "a pipeline step is a mapping with one key, the step type (e.g. \"- json: {}\")");
  }
  auto kv = *n.begin();
  VIGIL_RETURN_IF_ERROR(Text(kv.first, &s->type));
  s->line = kv.first.Mark().line + 1;
  if (!kLogStepTypes.count(s->type)) {
    return Err(kv.first, fmt::format("unknown pipeline step type {} (want one of {})",
                                     GoQuote(s->type), fmt::join(kLogStepTypes, ", ")));
  }
  const YAML::Node& v = kv.second;
  std::string go_type = "config.LogStep." + s->type;
  auto str = [&](std::string_view key, std::string* out) {
    return Field{key, [this, out](const YAML::Node& x) { return Text(x, out); }};
  };
  std::vector<Field> fields;
  const std::string& t = s->type;
  if (t == "json" || t == "logfmt" || t == "regex" || t == "syslog" || t == "nginx" ||
      t == "apache") {
    fields.push_back(str("source", &s->source));
    fields.push_back(str("prefix", &s->prefix));
    if (t == "regex") fields.push_back(str("expression", &s->expression));
  } else if (t == "normalize") {
    fields.push_back(
        {"timestamp", [&](const YAML::Node& x) {
           return Struct(
               x, "config.LogTimestamp",
               {{"field", [&](const YAML::Node& y) { return Text(y, &s->timestamp_field); }},
                {"format", [&](const YAML::Node& y) { return Text(y, &s->timestamp_format); }}});
         }});
    fields.push_back({"severity", [&](const YAML::Node& x) {
                        return Struct(x, "config.LogSeverity", {{"field", [&](const YAML::Node& y) {
                                                                   return Text(y,
                                                                               &s->severity_field);
                                                                 }}});
                      }});
    fields.push_back({"body", [&](const YAML::Node& x) {
                        return Struct(x, "config.LogBody", {{"field", [&](const YAML::Node& y) {
                                                               return Text(y, &s->body_field);
                                                             }}});
                      }});
  } else if (t == "redact") {
    fields.push_back({"patterns", [&](const YAML::Node& x) { return StrList(x, &s->patterns); }});
    fields.push_back({"keys", [&](const YAML::Node& x) { return StrList(x, &s->keys); }});
    fields.push_back(str("replacement", &s->replacement));
  } else if (t == "drop") {
    fields.push_back(str("when", &s->when));
  } else if (t == "sample") {
    fields.push_back({"rate", [&](const YAML::Node& x) { return Float(x, &s->rate); }});
    fields.push_back(str("when", &s->when));
  } else if (t == "labels") {
    fields.push_back({"add", [&](const YAML::Node& x) { return StrMap(x, &s->add); }});
    fields.push_back({"rename", [&](const YAML::Node& x) { return StrMap(x, &s->rename); }});
    fields.push_back({"remove", [&](const YAML::Node& x) { return StrList(x, &s->remove); }});
    fields.push_back(
        {"from_fields", [&](const YAML::Node& x) { return StrMap(x, &s->from_fields); }});
  } else if (t == "metric") {
    fields.push_back(str("name", &s->metric_name));
    fields.push_back(str("type", &s->metric_type));
    fields.push_back(str("value_field", &s->value_field));
    fields.push_back(str("when", &s->when));
    fields.push_back(
        {"label_fields", [&](const YAML::Node& x) { return StrList(x, &s->label_fields); }});
    fields.push_back({"buckets", [&](const YAML::Node& x) {
                        s->buckets.clear();
                        if (!x || x.IsNull()) return Status::OK();
                        if (!x.IsSequence()) return TypeErr(x, "[]float64");
                        for (const auto& b : x) {
                          double d = 0;
                          VIGIL_RETURN_IF_ERROR(Float(b, &d));
                          s->buckets.push_back(d);
                        }
                        return Status::OK();
                      }});
  } else if (t == "lua") {
    fields.push_back(str("file", &s->lua_file));
    fields.push_back(str("code", &s->lua_code));
    fields.push_back(str("function", &s->lua_function));
    fields.push_back(
        {"timeout", [&](const YAML::Node& x) { return Duration(x, &s->lua_timeout_ms); }});
    fields.push_back(
        {"memory", [&](const YAML::Node& x) { return Size(x, &s->lua_memory_bytes); }});
  }
  VIGIL_RETURN_IF_ERROR(Struct(v, go_type, fields));

  // What can be checked without the pipeline module.
  auto bad_regex = [&](const std::string& re, std::string_view what) -> Status {
    RE2 r(re, RE2::Quiet);
    if (!r.ok())
      return Err(v, fmt::format("{} step: invalid {} {}: {}", t, what, GoQuote(re), r.error()));
    return Status::OK();
  };
  if (t == "regex") {
    if (s->expression.empty()) return Err(n, "regex step needs an expression");
    VIGIL_RETURN_IF_ERROR(bad_regex(s->expression, "expression"));
    RE2 r(s->expression, RE2::Quiet);
    if (r.NamedCapturingGroups().empty()) {
      return Err(v, "regex step: the expression has no named group (?P<name>...)");
    }
  }
  if (t == "redact") {
    if (s->patterns.empty() && s->keys.empty()) {
      return Err(n, "redact step needs patterns or keys");
    }
    for (const auto& p : s->patterns) {
      if (!kRedactBuiltins.count(p)) VIGIL_RETURN_IF_ERROR(bad_regex(p, "pattern"));
    }
  }
  if (t == "drop" && s->when.empty()) return Err(n, "drop step needs a when condition");
  if (t == "sample" && !(s->rate >= 0 && s->rate <= 1)) {
    return Err(v, fmt::format("sample step: rate must be between 0 and 1, got {}", s->rate));
  }
  if (t == "metric") {
    if (s->metric_name.empty()) return Err(n, "metric step needs a name");
    if (!ValidLabelName(s->metric_name, false)) {
      return Err(v, fmt::format("metric step: invalid metric name {}", GoQuote(s->metric_name)));
    }
    if (s->metric_type != "counter" && s->metric_type != "histogram") {
      return Err(v, fmt::format("metric step: type must be counter or histogram, got {}",
                                GoQuote(s->metric_type)));
    }
    if (s->metric_type == "histogram" && s->value_field.empty()) {
      return Err(v, "metric step: a histogram needs a value_field");
    }
    if (s->metric_type == "histogram" && s->buckets.empty()) {
      s->buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    }
    if (!std::is_sorted(s->buckets.begin(), s->buckets.end()) ||
        std::adjacent_find(s->buckets.begin(), s->buckets.end()) != s->buckets.end()) {
      return Err(v, "metric step: buckets must be in increasing order");
    }
  }
  if (t == "lua") {
    if (s->lua_file.empty() == s->lua_code.empty()) {
      return Err(n, "lua step needs exactly one of file and code");
    }
    if (!s->lua_file.empty()) s->lua_file = Resolve(s->lua_file);
    if (s->lua_timeout_ms <= 0) return Err(v, "lua step: timeout must be greater than 0");
  }
  if (t == "labels") {
    for (const auto& m : {&s->add, &s->rename, &s->from_fields}) {
      for (const auto& [k, val] : *m) {
        if (!ValidLabelName(k, false)) {
          return Err(v, fmt::format("labels step: invalid label name {}", GoQuote(k)));
        }
        if (m == &s->rename && !ValidLabelName(val, false)) {
          return Err(v, fmt::format("labels step: invalid label name {}", GoQuote(val)));
        }
      }
    }
  }
  return Status::OK();
}

Status Loader::Logs(const YAML::Node& n, LogsConfig* c) const {
  std::vector<YAML::Node> source_nodes, pipeline_nodes, forwarder_nodes;
  auto labels = [&](const YAML::Node& x, std::map<std::string, std::string>* out) -> Status {
    VIGIL_RETURN_IF_ERROR(StrMap(x, out));
    for (const auto& [k, v] : *out) {
      // Log stream labels keep Loki's (legacy Prometheus) name syntax.
      if (!ValidLabelName(k, false)) {
        return Err(x, fmt::format("invalid label name {}", GoQuote(k)));
      }
      if (!model::IsValidUTF8(v)) return Err(x, fmt::format("invalid UTF-8 in label {}", k));
    }
    return Status::OK();
  };
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.LogsConfig",
      {
          {"enabled", [&](const YAML::Node& v) { return Bool(v, &c->enabled); }},
          {"store",
           [&](const YAML::Node& v) {
             LogStoreConfig& s = c->store;
             int64_t max_labels = s.max_labels_per_stream;
             VIGIL_RETURN_IF_ERROR(Struct(
                 v, "config.LogStoreConfig",
                 {
                     {"retention",
                      [&](const YAML::Node& x) { return Duration(x, &s.retention_ms); }},
                     {"retention_size",
                      [&](const YAML::Node& x) { return Size(x, &s.retention_bytes); }},
                     {"max_streams", [&](const YAML::Node& x) { return Uint(x, &s.max_streams); }},
                     {"max_line_size",
                      [&](const YAML::Node& x) { return Size(x, &s.max_line_bytes); }},
                     {"max_labels_per_stream",
                      [&](const YAML::Node& x) { return Int(x, &max_labels); }},
                     {"reject_old_samples_max_age",
                      [&](const YAML::Node& x) { return Duration(x, &s.reject_old_ms); }},
                     {"creation_grace_period",
                      [&](const YAML::Node& x) { return Duration(x, &s.reject_future_ms); }},
                     {"fsync", [&](const YAML::Node& x) { return Bool(x, &s.fsync); }},
                 }));
             if (max_labels <= 0 || max_labels > 1000) {
               return Err(v, "max_labels_per_stream must be between 1 and 1000");
             }
             s.max_labels_per_stream = static_cast<uint32_t>(max_labels);
             if (s.max_line_bytes == 0) return Err(v, "max_line_size must be greater than 0");
             if (s.max_streams == 0) return Err(v, "max_streams must be greater than 0");
             return Status::OK();
           }},
          {"push",
           [&](const YAML::Node& v) {
             return Struct(
                 v, "config.LogPushConfig",
                 {
                     {"pipeline", [&](const YAML::Node& x) { return Text(x, &c->push.pipeline); }},
                     {"labels", [&](const YAML::Node& x) { return labels(x, &c->push.labels); }},
                     {"max_body_size",
                      [&](const YAML::Node& x) { return Size(x, &c->push.max_body_bytes); }},
                 });
           }},
          {"sources",
           [&](const YAML::Node& v) {
             return List(v, "[]config.LogSourceConfig", "empty or null log source",
                         [&](const YAML::Node& item) {
                           LogSourceConfig s;
                           VIGIL_RETURN_IF_ERROR(LogSource(item, &s, labels));
                           c->sources.push_back(std::move(s));
                           source_nodes.push_back(item);
                           return Status::OK();
                         });
           }},
          {"pipelines",
           [&](const YAML::Node& v) {
             return List(
                 v, "[]config.LogPipelineConfig", "empty or null log pipeline",
                 [&](const YAML::Node& item) {
                   LogPipelineConfig p;
                   VIGIL_RETURN_IF_ERROR(Struct(
                       item, "config.LogPipelineConfig",
                       {
                           {"name", [&](const YAML::Node& x) { return Text(x, &p.name); }},
                           {"steps",
                            [&](const YAML::Node& x) {
                              return List(x, "[]config.LogStep", "empty or null pipeline step",
                                          [&](const YAML::Node& st) {
                                            LogStepConfig step;
                                            VIGIL_RETURN_IF_ERROR(LogStep(st, &step));
                                            p.steps.push_back(std::move(step));
                                            return Status::OK();
                                          });
                            }},
                           {"routes",
                            [&](const YAML::Node& x) {
                              return List(x, "[]config.LogRoute", "empty or null route",
                                          [&](const YAML::Node& r) {
                                            LogRouteConfig route;
                                            VIGIL_RETURN_IF_ERROR(
                                                Struct(r, "config.LogRoute",
                                                       {{"when",
                                                         [&](const YAML::Node& y) {
                                                           return Text(y, &route.when);
                                                         }},
                                                        {"sinks",
                                                         [&](const YAML::Node& y) {
                                                           return StrList(y, &route.sinks);
                                                         }},
                                                        {"stop", [&](const YAML::Node& y) {
                                                           return Bool(y, &route.stop);
                                                         }}}));
                                            if (route.sinks.empty())
                                              return Err(r, "a route needs sinks");
                                            p.routes.push_back(std::move(route));
                                            return Status::OK();
                                          });
                            }},
                           {"sinks", [&](const YAML::Node& x) { return StrList(x, &p.sinks); }},
                       }));
                   if (p.name.empty()) return Err(item, "a log pipeline needs a name");
                   c->pipelines.push_back(std::move(p));
                   pipeline_nodes.push_back(item);
                   return Status::OK();
                 });
           }},
          {"forwarders",
           [&](const YAML::Node& v) {
             return List(v, "[]config.LogForwarderConfig", "empty or null log forwarder",
                         [&](const YAML::Node& item) {
                           LogForwarderConfig f;
                           VIGIL_RETURN_IF_ERROR(LogForwarder(item, &f));
                           c->forwarders.push_back(std::move(f));
                           forwarder_nodes.push_back(item);
                           return Status::OK();
                         });
           }},
      }));

  // Cross references: unique names, pipelines and sinks that exist.
  std::set<std::string> sinks = {"store"};
  for (size_t i = 0; i < c->forwarders.size(); ++i) {
    const auto& f = c->forwarders[i];
    if (f.name == "store") {
      return Err(forwarder_nodes[i],
                 "a forwarder may not be named \"store\" (the log store's name)");
    }
    if (!sinks.insert(f.name).second) {
      return Err(forwarder_nodes[i],
                 fmt::format("found multiple log forwarders named {}", GoQuote(f.name)));
    }
  }
  std::set<std::string> pipelines;
  for (size_t i = 0; i < c->pipelines.size(); ++i) {
    const auto& p = c->pipelines[i];
    if (!pipelines.insert(p.name).second) {
      return Err(pipeline_nodes[i],
                 fmt::format("found multiple log pipelines named {}", GoQuote(p.name)));
    }
    auto check_sinks = [&](const std::vector<std::string>& names) -> Status {
      for (const auto& s : names) {
        if (!sinks.count(s)) {
          return Err(pipeline_nodes[i],
                     fmt::format("log pipeline {} sends to {}, which is neither \"store\" nor a "
                                 "forwarder",
                                 GoQuote(p.name), GoQuote(s)));
        }
      }
      return Status::OK();
    };
    VIGIL_RETURN_IF_ERROR(check_sinks(p.sinks));
    for (const auto& r : p.routes) VIGIL_RETURN_IF_ERROR(check_sinks(r.sinks));
  }
  if (!pipelines.count("default")) {
    LogPipelineConfig d;
    d.name = "default";
    c->pipelines.push_back(std::move(d));
    pipelines.insert("default");
  }
  std::set<std::string> source_names;
  for (size_t i = 0; i < c->sources.size(); ++i) {
    const auto& s = c->sources[i];
    if (!source_names.insert(s.name).second) {
      return Err(source_nodes[i],
                 fmt::format("found multiple log sources named {}", GoQuote(s.name)));
    }
    if (!pipelines.count(s.pipeline)) {
      return Err(source_nodes[i],
                 fmt::format("log source {} uses pipeline {}, which is not defined",
                             GoQuote(s.name), GoQuote(s.pipeline)));
    }
  }
  if (!pipelines.count(c->push.pipeline)) {
    return Err(n, fmt::format("logs.push uses pipeline {}, which is not defined",
                              GoQuote(c->push.pipeline)));
  }
  return Status::OK();
}

Status Loader::LogSource(
    const YAML::Node& n, LogSourceConfig* s,
    const std::function<Status(const YAML::Node&, std::map<std::string, std::string>*)>& labels)
    const {
  YAML::Node syslog_node, file_node;
  bool has_syslog = false, has_file = false;
  // The cloud types' sections: one key per type, all into s->cloud.
  std::string cloud_section;  // which one was given
  YAML::Node cloud_node;
  auto cloud = [&](std::string_view type) {
    return [this, s, type, &cloud_section, &cloud_node](const YAML::Node& v) -> Status {
      if (!cloud_section.empty()) {
        return Err(
            v, fmt::format("a log source takes one of {} and {}, not both", cloud_section, type));
      }
      cloud_section = std::string(type);
      cloud_node = v;
      return CloudLogSection(v, type, &s->cloud);
    };
  };
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.LogSourceConfig",
      {
          {"cloudwatch_logs", cloud("cloudwatch_logs")},
          {"azure_activity_log", cloud("azure_activity_log")},
          {"gcp_logging", cloud("gcp_logging")},
          {"name", [&](const YAML::Node& v) { return Text(v, &s->name); }},
          {"type", [&](const YAML::Node& v) { return Text(v, &s->type); }},
          {"labels", [&](const YAML::Node& v) { return labels(v, &s->labels); }},
          {"pipeline", [&](const YAML::Node& v) { return Text(v, &s->pipeline); }},
          {"syslog",
           [&](const YAML::Node& v) {
             syslog_node = v;
             has_syslog = true;
             SyslogSourceConfig& y = s->syslog;
             return Struct(
                 v, "config.SyslogSourceConfig",
                 {
                     {"listen", [&](const YAML::Node& x) { return Text(x, &y.listen); }},
                     {"protocol", [&](const YAML::Node& x) { return Text(x, &y.protocol); }},
                     {"framing", [&](const YAML::Node& x) { return Text(x, &y.framing); }},
                     {"max_message_size",
                      [&](const YAML::Node& x) { return Size(x, &y.max_message_bytes); }},
                 });
           }},
          {"file",
           [&](const YAML::Node& v) {
             file_node = v;
             has_file = true;
             FileSourceConfig& f = s->file;
             std::string start_at = "beginning";
             VIGIL_RETURN_IF_ERROR(Struct(
                 v, "config.FileSourceConfig",
                 {
                     {"paths", [&](const YAML::Node& x) { return StrList(x, &f.include); }},
                     {"exclude", [&](const YAML::Node& x) { return StrList(x, &f.exclude); }},
                     {"start_at", [&](const YAML::Node& x) { return Text(x, &start_at); }},
                     {"multiline",
                      [&](const YAML::Node& x) {
                        return Struct(
                            x, "config.Multiline",
                            {
                                {"start",
                                 [&](const YAML::Node& y) { return Text(y, &f.multiline_start); }},
                                {"max_lines",
                                 [&](const YAML::Node& y) {
                                   int64_t m = f.multiline_max_lines;
                                   VIGIL_RETURN_IF_ERROR(Int(y, &m));
                                   if (m <= 0 || m > 100000)
                                     return Err(y,
                                                "multiline.max_lines must be between 1 and 100000");
                                   f.multiline_max_lines = static_cast<int>(m);
                                   return Status::OK();
                                 }},
                                {"timeout",
                                 [&](const YAML::Node& y) {
                                   return PositiveDuration(y, &f.multiline_timeout_ms, "timeout");
                                 }},
                            });
                      }},
                     {"max_line_size",
                      [&](const YAML::Node& x) { return Size(x, &f.max_line_bytes); }},
                     {"read_rate",
                      [&](const YAML::Node& x) { return Size(x, &f.read_rate_bytes_per_sec); }},
                     {"poll_interval",
                      [&](const YAML::Node& x) {
                        return PositiveDuration(x, &f.poll_interval_ms, "poll_interval");
                      }},
                 }));
             if (start_at != "beginning" && start_at != "end") {
               return Err(
                   v, fmt::format("start_at must be beginning or end, got {}", GoQuote(start_at)));
             }
             f.start_at_end = start_at == "end";
             if (!f.multiline_start.empty()) {
               RE2 re(f.multiline_start, RE2::Quiet);
               if (!re.ok()) return Err(v, "invalid multiline.start: " + re.error());
             }
             for (auto& p : f.include) p = Resolve(p);
             return Status::OK();
           }},
      }));
  if (s->name.empty()) return Err(n, "a log source needs a name");
  if (s->type == "syslog") {
    if (s->syslog.listen.empty()) {
      return Err(n, fmt::format("syslog source {} needs syslog.listen", GoQuote(s->name)));
    }
    if (s->syslog.protocol != "tcp" && s->syslog.protocol != "udp") {
      return Err(syslog_node, fmt::format("syslog protocol must be tcp or udp, got {}",
                                          GoQuote(s->syslog.protocol)));
    }
    if (s->syslog.framing != "auto" && s->syslog.framing != "newline" &&
        s->syslog.framing != "octet_counting") {
      return Err(syslog_node,
                 fmt::format("syslog framing must be auto, newline or octet_counting, got {}",
                             GoQuote(s->syslog.framing)));
    }
    if (has_file) return Err(file_node, "a syslog source takes no file section");
  } else if (s->type == "file") {
    if (s->file.include.empty()) {
      return Err(n, fmt::format("file source {} needs file.paths", GoQuote(s->name)));
    }
    if (has_syslog) return Err(syslog_node, "a file source takes no syslog section");
  } else if (s->type == "cloudwatch_logs" || s->type == "azure_activity_log" ||
             s->type == "gcp_logging") {
    if (has_syslog)
      return Err(syslog_node, fmt::format("a {} source takes no syslog section", s->type));
    if (has_file) return Err(file_node, fmt::format("a {} source takes no file section", s->type));
    if (cloud_section != s->type) {
      return Err(
          cloud_section.empty() ? n : cloud_node,
          fmt::format("{} source {} needs a {} section", s->type, GoQuote(s->name), s->type));
    }
    CloudLogSourceConfig& c = s->cloud;
    if (c.cloud.empty()) {
      return Err(cloud_node, fmt::format("{} source {} needs cloud: the name of a cloud_configs "
                                         "entry whose credentials it uses",
                                         s->type, GoQuote(s->name)));
    }
    // The types' defaults: CloudWatch Logs is searchable within seconds; the
    // Activity Log can take minutes to list an event; Cloud Logging about a
    // minute.
    if (s->type == "cloudwatch_logs") {
      if (c.poll_interval_ms == 0) c.poll_interval_ms = 30'000;
      if (c.delay_ms < 0) c.delay_ms = 30'000;
      if (c.log_group_names.empty()) {
        return Err(cloud_node, fmt::format("cloudwatch_logs source {} needs log_group_names",
                                           GoQuote(s->name)));
      }
      if (!c.log_stream_names.empty() && !c.log_stream_name_prefix.empty()) {
        return Err(cloud_node,
                   "log_stream_names and log_stream_name_prefix exclude each other "
                   "(FilterLogEvents takes one)");
      }
      if (c.log_stream_names.size() > 100) {
        return Err(cloud_node, "at most 100 log_stream_names (FilterLogEvents' limit)");
      }
      if (c.filter_pattern.size() > 1024) {
        return Err(cloud_node, "filter_pattern is longer than 1024 characters");
      }
    } else if (s->type == "azure_activity_log") {
      if (c.poll_interval_ms == 0) c.poll_interval_ms = 60'000;
      if (c.delay_ms < 0) c.delay_ms = 300'000;
    } else {
      if (c.poll_interval_ms == 0) c.poll_interval_ms = 60'000;
      if (c.delay_ms < 0) c.delay_ms = 60'000;
    }
  } else {
    return Err(n, fmt::format("log source {}: type must be syslog, file, cloudwatch_logs, "
                              "azure_activity_log or gcp_logging, got {}",
                              GoQuote(s->name), GoQuote(s->type)));
  }
  if (!cloud_section.empty() && cloud_section != s->type) {
    return Err(cloud_node, fmt::format("a {} source takes no {} section", s->type, cloud_section));
  }
  return Status::OK();
}

Status Loader::CloudLogSection(const YAML::Node& n, std::string_view type,
                               CloudLogSourceConfig* c) const {
  std::vector<Field> fields = {
      {"cloud", [&](const YAML::Node& v) { return Text(v, &c->cloud); }},
      {"poll_interval",
       [&](const YAML::Node& v) {
         return PositiveDuration(v, &c->poll_interval_ms, "poll_interval");
       }},
      {"delay", [&](const YAML::Node& v) { return Duration(v, &c->delay_ms); }},
      {"lookback",
       [&](const YAML::Node& v) { return PositiveDuration(v, &c->lookback_ms, "lookback"); }},
      {"max_window",
       [&](const YAML::Node& v) { return PositiveDuration(v, &c->max_window_ms, "max_window"); }},
  };
  if (type == "cloudwatch_logs") {
    fields.push_back({"log_group_names", [&](const YAML::Node& v) {
                        return NonEmptyStrList(v, &c->log_group_names, "log group name");
                      }});
    fields.push_back({"log_stream_names", [&](const YAML::Node& v) {
                        return NonEmptyStrList(v, &c->log_stream_names, "log stream name");
                      }});
    fields.push_back({"log_stream_name_prefix",
                      [&](const YAML::Node& v) { return Text(v, &c->log_stream_name_prefix); }});
    fields.push_back(
        {"filter_pattern", [&](const YAML::Node& v) { return Text(v, &c->filter_pattern); }});
    fields.push_back({"regions", [&](const YAML::Node& v) {
                        return NonEmptyStrList(v, &c->regions, "region");
                      }});
    fields.push_back(
        {"parse_envelopes", [&](const YAML::Node& v) { return Bool(v, &c->parse_envelopes); }});
  } else if (type == "azure_activity_log") {
    fields.push_back({"subscriptions", [&](const YAML::Node& v) {
                        return NonEmptyStrList(v, &c->subscriptions, "subscription");
                      }});
    fields.push_back({"filter", [&](const YAML::Node& v) { return Text(v, &c->filter); }});
  } else {
    fields.push_back({"project_ids", [&](const YAML::Node& v) {
                        return NonEmptyStrList(v, &c->project_ids, "project id");
                      }});
    fields.push_back({"filter", [&](const YAML::Node& v) { return Text(v, &c->filter); }});
    fields.push_back(
        {"endpoint", [&](const YAML::Node& v) { return CloudURL(v, &c->endpoint, "endpoint"); }});
  }
  VIGIL_RETURN_IF_ERROR(Struct(n, "config.CloudLogSourceConfig", fields));
  if (c->delay_ms < -1) return Err(n, "delay must not be negative");
  return Status::OK();
}

Status Loader::CheckCloudLogSources(const Config& cfg, const CloudNodes& nodes,
                                    const YAML::Node& logs_node) const {
  const CloudConfigs& clouds = cfg.cloud_configs;
  std::set<std::pair<std::string, std::string>> used;  // provider, entry name
  for (size_t i = 0; i < cfg.logs.sources.size(); ++i) {
    const LogSourceConfig& s = cfg.logs.sources[i];
    std::string provider = s.type == "cloudwatch_logs"      ? "aws"
                           : s.type == "azure_activity_log" ? "azure"
                           : s.type == "gcp_logging"        ? "gcp"
                                                            : "";
    if (provider.empty()) continue;
    YAML::Node where = logs_node["sources"][i][s.type];
    if (!where) where = logs_node;
    const CloudLogSourceConfig& c = s.cloud;
    auto missing = [&](std::string_view what, const std::string& value) {
      return Err(where, fmt::format("{} source {}: {} {} is not one of cloud config {}'s", s.type,
                                    GoQuote(s.name), what, GoQuote(value), GoQuote(c.cloud)));
    };
    auto has = [](const std::vector<std::string>& list, const std::string& v) {
      return std::find(list.begin(), list.end(), v) != list.end();
    };
    bool found = false;
    if (provider == "aws") {
      for (const auto& a : clouds.aws) {
        if (a.name != c.cloud) continue;
        found = true;
        for (const auto& r : c.regions) {
          if (!has(a.regions, r)) return missing("region", r);
        }
      }
    } else if (provider == "azure") {
      for (const auto& a : clouds.azure) {
        if (a.name != c.cloud) continue;
        found = true;
        for (const auto& sub : c.subscriptions) {
          if (!has(a.subscriptions, sub)) return missing("subscription", sub);
        }
      }
    } else {
      for (const auto& g : clouds.gcp) {
        if (g.name != c.cloud) continue;
        found = true;
        for (const auto& p : c.project_ids) {
          if (!has(g.project_ids, p)) return missing("project", p);
        }
      }
    }
    if (!found) {
      return Err(where, fmt::format("{} source {} uses cloud {}, which is not a {} entry of "
                                    "cloud_configs",
                                    s.type, GoQuote(s.name), GoQuote(c.cloud), provider));
    }
    used.insert({provider, c.cloud});
  }
  // An entry with no metrics to poll is there for its credentials.
  for (size_t i = 0; i < clouds.aws.size(); ++i) {
    if (clouds.aws[i].discovery.empty() && !used.count({"aws", clouds.aws[i].name})) {
      return Err(nodes.aws[i],
                 fmt::format("aws cloud config {} needs at least one discovery job (or a "
                             "cloudwatch_logs log source that uses it)",
                             GoQuote(clouds.aws[i].name)));
    }
  }
  for (size_t i = 0; i < clouds.azure.size(); ++i) {
    if (clouds.azure[i].resources.empty() && !used.count({"azure", clouds.azure[i].name})) {
      return Err(nodes.azure[i],
                 fmt::format("azure cloud config {} needs at least one resource query (or an "
                             "azure_activity_log log source that uses it)",
                             GoQuote(clouds.azure[i].name)));
    }
  }
  for (size_t i = 0; i < clouds.gcp.size(); ++i) {
    if (clouds.gcp[i].metrics.empty() && !used.count({"gcp", clouds.gcp[i].name})) {
      return Err(nodes.gcp[i],
                 fmt::format("gcp cloud config {} needs at least one metric query (or a "
                             "gcp_logging log source that uses it)",
                             GoQuote(clouds.gcp[i].name)));
    }
  }
  return Status::OK();
}

Status Loader::LogForwarder(const YAML::Node& n, LogForwarderConfig* f) const {
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.LogForwarderConfig",
      {
          {"name", [&](const YAML::Node& v) { return Text(v, &f->name); }},
          {"type", [&](const YAML::Node& v) { return Text(v, &f->type); }},
          {"url", [&](const YAML::Node& v) { return CloudURL(v, &f->url, "url"); }},
          {"address", [&](const YAML::Node& v) { return Text(v, &f->address); }},
          {"protocol", [&](const YAML::Node& v) { return Text(v, &f->protocol); }},
          {"format", [&](const YAML::Node& v) { return Text(v, &f->syslog_format); }},
          {"headers", [&](const YAML::Node& v) { return StrMap(v, &f->headers); }},
          {"tenant_id", [&](const YAML::Node& v) { return Text(v, &f->tenant_id); }},
          {"batch_wait",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &f->batch_wait_ms, "batch_wait");
           }},
          {"batch_size", [&](const YAML::Node& v) { return Size(v, &f->batch_bytes); }},
          {"timeout",
           [&](const YAML::Node& v) { return PositiveDuration(v, &f->timeout_ms, "timeout"); }},
          {"min_backoff",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &f->min_backoff_ms, "min_backoff");
           }},
          {"max_backoff",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &f->max_backoff_ms, "max_backoff");
           }},
          {"queue_max_size", [&](const YAML::Node& v) { return Size(v, &f->queue_max_bytes); }},
      }));
  if (f->name.empty()) return Err(n, "a log forwarder needs a name");
  std::string q = GoQuote(f->name);
  if (f->type == "loki" || f->type == "http") {
    if (f->url.empty()) return Err(n, fmt::format("{} forwarder {} needs a url", f->type, q));
  } else if (f->type == "syslog") {
    if (f->address.empty()) return Err(n, fmt::format("syslog forwarder {} needs an address", q));
    if (f->protocol != "tcp" && f->protocol != "udp") {
      return Err(n, fmt::format("syslog forwarder {}: protocol must be tcp or udp", q));
    }
    if (f->syslog_format != "rfc5424" && f->syslog_format != "rfc3164") {
      return Err(n, fmt::format("syslog forwarder {}: format must be rfc5424 or rfc3164", q));
    }
  } else {
    return Err(n, fmt::format("log forwarder {}: type must be loki, syslog or http, got {}", q,
                              GoQuote(f->type)));
  }
  if (f->min_backoff_ms > f->max_backoff_ms) {
    return Err(n, fmt::format("log forwarder {}: min_backoff is larger than max_backoff", q));
  }
  if (f->batch_bytes == 0)
    return Err(n, fmt::format("log forwarder {}: batch_size must be > 0", q));
  if (f->queue_max_bytes < f->batch_bytes) {
    return Err(n, fmt::format("log forwarder {}: queue_max_size is smaller than batch_size", q));
  }
  return Status::OK();
}

// ---- cloud_configs (Vigil's extension, cloud_config.h) ----------------------

std::string SpaceJoined(const std::vector<std::string>& v) {
  return fmt::format("{}", fmt::join(v, " "));
}

// A null value ("poll_interval:") keeps the default, as in the rest of the
// file.
Status Loader::PositiveDuration(const YAML::Node& n, int64_t* out_ms, std::string_view key) const {
  if (!n || n.IsNull()) return Status::OK();
  VIGIL_RETURN_IF_ERROR(Duration(n, out_ms));
  if (*out_ms <= 0) return Err(n, fmt::format("{} must be greater than 0", key));
  return Status::OK();
}

Status Loader::OptDuration(const YAML::Node& n, std::optional<int64_t>* out_ms) const {
  if (!n || n.IsNull()) {
    out_ms->reset();
    return Status::OK();
  }
  int64_t ms = 0;
  VIGIL_RETURN_IF_ERROR(Duration(n, &ms));
  *out_ms = ms;
  return Status::OK();
}

Status Loader::CloudURL(const YAML::Node& n, std::string* out, std::string_view key) const {
  VIGIL_RETURN_IF_ERROR(Text(n, out, "config.URL"));
  if (out->empty()) return Status::OK();
  std::string probe = *out;
  // A getBatch host template: "{region}" is filled in per call.
  for (size_t pos; (pos = probe.find("{region}")) != std::string::npos;) {
    probe.replace(pos, 8, "region");
  }
  auto u = ParseURL(probe);
  if (!u.ok()) return Err(n, fmt::format("{}: {}", key, u.status().message()));
  if (u->scheme != "http" && u->scheme != "https") {
    return Err(n, fmt::format("{} {} must be an http or https URL", key, GoQuote(*out)));
  }
  if (u->host.empty()) return Err(n, fmt::format("{} {} has no host", key, GoQuote(*out)));
  while (out->size() > 1 && out->back() == '/') out->pop_back();
  return Status::OK();
}

Status Loader::NonEmptyStrList(const YAML::Node& n, std::vector<std::string>* out,
                               std::string_view what) const {
  VIGIL_RETURN_IF_ERROR(StrList(n, out));
  for (size_t i = 0; i < out->size(); ++i) {
    if ((*out)[i].empty()) return Err(n[i], fmt::format("empty {}", what));
  }
  return Status::OK();
}

Status Loader::AWSStatistics(const YAML::Node& n, std::vector<std::string>* out) const {
  VIGIL_RETURN_IF_ERROR(StrList(n, out));
  std::set<std::string> seen;
  for (size_t i = 0; i < out->size(); ++i) {
    const std::string& s = (*out)[i];
    if (!IsValidAwsStatistic(s)) {
      return Err(n[i], fmt::format("unknown statistic {}: want Sum, Average, Maximum, Minimum, "
                                   "SampleCount or a percentile pN or pN.N (p99, p99.9)",
                                   GoQuote(s)));
    }
    if (!seen.insert(s).second) return Err(n[i], fmt::format("statistic {} listed twice", s));
  }
  return Status::OK();
}

Status Loader::AWSPeriod(const YAML::Node& n, int64_t* out_ms) const {
  if (!n || n.IsNull()) return Status::OK();
  VIGIL_RETURN_IF_ERROR(Duration(n, out_ms));
  if (!IsValidAwsPeriod(*out_ms)) {
    return Err(n, fmt::format("period must be 1s, 5s, 10s, 20s, 30s or a multiple of 60s, got {}",
                              FormatPromDuration(*out_ms)));
  }
  return Status::OK();
}

Status Loader::AWSCredentials(const YAML::Node& n, AWSCredentialsConfig* c) const {
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.AWSCredentialsConfig",
      {
          {"access_key_id", [&](const YAML::Node& v) { return Str(v, &c->access_key_id); }},
          {"secret_access_key",
           [&](const YAML::Node& v) {
             return Text(v, &c->secret_access_key.value, "config.CloudSecret");
           }},
          {"session_token",
           [&](const YAML::Node& v) {
             return Text(v, &c->session_token.value, "config.CloudSecret");
           }},
          {"profile", [&](const YAML::Node& v) { return Str(v, &c->profile); }},
          {"shared_credentials_file",
           [&](const YAML::Node& v) { return Str(v, &c->shared_credentials_file); }},
          {"shared_config_file",
           [&](const YAML::Node& v) { return Str(v, &c->shared_config_file); }},
          {"role_arn",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Str(v, &c->role_arn));
             if (!c->role_arn.empty() && !c->role_arn.starts_with("arn:")) {
               return Err(v, fmt::format("role_arn {} is not an ARN "
                                         "(arn:aws:iam::123456789012:role/NAME)",
                                         GoQuote(c->role_arn)));
             }
             return Status::OK();
           }},
          {"external_id", [&](const YAML::Node& v) { return Str(v, &c->external_id); }},
          {"role_session_name", [&](const YAML::Node& v) { return Str(v, &c->role_session_name); }},
          {"web_identity_token_file",
           [&](const YAML::Node& v) { return Str(v, &c->web_identity_token_file); }},
          {"sts_endpoint",
           [&](const YAML::Node& v) { return CloudURL(v, &c->sts_endpoint, "sts_endpoint"); }},
          {"imds_disabled", [&](const YAML::Node& v) { return Bool(v, &c->imds_disabled); }},
          {"imds_endpoint",
           [&](const YAML::Node& v) { return CloudURL(v, &c->imds_endpoint, "imds_endpoint"); }},
      }));
  if (c->access_key_id.empty() != c->secret_access_key.empty()) {
    return Err(n, "access_key_id and secret_access_key must be given together");
  }
  if (!c->session_token.empty() && c->access_key_id.empty()) {
    return Err(n, "session_token needs access_key_id and secret_access_key");
  }
  if (!c->external_id.empty() && c->role_arn.empty()) {
    return Err(n, "external_id needs role_arn");
  }
  if (!c->web_identity_token_file.empty() && c->role_arn.empty()) {
    return Err(n, "web_identity_token_file needs role_arn");
  }
  return Status::OK();
}

Status Loader::AWSJob(const YAML::Node& n, AWSDiscoveryJob* j) const {
  YAML::Node metrics_node, length_node;
  bool length_set = false;
  bool statistics_set = false;
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.AWSDiscoveryJob",
      {
          {"type",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Str(v, &j->type));
             if (j->type.empty()) return Status::OK();
             j->namespace_ = AwsNamespaceForType(j->type);
             if (j->namespace_.empty()) {
               return Err(v, fmt::format("unknown type {}: want a namespace such as AWS/EC2 or one "
                                         "of [{}]",
                                         GoQuote(j->type), SpaceJoined(AwsTypeAliases())));
             }
             return Status::OK();
           }},
          {"search_tags",
           [&](const YAML::Node& v) {
             j->search_tags.clear();
             return List(v, "[]config.AWSSearchTag", "empty or null search tag",
                         [&](const YAML::Node& item) {
                           AWSSearchTag t;
                           YAML::Node value_node;
                           VIGIL_RETURN_IF_ERROR(Struct(
                               item, "config.AWSSearchTag",
                               {
                                   {"key", [&](const YAML::Node& x) { return Str(x, &t.key); }},
                                   {"value",
                                    [&](const YAML::Node& x) {
                                      value_node = x;
                                      return Str(x, &t.value);
                                    }},
                               }));
                           if (t.key.empty()) return Err(item, "search tag needs a key");
                           if (!value_node || value_node.IsNull()) {
                             return Err(item, fmt::format("search tag {} needs a value (a regular "
                                                          "expression; .* for any)",
                                                          GoQuote(t.key)));
                           }
                           RE2 re(t.value, RE2::Quiet);
                           if (!re.ok()) {
                             return Err(value_node,
                                        fmt::format("search tag {}: invalid regular expression "
                                                    "{}: {}",
                                                    GoQuote(t.key), GoQuote(t.value), re.error()));
                           }
                           j->search_tags.push_back(std::move(t));
                           return Status::OK();
                         });
           }},
          {"exported_tags", [&](const YAML::Node& v) { return StrList(v, &j->exported_tags); }},
          {"dimension_name_requirements",
           [&](const YAML::Node& v) { return StrList(v, &j->dimension_name_requirements); }},
          {"recently_active_only",
           [&](const YAML::Node& v) { return Bool(v, &j->recently_active_only); }},
          {"statistics",
           [&](const YAML::Node& v) {
             statistics_set = v && !v.IsNull();
             return AWSStatistics(v, &j->statistics);
           }},
          {"period", [&](const YAML::Node& v) { return AWSPeriod(v, &j->period_ms); }},
          {"length",
           [&](const YAML::Node& v) {
             length_node = v;
             length_set = v && !v.IsNull();
             return PositiveDuration(v, &j->length_ms, "length");
           }},
          {"delay", [&](const YAML::Node& v) { return Duration(v, &j->delay_ms); }},
          {"nil_to_zero", [&](const YAML::Node& v) { return Bool(v, &j->nil_to_zero); }},
          {"add_cloudwatch_timestamp",
           [&](const YAML::Node& v) { return Bool(v, &j->add_cloudwatch_timestamp); }},
          {"metrics",
           [&](const YAML::Node& v) {
             metrics_node = v;
             j->metrics.clear();
             return List(v, "[]config.AWSMetricConfig", "empty or null metric",
                         [&](const YAML::Node& item) {
                           AWSMetricConfig m;
                           VIGIL_RETURN_IF_ERROR(AWSMetric(item, &m));
                           j->metrics.push_back(std::move(m));
                           return Status::OK();
                         });
           }},
      }));
  if (j->type.empty()) {
    return Err(n,
               "discovery job needs a type (a namespace such as AWS/EC2 or an alias: ec2, rds, "
               "alb, ...)");
  }
  if (statistics_set && j->statistics.empty()) {
    return Err(n, fmt::format("discovery job {}: statistics must not be empty", j->type));
  }
  if (j->statistics.empty()) j->statistics = {"Average"};
  // An unset length covers at least one period (a shorter window holds no
  // datapoint); one written shorter is a mistake.
  if (!length_set) j->length_ms = std::max(j->length_ms, j->period_ms);
  if (j->length_ms < j->period_ms) {
    return Err(length_node,
               fmt::format("discovery job {}: length {} is shorter than period {}", j->type,
                           FormatPromDuration(j->length_ms), FormatPromDuration(j->period_ms)));
  }
  if (j->metrics.empty()) {
    return Err(n, fmt::format("discovery job {} needs at least one metric", j->type));
  }
  // Settings a metric leaves out are the job's: filled in so the collector
  // sees final values.
  for (size_t i = 0; i < j->metrics.size(); ++i) {
    AWSMetricConfig& m = j->metrics[i];
    if (m.statistics.empty()) m.statistics = j->statistics;
    if (!m.period_ms) m.period_ms = j->period_ms;
    if (!m.length_ms) m.length_ms = std::max(j->length_ms, *m.period_ms);
    if (!m.delay_ms) m.delay_ms = j->delay_ms;
    if (!m.nil_to_zero) m.nil_to_zero = j->nil_to_zero;
    if (!m.add_cloudwatch_timestamp) m.add_cloudwatch_timestamp = j->add_cloudwatch_timestamp;
    if (*m.length_ms < *m.period_ms) {
      return Err(metrics_node[i],
                 fmt::format("metric {}: length {} is shorter than period {}", m.name,
                             FormatPromDuration(*m.length_ms), FormatPromDuration(*m.period_ms)));
    }
  }
  return Status::OK();
}

Status Loader::AWSMetric(const YAML::Node& n, AWSMetricConfig* m) const {
  bool statistics_set = false;
  VIGIL_RETURN_IF_ERROR(
      Struct(n, "config.AWSMetricConfig",
             {
                 {"name", [&](const YAML::Node& v) { return Str(v, &m->name); }},
                 {"statistics",
                  [&](const YAML::Node& v) {
                    statistics_set = v && !v.IsNull();
                    return AWSStatistics(v, &m->statistics);
                  }},
                 {"period",
                  [&](const YAML::Node& v) {
                    if (!v || v.IsNull()) return Status::OK();
                    int64_t ms = 0;
                    VIGIL_RETURN_IF_ERROR(AWSPeriod(v, &ms));
                    m->period_ms = ms;
                    return Status::OK();
                  }},
                 {"length",
                  [&](const YAML::Node& v) {
                    if (!v || v.IsNull()) return Status::OK();
                    int64_t ms = 0;
                    VIGIL_RETURN_IF_ERROR(PositiveDuration(v, &ms, "length"));
                    m->length_ms = ms;
                    return Status::OK();
                  }},
                 {"delay", [&](const YAML::Node& v) { return OptDuration(v, &m->delay_ms); }},
                 {"nil_to_zero", [&](const YAML::Node& v) { return OptBool(v, &m->nil_to_zero); }},
                 {"add_cloudwatch_timestamp",
                  [&](const YAML::Node& v) { return OptBool(v, &m->add_cloudwatch_timestamp); }},
             }));
  if (m->name.empty()) return Err(n, "metric needs a name (the CloudWatch MetricName)");
  if (statistics_set && m->statistics.empty()) {
    return Err(n, fmt::format("metric {}: statistics must not be empty", m->name));
  }
  return Status::OK();
}

Status Loader::AWSCloud(const YAML::Node& n, AWSCloudConfig* c) const {
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.AWSCloudConfig",
      {
          {"name", [&](const YAML::Node& v) { return Str(v, &c->name); }},
          {"regions",
           [&](const YAML::Node& v) { return NonEmptyStrList(v, &c->regions, "region"); }},
          {"endpoint", [&](const YAML::Node& v) { return CloudURL(v, &c->endpoint, "endpoint"); }},
          {"credentials", [&](const YAML::Node& v) { return AWSCredentials(v, &c->credentials); }},
          {"poll_interval",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->poll_interval_ms, "poll_interval");
           }},
          {"metrics_per_query",
           [&](const YAML::Node& v) {
             int64_t i = 0;
             VIGIL_RETURN_IF_ERROR(Int(v, &i));
             if (i < 1 || i > 500) {
               return Err(v, fmt::format("metrics_per_query must be between 1 and 500 "
                                         "(GetMetricData's limit), got {}",
                                         i));
             }
             c->metrics_per_query = static_cast<int>(i);
             return Status::OK();
           }},
          {"request_timeout",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->request_timeout_ms, "request_timeout");
           }},
          {"ca_file", [&](const YAML::Node& v) { return Str(v, &c->ca_file); }},
          {"cost_per_1000_metrics",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Float(v, &c->cost_per_1000_metrics));
             if (!std::isfinite(c->cost_per_1000_metrics) || c->cost_per_1000_metrics < 0) {
               return Err(v, "cost_per_1000_metrics must be a number >= 0");
             }
             return Status::OK();
           }},
          {"discovery",
           [&](const YAML::Node& v) {
             c->discovery.clear();
             return List(v, "[]config.AWSDiscoveryJob", "empty or null discovery job",
                         [&](const YAML::Node& item) {
                           AWSDiscoveryJob j;
                           VIGIL_RETURN_IF_ERROR(AWSJob(item, &j));
                           c->discovery.push_back(std::move(j));
                           return Status::OK();
                         });
           }},
      }));
  if (c->credentials.role_session_name.empty()) c->credentials.role_session_name = "vigil";
  if (c->name.empty()) return Err(n, "aws cloud config needs a name");
  if (c->regions.empty()) {
    return Err(n, fmt::format("aws cloud config {} needs at least one region", GoQuote(c->name)));
  }
  return Status::OK();
}

Status Loader::AzureResource(const YAML::Node& n, AzureResourceQuery* r) const {
  YAML::Node timespan_node;
  bool aggregations_set = false;
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.AzureResourceQuery",
      {
          {"resource_type", [&](const YAML::Node& v) { return Str(v, &r->resource_type); }},
          {"metric_namespace", [&](const YAML::Node& v) { return Str(v, &r->metric_namespace); }},
          {"resource_groups",
           [&](const YAML::Node& v) {
             return NonEmptyStrList(v, &r->resource_groups, "resource group");
           }},
          {"tags", [&](const YAML::Node& v) { return StrMap(v, &r->tags); }},
          {"metrics",
           [&](const YAML::Node& v) { return NonEmptyStrList(v, &r->metrics, "metric name"); }},
          {"aggregations",
           [&](const YAML::Node& v) {
             aggregations_set = v && !v.IsNull();
             VIGIL_RETURN_IF_ERROR(StrList(v, &r->aggregations));
             std::set<std::string> seen;
             for (size_t i = 0; i < r->aggregations.size(); ++i) {
               std::string& a = r->aggregations[i];
               a = Lower(a);
               if (!IsAzureAggregation(a)) {
                 return Err(v[i], fmt::format("unknown aggregation {}: want average, minimum, "
                                              "maximum, total or count",
                                              GoQuote(a)));
               }
               if (!seen.insert(a).second) {
                 return Err(v[i], fmt::format("aggregation {} listed twice", a));
               }
             }
             return Status::OK();
           }},
          {"interval",
           [&](const YAML::Node& v) {
             std::string s;
             VIGIL_RETURN_IF_ERROR(Str(v, &s));
             auto ms = ParseIso8601DurationMs(s);
             if (!ms || !IsAzureTimeGrain(*ms)) {
               return Err(v, fmt::format("interval {} is not an Azure Monitor time grain: want an "
                                         "ISO 8601 duration among PT1M, PT5M, PT15M, PT30M, PT1H, "
                                         "PT6H, PT12H, P1D",
                                         GoQuote(s)));
             }
             r->interval = FormatIso8601Duration(*ms);
             return Status::OK();
           }},
          {"timespan",
           [&](const YAML::Node& v) {
             timespan_node = v;
             // Either a Prometheus duration ("10m") or, as Azure writes it,
             // ISO 8601 ("PT10M").
             std::string s;
             VIGIL_RETURN_IF_ERROR(Str(v, &s));
             if (!s.empty() && (s[0] == 'P' || s[0] == 'p')) {
               auto ms = ParseIso8601DurationMs(s);
               if (!ms)
                 return Err(
                     v, fmt::format("timespan {} is not a valid ISO 8601 duration", GoQuote(s)));
               r->timespan_ms = *ms;
               return Status::OK();
             }
             return Duration(v, &r->timespan_ms);
           }},
          {"filter", [&](const YAML::Node& v) { return Str(v, &r->filter); }},
          {"top",
           [&](const YAML::Node& v) {
             int64_t i = 0;
             VIGIL_RETURN_IF_ERROR(Int(v, &i));
             if (i < 0 || i > 100000) return Err(v, "top must be between 0 and 100000");
             r->top = static_cast<int>(i);
             return Status::OK();
           }},
      }));
  if (r->resource_type.empty()) {
    return Err(n, "resource query needs a resource_type (e.g. Microsoft.Compute/virtualMachines)");
  }
  if (r->resource_type.find('/') == std::string::npos) {
    return Err(n, fmt::format("resource_type {} is not of the form Provider/type (e.g. "
                              "Microsoft.Compute/virtualMachines)",
                              GoQuote(r->resource_type)));
  }
  if (r->metrics.empty()) {
    return Err(n, fmt::format("resource query {} needs at least one metric", r->resource_type));
  }
  if (aggregations_set && r->aggregations.empty()) {
    return Err(n,
               fmt::format("resource query {}: aggregations must not be empty", r->resource_type));
  }
  if (r->aggregations.empty()) r->aggregations = {"average"};
  if (r->metric_namespace.empty()) r->metric_namespace = r->resource_type;
  if (r->top > 0 && r->filter.empty()) {
    return Err(n, fmt::format("resource query {}: top needs a filter", r->resource_type));
  }
  int64_t grain = *ParseIso8601DurationMs(r->interval);
  if (r->timespan_ms != 0 && r->timespan_ms < grain) {
    return Err(timespan_node,
               fmt::format("resource query {}: timespan {} is shorter than interval {}",
                           r->resource_type, FormatPromDuration(r->timespan_ms), r->interval));
  }
  return Status::OK();
}

Status Loader::AzureCloud(const YAML::Node& n, AzureCloudConfig* c) const {
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.AzureCloudConfig",
      {
          {"name", [&](const YAML::Node& v) { return Str(v, &c->name); }},
          {"subscriptions",
           [&](const YAML::Node& v) {
             return NonEmptyStrList(v, &c->subscriptions, "subscription");
           }},
          {"regions",
           [&](const YAML::Node& v) { return NonEmptyStrList(v, &c->regions, "region"); }},
          {"tenant_id", [&](const YAML::Node& v) { return Str(v, &c->tenant_id); }},
          {"client_id", [&](const YAML::Node& v) { return Str(v, &c->client_id); }},
          {"client_secret",
           [&](const YAML::Node& v) {
             return Text(v, &c->client_secret.value, "config.CloudSecret");
           }},
          {"client_secret_file",
           [&](const YAML::Node& v) { return Str(v, &c->client_secret_file); }},
          {"use_managed_identity",
           [&](const YAML::Node& v) { return Bool(v, &c->use_managed_identity); }},
          {"managed_identity_endpoint",
           [&](const YAML::Node& v) {
             return CloudURL(v, &c->managed_identity_endpoint, "managed_identity_endpoint");
           }},
          {"managed_identity_client_id",
           [&](const YAML::Node& v) { return Str(v, &c->managed_identity_client_id); }},
          {"authority_host",
           [&](const YAML::Node& v) { return CloudURL(v, &c->authority_host, "authority_host"); }},
          {"resource_manager_endpoint",
           [&](const YAML::Node& v) {
             return CloudURL(v, &c->resource_manager_endpoint, "resource_manager_endpoint");
           }},
          {"metrics_endpoint",
           [&](const YAML::Node& v) {
             return CloudURL(v, &c->metrics_endpoint, "metrics_endpoint");
           }},
          {"ca_file", [&](const YAML::Node& v) { return Str(v, &c->ca_file); }},
          {"poll_interval",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->poll_interval_ms, "poll_interval");
           }},
          {"delay", [&](const YAML::Node& v) { return Duration(v, &c->delay_ms); }},
          {"discovery_interval",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->discovery_interval_ms, "discovery_interval");
           }},
          {"request_timeout",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->request_timeout_ms, "request_timeout");
           }},
          {"batch_size",
           [&](const YAML::Node& v) {
             int64_t i = 0;
             VIGIL_RETURN_IF_ERROR(Int(v, &i));
             if (i < 1 || i > 50) {
               return Err(v, fmt::format("batch_size must be between 1 and 50 (getBatch's limit), "
                                         "got {}",
                                         i));
             }
             c->batch_size = static_cast<int>(i);
             return Status::OK();
           }},
          {"name_template",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Str(v, &c->name_template));
             if (c->name_template.empty()) return Err(v, "name_template must not be empty");
             const std::string& t = c->name_template;
             for (size_t pos = 0; (pos = t.find('{', pos)) != std::string::npos;) {
               size_t end = t.find('}', pos);
               if (end == std::string::npos) {
                 return Err(v, fmt::format("name_template {}: unclosed {{", GoQuote(t)));
               }
               std::string_view ph(t.data() + pos, end - pos + 1);
               if (!IsOneOf(ph, {"{name}", "{type}", "{metric}", "{aggregation}", "{unit}"})) {
                 return Err(v,
                            fmt::format("name_template {}: unknown placeholder {}: want {{name}} "
                                        "{{type}} {{metric}} {{aggregation}} {{unit}}",
                                        GoQuote(t), ph));
               }
               pos = end + 1;
             }
             return Status::OK();
           }},
          {"resources",
           [&](const YAML::Node& v) {
             c->resources.clear();
             return List(v, "[]config.AzureResourceQuery", "empty or null resource query",
                         [&](const YAML::Node& item) {
                           AzureResourceQuery r;
                           VIGIL_RETURN_IF_ERROR(AzureResource(item, &r));
                           c->resources.push_back(std::move(r));
                           return Status::OK();
                         });
           }},
      }));
  if (c->name.empty()) return Err(n, "azure cloud config needs a name");
  const std::string q = GoQuote(c->name);
  if (c->subscriptions.empty()) {
    return Err(n, fmt::format("azure cloud config {} needs at least one subscription", q));
  }
  if (!c->client_secret.empty() && !c->client_secret_file.empty()) {
    return Err(n, fmt::format("azure cloud config {}: at most one of client_secret and "
                              "client_secret_file may be given",
                              q));
  }
  if (c->use_managed_identity && (!c->client_secret.empty() || !c->client_secret_file.empty())) {
    return Err(n, fmt::format("azure cloud config {}: use_managed_identity excludes client_secret "
                              "and client_secret_file",
                              q));
  }
  return Status::OK();
}

Status Loader::GCPMetric(const YAML::Node& n, GCPMetricQuery* m) const {
  YAML::Node period_node;
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.GCPMetricQuery",
      {
          {"type", [&](const YAML::Node& v) { return Str(v, &m->type); }},
          {"type_prefix", [&](const YAML::Node& v) { return Str(v, &m->type_prefix); }},
          {"filter", [&](const YAML::Node& v) { return Str(v, &m->filter); }},
          {"aligner",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Str(v, &m->aligner));
             if (!m->aligner.empty() && !IsGcpAligner(m->aligner)) {
               return Err(v, fmt::format("unknown aligner {}: want an Aggregation.Aligner such as "
                                         "ALIGN_MEAN, ALIGN_RATE, ALIGN_DELTA, ALIGN_MAX",
                                         GoQuote(m->aligner)));
             }
             return Status::OK();
           }},
          {"reducer",
           [&](const YAML::Node& v) {
             VIGIL_RETURN_IF_ERROR(Str(v, &m->reducer));
             if (!m->reducer.empty() && !IsGcpReducer(m->reducer)) {
               return Err(v, fmt::format("unknown reducer {}: want an Aggregation.Reducer such as "
                                         "REDUCE_NONE, REDUCE_MEAN, REDUCE_SUM, REDUCE_MAX",
                                         GoQuote(m->reducer)));
             }
             return Status::OK();
           }},
          {"group_by_fields",
           [&](const YAML::Node& v) {
             return NonEmptyStrList(v, &m->group_by_fields, "group_by_fields entry");
           }},
          {"alignment_period",
           [&](const YAML::Node& v) {
             period_node = v;
             return Duration(v, &m->alignment_period_ms);
           }},
      }));
  if (m->type.empty() == m->type_prefix.empty()) {
    return Err(n,
               "metric query needs exactly one of type and type_prefix (e.g. type: "
               "compute.googleapis.com/instance/cpu/utilization)");
  }
  const std::string& t = m->type.empty() ? m->type_prefix : m->type;
  if (t.find_first_of("\" \t\n\\") != std::string::npos) {
    return Err(n, fmt::format("metric type {} holds a quote, backslash or space", GoQuote(t)));
  }
  const std::string what = GoQuote(t);
  bool aligned = !m->aligner.empty() && m->aligner != "ALIGN_NONE";
  bool reduced = !m->reducer.empty() && m->reducer != "REDUCE_NONE";
  if (reduced && !aligned) {
    return Err(n, fmt::format("metric {}: reducer {} needs an aligner other than ALIGN_NONE", what,
                              m->reducer));
  }
  if (!m->group_by_fields.empty() && !reduced) {
    return Err(
        n, fmt::format("metric {}: group_by_fields needs a reducer other than REDUCE_NONE", what));
  }
  if (m->alignment_period_ms != 0 &&
      (m->alignment_period_ms < 60'000 || m->alignment_period_ms % 1000 != 0)) {
    return Err(period_node, fmt::format("metric {}: alignment_period must be whole seconds and at "
                                        "least 60s, got {}",
                                        what, FormatPromDuration(m->alignment_period_ms)));
  }
  return Status::OK();
}

Status Loader::GCPCloud(const YAML::Node& n, GCPCloudConfig* c) const {
  std::vector<YAML::Node> metric_nodes;
  VIGIL_RETURN_IF_ERROR(Struct(
      n, "config.GCPCloudConfig",
      {
          {"name", [&](const YAML::Node& v) { return Str(v, &c->name); }},
          {"project_ids",
           [&](const YAML::Node& v) { return NonEmptyStrList(v, &c->project_ids, "project id"); }},
          {"credentials_file", [&](const YAML::Node& v) { return Str(v, &c->credentials_file); }},
          {"token_uri",
           [&](const YAML::Node& v) { return CloudURL(v, &c->token_uri, "token_uri"); }},
          {"endpoint", [&](const YAML::Node& v) { return CloudURL(v, &c->endpoint, "endpoint"); }},
          {"ca_file", [&](const YAML::Node& v) { return Str(v, &c->ca_file); }},
          {"poll_interval",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->poll_interval_ms, "poll_interval");
           }},
          {"delay", [&](const YAML::Node& v) { return Duration(v, &c->delay_ms); }},
          {"lookback",
           [&](const YAML::Node& v) { return PositiveDuration(v, &c->lookback_ms, "lookback"); }},
          {"request_timeout",
           [&](const YAML::Node& v) {
             return PositiveDuration(v, &c->request_timeout_ms, "request_timeout");
           }},
          {"metrics",
           [&](const YAML::Node& v) {
             c->metrics.clear();
             metric_nodes.clear();
             return List(v, "[]config.GCPMetricQuery", "empty or null metric query",
                         [&](const YAML::Node& item) {
                           GCPMetricQuery m;
                           VIGIL_RETURN_IF_ERROR(GCPMetric(item, &m));
                           c->metrics.push_back(std::move(m));
                           metric_nodes.push_back(item);
                           return Status::OK();
                         });
           }},
      }));
  if (c->name.empty()) return Err(n, "gcp cloud config needs a name");
  const std::string q = GoQuote(c->name);
  if (c->project_ids.empty()) {
    return Err(n, fmt::format("gcp cloud config {} needs at least one project id", q));
  }
  // An aligned query without alignment_period aligns on the poll interval.
  for (size_t i = 0; i < c->metrics.size(); ++i) {
    GCPMetricQuery& m = c->metrics[i];
    if (m.alignment_period_ms != 0) continue;
    m.alignment_period_ms = c->poll_interval_ms;
    if (!m.aligner.empty() && m.aligner != "ALIGN_NONE" &&
        (m.alignment_period_ms < 60'000 || m.alignment_period_ms % 1000 != 0)) {
      return Err(metric_nodes[i],
                 fmt::format("gcp cloud config {}: metric with aligner {} aligns on "
                             "poll_interval {}, but alignment periods must be whole seconds and "
                             "at least 60s: set alignment_period",
                             q, m.aligner, FormatPromDuration(c->poll_interval_ms)));
    }
  }
  return Status::OK();
}

Status Loader::Cloud(const YAML::Node& n, CloudConfigs* c, CloudNodes* nodes) const {
  return Struct(n, "config.CloudConfigs",
                {
                    {"aws",
                     [&](const YAML::Node& v) {
                       return List(v, "[]config.AWSCloudConfig", "empty or null aws cloud config",
                                   [&](const YAML::Node& item) {
                                     AWSCloudConfig a;
                                     VIGIL_RETURN_IF_ERROR(AWSCloud(item, &a));
                                     c->aws.push_back(std::move(a));
                                     nodes->aws.push_back(item);
                                     return Status::OK();
                                   });
                     }},
                    {"azure",
                     [&](const YAML::Node& v) {
                       return List(v, "[]config.AzureCloudConfig",
                                   "empty or null azure cloud config", [&](const YAML::Node& item) {
                                     AzureCloudConfig a;
                                     VIGIL_RETURN_IF_ERROR(AzureCloud(item, &a));
                                     c->azure.push_back(std::move(a));
                                     nodes->azure.push_back(item);
                                     return Status::OK();
                                   });
                     }},
                    {"gcp",
                     [&](const YAML::Node& v) {
                       return List(v, "[]config.GCPCloudConfig", "empty or null gcp cloud config",
                                   [&](const YAML::Node& item) {
                                     GCPCloudConfig g;
                                     VIGIL_RETURN_IF_ERROR(GCPCloud(item, &g));
                                     c->gcp.push_back(std::move(g));
                                     nodes->gcp.push_back(item);
                                     return Status::OK();
                                   });
                     }},
                });
}

void Loader::ResolveCloud(CloudConfigs* c) const {
  // "~/.aws/credentials" is the credentials chain's to expand, not a path
  // relative to the config file.
  auto Resolve = [this](const std::string& p) { return p.starts_with("~") ? p : this->Resolve(p); };
  for (auto& a : c->aws) {
    a.ca_file = Resolve(a.ca_file);
    a.credentials.shared_credentials_file = Resolve(a.credentials.shared_credentials_file);
    a.credentials.shared_config_file = Resolve(a.credentials.shared_config_file);
    a.credentials.web_identity_token_file = Resolve(a.credentials.web_identity_token_file);
  }
  for (auto& a : c->azure) {
    a.ca_file = Resolve(a.ca_file);
    a.client_secret_file = Resolve(a.client_secret_file);
  }
  for (auto& g : c->gcp) {
    g.ca_file = Resolve(g.ca_file);
    g.credentials_file = Resolve(g.credentials_file);
  }
}

void Loader::ResolveHTTPClient(HTTPClientConfig* c) const {
  TLSConfig& t = c->tls_config;
  t.ca_file = Resolve(t.ca_file);
  t.cert_file = Resolve(t.cert_file);
  t.key_file = Resolve(t.key_file);
  if (c->basic_auth) {
    c->basic_auth->username_file = Resolve(c->basic_auth->username_file);
    c->basic_auth->password_file = Resolve(c->basic_auth->password_file);
  }
  if (c->authorization) {
    c->authorization->credentials_file = Resolve(c->authorization->credentials_file);
  }
  for (auto& [name, files] : c->http_header_files) {
    for (auto& f : files) f = Resolve(f);
  }
}

void Loader::ResolveScrape(ScrapeConfig* s) const {
  ResolveHTTPClient(&s->http_client);
  s->scrape_failure_log_file = Resolve(s->scrape_failure_log_file);
  for (auto& f : s->file_sd_configs) {
    for (auto& p : f.files) p = Resolve(p);
  }
  for (auto& h : s->http_sd_configs) ResolveHTTPClient(&h.http_client);
}

Result<YAML::Node> ParseYaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: yaml: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}: yaml: {}", file, e.what()));
  }
}

Result<Config> Loader::LoadRoot(const YAML::Node& root) {
  Config cfg;
  GlobalRaw global;
  std::vector<ScrapeRaw> scrapes;
  std::vector<std::string> scrape_config_files;
  std::vector<YAML::Node> rw_nodes, rr_nodes;
  YAML::Node rule_files_node, scf_node;
  CloudNodes cloud_nodes;
  YAML::Node logs_node;
  VIGIL_RETURN_IF_ERROR(Struct(
      root, "config.plain",
      {
          {"global", [&](const YAML::Node& v) { return Global(v, &global); }},
          {"scrape_configs",
           [&](const YAML::Node& v) {
             scrapes.clear();
             return List(v, "[]*config.ScrapeConfig", "empty or null scrape config section",
                         [&](const YAML::Node& item) {
                           ScrapeRaw s;
                           s.node = item;
                           VIGIL_RETURN_IF_ERROR(Scrape(item, &s));
                           scrapes.push_back(std::move(s));
                           return Status::OK();
                         });
           }},
          {"scrape_config_files",
           [&](const YAML::Node& v) {
             scf_node = v;
             return StrList(v, &scrape_config_files);
           }},
          {"rule_files",
           [&](const YAML::Node& v) {
             rule_files_node = v;
             return StrList(v, &cfg.rule_files);
           }},
          {"remote_write",
           [&](const YAML::Node& v) {
             return List(v, "[]*config.RemoteWriteConfig",
                         "empty or null remote write config section", [&](const YAML::Node& item) {
                           RemoteWriteConfig rw;
                           VIGIL_RETURN_IF_ERROR(RemoteWrite(item, &rw));
                           cfg.remote_write.push_back(std::move(rw));
                           rw_nodes.push_back(item);
                           return Status::OK();
                         });
           }},
          {"remote_read",
           [&](const YAML::Node& v) {
             return List(v, "[]*config.RemoteReadConfig",
                         "empty or null remote read config section", [&](const YAML::Node& item) {
                           RemoteReadConfig rr;
                           VIGIL_RETURN_IF_ERROR(RemoteRead(item, &rr));
                           cfg.remote_read.push_back(std::move(rr));
                           rr_nodes.push_back(item);
                           return Status::OK();
                         });
           }},
          {"alerting", [&](const YAML::Node& v) { return Alerting(v, &cfg.alerting); }},
          {"storage", [&](const YAML::Node& v) { return Storage(v, &cfg.storage); }},
          {"otlp", [&](const YAML::Node& v) { return OTLP(v, &cfg.otlp); }},
          {"runtime",
           [&](const YAML::Node& v) {
             return Struct(
                 v, "config.RuntimeConfig",
                 {{"gogc", [&](const YAML::Node& x) { return Int(x, &cfg.runtime_gogc); }}});
           }},
          {"cloud_configs",
           [&](const YAML::Node& v) { return Cloud(v, &cfg.cloud_configs, &cloud_nodes); }},
          {"logs",
           [&](const YAML::Node& v) {
             logs_node = v;
             return Logs(v, &cfg.logs);
           }},
          {"vigil", [](const YAML::Node&) { return Status::OK(); }},  // src/app reads it
          Unsupported("tracing"),
      }));
  // A global block that was given, even empty, is filled with defaults in
  // Global(); one that was absent has them already, apart from these.
  if (!root["global"] || root["global"].IsNull()) {
    global = GlobalRaw{};
  }

  for (size_t i = 0; i < cfg.rule_files.size(); ++i) {
    if (!ValidRulePath(cfg.rule_files[i])) {
      return Err(rule_files_node[i],
                 fmt::format("invalid rule file path {}", GoQuote(cfg.rule_files[i])));
    }
  }
  for (size_t i = 0; i < scrape_config_files.size(); ++i) {
    if (!ValidRulePath(scrape_config_files[i])) {
      return Err(scf_node[i], fmt::format("invalid scrape config file path {}",
                                          GoQuote(scrape_config_files[i])));
    }
  }

  std::map<std::string, std::string> job_files;  // job name -> where first found
  for (auto& s : scrapes) {
    VIGIL_RETURN_IF_ERROR(ValidateScrape(&s, global));
    if (job_files.count(s.cfg.job_name)) {
      return Err(s.node, fmt::format("found multiple scrape configs with job name {}",
                                     GoQuote(s.cfg.job_name)));
    }
    job_files[s.cfg.job_name] = "main config file";
  }
  std::set<std::string> rw_names, rr_names;
  for (size_t i = 0; i < cfg.remote_write.size(); ++i) {
    const std::string& name = cfg.remote_write[i].name;
    if (!name.empty() && !rw_names.insert(name).second) {
      return Err(rw_nodes[i], fmt::format("found multiple remote write configs with job name {}",
                                          GoQuote(name)));
    }
  }
  for (size_t i = 0; i < cfg.remote_read.size(); ++i) {
    const std::string& name = cfg.remote_read[i].name;
    if (!name.empty() && !rr_names.insert(name).second) {
      return Err(rr_nodes[i],
                 fmt::format("found multiple remote read configs with job name {}", GoQuote(name)));
    }
  }

  // Prometheus expands ${VAR} in external label values at load time.
  {
    std::vector<model::Label> ls;
    for (const auto& l : global.cfg.external_labels) ls.push_back({l.name, ExpandEnv(l.value)});
    global.cfg.external_labels = model::Labels::FromSorted(std::move(ls));
  }
  const std::string& ts = cfg.otlp.translation_strategy;
  if (IsOneOf(ts, {"NoTranslation", "NoUTF8EscapingWithSuffixes"})) {
    if (global.cfg.metric_name_validation_scheme == "legacy") {
      return FileErr(fmt::format(
          "OTLP translation strategy {} is not allowed when UTF8 is disabled", GoQuote(ts)));
    }
  } else if (!IsOneOf(
                 ts, {"", "UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes"})) {
    return FileErr(fmt::format("unsupported OTLP translation strategy {}", GoQuote(ts)));
  }

  global.cfg.metric_name_escaping_scheme = global.escaping_scheme;
  cfg.global = global.cfg;
  cfg.global.query_log_file = Resolve(cfg.global.query_log_file);
  cfg.global.scrape_failure_log_file = Resolve(cfg.global.scrape_failure_log_file);
  for (auto& s : scrapes) {
    ResolveScrape(&s.cfg);
    cfg.scrape_configs.push_back(std::move(s.cfg));
  }
  for (auto& r : cfg.rule_files) r = Resolve(r);
  for (auto& rw : cfg.remote_write) ResolveHTTPClient(&rw.http_client);
  for (auto& rr : cfg.remote_read) ResolveHTTPClient(&rr.http_client);
  for (auto& am : cfg.alerting.alertmanagers) {
    ResolveHTTPClient(&am.http_client);
    for (auto& f : am.file_sd_configs) {
      for (auto& p : f.files) p = Resolve(p);
    }
    for (auto& h : am.http_sd_configs) ResolveHTTPClient(&h.http_client);
  }

  // scrape_config_files: each match is a file holding scrape_configs only,
  // validated against this file's global config.
  for (const auto& pattern : scrape_config_files) {
    std::string pat = Resolve(pattern);
    glob_t g{};
    int rc = glob(pat.c_str(), 0, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    for (const auto& path : matches) {
      auto text = fs::ReadFile(path);
      if (!text.ok())
        return Status::InvalidArgument(fmt::format("{}: {}", path, text.status().message()));
      VIGIL_ASSIGN_OR_RETURN(YAML::Node sub, ParseYaml(*text, path));
      std::string sub_dir = std::filesystem::path(path).parent_path().string();
      Loader sub_loader(path, sub_dir);
      std::vector<ScrapeRaw> subs;
      VIGIL_RETURN_IF_ERROR(sub_loader.Struct(
          sub, "config.ScrapeConfigs", {{"scrape_configs", [&](const YAML::Node& v) {
                                           return sub_loader.List(
                                               v, "[]*config.ScrapeConfig",
                                               "empty or null scrape config section",
                                               [&](const YAML::Node& item) {
                                                 ScrapeRaw s;
                                                 s.node = item;
                                                 VIGIL_RETURN_IF_ERROR(sub_loader.Scrape(item, &s));
                                                 subs.push_back(std::move(s));
                                                 return Status::OK();
                                               });
                                         }}}));
      for (auto& s : subs) {
        VIGIL_RETURN_IF_ERROR(sub_loader.ValidateScrape(&s, global));
        auto it = job_files.find(s.cfg.job_name);
        if (it != job_files.end()) {
          return sub_loader.Err(
              s.node,
              fmt::format("found multiple scrape configs with job name {}, first found in {}",
                          GoQuote(s.cfg.job_name), it->second));
        }
        job_files[s.cfg.job_name] = GoQuote(path);
        sub_loader.ResolveScrape(&s.cfg);
        cfg.scrape_configs.push_back(std::move(s.cfg));
      }
    }
  }

  // A cloud config's name is its `job` label: unique among cloud configs
  // and scrape jobs (scrape_config_files included).
  {
    std::vector<std::pair<std::string, std::string>> names;  // provider, name
    std::vector<YAML::Node> nodes;
    for (const auto& a : cfg.cloud_configs.aws) names.emplace_back("aws", a.name);
    for (const auto& a : cfg.cloud_configs.azure) names.emplace_back("azure", a.name);
    for (const auto& g : cfg.cloud_configs.gcp) names.emplace_back("gcp", g.name);
    for (const auto* v : {&cloud_nodes.aws, &cloud_nodes.azure, &cloud_nodes.gcp}) {
      nodes.insert(nodes.end(), v->begin(), v->end());
    }
    std::map<std::string, std::string> seen;  // name -> provider
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& [provider, name] = names[i];
      auto it = seen.find(name);
      if (it != seen.end()) {
        return Err(nodes[i], fmt::format("found multiple cloud configs with name {} ({} and "
                                         "{})",
                                         GoQuote(name), it->second, provider));
      }
      if (job_files.count(name)) {
        return Err(nodes[i],
                   fmt::format("{} cloud config name {} is also the job_name of a scrape config "
                               "(both would write job={})",
                               provider, GoQuote(name), GoQuote(name)));
      }
      seen[name] = provider;
    }
  }
  VIGIL_RETURN_IF_ERROR(CheckCloudLogSources(cfg, cloud_nodes, logs_node));
  ResolveCloud(&cfg.cloud_configs);
  // Without a logs section, logs still flow: Loki push and OTLP into the
  // default pipeline, which stores them.
  if (cfg.logs.pipelines.empty()) {
    LogPipelineConfig d;
    d.name = "default";
    cfg.logs.pipelines.push_back(std::move(d));
  }
  return cfg;
}

}  // namespace

Result<Config> LoadString(std::string_view yaml_text, const std::string& filename,
                          const std::string& dir) {
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(yaml_text, filename));
  Loader loader(filename, dir);
  try {
    auto cfg = loader.LoadRoot(root);
    if (cfg.ok()) cfg->source_file = filename;
    return cfg;
  } catch (const std::exception& e) {
    // yaml-cpp reports misuse by throwing; never let it out of the module.
    return Status::InvalidArgument(fmt::format("{}: {}", filename, e.what()));
  }
}

Result<Config> LoadFile(const std::string& path) {
  auto text = fs::ReadFile(path);
  if (!text.ok())
    return Status::InvalidArgument(fmt::format("{}: {}", path, text.status().message()));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return LoadString(*text, path, dir);
}

}  // namespace vigil::config
