// The production security path on a real Kafka broker: a SASL_SSL listener (a server certificate made
// by the test) and the StandardAuthorizer with the catalogue's ACLs. The clients authenticate with
// SASL PLAIN over TLS: Debian 12's librdkafka (2.0.2) cannot complete SCRAM with a Kafka 4 broker
// (docs/kafka.md, "SCRAM and librdkafka"). Clients are
// configured with the keys the Helm chart renders (kafka.bootstrap_servers, kafka.sasl_password_file,
// kafka.properties.{security.protocol, sasl.mechanism, sasl.username, ssl.ca.location}) and read by
// the same KafkaOptionsFromConfig every service uses.
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/clock.h"
#include "services/common/config.h"
#include "services/common/events.h"
#include "services/common/kafka_admin.h"
#include "services/common/kafka_impl.h"
#include "services/common/sealing.h"
#include "services/stack/kafka_cluster.h"
#include "services/stack/stack.h"
#include "tests/support/fixtures.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {
namespace fs = std::filesystem;

class KafkaSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir("hosho-kafka-sasl"));
    ASSERT_TRUE(testing::MakeTestCertificates(*dir_));
    passwords_ = new std::map<std::string, std::string>{{"hosho-intake", RandomHex(16)},
                                                        {"hosho-verification", RandomHex(16)},
                                                        {"hosho-routing", RandomHex(16)}};
    auto base = FindFreePortRange(3);
    ASSERT_TRUE(base.ok()) << base.status();
    KafkaClusterOptions options;
    options.dir = *dir_ + "/kafka";
    options.libs_dir = DefaultKafkaLibs(HOSHO_SOURCE_DIR);
    options.port_base = *base;
    options.topics_file = std::string(HOSHO_SOURCE_DIR) + "/deploy/kafka/topics.yaml";
    options.heap = "384m";
    options.security = true;
    options.security_options.server_certificate_pem = *dir_ + "/server.crt";
    options.security_options.server_key_pem = *dir_ + "/server.key";
    options.security_options.ca_pem = *dir_ + "/ca.crt";
    for (const auto& [user, password] : *passwords_) options.security_options.users.emplace_back(user, password);
    auto cluster = KafkaCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
  }

  // A service's Kafka settings exactly as the chart renders them (templates/_helpers.tpl).
  static KafkaOptions ServiceOptions(const std::string& service, const std::string& password,
                                     const std::string& ca = "") {
    const std::string password_file = absl::StrCat(*dir_, "/", service, "-", RandomHex(4), ".password");
    std::ofstream(password_file) << password << "\n";
    auto config = Config::FromYaml(absl::StrCat("kafka:\n  bootstrap_servers: \"", cluster_->secure_bootstrap(),
                                                "\"\n  sasl_password_file: ", password_file,
                                                "\n  properties:\n    security.protocol: \"SASL_SSL\"\n"
                                                "    sasl.mechanism: \"PLAIN\"\n    sasl.username: \"",
                                                service, "\"\n    ssl.ca.location: ",
                                                ca.empty() ? *dir_ + "/ca.crt" : ca, "\n"));
    EXPECT_TRUE(config.ok()) << config.status();
    KafkaOptions options = KafkaOptionsFromConfig(*config, service);
    options.properties.emplace_back("message.timeout.ms", "8000");
    return options;
  }
  static OutgoingRecord Record(const std::string& topic, const std::string& key) {
    return OutgoingRecord{topic, key, "payload-" + key, {{"event-type", "sasl_test"}}};
  }

  static std::string* dir_;
  static std::map<std::string, std::string>* passwords_;
  static KafkaCluster* cluster_;
};

std::string* KafkaSecurityTest::dir_ = nullptr;
std::map<std::string, std::string>* KafkaSecurityTest::passwords_ = nullptr;
KafkaCluster* KafkaSecurityTest::cluster_ = nullptr;

