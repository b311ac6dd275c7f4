#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace vigil::config {
namespace {

using ::testing::HasSubstr;

Config MustLoad(std::string_view yaml, const std::string& dir = "/etc/vigil") {
  auto r = LoadString(yaml, "test.yml", dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Config{};
}

std::string LoadError(std::string_view yaml) {
  auto r = LoadString(yaml, "test.yml", "/etc/vigil");
  EXPECT_FALSE(r.ok()) << "loaded, want an error:\n" << yaml;
  return r.ok() ? "" : r.status().message();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil_config_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, std::string_view text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::string path_;
};

TEST(ConfigDefaultsTest, EmptyFileGivesPrometheusDefaults) {
  Config c = MustLoad("");
  EXPECT_EQ(c.global.scrape_interval_ms, 60'000);
  EXPECT_EQ(c.global.scrape_timeout_ms, 10'000);
  EXPECT_EQ(c.global.evaluation_interval_ms, 60'000);
  EXPECT_EQ(c.global.scrape_protocols, DefaultScrapeProtocols());
  EXPECT_EQ(c.global.metric_name_validation_scheme, "utf8");
  EXPECT_TRUE(c.scrape_configs.empty());
}

TEST(ConfigDefaultsTest, EmptyGlobalBlockKeepsDefaults) {
  Config c = MustLoad("global:\n");
  EXPECT_EQ(c.global.scrape_interval_ms, 60'000);
  EXPECT_EQ(c.global.scrape_timeout_ms, 10'000);
}

TEST(ConfigDefaultsTest, ScrapeConfigInheritsGlobalValues) {
  Config c = MustLoad(R"(
global:
  scrape_interval: 15s
  scrape_timeout: 5s
  sample_limit: 100
  body_size_limit: 10MB
  label_limit: 7
  scrape_protocols: [PrometheusText0.0.4]
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 1m
    sample_limit: 5
)");
  ASSERT_EQ(c.scrape_configs.size(), 2u);
  const ScrapeConfig& a = c.scrape_configs[0];
  EXPECT_EQ(a.scrape_interval_ms, 15'000);
  EXPECT_EQ(a.scrape_timeout_ms, 5'000);
  EXPECT_EQ(a.sample_limit, 100u);
  EXPECT_EQ(a.body_size_limit, 10u << 20);
  EXPECT_EQ(a.label_limit, 7u);
  EXPECT_EQ(a.scrape_protocols, std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusText0_0_4});
  EXPECT_EQ(a.metrics_path, "/metrics");
  EXPECT_EQ(a.scheme, "http");
  EXPECT_TRUE(a.honor_timestamps);
  EXPECT_TRUE(a.enable_compression);
  EXPECT_TRUE(a.http_client.follow_redirects);
  EXPECT_EQ(a.metric_name_validation_scheme, "utf8");
  EXPECT_EQ(a.metric_name_escaping_scheme, "allow-utf-8");
  const ScrapeConfig& b = c.scrape_configs[1];
  EXPECT_EQ(b.scrape_interval_ms, 60'000);
  EXPECT_EQ(b.scrape_timeout_ms, 5'000);
  EXPECT_EQ(b.sample_limit, 5u);
}

TEST(ConfigDefaultsTest, TimeoutIsCappedByAShortInterval) {
  Config c = MustLoad("scrape_configs:\n  - job_name: fast\n    scrape_interval: 2s\n");
  EXPECT_EQ(c.scrape_configs[0].scrape_timeout_ms, 2'000);
  Config g = MustLoad("global:\n  scrape_interval: 3s\n");
  EXPECT_EQ(g.global.scrape_timeout_ms, 3'000);
}

TEST(ConfigDefaultsTest, LegacySchemeDefaultsToUnderscoreEscaping) {
  Config c = MustLoad(
      "global:\n  metric_name_validation_scheme: legacy\nscrape_configs:\n  - job_name: a\n");
  EXPECT_EQ(c.scrape_configs[0].metric_name_validation_scheme, "legacy");
  EXPECT_EQ(c.scrape_configs[0].metric_name_escaping_scheme, "underscores");
}

TEST(ConfigErrorTest, UnknownFieldNamesFileLineColumnAndType) {
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n"),
            "test.yml:3:5: field scrape_intervall not found in type config.ScrapeConfig");
  EXPECT_EQ(LoadError("global:\n  foo: 1\n"),
            "test.yml:2:3: field foo not found in type config.plain");
  EXPECT_EQ(LoadError("bogus: 1\n"), "test.yml:1:1: field bogus not found in type config.plain");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n"
                      "      - sourcelabels: [a]\n"),
            "test.yml:4:9: field sourcelabels not found in type relabel.Config");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    tls_config:\n      ca_fil: x\n"),
            "test.yml:4:7: field ca_fil not found in type config.TLSConfig");
}

TEST(ConfigErrorTest, DuplicateKeyIsAlreadySet) {
  EXPECT_EQ(LoadError("global:\n  scrape_interval: 1s\n  scrape_interval: 2s\n"),
            "test.yml:3:3: field scrape_interval already set in type config.plain");
}

TEST(ConfigErrorTest, TypeErrorsUseGoYamlWording) {
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: [a]\n"),
            "test.yml:2:15: yaml: unmarshal errors: cannot unmarshal !!seq into string");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    sample_limit: lots\n"),
            "test.yml:3:19: yaml: unmarshal errors: cannot unmarshal !!str `lots` into uint");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    honor_labels: \"true\"\n"),
            "test.yml:3:19: yaml: unmarshal errors: cannot unmarshal !!str `true` into bool");
  EXPECT_EQ(LoadError("scrape_configs: 3\n"),
            "test.yml:1:17: yaml: unmarshal errors: cannot unmarshal !!int `3` into "
            "[]*config.ScrapeConfig");
}

TEST(ConfigErrorTest, DurationsFollowModelDuration) {
  EXPECT_EQ(LoadError("global:\n  scrape_interval: 1.5s\n"),
            "test.yml:2:20: unknown unit \".\" in duration \"1.5s\"");
  EXPECT_THAT(LoadError("global:\n  scrape_interval: 1m1h\n"), HasSubstr("not a valid duration"));
  Config c = MustLoad("global:\n  scrape_interval: 1h30m\n  evaluation_interval: 1d\n");
  EXPECT_EQ(c.global.scrape_interval_ms, 90 * 60'000);
  EXPECT_EQ(c.global.evaluation_interval_ms, 24 * 3600'000);
}

TEST(ConfigErrorTest, SizesFollowUnitsBase2Bytes) {
  EXPECT_EQ(LoadError("global:\n  body_size_limit: 100\n"),
            "test.yml:2:20: units: unknown unit  in 100");
  Config c = MustLoad(
      "global:\n  body_size_limit: 1KiB\nscrape_configs:\n  - job_name: a\n"
      "    body_size_limit: 1.5MB\n");
  EXPECT_EQ(c.global.body_size_limit, 1024u);
  EXPECT_EQ(c.scrape_configs[0].body_size_limit, 1536u * 1024);
  EXPECT_EQ(MustLoad("global:\n  body_size_limit: 0\n").global.body_size_limit, 0u);
}

TEST(ConfigErrorTest, ValidationMessagesArePrometheus) {
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n"
                      "    scrape_timeout: 6s\n"),
            "test.yml:2:5: scrape timeout greater than scrape interval for scrape config with "
            "job name \"a\"");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n  - job_name: a\n"),
            "test.yml:3:5: found multiple scrape configs with job name \"a\"");
  EXPECT_EQ(LoadError("scrape_configs:\n  - scheme: http\n"), "test.yml:2:5: job_name is empty");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    static_configs:\n"
                      "      - targets: ['http://x:80']\n"),
            "test.yml:2:5: \"http://x:80\" is not a valid hostname");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    http_sd_configs:\n"
                      "      - url: ftp://x\n"),
            "test.yml:4:9: URL scheme must be 'http' or 'https'");
  EXPECT_EQ(LoadError("global:\n  scrape_interval: 1s\n  scrape_timeout: 2s\n"),
            "test.yml:2:3: global scrape timeout greater than scrape interval");
  EXPECT_EQ(LoadError("rule_files: ['a/*/b']\n"),
            "test.yml:1:14: invalid rule file path \"a/*/b\"");
}

