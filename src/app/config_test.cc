#include "app/config.h"

#include <gtest/gtest.h>

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

TEST(ConfigTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("512MB"), 512ull << 20);
  EXPECT_EQ(*ParseByteSize("1TB"), 1ull << 40);
  EXPECT_EQ(*ParseByteSize("1234"), 1234u);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("GB").ok());
}

}  // namespace
}  // namespace vigil::app
