#include "app/config.h"
#include "app/check.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace vigil::app {
namespace {

std::string WriteTemp(const std::string& content) {
  char tmpl[] = "/tmp/vigil-config-XXXXXX";
  int fd = mkstemp(tmpl);
  close(fd);
  std::ofstream(tmpl) << content;
  return tmpl;
}

TEST(ConfigTest, ReadsTheVigilSection) {
  std::string path = WriteTemp(R"(
global:
  scrape_interval: 15s
scrape_configs: []
vigil:
  storage:
    retention_time: 30d
    retention_size: 10GB
    max_head_series: 500
  web:
    enable_admin_api: true
)");
  ServeConfig cfg;
  ASSERT_TRUE(LoadConfigFile(path, &cfg, {}).ok());
  EXPECT_EQ(cfg.retention_ms, 30LL * 24 * 3600 * 1000);
  EXPECT_EQ(cfg.retention_bytes, 10ull << 30);
  EXPECT_EQ(cfg.max_head_series, 500u);
  EXPECT_TRUE(cfg.enable_admin_api);
  std::remove(path.c_str());
}

TEST(ConfigTest, FlagsWin) {
  std::string path = WriteTemp("vigil:\n  storage:\n    retention_time: 30d\n");
  ServeConfig cfg;
  cfg.retention_ms = 1000;
  ASSERT_TRUE(LoadConfigFile(path, &cfg, {"retention.time"}).ok());
  EXPECT_EQ(cfg.retention_ms, 1000);
  std::remove(path.c_str());
}

TEST(ConfigTest, UnknownKeysNameFileLineAndColumn) {
  std::string path = WriteTemp("vigil:\n  storage:\n    retention_tme: 30d\n");
  ServeConfig cfg;
  Status s = LoadConfigFile(path, &cfg, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), path + ":3:5: field retention_tme not found in vigil.storage");
  std::remove(path.c_str());
}

TEST(ConfigTest, BadValuesAndYamlErrorsArePositioned) {
  std::string path = WriteTemp("vigil:\n  storage:\n    retention_time: soon\n");
  ServeConfig cfg;
  Status s = LoadConfigFile(path, &cfg, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(path + ":3:21:", 0), 0u) << s.message();
  std::string bad = WriteTemp("vigil: [\n");
  s = LoadConfigFile(bad, &cfg, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(bad + ":", 0), 0u);
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST(ConfigTest, ReadsTheQuerySection) {
  std::string path = WriteTemp(R"(
vigil:
  query:
    lookback_delta: 10m
    max_samples: 1000
    timeout: 30s
    max_concurrency: 4
    max_workers_per_query: 3
)");
  ServeConfig cfg;
  ASSERT_TRUE(LoadConfigFile(path, &cfg, {"query.timeout"}).ok());
  EXPECT_EQ(cfg.query_lookback_delta_ms, 10 * 60 * 1000);
  EXPECT_EQ(cfg.query_max_samples, 1000u);
  EXPECT_EQ(cfg.query_timeout_ms, 2 * 60 * 1000);  // the flag wins
  EXPECT_EQ(cfg.query_max_concurrency, 4u);
  EXPECT_EQ(cfg.query_max_workers_per_query, 3u);
  std::remove(path.c_str());
}

TEST(ConfigTest, BadQueryValuesArePositioned) {
  std::string path = WriteTemp("vigil:\n  query:\n    max_concurrency: 0\n");
  ServeConfig cfg;
  Status s = LoadConfigFile(path, &cfg, {});
  EXPECT_EQ(s.message(), path + ":3:22: must be at least 1");
  std::string bad = WriteTemp("vigil:\n  query:\n    timeout: soon\n");
  s = LoadConfigFile(bad, &cfg, {});
  EXPECT_EQ(s.message().rfind(bad + ":3:14:", 0), 0u) << s.message();
  std::string unknown = WriteTemp("vigil:\n  query:\n    max_sample: 1\n");
  s = LoadConfigFile(unknown, &cfg, {});
  EXPECT_EQ(s.message(), unknown + ":3:5: field max_sample not found in vigil.query");
  std::remove(path.c_str());
  std::remove(bad.c_str());
  std::remove(unknown.c_str());
}

// /api/v1/status/config must not hand out the passwords of a prometheus.yml.
TEST(ConfigTest, StatusPageConfigHidesSecrets) {
  auto shown = ConfigForStatusPage(R"(
global:
  scrape_interval: 15s  # comment
remote_write:
  - url: http://x/api/v1/write
    basic_auth:
      username: u
      password: hunter2
    authorization:
      credentials: abc
      credentials_file: /etc/token
    oauth2:
      client_secret: ""
vigil:
  query:
    timeout: 30s
)");
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_EQ(*shown,
            "global:\n  scrape_interval: 15s\nremote_write:\n  - url: http://x/api/v1/write\n"
            "    basic_auth:\n      username: u\n      password: <secret>\n"
            "    authorization:\n      credentials: <secret>\n      credentials_file: /etc/token\n"
            "    oauth2:\n      client_secret: \"\"\nvigil:\n  query:\n    timeout: 30s\n");
  EXPECT_EQ(*ConfigForStatusPage(""), "");
  EXPECT_FALSE(ConfigForStatusPage("a: [").ok());
}

TEST(ConfigTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("512MB"), 512ull << 20);
  EXPECT_EQ(*ParseByteSize("1TB"), 1ull << 40);
  EXPECT_EQ(*ParseByteSize("1234"), 1234u);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("GB").ok());
}

#ifdef VIGIL_WITH_LOGS
TEST(CheckConfigTest, ABadPipelineConditionFailsTheCheckWithItsStepLine) {
  char path[] = "/tmp/vigil_check_logs_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "logs:\n  pipelines:\n    - name: default\n      steps:\n"
      << "        - drop: {when: 'severity_number <<< 3'}\n";
  }
  std::FILE* out = std::tmpfile();
  EXPECT_EQ(CheckConfig({path}, out), 1);
  std::rewind(out);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  std::remove(path);
  EXPECT_NE(text.find("FAILED"), std::string::npos) << text;
  EXPECT_NE(text.find("step 1 (drop, line 5)"), std::string::npos) << text;
}
#endif

}  // namespace
}  // namespace vigil::app
