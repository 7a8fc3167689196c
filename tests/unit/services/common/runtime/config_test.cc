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

// The file overlays the defaults by a deep merge: maps key by key, a list or a scalar replaced whole.
TEST(ConfigTest, TheOverlayMergesMapsAndReplacesLists) {
  auto config = Config::LoadText("a: {b: 1, c: [x, y], d: {e: 2}}\n", "a: {c: [z], d: {f: 3}}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*config->RequireInt("a.b"), 1);
  EXPECT_EQ(config->GetStringList("a.c"), std::vector<std::string>{"z"});
  EXPECT_EQ(*config->RequireInt("a.d.e"), 2);
  EXPECT_EQ(*config->RequireInt("a.d.f"), 3);
}

TEST(ConfigTest, ARequiredKeyThatIsMissingOrMistypedIsNamed) {
  auto config = Config::LoadText("a: {n: twelve, flag: maybe, empty: \"\", map: {x: 1}}\n", "");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->RequireString("a.gone").status(), absl::NotFoundError("config key a.gone is missing"));
  EXPECT_TRUE(absl::IsInvalidArgument(config->RequireInt("a.n").status()));
  EXPECT_NE(config->RequireInt("a.n").status().message().find("a.n"), std::string::npos);
  EXPECT_TRUE(absl::IsInvalidArgument(config->RequireBool("a.flag").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(config->RequireString("a.map").status()));
  EXPECT_EQ(*config->RequireString("a.empty"), "");

  ConfigReader r(*config);
  EXPECT_EQ(r.String("a.empty"), "");
  EXPECT_EQ(r.Millis("a.gone"), absl::ZeroDuration());
  r.Int("a.n");
  EXPECT_EQ(r.status(), absl::NotFoundError("config key a.gone is missing")) << "the first error is kept";
}

TEST(ConfigTest, UnknownKeysAreTheOverlaysKeysTheDefaultsAndSharedSectionsDoNotKnow) {
  auto config =
      Config::LoadText("svc: {sweep_ms: 1, offices: {}, hooks: []}\nclient: {target: x}\n",
                       "svc: {sweep_ms: 2, swep_ms: 3, offices: {a: 1}, hooks: [{name: n}]}\n"
                       "client: {target: y, tls: {ca_file: c}, tsl: {}}\n"
                       "grpc: {drain_timeout_ms: 5, tls: {cert_file: c}}\nkafka: {properties: {acks: all}, lanes: 3}\n"
                       "redis: {passwrd_file: p}\nextra: 1\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->UnknownKeys(),
            (std::vector<std::string>{"svc.swep_ms", "client.tsl", "redis.passwrd_file", "extra"}));
}

TEST(ConfigTest, MergeYamlIsTheOverlayAsText) {
  auto merged = MergeYaml("a: {b: 1, c: 2}\n", "a: {c: 3}\nd: [x]\n");
  ASSERT_TRUE(merged.ok()) << merged.status();
  auto config = Config::FromYaml(*merged);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("a.b"), 1);
  EXPECT_EQ(config->GetInt("a.c"), 3);
  EXPECT_EQ(config->GetStringList("d"), std::vector<std::string>{"x"});
  EXPECT_FALSE(MergeYaml("a: [", "").ok());
}

TEST(ConfigTest, SecretsUnreadAreCheckedForTheirFileOnly) {
  auto config = Config::LoadText("", "x: {token_file: /nonexistent/token}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(absl::IsNotFound(config->GetSecret("x.token").status()));
  const Config unread = config->WithSecretsUnread();
  EXPECT_TRUE(unread.GetSecret("x.token").ok());
  EXPECT_TRUE(absl::IsNotFound(unread.GetSecret("y.token").status()));
}

}  // namespace
}  // namespace hosho
