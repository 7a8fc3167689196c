// The production security path on a real Kafka broker: a SASL_SSL listener (a server certificate made
// by the test) and the StandardAuthorizer with the catalogue's ACLs, on the demo's Kafka 4.1: SASL PLAIN
// (Confluent Cloud's API keys) and SCRAM-SHA-512 (Strimzi, MSK, the chart's default), which needs the
// librdkafka hosho builds (docs/kafka.md, "SCRAM and librdkafka"). Clients are configured with the keys
// the Helm chart renders (kafka.bootstrap_servers, kafka.sasl_password_file,
// kafka.properties.{security.protocol, sasl.mechanism, sasl.username, ssl.ca.location}) and read by
// the same KafkaOptionsFromConfig every service uses.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/config.h"
#include "services/stack/kafka_cluster.h"
#include "services/stack/stack.h"
#include "tests/support/fixtures.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/redis_server.h"
#include "tests/support/secure_kafka.h"

namespace hosho {
namespace {
namespace fs = std::filesystem;
using testing::SecureBroker;

OutgoingRecord Record(const std::string& topic, const std::string& key) {
  return OutgoingRecord{topic, key, "payload-" + key, {{"event-type", "sasl_test"}}};
}

// Kafka 4.1 (the demo's broker) with SASL PLAIN over TLS.
class KafkaSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { broker_ = new SecureBroker(DefaultKafkaLibs(HOSHO_SOURCE_DIR), "PLAIN"); }
  static void TearDownTestSuite() { delete broker_; }
  static KafkaOptions ServiceOptions(const std::string& service, const std::string& password,
                                     const std::string& ca = "") {
    return broker_->ServiceOptions(service, password, ca);
  }
  static SecureBroker* broker_;
};
SecureBroker* KafkaSecurityTest::broker_ = nullptr;

TEST_F(KafkaSecurityTest, EachServiceWritesOnlyTheTopicsItOwns) {
  ASSERT_TRUE(broker_->up());
  auto intake = KafkaProducer::Create(ServiceOptions("hosho-intake", broker_->password("hosho-intake")));
  ASSERT_TRUE(intake.ok()) << intake.status();
  // hosho-intake owns submissions and contracts.
  EXPECT_TRUE((*intake)->Send(Record(topics::kSubmissions, "HS-1"), absl::Seconds(20)).ok());
  EXPECT_TRUE((*intake)->Send(Record(topics::kContracts, "K-1"), absl::Seconds(20)).ok());
  // Verifications belong to hosho-verification: the broker refuses intake.
  const absl::Status foreign = (*intake)->Send(Record(topics::kVerifications, "HS-1"), absl::Seconds(20));
  EXPECT_TRUE(absl::IsPermissionDenied(foreign)) << foreign;
  EXPECT_TRUE(absl::StrContains(foreign.message(), "authorization")) << foreign;

  auto verification =
      KafkaProducer::Create(ServiceOptions("hosho-verification", broker_->password("hosho-verification")));
  ASSERT_TRUE(verification.ok()) << verification.status();
  EXPECT_TRUE((*verification)->Send(Record(topics::kVerifications, "HS-1"), absl::Seconds(20)).ok());
  // A consumer that gave up writes the DLQ twin of what it reads, and nothing else.
  EXPECT_TRUE(
      (*verification)->Send(Record(std::string(topics::kSubmissions) + ".dlq", "HS-1"), absl::Seconds(20)).ok());
  EXPECT_TRUE(absl::IsPermissionDenied((*verification)->Send(Record(topics::kSubmissions, "HS-2"), absl::Seconds(20))));
  EXPECT_TRUE(absl::IsPermissionDenied(
      (*verification)->Send(Record(std::string(topics::kVerifications) + ".dlq", "HS-2"), absl::Seconds(20))));
}

TEST_F(KafkaSecurityTest, EachServiceReadsWhatItConsumesInItsOwnGroup) {
  ASSERT_TRUE(broker_->up());
  auto intake = KafkaProducer::Create(ServiceOptions("hosho-intake", broker_->password("hosho-intake")));
  ASSERT_TRUE(intake.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*intake)->Send(Record(topics::kSubmissions, absl::StrCat("HS-R", i)), absl::Seconds(20)).ok());
  }
  const KafkaOptions verification = ServiceOptions("hosho-verification", broker_->password("hosho-verification"));
  auto dlq = KafkaProducer::Create(verification);
  ASSERT_TRUE(dlq.ok());
  // hosho-verification reads submissions in its group: every record sent above (and by the other test).
  const auto read =
      testing::ReadTopic(verification, dlq->get(), topics::kSubmissions, 3, "sasl_test", "hosho-verification");
  EXPECT_GE(read.size(), 3u);
  // hosho-routing may not read submissions: nothing arrives, and nothing is consumed.
  const KafkaOptions routing = ServiceOptions("hosho-routing", broker_->password("hosho-routing"));
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
    return RecordResult::Done();
  });
  stopper.join();
  EXPECT_EQ(handled, 0) << "the broker let hosho-routing read submissions";
}

