// hosho-intake's configuration: its embedded defaults.yaml alone, and every default taken out.
#include "services/intake/intake_config.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/config_keys.h"

namespace hosho {
namespace {

TEST(IntakeConfigTest, TheDefaultsAloneYieldTheDocumentedValues) {
  auto config = Config::Load(kIntakeDefaults, "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = IntakeConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->options.send_timeout, absl::Seconds(10));
  EXPECT_EQ(c->options.idempotency_ttl, absl::Hours(720));
  EXPECT_EQ(c->options.verification_sla, absl::Hours(72));
  EXPECT_EQ(c->blobs_dir, "/var/lib/hosho/blobs");
  EXPECT_EQ(c->submissions_per_minute, 120);
  EXPECT_TRUE(c->form_mapping_file.empty()) << "the compiled-in mapping";
  EXPECT_TRUE(c->webhook_secret.empty()) << "the webhook is off without a secret";
  EXPECT_EQ(c->webhook.host, "127.0.0.1");
  EXPECT_EQ(c->webhook.port, 8101);
  EXPECT_EQ(c->webhook.max_body_bytes, 8u << 20);
  EXPECT_TRUE(c->mail.url.empty()) << "polling is off";
  EXPECT_EQ(c->mail_poll_interval, absl::Seconds(30));
  EXPECT_EQ(c->scope.ordering_offices, (std::vector<std::string>{"contract-division", "water-sewerage-policy"}));
  EXPECT_EQ(c->scope.work_categories,
            (std::vector<hosho::v1::WorkCategory>{hosho::v1::WORK_CATEGORY_CONSTRUCTION,
                                                  hosho::v1::WORK_CATEGORY_SURVEYING_CONSULTING}));
  EXPECT_EQ(c->scope.insurer_route_opens.year(), 2026);
  EXPECT_EQ(c->scope.insurer_route_opens.month(), 4);
  EXPECT_EQ(c->scope.insurer_route_opens.day(), 1);
  EXPECT_EQ(c->scope.contract_guarantee_min_price_yen, 5000000);
  EXPECT_EQ(c->scope.advance_min_price_yen, 1000000);
  EXPECT_EQ(c->scope.max_attachment_bytes, 5242880);
  EXPECT_EQ(c->scope.max_attachments, 5);
}

TEST(IntakeConfigTest, EveryDefaultTakenOutIsNamed) {
  const std::vector<std::string> keys =
      testing::YamlLeaves(kIntakeDefaults, {"intake", "blobs", "scope", "limits", "webhook", "mail"});
  ASSERT_GE(keys.size(), 24u);
  for (const std::string& key : keys) {
    auto config = Config::LoadText(testing::YamlWithout(kIntakeDefaults, key), "");
    ASSERT_TRUE(config.ok()) << config.status();
    auto c = IntakeConfig::FromConfig(*config);
    EXPECT_FALSE(c.ok()) << key;
    EXPECT_NE(c.status().message().find(key), std::string::npos) << key << ": " << c.status();
  }
}

TEST(IntakeConfigTest, AnUnknownWorkCategoryIsRefusedByName) {
  auto config = Config::LoadText(kIntakeDefaults, "scope: {work_categories: [construction, catering]}");
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = IntakeConfig::FromConfig(*config);
  EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << c.status();
  EXPECT_NE(c.status().message().find("scope.work_categories"), std::string::npos) << c.status();
}

}  // namespace
}  // namespace hosho