TEST_F(KafkaSecurityTest, EachServiceWritesOnlyTheTopicsItOwns) {
  ASSERT_NE(cluster_, nullptr);
  auto intake = KafkaProducer::Create(ServiceOptions("hosho-intake", passwords_->at("hosho-intake")));
  ASSERT_TRUE(intake.ok()) << intake.status();
  // hosho-intake owns submissions and contracts.
  EXPECT_TRUE((*intake)->Send(Record(topics::kSubmissions, "HS-1"), absl::Seconds(20)).ok());
  EXPECT_TRUE((*intake)->Send(Record(topics::kContracts, "K-1"), absl::Seconds(20)).ok());
  // Verifications belong to hosho-verification: the broker refuses intake.
  const absl::Status foreign = (*intake)->Send(Record(topics::kVerifications, "HS-1"), absl::Seconds(20));
  EXPECT_TRUE(absl::IsPermissionDenied(foreign)) << foreign;
  EXPECT_TRUE(absl::StrContains(foreign.message(), "authorization")) << foreign;

  auto verification =
      KafkaProducer::Create(ServiceOptions("hosho-verification", passwords_->at("hosho-verification")));
  ASSERT_TRUE(verification.ok()) << verification.status();
  EXPECT_TRUE((*verification)->Send(Record(topics::kVerifications, "HS-1"), absl::Seconds(20)).ok());
  // A consumer that gave up writes the DLQ twin of what it reads, and nothing else.
  EXPECT_TRUE((*verification)->Send(Record(std::string(topics::kSubmissions) + ".dlq", "HS-1"), absl::Seconds(20)).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      (*verification)->Send(Record(topics::kSubmissions, "HS-2"), absl::Seconds(20))));
  EXPECT_TRUE(absl::IsPermissionDenied(
      (*verification)->Send(Record(std::string(topics::kVerifications) + ".dlq", "HS-2"), absl::Seconds(20))));
}

TEST_F(KafkaSecurityTest, EachServiceReadsWhatItConsumesInItsOwnGroup) {
  ASSERT_NE(cluster_, nullptr);
  auto intake = KafkaProducer::Create(ServiceOptions("hosho-intake", passwords_->at("hosho-intake")));
  ASSERT_TRUE(intake.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*intake)->Send(Record(topics::kSubmissions, absl::StrCat("HS-R", i)), absl::Seconds(20)).ok());
  }
  const KafkaOptions verification = ServiceOptions("hosho-verification", passwords_->at("hosho-verification"));
  auto dlq = KafkaProducer::Create(verification);
  ASSERT_TRUE(dlq.ok());
  // hosho-verification reads submissions in its group: every record sent above (and by the other test).
  const auto read = testing::ReadTopic(verification, dlq->get(), topics::kSubmissions, 3, "sasl_test",
                                       "hosho-verification");
  EXPECT_GE(read.size(), 3u);
  // hosho-routing may not read submissions: nothing arrives, and nothing is consumed.
  const KafkaOptions routing = ServiceOptions("hosho-routing", passwords_->at("hosho-routing"));
  auto routing_dlq = KafkaProducer::Create(routing);
  ASSERT_TRUE(routing_dlq.ok());
  ConsumerOptions consumer;
  consumer.group_id = "hosho-routing";
  consumer.topics = {topics::kSubmissions};
  consumer.max_attempts = 1;
  auto refused = KafkaConsumer::Create(routing, consumer, routing_dlq->get(), &RealClock());
  ASSERT_TRUE(refused.ok());
  int handled = 0;
  std::thread stopper([&] {
    absl::SleepFor(absl::Seconds(8));  // the consumer gets its authorization error well within this
    (*refused)->Stop();
  });
  (void)(*refused)->Run([&handled](const KafkaRecord&) {
    ++handled;
    return absl::OkStatus();
  });
  stopper.join();
  EXPECT_EQ(handled, 0) << "the broker let hosho-routing read submissions";
}

TEST_F(KafkaSecurityTest, WrongPasswordOrUntrustedCertificateIsRefused) {
  ASSERT_NE(cluster_, nullptr);
  auto wrong = KafkaProducer::Create(ServiceOptions("hosho-intake", "not-the-password"));
  ASSERT_TRUE(wrong.ok());
  const absl::Status refused = (*wrong)->Send(Record(topics::kSubmissions, "HS-W"), absl::Seconds(10));
  EXPECT_FALSE(refused.ok());
  // A CA that did not sign the broker's certificate.
  const std::string other = testing::MakeTempDir("hosho-other-ca");
  ASSERT_TRUE(testing::MakeTestCertificates(other));
  auto untrusted =
      KafkaProducer::Create(ServiceOptions("hosho-intake", passwords_->at("hosho-intake"), other + "/ca.crt"));
  ASSERT_TRUE(untrusted.ok());
  EXPECT_FALSE((*untrusted)->Send(Record(topics::kSubmissions, "HS-U"), absl::Seconds(10)).ok());
  std::error_code ec;
  fs::remove_all(other, ec);
}

}  // namespace
}  // namespace hosho
