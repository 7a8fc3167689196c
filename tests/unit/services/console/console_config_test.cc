// hosho-console's configuration: its embedded defaults.yaml, what a deployment overrides, and what
// hosho-stack writes for the development stack, as ConsoleConfig reads them.
#include "services/console/console_config.h"

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "services/common/runtime/config.h"
#include "tests/support/config_keys.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

class ConsoleConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("console-config");
    Write("token", "console-token\n");
    Write("accounts.yaml", "accounts: []\n");
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  // The defaults, overridden by a config file holding `yaml`.
  absl::StatusOr<ConsoleConfig> Read(const std::string& yaml) {
    auto config = Config::Load(kConsoleDefaults, Write("console.yaml", yaml));
    if (!config.ok()) return config.status();
    return ConsoleConfig::FromConfig(*config);
  }

  std::string dir_;
};

TEST_F(ConsoleConfigTest, TheDefaultsAloneLackTheAccountsFile) {
  auto config = Config::FromYaml(kConsoleDefaults);
  ASSERT_TRUE(config.ok()) << config.status();
  auto console = ConsoleConfig::FromConfig(*config);
  EXPECT_EQ(console.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(console.status().message(), "console.accounts_file is not configured");
}

// A missing token is not FromConfig's error: start-up reports it after the files the configuration names.
TEST_F(ConsoleConfigTest, AMissingTokenIsKeptAsItsError) {
  auto console = Read("console: {accounts_file: accounts.yaml}\n");
  ASSERT_TRUE(console.ok()) << console.status();
  EXPECT_EQ(console->token.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(console->token.status().message(), "secret not configured: console.token_file");
}

TEST_F(ConsoleConfigTest, TheDefaultsAsADeploymentWithAccountsAndTokenReadsThem) {
  auto c = Read("console: {accounts_file: accounts.yaml, token_file: token}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->accounts_file, dir_ + "/accounts.yaml");
  EXPECT_EQ(c->token.value_or(""), "console-token");
  EXPECT_EQ(c->offices_file, dir_ + "/deploy/city/offices.yaml") << "resolved against the config file";
  EXPECT_EQ(c->topics_file, dir_ + "/deploy/kafka/topics.yaml");
  EXPECT_EQ(c->blobs_dir, "/var/lib/hosho/blobs");
  EXPECT_EQ(c->http.host, "127.0.0.1");
  EXPECT_EQ(c->http.port, 8106);
  EXPECT_EQ(c->http.worker_threads, 64);
  EXPECT_EQ(c->http.max_body_bytes, 64u << 10);
  EXPECT_TRUE(c->http.tls_cert_file.empty());
  EXPECT_EQ(c->app.max_feed_streams, 48) << "worker_threads - 16";
  EXPECT_TRUE(c->app.cookie_secure);
  EXPECT_TRUE(c->app.trusted_proxy_addresses.empty());
  EXPECT_EQ(c->app.proxy_user_header, "x-forwarded-user");
  EXPECT_EQ(c->concurrent_signins, 2);
  EXPECT_EQ(c->sessions.idle_timeout, absl::Minutes(30));
  EXPECT_EQ(c->sessions.max_age, absl::Hours(12));
  EXPECT_EQ(c->signin_attempts_per_name, 10);
  EXPECT_EQ(c->signin_attempts_per_address, 200);
  EXPECT_EQ(c->verification.target, "127.0.0.1:7102");
  EXPECT_FALSE(c->verification.dev_plaintext);
  EXPECT_EQ(c->routing.target, "127.0.0.1:7103");
  EXPECT_EQ(c->deadline, absl::Seconds(5));
  EXPECT_EQ(c->kafka.bootstrap_servers, "127.0.0.1:19092");
  EXPECT_EQ(c->kafka.client_id, "hosho-console");
  EXPECT_EQ(c->feed_capacity, 2000u);
  EXPECT_FALSE(c->feed_from_earliest);
  EXPECT_EQ(c->overview_refresh, absl::Seconds(15));
}

TEST_F(ConsoleConfigTest, AProxyHeaderIsMatchedInLowerCaseAndFeedsKeepAtLeastOneWorker) {
  auto c = Read(
      "console: {accounts_file: accounts.yaml, token_file: token, trusted_proxy_addresses: [10.0.0.5, 10.0.0.6],\n"
      "          proxy_user_header: X-Remote-User, worker_threads: 8}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->app.proxy_user_header, "x-remote-user");
  EXPECT_EQ(c->app.trusted_proxy_addresses.size(), 2u);
  EXPECT_TRUE(c->app.trusted_proxy_addresses.contains("10.0.0.5"));
  EXPECT_EQ(c->app.max_feed_streams, 1);
}

// The console section as hosho-stack writes it (services/stack/stack.cc): the other console keys
// keep their defaults.
TEST_F(ConsoleConfigTest, WhatHoshoStackWritesForTheConsole) {
  auto c =
      Read(std::string("console: {port: 18106, accounts_file: \"") + dir_ +
           "/accounts.yaml\", offices_file: \"/src/deploy/city/offices.yaml\", topics_file: "
           "\"/src/deploy/kafka/topics.yaml\", token_file: \"" +
           dir_ + "/token\", feed_from_earliest: true, overview_refresh_ms: 1000}\n" +
           "blobs: {dir: \"/run/blobs\"}\n" + "verification: {target: \"127.0.0.1:17102\", dev_plaintext: true}\n" +
           "routing: {target: \"127.0.0.1:17103\", dev_plaintext: true}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http.port, 18106);
  EXPECT_EQ(c->http.worker_threads, 64) << "a default the stack does not set";
  EXPECT_EQ(c->offices_file, "/src/deploy/city/offices.yaml");
  EXPECT_EQ(c->topics_file, "/src/deploy/kafka/topics.yaml");
  EXPECT_EQ(c->blobs_dir, "/run/blobs");
  EXPECT_TRUE(c->feed_from_earliest);
  EXPECT_EQ(c->overview_refresh, absl::Seconds(1));
  EXPECT_EQ(c->verification.target, "127.0.0.1:17102");
  EXPECT_TRUE(c->verification.dev_plaintext);
  EXPECT_EQ(c->routing.target, "127.0.0.1:17103");
  EXPECT_TRUE(c->routing.dev_plaintext);
  EXPECT_EQ(c->token.value_or(""), "console-token");
}

TEST_F(ConsoleConfigTest, EveryDefaultTakenOutIsNamed) {
  Write("console.yaml", "");
  const std::vector<std::string> keys =
      testing::YamlLeaves(kConsoleDefaults, {"console", "blobs", "verification", "routing"});
  ASSERT_GE(keys.size(), 27u);
  for (const std::string& key : keys) {
    // Named by the overlay; an open list.
    if (key == "console.accounts_file" || key == "console.trusted_proxy_addresses") continue;
    auto config =
        Config::LoadText(testing::YamlWithout(kConsoleDefaults, key), "console: {accounts_file: accounts.yaml}", dir_);
    ASSERT_TRUE(config.ok()) << config.status();
    auto c = ConsoleConfig::FromConfig(*config);
    EXPECT_TRUE(absl::IsNotFound(c.status())) << key << ": " << c.status();
    EXPECT_NE(c.status().message().find(key), std::string::npos) << key << ": " << c.status();
  }
}

}  // namespace
}  // namespace hosho
