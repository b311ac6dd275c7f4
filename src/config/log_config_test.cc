// logs: the typed result of good files, and every validation error with its
// position.
#include "config/log_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace vigil::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Config MustLoad(std::string_view yaml) {
  auto r = LoadString(yaml, "test.yml", "/etc/vigil");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Config{};
}

std::string LoadError(std::string_view yaml) {
  auto r = LoadString(yaml, "test.yml", "/etc/vigil");
  EXPECT_FALSE(r.ok()) << "loaded, want an error:\n" << yaml;
  return r.ok() ? "" : r.status().message();
}

TEST(LogConfig, NoLogsSectionStillHasTheDefaultPipelineIntoTheStore) {
  Config c = MustLoad("global: {}\n");
  EXPECT_TRUE(c.logs.enabled);
  ASSERT_EQ(c.logs.pipelines.size(), 1u);
  EXPECT_EQ(c.logs.pipelines[0].name, "default");
  EXPECT_THAT(c.logs.pipelines[0].sinks, ElementsAre("store"));
  EXPECT_EQ(c.logs.push.pipeline, "default");
}

TEST(LogConfig, FullExampleLoads) {
  Config c = MustLoad(R"(
logs:
  store:
    retention: 3d
    retention_size: 2GB
    max_streams: 5000
    max_line_size: 128KB
    max_labels_per_stream: 20
    reject_old_samples_max_age: 1w
    creation_grace_period: 5m
    fsync: true
  push:
    pipeline: apps
    labels: {cluster: lab}
  sources:
    - name: syslog-tcp
      type: syslog
      syslog: {listen: "127.0.0.1:1514", framing: octet_counting}
      labels: {source: syslog}
    - name: app-files
      type: file
      pipeline: apps
      file:
        paths: [logs/*.log]
        exclude: ["*.gz"]
        start_at: end
        multiline: {start: '^\d{4}-', max_lines: 100, timeout: 2s}
        read_rate: 10MB
  pipelines:
    - name: apps
      steps:
        - json: {}
        - regex: {expression: '(?P<method>GET|POST) (?P<path>\S+)'}
        - normalize:
            timestamp: {field: ts, format: rfc3339}
            severity: {field: level}
        - redact: {patterns: [email, 'secret=\w+'], keys: [password]}
        - drop: {when: 'severity_number < 9'}
        - sample: {rate: 0.5, when: 'labels.job == "noisy"'}
        - labels: {add: {team: a}, rename: {lvl: level}, remove: [pod], from_fields: {level: level}}
        - metric: {name: http_requests, label_fields: [method]}
        - metric: {name: latency_seconds, type: histogram, value_field: duration}
        - lua: {code: 'function process(r) return r end', timeout: 5ms}
      routes:
        - when: 'labels.team == "a"'
          sinks: [store, central]
          stop: false
      sinks: [store]
  forwarders:
    - name: central
      type: loki
      url: http://loki:3100/loki/api/v1/push
      tenant_id: lab
      queue_max_size: 100MB
    - name: siem
      type: syslog
      address: siem:6514
      format: rfc3164
    - name: hook
      type: http
      url: https://hooks.example/logs
      headers: {X-Key: abc}
)");
  const LogsConfig& l = c.logs;
  EXPECT_EQ(l.store.retention_ms, 3 * 24 * 3600 * 1000ll);
  EXPECT_EQ(l.store.retention_bytes, 2ull << 30);
  EXPECT_EQ(l.store.max_line_bytes, 128u << 10);
  EXPECT_EQ(l.store.max_labels_per_stream, 20u);
  EXPECT_EQ(l.store.reject_old_ms, 7 * 24 * 3600 * 1000ll);
  EXPECT_TRUE(l.store.fsync);
  EXPECT_EQ(l.push.labels.at("cluster"), "lab");
  ASSERT_EQ(l.sources.size(), 2u);
  EXPECT_EQ(l.sources[0].syslog.framing, "octet_counting");
  EXPECT_EQ(l.sources[0].pipeline, "default");
  EXPECT_THAT(l.sources[1].file.include, ElementsAre("/etc/vigil/logs/*.log"));
  EXPECT_TRUE(l.sources[1].file.start_at_end);
  EXPECT_EQ(l.sources[1].file.multiline_max_lines, 100);
  EXPECT_EQ(l.sources[1].file.multiline_timeout_ms, 2000);
  EXPECT_EQ(l.sources[1].file.read_rate_bytes_per_sec, 10u << 20);
  ASSERT_EQ(l.pipelines.size(), 2u);  // apps + the implicit default
  const auto& p = l.pipelines[0];
  ASSERT_EQ(p.steps.size(), 10u);
  EXPECT_EQ(p.steps[0].type, "json");
  EXPECT_EQ(p.steps[2].timestamp_field, "ts");
  EXPECT_EQ(p.steps[2].severity_field, "level");
  EXPECT_THAT(p.steps[3].patterns, ElementsAre("email", "secret=\\w+"));
  EXPECT_EQ(p.steps[5].rate, 0.5);
  EXPECT_EQ(p.steps[6].rename.at("lvl"), "level");
  EXPECT_EQ(p.steps[8].buckets.size(), 11u);  // default buckets
  EXPECT_EQ(p.steps[9].lua_timeout_ms, 5);
  EXPECT_GT(p.steps[9].line, 0);
  ASSERT_EQ(p.routes.size(), 1u);
  EXPECT_FALSE(p.routes[0].stop);
  EXPECT_EQ(l.pipelines[1].name, "default");
  ASSERT_EQ(l.forwarders.size(), 3u);
  EXPECT_EQ(l.forwarders[0].queue_max_bytes, 100u << 20);
  EXPECT_EQ(l.forwarders[1].syslog_format, "rfc3164");
  EXPECT_EQ(l.forwarders[2].headers.at("X-Key"), "abc");
}

TEST(LogConfig, ErrorsNameTheLineAndTheProblem) {
  struct Case {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"logs:\n  sources:\n    - name: a\n      type: kafka\n",
       "test.yml:3:7: log source \"a\": type must be syslog, file, cloudwatch_logs, "},
      {"logs:\n  sources:\n    - name: a\n      type: syslog\n", "needs syslog.listen"},
      {"logs:\n  sources:\n    - name: a\n      type: file\n", "needs file.paths"},
      {"logs:\n  sources:\n    - {name: a, type: syslog, syslog: {listen: ':1', protocol: sctp}}\n",
       "protocol must be tcp or udp"},
      {"logs:\n  sources:\n    - {name: a, type: syslog, syslog: {listen: ':1'}}\n"
       "    - {name: a, type: syslog, syslog: {listen: ':2'}}\n",
       "test.yml:4:7: found multiple log sources named \"a\""},
      {"logs:\n  sources:\n    - {name: a, type: syslog, pipeline: nope, syslog: {listen: ':1'}}\n",
       "uses pipeline \"nope\", which is not defined"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - jsn: {}\n",
       "test.yml:5:11: unknown pipeline step type \"jsn\""},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - regex: {expression: '(a'}\n",
       "regex step: invalid expression"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - regex: {expression: 'a+'}\n",
       "has no named group"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - json: {expression: x}\n",
       "field expression not found in type config.LogStep.json"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - drop: {}\n",
       "drop step needs a when condition"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - sample: {rate: 2}\n",
       "rate must be between 0 and 1"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - metric: {name: 'a-b'}\n",
       "invalid metric name"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - metric: {name: h, type: "
       "histogram}\n",
       "a histogram needs a value_field"},
      {"logs:\n  pipelines:\n    - name: p\n      steps:\n        - lua: {}\n",
       "lua step needs exactly one of file and code"},
      {"logs:\n  pipelines:\n    - name: p\n      sinks: [elsewhere]\n",
       "sends to \"elsewhere\", which is neither \"store\" nor a forwarder"},
      {"logs:\n  forwarders:\n    - {name: store, type: loki, url: 'http://a'}\n",
       "may not be named \"store\""},
      {"logs:\n  forwarders:\n    - {name: f, type: loki}\n", "loki forwarder \"f\" needs a url"},
      {"logs:\n  forwarders:\n    - {name: f, type: kafka}\n", "type must be loki, syslog or http"},
      {"logs:\n  store: {max_labels_per_stream: 0}\n", "between 1 and 1000"},
      {"logs:\n  push: {pipeline: nope}\n", "logs.push uses pipeline \"nope\""},
      {"logs:\n  push: {labels: {'a b': c}}\n", "invalid label name"},
      {"logs:\n  bogus: 1\n", "field bogus not found in type config.LogsConfig"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(LoadError(c.yaml), HasSubstr(c.want)) << c.yaml;
  }
}

// Cloud log sources borrow a cloud_configs entry's credentials; an entry
// with nothing to poll for metrics is allowed when a log source uses it.
constexpr const char* kCloudEntries = R"(
cloud_configs:
  aws:
    - name: prod-aws
      regions: [us-east-1, eu-west-1]
      endpoint: http://127.0.0.1:9901
      credentials: {access_key_id: AKID, secret_access_key: secret}
  azure:
    - name: prod-azure
      subscriptions: [sub-1, sub-2]
      tenant_id: t
      client_id: c
      client_secret: s
  gcp:
    - name: prod-gcp
      project_ids: [p1]
      credentials_file: /etc/vigil/key.json
)";

TEST(LogConfig, CloudLogSourcesLoadWithTheirTypesDefaults) {
  Config c = MustLoad(std::string(kCloudEntries) + R"(
logs:
  sources:
    - name: lambda
      type: cloudwatch_logs
      labels: {env: prod}
      cloudwatch_logs:
        cloud: prod-aws
        log_group_names: [/aws/lambda/api, aws-cloudtrail-logs-x]
        log_stream_name_prefix: "2024/"
        filter_pattern: ERROR
        regions: [eu-west-1]
        parse_envelopes: false
        lookback: 2h
        max_window: 10m
    - name: activity
      type: azure_activity_log
      azure_activity_log:
        cloud: prod-azure
        subscriptions: [sub-2]
        filter: "resourceGroupName eq 'web'"
    - name: audit
      type: gcp_logging
      gcp_logging:
        cloud: prod-gcp
        filter: 'logName:"cloudaudit.googleapis.com"'
        poll_interval: 5m
        delay: 0s
)");
  ASSERT_EQ(c.logs.sources.size(), 3u);
  const CloudLogSourceConfig& cw = c.logs.sources[0].cloud;
  EXPECT_EQ(cw.cloud, "prod-aws");
  EXPECT_THAT(cw.log_group_names, ElementsAre("/aws/lambda/api", "aws-cloudtrail-logs-x"));
  EXPECT_EQ(cw.log_stream_name_prefix, "2024/");
  EXPECT_EQ(cw.filter_pattern, "ERROR");
  EXPECT_THAT(cw.regions, ElementsAre("eu-west-1"));
  EXPECT_FALSE(cw.parse_envelopes);
  EXPECT_EQ(cw.lookback_ms, 2 * 3600'000);
  EXPECT_EQ(cw.max_window_ms, 600'000);
  EXPECT_EQ(cw.poll_interval_ms, 30'000);
  EXPECT_EQ(cw.delay_ms, 30'000);
  const CloudLogSourceConfig& az = c.logs.sources[1].cloud;
  EXPECT_THAT(az.subscriptions, ElementsAre("sub-2"));
  EXPECT_EQ(az.filter, "resourceGroupName eq 'web'");
  EXPECT_EQ(az.poll_interval_ms, 60'000);
  EXPECT_EQ(az.delay_ms, 300'000);
  const CloudLogSourceConfig& g = c.logs.sources[2].cloud;
  EXPECT_EQ(g.poll_interval_ms, 300'000);
  EXPECT_EQ(g.delay_ms, 0);
  EXPECT_EQ(g.filter, "logName:\"cloudaudit.googleapis.com\"");
  EXPECT_EQ(g.lookback_ms, 3600'000);
}

TEST(LogConfig, CloudLogSourceErrors) {
  struct Case {
    std::string yaml, want;
  };
  const std::string e = kCloudEntries;
  std::vector<Case> cases = {
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs}\n",
       "cloudwatch_logs source \"a\" needs a cloudwatch_logs section"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{log_group_names: [g]}}\n",
       "needs cloud: the name of a cloud_configs entry"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: prod-aws}}\n",
       "cloudwatch_logs source \"a\" needs log_group_names"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: nope, log_group_names: [g]}}\n",
       "uses cloud \"nope\", which is not a aws entry of cloud_configs"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: prod-azure, log_group_names: [g]}}\n",
       "which is not a aws entry"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: prod-aws, log_group_names: [g], regions: [ap-south-1]}}\n",
       "region \"ap-south-1\" is not one of cloud config \"prod-aws\"'s"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: prod-aws, log_group_names: [g], log_stream_names: [s], "
           "log_stream_name_prefix: p}}\n",
       "exclude each other"},
      {e + "logs:\n  sources:\n    - {name: a, type: cloudwatch_logs, cloudwatch_logs: "
           "{cloud: prod-aws, log_group_names: [g], subscriptions: [x]}}\n",
       "field subscriptions not found in type config.CloudLogSourceConfig"},
      {e + "logs:\n  sources:\n    - {name: a, type: azure_activity_log, azure_activity_log: "
           "{cloud: prod-azure, subscriptions: [sub-9]}}\n",
       "subscription \"sub-9\" is not one of"},
      {e + "logs:\n  sources:\n    - {name: a, type: gcp_logging, gcp_logging: "
           "{cloud: prod-gcp, project_ids: [p9]}}\n",
       "project \"p9\" is not one of"},
      {e + "logs:\n  sources:\n    - {name: a, type: gcp_logging, azure_activity_log: "
           "{cloud: prod-azure}}\n",
       "gcp_logging source \"a\" needs a gcp_logging section"},
      {e + "logs:\n  sources:\n    - {name: a, type: syslog, syslog: {listen: ':1'}, "
           "gcp_logging: {cloud: prod-gcp}}\n",
       "a syslog source takes no gcp_logging section"},
      {e + "logs:\n  sources:\n    - {name: a, type: gcp_logging, gcp_logging: {cloud: prod-gcp, "
           "poll_interval: 0s}}\n",
       "poll_interval"},
      // Entries with nothing to poll and no log source that uses them.
      {e,
       "aws cloud config \"prod-aws\" needs at least one discovery job (or a cloudwatch_logs "
       "log source that uses it)"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(LoadError(c.yaml), HasSubstr(c.want)) << c.yaml;
  }
}

}  // namespace
}  // namespace vigil::config
