// hosho-platform-sim's configuration (PlatformSimConfig, in its process header): the embedded
// defaults.yaml alone, and every default taken out.
#include "services/platform_sim/platform_sim_process.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/config_keys.h"

namespace hosho {
namespace {

TEST(PlatformSimConfigTest, TheDefaultsAloneYieldTheDocumentedValues) {
  auto config = Config::Load(kPlatformSimDefaults, "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = PlatformSimConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->certificates_file.empty());
  EXPECT_EQ(c->options.latency, absl::ZeroDuration());
  EXPECT_EQ(c->options.failure_rate, 0);
}

TEST(PlatformSimConfigTest, EveryDefaultTakenOutIsNamed) {
  const std::vector<std::string> keys = testing::YamlLeaves(kPlatformSimDefaults, {"platform_sim"});
  ASSERT_EQ(keys.size(), 3u);
  for (const std::string& key : keys) {
    auto config = Config::LoadText(testing::YamlWithout(kPlatformSimDefaults, key), "");
    ASSERT_TRUE(config.ok()) << config.status();
    auto c = PlatformSimConfig::FromConfig(*config);
    EXPECT_TRUE(absl::IsNotFound(c.status())) << key << ": " << c.status();
    EXPECT_NE(c.status().message().find(key), std::string::npos) << key << ": " << c.status();
  }
}

}  // namespace
}  // namespace hosho
