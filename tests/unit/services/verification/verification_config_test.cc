#include "services/verification/verification_config.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace hosho
