#include "services/verification/verification_config.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/config_keys.h"

namespace hosho {
namespace {

std::string WriteDeployment(const std::string& name, const std::string& yaml) {
  const auto dir = std::filesystem::temp_directory_path() / ("hosho-config-test-" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "connector.token") << "token-of-verification";
  std::ofstream(dir / "verification.yaml")
      << yaml << "\ncity: {offices_file: " << HOSHO_SOURCE_DIR << "/deploy/city/offices.yaml}\n";
  return (dir / "verification.yaml").string();
}

TEST(VerificationConfigTest, ClerkFirstByDefault) {
  auto config =
      Config::Load(kVerificationDefaults, WriteDeployment("verification", "connector: {token_file: connector.token}"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = VerificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->worker.connector_platforms.empty()) << "connector.enabled is false in defaults.yaml";
  EXPECT_EQ(c->worker.sla, absl::Hours(72));
  EXPECT_EQ(c->tasks.claim_ttl, absl::Minutes(30));
  EXPECT_EQ(c->recheck.amended_guarantee_due, absl::Hours(24 * 14));
  EXPECT_EQ(c->policy.contract_guarantee.ToString(), "1/10");
  EXPECT_FALSE(c->policy.city_beneficiary.empty());
  EXPECT_EQ(c->connector_token, "token-of-verification");
}

TEST(VerificationConfigTest, TheConnectorReadsTheNamedPlatformsAndABadOfficeSlaIsRefused) {
  auto config = Config::Load(kVerificationDefaults, WriteDeployment("verification-on", R"yaml(
connector: {enabled: true, platforms: [d_sure], token_file: connector.token}
sla: {offices: {contract-division: 48}}
)yaml"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = VerificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->worker.connector_platforms.contains(hosho::v1::PLATFORM_D_SURE));
  EXPECT_FALSE(c->worker.connector_platforms.contains(hosho::v1::PLATFORM_CONFIRMATION_SYSTEM));
  EXPECT_EQ(c->worker.sla_by_office.at("contract-division"), absl::Hours(48));

  auto bad = Config::Load(kVerificationDefaults, WriteDeployment("verification-bad", R"yaml(
connector: {token_file: connector.token}
sla: {offices: {contract-division: "two days"}}
)yaml"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  auto refused = VerificationConfig::FromConfig(*bad);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("sla.offices"), std::string::npos);
}

TEST(VerificationConfigTest, EveryDefaultTakenOutIsNamed) {
  const std::string dir = std::filesystem::path(WriteDeployment("verification-keys", "")).parent_path().string();
  const std::string overlay = std::string("connector: {token_file: connector.token}\ncity: {offices_file: ") +
                              HOSHO_SOURCE_DIR + "/deploy/city/offices.yaml}\n";
  const std::vector<std::string> keys =
      testing::YamlLeaves(kVerificationDefaults, {"connector", "city", "tasks", "sla", "amendments", "rules"});
  ASSERT_GE(keys.size(), 25u);
  for (const std::string& key : keys) {
    // Named by the overlay; an open map; read only with the connector on (ClerkFirstByDefault).
    if (key == "connector.token_file" || key == "city.offices_file" || key == "sla.offices" ||
        key == "connector.platforms") {
      continue;
    }
    auto config = Config::LoadText(testing::YamlWithout(kVerificationDefaults, key), overlay, dir);
    ASSERT_TRUE(config.ok()) << config.status();
    auto c = VerificationConfig::FromConfig(*config);
    EXPECT_TRUE(absl::IsNotFound(c.status())) << key << ": " << c.status();
    EXPECT_NE(c.status().message().find(key), std::string::npos) << key << ": " << c.status();
  }
}

TEST(VerificationConfigTest, TheDocumentedDefaults) {
  auto config = Config::Load(kVerificationDefaults,
                             WriteDeployment("verification-doc", "connector: {token_file: connector.token}"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = VerificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->connector.target, "127.0.0.1:7105");
  EXPECT_FALSE(c->connector.dev_plaintext);
  EXPECT_EQ(c->connector_deadline, absl::Seconds(5));
  EXPECT_EQ(c->resilience.attempts, 3);
  EXPECT_EQ(c->resilience.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(c->resilience.max_backoff, absl::Seconds(2));
  EXPECT_EQ(c->resilience.failure_threshold, 5);
  EXPECT_EQ(c->resilience.open_for, absl::Seconds(10));
  EXPECT_EQ(c->worker.escalate_before, absl::Hours(24));
  EXPECT_EQ(c->worker.resume_initial, absl::Seconds(1));
  EXPECT_EQ(c->worker.resume_max, absl::Seconds(60));
  EXPECT_EQ(c->worker.clerk_sla, absl::Hours(72));
  EXPECT_EQ(c->resume_every, absl::Seconds(1));
  EXPECT_EQ(c->verdict_sweep_every, absl::Seconds(5));
  EXPECT_EQ(c->deadline_sweep_every, absl::Seconds(60));
  EXPECT_EQ(c->policy.low_bid_contract_guarantee.ToString(), "3/10");
}

// The chart names no token while the connector is off: clerk-first needs none, and one the connector
// needs is still refused by name.
TEST(VerificationConfigTest, TheConnectorsTokenIsNeededOnlyWithTheConnectorOn) {
  auto off = Config::Load(kVerificationDefaults, WriteDeployment("verification-no-token", ""));
  ASSERT_TRUE(off.ok()) << off.status();
  auto c = VerificationConfig::FromConfig(*off);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->connector_token.empty());
  auto on =
      Config::Load(kVerificationDefaults, WriteDeployment("verification-on-no-token", "connector: {enabled: true}"));
  ASSERT_TRUE(on.ok()) << on.status();
  auto refused = VerificationConfig::FromConfig(*on);
  EXPECT_TRUE(absl::IsNotFound(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("connector.token_file"), std::string::npos) << refused.status();
}

}  // namespace
}  // namespace hosho
