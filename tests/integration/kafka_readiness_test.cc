// A service whose Kafka is not usable is not ready, says why once, and keeps running (no crash loop):
// hosho-routing, with the stack's own configuration, pointed at a port where no broker listens and at a
// cluster that lacks its topics, at SASL_SSL brokers with a wrong password, an untrusted CA and an
// expired certificate, then back at the stack's broker.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/http/admin_server.h"
#include "services/stack/child_process.h"
#include "services/stack/stack.h"
#include "tests/support/await.h"
#include "tests/support/fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/secure_kafka.h"
#include "tests/support/test_kafka.h"

namespace hosho {
namespace {
namespace fs = std::filesystem;

class KafkaReadinessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    options_ = new StackOptions(testing::TestStackOptions("hosho-kafka-ready"));
    options_->python3.clear();
    options_->dovecot.clear();
    auto stack = Stack::Start(*options_);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    // The real routing steps aside; the test runs its own with the same configuration.
    ASSERT_TRUE(stack_->StopService("routing").ok());
  }
  static void TearDownTestSuite() {
    delete stack_;
    std::error_code ec;
    fs::remove_all(options_->run_dir, ec);
    delete options_;
  }

  struct Routing {
    ChildProcess process;
    std::string log;
  };
  // hosho-routing with the stack's configuration, its `kafka:` block replaced by `kafka_yaml`.
  static Routing StartRoutingWithKafka(const std::string& kafka_yaml, const std::string& name) {
    std::ifstream in(options_->run_dir + "/config/routing.yaml");
    std::stringstream out;
    std::string line;
    bool in_kafka = false;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != ' ') in_kafka = absl::StartsWith(line, "kafka:");
      if (in_kafka) continue;
      out << line << "\n";
    }
    out << "kafka:\n  group_id: hosho-routing\n" << kafka_yaml;
    const std::string config = absl::StrCat(options_->run_dir, "/config/", name, ".yaml");
    std::ofstream(config) << out.str();
    return StartRouting("", name, config);
  }
  // hosho-routing with the stack's configuration and `bootstrap` in place of the stack's broker.
  static Routing StartRouting(const std::string& bootstrap, const std::string& name, std::string config = "") {
    if (config.empty()) config = options_->run_dir + "/config/routing.yaml";
    Routing r;
    r.log = absl::StrCat(options_->run_dir, "/", name, ".log");
    if (bootstrap.empty()) {
      unsetenv("HOSHO_KAFKA_BOOTSTRAP_SERVERS");
    } else {
      setenv("HOSHO_KAFKA_BOOTSTRAP_SERVERS", bootstrap.c_str(), 1);
    }
    auto child = ChildProcess::Spawn({std::string(HOSHO_BIN_DIR) + "/hosho-routing", "--config=" + config}, r.log);
    unsetenv("HOSHO_KAFKA_BOOTSTRAP_SERVERS");
    EXPECT_TRUE(child.ok()) << child.status();
    if (child.ok()) r.process = *child;
    return r;
  }
  static absl::StatusOr<std::pair<int, std::string>> Readyz() {
    return HttpRequest("127.0.0.1", stack_->endpoints().admin.at("routing"), "GET", "/readyz");
  }
  static size_t Count(const std::string& file, const std::string& needle) {
    std::ifstream in(file);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) n += absl::StrContains(line, needle) ? 1 : 0;
    return n;
  }
  // Readiness answers 503 with `reason`, stays so across several checks, and the log says it once.
  static void ExpectNotReadyOnce(Routing& r, const std::string& reason) {
    absl::StatusOr<std::pair<int, std::string>> ready = absl::UnknownError("not asked");
    EXPECT_TRUE(testing::AwaitUntil(
        [&] {
          ready = Readyz();
          return ready.ok() && ready->first == 503 && absl::StrContains(ready->second, reason);
        },
        absl::Seconds(30)))
        << (ready.ok() ? ready->second : ready.status().ToString());
    // Three more checks (every 2 s while not ready) later: still not ready, still one line, still running.
    EXPECT_FALSE(testing::AwaitUntil([&] { return !r.process.Running(); }, absl::Seconds(7))) << "routing exited:\n"
                                                                                              << r.log;
    ready = Readyz();
    ASSERT_TRUE(ready.ok());
    EXPECT_EQ(ready->first, 503);
    EXPECT_EQ(Count(r.log, "\"kafka not ready\""), 1u);
    EXPECT_EQ(Count(r.log, "\"kafka ready\""), 0u);
    r.process.Terminate(absl::Seconds(20));
  }

  static StackOptions* options_;
  static Stack* stack_;
};