TEST(ConfigErrorTest, InvalidLabelNamesAreQuotedAsGo) {
  EXPECT_EQ(LoadError("global:\n  external_labels:\n    !!binary \"/w==\": v\n"),
            "test.yml:3:5: \"\\xff\" is not a valid label name");
}

TEST(ConfigErrorTest, UnsupportedDiscoveryIsRefusedByName) {
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n"
                      "      - role: pod\n"),
            "test.yml:3:5: kubernetes_sd_configs is not supported by Vigil");
  EXPECT_EQ(LoadError("remote_write:\n  - url: http://x/\n    sigv4: {}\n"),
            "test.yml:3:5: sigv4 is not supported by Vigil");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: k\n    oauth2: {}\n"),
            "test.yml:3:5: oauth2 is not supported by Vigil");
  EXPECT_EQ(LoadError("alerting:\n  alertmanagers:\n    - consul_sd_configs: []\n"),
            "test.yml:3:7: consul_sd_configs is not supported by Vigil");
  // Outside a discovery-holding section the key is simply unknown.
  EXPECT_EQ(LoadError("global:\n  dns_sd_configs: []\n"),
            "test.yml:2:3: field dns_sd_configs not found in type config.plain");
}

TEST(ConfigErrorTest, YamlSyntaxErrorHasPosition) {
  EXPECT_THAT(LoadError("global:\n  scrape_interval: [1s\n"), HasSubstr("test.yml:"));
}

