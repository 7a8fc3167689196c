#include "services/notification/notification_config.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/config_keys.h"

namespace hosho {
namespace {

std::string WriteDeployment(const std::string& name, const std::string& yaml) {
  const auto dir = std::filesystem::temp_directory_path() / ("hosho-config-test-" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "hook.secret") << "hook-secret";
  std::ofstream(dir / "notification.yaml") << yaml;
  return (dir / "notification.yaml").string();
}

TEST(NotificationConfigTest, TheDefaultsAloneAreAWorkingOutboxWithMailAndNoWebhooks) {
  auto config = Config::Load(kNotificationDefaults, "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = NotificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->mail_enabled);
  EXPECT_EQ(c->smtp.url, "smtp://127.0.0.1:25");
  EXPECT_TRUE(c->webhooks.empty());
  EXPECT_EQ(c->dispatch.max_attempts, 12);
  EXPECT_EQ(c->dispatch.lease, absl::Seconds(60));
  EXPECT_EQ(c->poll, absl::Milliseconds(500));
}

TEST(NotificationConfigTest, AWebhookReadsItsSecretFromItsFileAndOneWithoutAUrlIsRefused) {
  auto config = Config::Load(kNotificationDefaults, WriteDeployment("notification", R"yaml(
smtp: {enabled: false}
webhooks: [{name: keiyaku-system, url: "https://keiyaku.city.example/hook", secret_file: hook.secret,
            offices: [contract-division]}]
)yaml"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = NotificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->mail_enabled);
  ASSERT_EQ(c->webhooks.size(), 1u);
  EXPECT_EQ(c->webhooks[0].secret, "hook-secret");
  EXPECT_EQ(c->webhooks[0].offices, std::vector<std::string>{"contract-division"});

  auto broken = Config::Load(kNotificationDefaults, WriteDeployment("notification-broken", R"yaml(
webhooks: [{name: no-url, secret_file: hook.secret}]
)yaml"));
  ASSERT_TRUE(broken.ok()) << broken.status();
  EXPECT_TRUE(absl::IsInvalidArgument(NotificationConfig::FromConfig(*broken).status()));
}

TEST(NotificationConfigTest, TheDocumentedDefaults) {
  auto config = Config::Load(kNotificationDefaults, "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto c = NotificationConfig::FromConfig(*config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->templates_file.ends_with("deploy/notification/templates.yaml")) << c->templates_file;
  EXPECT_TRUE(c->offices_file.ends_with("deploy/city/offices.yaml")) << c->offices_file;
  EXPECT_EQ(c->stream_max_len, 100000);
  EXPECT_FALSE(c->smtp.require_tls);
  EXPECT_EQ(c->smtp.timeout, absl::Seconds(20));
  EXPECT_EQ(c->dispatch.initial_backoff, absl::Seconds(5));
  EXPECT_EQ(c->dispatch.max_backoff, absl::Minutes(30));
  EXPECT_EQ(c->dispatch.batch, 50);
  EXPECT_EQ(c->webhook_client.timeout, absl::Seconds(10));
}

TEST(NotificationConfigTest, EveryDefaultTakenOutIsNamed) {
  const std::vector<std::string> keys =
      testing::YamlLeaves(kNotificationDefaults, {"notification", "smtp", "delivery", "webhook_client"});
  ASSERT_GE(keys.size(), 18u);
  for (const std::string& key : keys) {
    auto config = Config::LoadText(testing::YamlWithout(kNotificationDefaults, key), "");
    ASSERT_TRUE(config.ok()) << config.status();
    auto c = NotificationConfig::FromConfig(*config);
    EXPECT_TRUE(absl::IsNotFound(c.status())) << key << ": " << c.status();
    EXPECT_NE(c.status().message().find(key), std::string::npos) << key << ": " << c.status();
  }
}

}  // namespace
}  // namespace hosho
