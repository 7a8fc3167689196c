// Dead letters through the real Kafka protocol (a real Apache Kafka broker): a record a consumer gave up on is
// listed with its cause, replayed once to its source topic without the dlq-* headers, and a second
// replay sends nothing (docs/runbook.md: a DLQ record can be replayed by hoshoctl).
#include <set>

#include "gtest/gtest.h"
#include "services/common/domain/events.h"
#include "services/hoshoctl/dlq.h"
#include "tests/support/kafka_reader.h"
#include "tests/support/test_kafka.h"

namespace hosho {
namespace {

TEST(DlqReplayTest, ADeadLetterIsListedReplayedOnceAndCarriesNoDlqHeadersBack) {
  auto broker = testing::TestKafka::Start();
  KafkaOptions kafka;
  kafka.bootstrap_servers = broker->bootstrap();
  kafka.consumer_properties = {{"fetch.wait.max.ms", "5"}, {"session.timeout.ms", "6000"}};
  auto producer = *KafkaProducer::Create(kafka);
  // What a consumer writes when it gives up (kafka_consumer.cc), for two records.
  for (const char* id : {"HS-1", "HS-2"}) {
    OutgoingRecord dead;
    dead.topic = std::string(topics::kSubmissions) + ".dlq";
    dead.key = id;
    dead.value = std::string("envelope of ") + id;
    dead.headers = {{"event-id", std::string(id) + ":submitted"},
                    {"event-type", "submission_received"},
                    {"traceparent", "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"},
                    {"dlq-error", "redis unavailable"},
                    {"dlq-error-code", "UNAVAILABLE"},
                    {"dlq-source-topic", topics::kSubmissions},
                    {"dlq-source-partition", "3"},
                    {"dlq-source-offset", "42"},
                    {"dlq-attempts", "5"},
                    {"dlq-group", "hosho-verification"}};
    ASSERT_TRUE(producer->Send(dead, absl::Seconds(10)).ok());
  }
  const std::string dlq = std::string(topics::kSubmissions) + ".dlq";
  auto listed = ListDeadLetters(kafka, dlq, absl::Seconds(2));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].group, "hosho-verification");
  EXPECT_EQ((*listed)[0].error_code, "UNAVAILABLE");
  EXPECT_EQ((*listed)[0].source_offset, "3/42");
  EXPECT_EQ((*listed)[0].attempts, "5");
  EXPECT_EQ(ListDeadLetters(kafka, dlq, absl::Seconds(2))->size(), 2u) << "listing marks nothing";

  auto replayed = ReplayDeadLetters(kafka, dlq, absl::Seconds(2));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->size(), 2u);
  auto back = testing::ReadTopic(kafka, producer.get(), topics::kSubmissions, 2, "submission_received", "check");
  ASSERT_EQ(back.size(), 2u);
  std::set<std::string> ids;
  for (const auto& r : back) {
    ids.insert(r.Header("event-id"));
    EXPECT_EQ(r.value, "envelope of " + r.key) << "the value goes back unchanged";
    EXPECT_FALSE(r.Header("traceparent").empty()) << "the trace continues";
    EXPECT_FALSE(r.Header("replayed-from").empty());
    for (const auto& [name, value] : r.headers) EXPECT_NE(name.rfind("dlq-", 0), 0u) << name;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"HS-1:submitted", "HS-2:submitted"}));
  auto again = ReplayDeadLetters(kafka, dlq, absl::Seconds(2));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "a dead letter is replayed once";
  EXPECT_FALSE(ListDeadLetters(kafka, "hosho.submissions.v1", absl::Seconds(1)).ok()) << "only .dlq topics";
}

}  // namespace
}  // namespace hosho