TEST(ConfigHTTPClientTest, SecretsAreKept) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: a
    basic_auth:
      username: u
      password: "p@ss"
  - job_name: b
    authorization:
      type: Token
      credentials: abc
)");
  ASSERT_TRUE(c.scrape_configs[0].http_client.basic_auth.has_value());
  EXPECT_EQ(c.scrape_configs[0].http_client.basic_auth->password.value, "p@ss");
  ASSERT_TRUE(c.scrape_configs[1].http_client.authorization.has_value());
  EXPECT_EQ(c.scrape_configs[1].http_client.authorization->type, "Token");
  EXPECT_EQ(c.scrape_configs[1].http_client.authorization->credentials.value, "abc");
}

TEST(ConfigHTTPClientTest, BearerTokenIsFoldedIntoAuthorization) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: a
    bearer_token: tok
  - job_name: b
    bearer_token_file: secrets/token
  - job_name: c
    authorization:
      credentials: x
)");
  const auto& a = c.scrape_configs[0].http_client.authorization;
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->type, "Bearer");
  EXPECT_EQ(a->credentials.value, "tok");
  const auto& b = c.scrape_configs[1].http_client.authorization;
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->credentials_file, "/etc/vigil/secrets/token");
  EXPECT_EQ(c.scrape_configs[2].http_client.authorization->type, "Bearer");
}

TEST(ConfigHTTPClientTest, AuthExclusivityIsEnforced) {
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    bearer_token: x\n"
                        "    bearer_token_file: y\n"),
              HasSubstr("at most one of bearer_token & bearer_token_file must be configured"));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    bearer_token: x\n"
                        "    basic_auth: {username: u}\n"),
              HasSubstr("at most one of basic_auth, oauth2, bearer_token & bearer_token_file"));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    authorization: {credentials: x}\n"
                        "    basic_auth: {username: u}\n"),
              HasSubstr("at most one of basic_auth, oauth2 & authorization must be configured"));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    authorization: {type: basic}\n"),
              HasSubstr("authorization type cannot be set to \"basic\""));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c}\n"),
              HasSubstr("exactly one of key or key_file must be configured"));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    no_proxy: x\n"),
              HasSubstr("if no_proxy is configured, proxy_url must also be configured"));
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS9}\n"),
              HasSubstr("unknown TLS version: TLS9"));
}

TEST(ConfigHTTPClientTest, HTTPHeadersKeepValuesSecretsAndFiles) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: a
    http_headers:
      X-Foo:
        values: [a]
        secrets: [b]
        files: [hdr.txt]
)");
  const auto& h = c.scrape_configs[0].http_client;
  EXPECT_EQ(h.http_headers.at("X-Foo"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.http_header_files.at("X-Foo"), std::vector<std::string>{"/etc/vigil/hdr.txt"});
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    http_headers:\n"
                        "      user-agent: {values: [x]}\n"),
              HasSubstr("setting User-Agent header is not allowed"));
}

