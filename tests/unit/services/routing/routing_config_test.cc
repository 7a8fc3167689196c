#include "services/routing/routing_config.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/support/config_keys.h"

namespace hosho {
namespace {

// A deployment's config file beside its token file, as hosho-stack and the chart write them.
std::string WriteDeployment(const std::string& name, const std::string& yaml) {
  const auto dir = std::filesystem::temp_directory_path() / ("hosho-config-test-" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "accounting.token") << "token-of-routing";
  std::ofstream(dir / "routing.yaml") << yaml;
  return (dir / "routing.yaml").string();
}

TEST(RoutingConfigTest, TheDefaultsAloneNameTheAccountingTokenADeploymentMustGive) {
  auto config = Config::Load(kRoutingDefaults, "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto routing = RoutingConfig::FromConfig(*config);
  EXPECT_TRUE(absl::IsNotFound(routing.status())) << routing.status();
  EXPECT_NE(routing.status().message().find("accounting.token_file"), std::string::npos) << routing.status();
}

TEST(RoutingConfigTest, ADeploymentOverridesWhatItSetsAndKeepsEveryOtherDefault) {
  auto config = Config::Load(kRoutingDefaults, WriteDeployment("routing", R"yaml(
accounting: {target: "accounting.city.example:443", token_file: accounting.token}
routing: {sweep_ms: 1500}
)yaml"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto routing = RoutingConfig::FromConfig(*config);
  ASSERT_TRUE(routing.ok()) << routing.status();
  EXPECT_EQ(routing->accounting.target, "accounting.city.example:443");
  EXPECT_EQ(routing->accounting_token, "token-of-routing");
  EXPECT_EQ(routing->sweep_every, absl::Milliseconds(1500));
  EXPECT_EQ(routing->accounting_deadline, absl::Seconds(5)) << "from defaults.yaml";
  EXPECT_FALSE(routing->bench_auto_handoff);
  EXPECT_TRUE(absl::EndsWith(routing->rules_file, "/deploy/routing/rules.yaml")) << routing->rules_file;
}

// Every key of routing's own sections comes from defaults.yaml: taken out, FromConfig names it instead
// of falling back to a value written in the code.
TEST(RoutingConfigTest, EveryDefaultTakenOutIsNamed) {
  const std::string deployment = WriteDeployment("routing-keys", "");
  const std::string dir = std::filesystem::path(deployment).parent_path().string();
  const std::vector<std::string> keys = testing::YamlLeaves(kRoutingDefaults, {"routing", "accounting", "bench"});
  ASSERT_GE(keys.size(), 8u);
  for (const std::string& key : keys) {
    if (key == "accounting.token_file") continue;  // the deployment below names it
    auto config = Config::LoadText(testing::YamlWithout(kRoutingDefaults, key),
                                   "accounting: {token_file: accounting.token}", dir);
    ASSERT_TRUE(config.ok()) << config.status();
    auto routing = RoutingConfig::FromConfig(*config);
    EXPECT_TRUE(absl::IsNotFound(routing.status())) << key << ": " << routing.status();
    EXPECT_NE(routing.status().message().find(key), std::string::npos) << key << ": " << routing.status();
  }
}

}  // namespace
}  // namespace hosho