StackOptions* KafkaReadinessTest::options_ = nullptr;
Stack* KafkaReadinessTest::stack_ = nullptr;

TEST_F(KafkaReadinessTest, NoBrokerAtStartIsNotReadyWithTheReasonOnce) {
  ASSERT_NE(stack_, nullptr);
  auto port = FindFreePortRange(1);
  ASSERT_TRUE(port.ok());
  Routing r = StartRouting(absl::StrCat("127.0.0.1:", *port), "routing-no-broker");
  ExpectNotReadyOnce(r, "did not answer");
}

TEST_F(KafkaReadinessTest, ATopicMissingFromTheClusterIsNotReadyWithItsName) {
  ASSERT_NE(stack_, nullptr);
  auto empty = testing::TestKafka::Start(1, /*with_catalogue=*/false);
  ASSERT_FALSE(empty->bootstrap().empty());
  Routing r = StartRouting(empty->bootstrap(), "routing-no-topics");
  ExpectNotReadyOnce(r, "topic hosho.routings.v1 is missing from the cluster");
}

// SASL_SSL brokers (SCRAM-SHA-512, as the chart configures a service): a wrong password, a CA that did not
// sign the broker's certificate, and a broker whose certificate has expired.
TEST_F(KafkaReadinessTest, WrongSaslPasswordOrUntrustedCertificateIsNotReadyWithTheReasonOnce) {
  ASSERT_NE(stack_, nullptr);
  testing::SecureBroker broker(DefaultKafkaLibs(HOSHO_SOURCE_DIR), "SCRAM-SHA-512");
  ASSERT_TRUE(broker.up());
  {
    Routing right = StartRoutingWithKafka(broker.ServiceYaml("hosho-routing", broker.password("hosho-routing")),
                                          "routing-sasl-right");
    EXPECT_TRUE(testing::AwaitUntil(
        [&] {
          auto ready = Readyz();
          return ready.ok() && ready->first == 200;
        },
        absl::Seconds(30)))
        << "the right password over SASL_SSL is ready";
    right.process.Terminate(absl::Seconds(20));
  }
  Routing wrong = StartRoutingWithKafka(broker.ServiceYaml("hosho-routing", "not-the-password"), "routing-sasl-wrong");
  ExpectNotReadyOnce(wrong, "did not answer");
  EXPECT_GE(Count(wrong.log, "SASL authentication error"), 1u) << "librdkafka's line says why";
  EXPECT_EQ(Count(wrong.log, "not-the-password"), 0u) << "the password never reaches the log";
  const std::string other = testing::MakeTempDir("hosho-other-ca");
  ASSERT_TRUE(testing::MakeTestCertificates(other));
  Routing untrusted = StartRoutingWithKafka(
      broker.ServiceYaml("hosho-routing", broker.password("hosho-routing"), other + "/ca.crt"), "routing-untrusted");
  ExpectNotReadyOnce(untrusted, "did not answer");
  EXPECT_GE(Count(untrusted.log, "certificate verify failed"), 1u);
  std::error_code ec;
  fs::remove_all(other, ec);
}

TEST_F(KafkaReadinessTest, AnExpiredBrokerCertificateIsNotReadyWithTheReasonOnce) {
  ASSERT_NE(stack_, nullptr);
  testing::SecureBroker broker(DefaultKafkaLibs(HOSHO_SOURCE_DIR), "SCRAM-SHA-512", /*expired_certificate=*/true);
  ASSERT_TRUE(broker.up());
  Routing r =
      StartRoutingWithKafka(broker.ServiceYaml("hosho-routing", broker.password("hosho-routing")), "routing-expired");
  ExpectNotReadyOnce(r, "did not answer");
  EXPECT_GE(Count(r.log, "certificate verify failed"), 1u);
}

TEST_F(KafkaReadinessTest, TheStacksBrokerWithItsTopicsIsReady) {
  ASSERT_NE(stack_, nullptr);
  Routing r = StartRouting("", "routing-ready");
  EXPECT_TRUE(testing::AwaitUntil(
      [&] {
        auto ready = Readyz();
        return ready.ok() && ready->first == 200;
      },
      absl::Seconds(30)));
  EXPECT_EQ(Count(r.log, "\"kafka ready\""), 1u);
  EXPECT_EQ(Count(r.log, "\"kafka not ready\""), 0u);
  EXPECT_EQ(r.process.Terminate(absl::Seconds(20)), 0);
}

}  // namespace
}  // namespace hosho
