#include "services/notification/notification_config.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace hosho