TEST_F(KafkaSecurityTest, WrongPasswordOrUntrustedCertificateIsRefused) {
  ASSERT_TRUE(broker_->up());
  auto wrong = KafkaProducer::Create(ServiceOptions("hosho-intake", "not-the-password"));
  ASSERT_TRUE(wrong.ok());
  const absl::Status refused = (*wrong)->Send(Record(topics::kSubmissions, "HS-W"), absl::Seconds(10));
  EXPECT_FALSE(refused.ok());
  // A CA that did not sign the broker's certificate.
  const std::string other = testing::MakeTempDir("hosho-other-ca");  // a CA of its own
  ASSERT_TRUE(testing::MakeTestCertificates(other));
  auto untrusted =
      KafkaProducer::Create(ServiceOptions("hosho-intake", broker_->password("hosho-intake"), other + "/ca.crt"));
  ASSERT_TRUE(untrusted.ok());
  EXPECT_FALSE((*untrusted)->Send(Record(topics::kSubmissions, "HS-U"), absl::Seconds(10)).ok());
  std::error_code ec;
  fs::remove_all(other, ec);
}

// SCRAM-SHA-512, what Strimzi and MSK offer and the chart renders by default, on the demo's Kafka 4.1.
// Debian 12's librdkafka 2.0.2 failed exactly here (Kafka 4 refuses its client-final message).
TEST(KafkaScramTest, ScramSha512OnKafka4AuthenticatesAndTheAclsHold) {
  SecureBroker broker(DefaultKafkaLibs(HOSHO_SOURCE_DIR), "SCRAM-SHA-512");
  ASSERT_TRUE(broker.up()) << "Kafka did not start from " << DefaultKafkaLibs(HOSHO_SOURCE_DIR);
  auto intake = KafkaProducer::Create(broker.ServiceOptions("hosho-intake", broker.password("hosho-intake")));
  ASSERT_TRUE(intake.ok()) << intake.status();
  EXPECT_TRUE((*intake)->Send(Record(topics::kSubmissions, "HS-S1"), absl::Seconds(20)).ok());
  const absl::Status foreign = (*intake)->Send(Record(topics::kVerifications, "HS-S1"), absl::Seconds(20));
  EXPECT_TRUE(absl::IsPermissionDenied(foreign)) << foreign;
  auto wrong = KafkaProducer::Create(broker.ServiceOptions("hosho-intake", "not-the-password"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE((*wrong)->Send(Record(topics::kSubmissions, "HS-S2"), absl::Seconds(8)).ok());
  // The readiness check's metadata request fails the same way with the wrong password.
  EXPECT_FALSE(DescribeCluster(broker.ServiceOptions("hosho-intake", "not-the-password"), absl::Seconds(3)).ok());
  EXPECT_TRUE(
      DescribeCluster(broker.ServiceOptions("hosho-intake", broker.password("hosho-intake")), absl::Seconds(10)).ok());
}

}  // namespace
}  // namespace hosho