TEST(ConfigPathTest, RelativePathsResolveAgainstTheConfigDir) {
  Config c = MustLoad(R"(
rule_files: [rules/*.yml, /abs/r.yml]
scrape_configs:
  - job_name: a
    tls_config:
      ca_file: ca.pem
      cert_file: /abs/cert.pem
      key_file: ../key.pem
    basic_auth:
      username: u
      password_file: pw
    file_sd_configs:
      - files: [sd/*.json]
)");
  EXPECT_EQ(c.rule_files, (std::vector<std::string>{"/etc/vigil/rules/*.yml", "/abs/r.yml"}));
  const ScrapeConfig& s = c.scrape_configs[0];
  EXPECT_EQ(s.http_client.tls_config.ca_file, "/etc/vigil/ca.pem");
  EXPECT_EQ(s.http_client.tls_config.cert_file, "/abs/cert.pem");
  EXPECT_EQ(s.http_client.tls_config.key_file, "/etc/key.pem");
  EXPECT_EQ(s.http_client.basic_auth->password_file, "/etc/vigil/pw");
  EXPECT_EQ(s.file_sd_configs[0].files, std::vector<std::string>{"/etc/vigil/sd/*.json"});
  EXPECT_EQ(s.file_sd_configs[0].refresh_interval_ms, 5 * 60'000);
}

TEST(ConfigPathTest, EmptyDirLeavesPathsRelative) {
  auto r = LoadString("rule_files: [r.yml]\n", "x.yml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rule_files, std::vector<std::string>{"r.yml"});
}

TEST(ConfigScrapeFilesTest, IncludedFilesAreMergedInOrderWithTheirOwnDir) {
  TempDir dir;
  dir.Write("jobs/b.yml",
            "scrape_configs:\n  - job_name: b\n    file_sd_configs:\n      - files: [t.json]\n");
  dir.Write("jobs/c.yml", "scrape_configs:\n  - job_name: c\n");
  std::string main = dir.Write("prometheus.yml",
                               "global:\n  scrape_interval: 7s\nscrape_config_files: [jobs/*.yml]\n"
                               "scrape_configs:\n  - job_name: a\n");
  auto r = LoadFile(main);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->scrape_configs.size(), 3u);
  EXPECT_EQ(r->scrape_configs[0].job_name, "a");
  EXPECT_EQ(r->scrape_configs[1].job_name, "b");
  EXPECT_EQ(r->scrape_configs[2].job_name, "c");
  EXPECT_EQ(r->scrape_configs[1].scrape_interval_ms, 7'000);
  EXPECT_EQ(r->scrape_configs[1].file_sd_configs[0].files,
            std::vector<std::string>{dir.path() + "/jobs/t.json"});
  EXPECT_EQ(r->source_file, main);
}

TEST(ConfigScrapeFilesTest, DuplicateJobInIncludedFileNamesThatFile) {
  TempDir dir;
  std::string inc = dir.Write("more.yml", "scrape_configs:\n  - job_name: a\n");
  std::string main = dir.Write("p.yml",
                               "scrape_config_files: [more.yml]\n"
                               "scrape_configs:\n  - job_name: a\n");
  auto r = LoadFile(main);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            inc +
                ":2:5: found multiple scrape configs with job name \"a\", first found in main "
                "config file");
}

TEST(ConfigScrapeFilesTest, ErrorInIncludedFilePointsIntoIt) {
  TempDir dir;
  std::string inc = dir.Write("more.yml", "scrape_configs:\n  - job_name: b\n    foo: 1\n");
  std::string main = dir.Write("p.yml", "scrape_config_files: [more.yml]\n");
  auto r = LoadFile(main);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), inc + ":3:5: field foo not found in type config.ScrapeConfig");
}

TEST(ConfigLoadFileTest, MissingFileIsAnError) {
  auto r = LoadFile("/nonexistent/vigil/prometheus.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/vigil/prometheus.yml"));
}

TEST(ConfigRelabelTest, SetFlagsRecordWhatWasWritten) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: a
    relabel_configs:
      - source_labels: [__address__]
        regex: (.*):\d+
        target_label: host
      - action: labeldrop
        regex: tmp_.*
    metric_relabel_configs:
      - action: HashMod
        source_labels: [x]
        modulus: 4
        target_label: shard
)");
  const auto& r = c.scrape_configs[0].relabel_configs;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].source_labels_set);
  EXPECT_TRUE(r[0].regex_set);
  EXPECT_TRUE(r[0].target_label_set);
  EXPECT_FALSE(r[0].replacement_set);
  EXPECT_FALSE(r[0].separator_set);
  EXPECT_EQ(r[0].replacement, "$1");
  EXPECT_EQ(r[0].action, relabel::Action::kReplace);
  EXPECT_EQ(r[1].action, relabel::Action::kLabelDrop);
  EXPECT_FALSE(r[1].source_labels_set);
  const auto& m = c.scrape_configs[0].metric_relabel_configs;
  EXPECT_EQ(m[0].action, relabel::Action::kHashMod);
  EXPECT_EQ(m[0].modulus, 4u);
}

TEST(ConfigRelabelTest, RuleErrorsPointAtTheRule) {
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n"
                      "      - action: labeldrop\n        separator: ','\n"),
            "test.yml:4:9: labeldrop action requires only 'regex', and no other fields");
  EXPECT_EQ(LoadError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      -\n"),
            "test.yml:4:7: empty or null target relabeling rule in scrape config");
  EXPECT_THAT(LoadError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n"
                        "      - action: explode\n"),
              HasSubstr("test.yml:4:17:"));
}

TEST(ConfigMiscTest, VigilSectionIsLeftToTheApp) {
  Config c = MustLoad("vigil:\n  storage:\n    anything: goes\nglobal:\n  scrape_interval: 5s\n");
  EXPECT_EQ(c.global.scrape_interval_ms, 5'000);
}

TEST(ConfigMiscTest, StaticConfigsBecomeTargetGroups) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: a
    static_configs:
      - targets: ['h1:9100', 'h2:9100']
        labels: {env: prod}
      - targets: ['h3:9100']
)");
  const auto& g = c.scrape_configs[0].static_configs;
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].targets.size(), 2u);
  EXPECT_EQ(g[0].targets[1].Get("__address__"), "h2:9100");
  EXPECT_EQ(g[0].labels.Get("env"), "prod");
  EXPECT_EQ(g[0].source, "0");
  EXPECT_EQ(g[1].source, "1");
}

TEST(ConfigMiscTest, ExternalLabelsExpandEnvironment) {
  setenv("VIGIL_CONFIG_TEST_REGION", "eu", 1);
  Config c = MustLoad(R"(
global:
  external_labels:
    region: ${VIGIL_CONFIG_TEST_REGION}
    price: $$5
    mixed: a-$VIGIL_CONFIG_TEST_REGION-b
    unset: x${VIGIL_CONFIG_TEST_UNSET_VAR}y
)");
  unsetenv("VIGIL_CONFIG_TEST_REGION");
  EXPECT_EQ(c.global.external_labels.Get("region"), "eu");
  EXPECT_EQ(c.global.external_labels.Get("price"), "$5");
  EXPECT_EQ(c.global.external_labels.Get("mixed"), "a-eu-b");
  EXPECT_EQ(c.global.external_labels.Get("unset"), "xy");
}

TEST(ConfigMiscTest, MergeKeysAreApplied) {
  Config c = MustLoad(R"(
scrape_configs:
  - &base
    job_name: a
    scrape_interval: 30s
    metrics_path: /m
  - <<: *base
    job_name: b
)");
  ASSERT_EQ(c.scrape_configs.size(), 2u);
  EXPECT_EQ(c.scrape_configs[1].job_name, "b");
  EXPECT_EQ(c.scrape_configs[1].scrape_interval_ms, 30'000);
  EXPECT_EQ(c.scrape_configs[1].metrics_path, "/m");
}

TEST(ConfigMiscTest, RemoteWriteDefaultsAndChecks) {
  Config c = MustLoad(R"(
remote_write:
  - url: https://example.com/api/v1/write
    queue_config: {max_shards: 10, batch_send_deadline: 10s}
    headers: {X-Scope-OrgID: t1}
)");
  ASSERT_EQ(c.remote_write.size(), 1u);
  const auto& rw = c.remote_write[0];
  EXPECT_EQ(rw.remote_timeout_ms, 30'000);
  EXPECT_EQ(rw.queue_config.max_shards, 10);
  EXPECT_EQ(rw.queue_config.batch_send_deadline_ms, 10'000);
  EXPECT_EQ(rw.queue_config.capacity, 10000);
  EXPECT_EQ(rw.protobuf_message, "prometheus.WriteRequest");
  EXPECT_FALSE(rw.http_client.enable_http2);
  EXPECT_EQ(rw.headers.at("X-Scope-OrgID"), "t1");
  EXPECT_THAT(LoadError("remote_write:\n  - url: http://a\n    headers: {Content-Type: x}\n"),
              HasSubstr("Content-Type is a reserved header. It must not be changed"));
}

TEST(ConfigMiscTest, ScrapeProtocolsAreChecked) {
  EXPECT_THAT(LoadError("global:\n  scrape_protocols: []\n"),
              HasSubstr("scrape_protocols cannot be empty for global config"));
  Config c = MustLoad(
      "scrape_configs:\n  - job_name: a\n    fallback_scrape_protocol: PrometheusText0.0.4\n");
  EXPECT_EQ(c.scrape_configs[0].scrape_fallback_protocol, ScrapeProtocol::kPrometheusText0_0_4);
  EXPECT_STREQ(ScrapeProtocolName(ScrapeProtocol::kPrometheusProto), "PrometheusProto");
}

}  // namespace
}  // namespace vigil::config
