#include "services/common/runtime/config.h"

#include <stdlib.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

TEST(ConfigTest, FileOverridesDefaultsAndEnvironmentOverridesBoth) {
  const std::string dir = testing::MakeTempDir("hosho-config");
  std::ofstream(dir + "/svc.yaml") << "redis: {port: 7000}\nscope: {ordering_offices: [a, b]}\n";
  auto config = Config::Load("redis: {host: h, port: 6379}\nlog: {level: info}\n", dir + "/svc.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetString("redis.host"), "h");
  EXPECT_EQ(config->GetInt("redis.port"), 7000);
  EXPECT_EQ(config->GetStringList("scope.ordering_offices"), (std::vector<std::string>{"a", "b"}));
  setenv("HOSHO_REDIS_PORT", "7001", 1);
  setenv("HOSHO_SCOPE_ORDERING_OFFICES", "x, y", 1);
  EXPECT_EQ(config->GetInt("redis.port"), 7001);
  EXPECT_EQ(config->GetStringList("scope.ordering_offices"), (std::vector<std::string>{"x", "y"}));
  unsetenv("HOSHO_REDIS_PORT");
  unsetenv("HOSHO_SCOPE_ORDERING_OFFICES");
}

TEST(ConfigTest, SecretsComeFromFilesRelativeToTheConfig) {
  const std::string dir = testing::MakeTempDir("hosho-config");
  std::ofstream(dir + "/token") << "s3cr3t\n";
  std::ofstream(dir + "/svc.yaml") << "connector: {token_file: token}\n";
  auto config = Config::Load("", dir + "/svc.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config->GetSecret("connector.token"), "s3cr3t");
  EXPECT_TRUE(absl::IsNotFound(config->GetSecret("redis.password").status()));
}

TEST(ConfigTest, BadYamlIsAnError) { EXPECT_FALSE(Config::FromYaml("a: [unclosed").ok()); }

// Found by config_fuzz: a list item or a map key that is not a scalar made yaml-cpp throw out of
// the getters (and intake or the form mapping terminate at start-up).
TEST(ConfigTest, NonScalarItemsAndKeysAreSkippedNotThrown) {
  auto config = Config::FromYaml(
      "scope: {ordering_offices: [contract-division, {code: x}, [y]]}\n"
      "files: {? {x: 1}: invoice, 請求書: invoice, nested: {a: 1}}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetStringList("scope.ordering_offices"), (std::vector<std::string>{"contract-division"}));
  EXPECT_EQ(config->GetMap("files"), (std::vector<std::pair<std::string, std::string>>{{"請求書", "invoice"}}));
}

}  // namespace
}  // namespace hosho
