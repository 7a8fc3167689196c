// Kafka wrapper semantics against librdkafka's mock cluster (real Kafka
// protocol on loopback), and Redis for the effect of a redelivered record.
#include "services/common/kafka/kafka_impl.h"

#include <atomic>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_store_redis.h"
#include "tests/support/await.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

using testing::AwaitUntil;

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Create(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    ASSERT_TRUE(cluster_->CreateTopic("t", 1).ok());
    ASSERT_TRUE(cluster_->CreateTopic("t.dlq", 1).ok());
    options_.bootstrap_servers = cluster_->bootstrap_servers();
    options_.consumer_properties = {
        {"fetch.wait.max.ms", "5"}, {"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    auto producer = KafkaProducer::Create(options_);
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = *std::move(producer);
  }

  std::unique_ptr<KafkaConsumer> Consumer(const std::string& group, const std::string& topic = "t",
                                          int max_attempts = 3) {
    ConsumerOptions c;
    c.group_id = group;
    c.topics = {topic};
    c.max_attempts = max_attempts;
    c.initial_backoff = absl::Milliseconds(10);
    c.max_backoff = absl::Milliseconds(40);
    return *KafkaConsumer::Create(options_, c, producer_.get(), &RealClock());
  }

  absl::Status Send(const std::string& key, const std::string& value, const std::string& topic = "t") {
    return producer_->Send({topic, key, value, {{"event-id", value}, {"traceparent", "00-abc"}}}, absl::Seconds(10));
  }

  // Runs `consumer` on a thread until stopped.
  std::thread RunInBackground(KafkaConsumer* consumer, RecordHandler handler) {
    return std::thread([consumer, handler] { (void)consumer->Run(handler); });
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  KafkaOptions options_;
  std::unique_ptr<KafkaProducer> producer_;
};

TEST_F(KafkaTest, SendReturnsOnceStoredAndHeadersTravel) {
  ASSERT_TRUE(Send("case-1", "v1").ok());
  auto consumer = Consumer("g");
  absl::Mutex mu;
  std::vector<KafkaRecord> seen;
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    seen.push_back(r);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !seen.empty();
  }));
  consumer->Stop();
  t.join();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key, "case-1");
  EXPECT_EQ(seen[0].value, "v1");
  EXPECT_EQ(seen[0].Header("traceparent"), "00-abc");
  EXPECT_EQ(seen[0].Header("event-id"), "v1");
}

TEST_F(KafkaTest, SendDoesNotClaimSuccessWhileTheBrokerIsDown) {
  ASSERT_TRUE(Send("k", "warm-up").ok());
  ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
  absl::Status down = producer_->Send({"t", "k", "while-down", {}}, absl::Milliseconds(800));
  EXPECT_FALSE(down.ok());
  ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());
  EXPECT_TRUE(Send("k", "after-up").ok());
}

TEST_F(KafkaTest, NoOffsetIsStoredBeforeTheEffect) {
  ASSERT_TRUE(Send("k", "r1").ok());
  // The first consumer takes r1 and "crashes" before the effect (it stops while the record waits for
  // a retry: nothing is stored). A new member of the group must get r1 again.
  auto first = Consumer("g");
  std::atomic<int> first_calls{0};
  std::thread t1 = RunInBackground(first.get(), [&](const KafkaRecord&) {
    ++first_calls;
    first->Stop();
    return RecordResult::Retry(absl::UnavailableError("crash before the effect"));
  });
  ASSERT_TRUE(AwaitUntil([&] { return first_calls.load() > 0; }));
  t1.join();  // Run returns by itself after the stop

  auto second = Consumer("g");
  absl::Mutex mu;
  std::vector<std::string> seen;
  std::thread t2 = RunInBackground(second.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    seen.push_back(r.value);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !seen.empty();
  }));
  second->Stop();
  t2.join();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "r1");

  // Once the effect is done, the offset is committed: a third member gets nothing old.
  ASSERT_TRUE(Send("k", "r2").ok());
  auto third = Consumer("g");
  std::vector<std::string> third_seen;
  std::thread t3 = RunInBackground(third.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    third_seen.push_back(r.value);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !third_seen.empty();
  }));
  third->Stop();
  t3.join();
  EXPECT_EQ(third_seen, std::vector<std::string>{"r2"});
}

TEST_F(KafkaTest, APoisonRecordReachesTheDlqAfterNTriesAndThePartitionMovesOn) {
  ASSERT_TRUE(Send("k", "poison").ok());
  ASSERT_TRUE(Send("k", "good").ok());
  auto consumer = Consumer("g", "t", /*max_attempts=*/3);
  absl::Mutex mu;
  int poison_attempts = 0;
  std::vector<std::string> done;
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    if (r.value == "poison") {
      ++poison_attempts;
      return RecordResult::Retry(absl::InternalError("cannot handle this record"));
    }
    done.push_back(r.value);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !done.empty();
  }));
  consumer->Stop();
  t.join();
  EXPECT_EQ(poison_attempts, 3);
  EXPECT_EQ(done, std::vector<std::string>{"good"});

  auto dlq = Consumer("dlq-reader", "t.dlq");
  std::vector<KafkaRecord> dead;
  std::thread d = RunInBackground(dlq.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    dead.push_back(r);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !dead.empty();
  }));
  dlq->Stop();
  d.join();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].value, "poison");
  EXPECT_EQ(dead[0].key, "k");
  EXPECT_EQ(dead[0].Header("dlq-error"), "cannot handle this record");
  EXPECT_EQ(dead[0].Header("dlq-source-topic"), "t");
  EXPECT_EQ(dead[0].Header("dlq-source-partition"), "0");
  EXPECT_EQ(dead[0].Header("dlq-source-offset"), "0");
  EXPECT_EQ(dead[0].Header("dlq-attempts"), "3");
  EXPECT_EQ(dead[0].Header("traceparent"), "00-abc");
}

// Redis restarting or the broker not confirming is an outage, not a poison record: the record waits
// for it, past max_attempts, and is not dead-lettered (hosho-chaos found outages filling the DLQs).
TEST_F(KafkaTest, AnOutageIsRetriedPastMaxAttemptsAndNothingIsDeadLettered) {
  ASSERT_TRUE(Send("k", "waits").ok());
  auto consumer = Consumer("g", "t", /*max_attempts=*/3);
  std::atomic<int> attempts{0};
  std::atomic<bool> done{false};
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord&) {
    if (++attempts <= 8) {
      return RecordResult::Retry(absl::UnavailableError("redis: LOADING Redis is loading the dataset in memory"));
    }
    done = true;
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] { return done.load(); }));
  consumer->Stop();
  t.join();
  EXPECT_EQ(attempts.load(), 9);
  auto dead = CountRecords(options_, "t.dlq", absl::Seconds(5));
  ASSERT_TRUE(dead.ok()) << dead.status();
  EXPECT_EQ(*dead, 0);
}

TEST_F(KafkaTest, AnOutageLongerThanTheTransientRetryIsDeadLetteredAndThePartitionMovesOn) {
  ASSERT_TRUE(Send("k", "stuck").ok());
  ConsumerOptions c;
  c.group_id = "g";
  c.topics = {"t"};
  c.max_attempts = 3;
  c.transient_retry = absl::Milliseconds(300);
  c.initial_backoff = absl::Milliseconds(10);
  c.max_backoff = absl::Milliseconds(40);
  auto consumer = *KafkaConsumer::Create(options_, c, producer_.get(), &RealClock());
  std::atomic<int> attempts{0};
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord&) {
    ++attempts;
    return RecordResult::Retry(absl::UnavailableError("redis: Connection refused"));
  });
  EXPECT_TRUE(AwaitUntil([&] {
    auto dead = CountRecords(options_, "t.dlq", absl::Seconds(5));
    return dead.ok() && *dead == 1;
  }));
  consumer->Stop();
  t.join();
  EXPECT_GT(attempts.load(), 3) << "retried past max_attempts while the outage budget lasted";
}

TEST_F(KafkaTest, AnUnreadableRecordGoesToTheDlqWithoutRetries) {
  ASSERT_TRUE(Send("k", "garbage").ok());
  auto consumer = Consumer("g", "t", 5);
  std::atomic<int> calls{0};
  std::atomic<bool> dlq_seen{false};
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord&) {
    ++calls;
    return RecordResult::DeadLetter(absl::InvalidArgumentError("not an envelope"));
  });
  auto dlq = Consumer("dlq-reader", "t.dlq");
  std::thread d = RunInBackground(dlq.get(), [&](const KafkaRecord&) {
    dlq_seen = true;
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] { return dlq_seen.load(); }));
  consumer->Stop();
  dlq->Stop();
  t.join();
  d.join();
  EXPECT_EQ(calls.load(), 1);
}

double ConsumerRecords(const std::string& group, const std::string& outcome) {
  return Metrics()
      .GetCounter("hosho_consumer_records_total", "", {{"group", group}, {"topic", "t"}, {"outcome", outcome}})
      .Value();
}

double DeadLettered(const std::string& group) {
  return Metrics().GetCounter("hosho_dlq_records_total", "", {{"group", group}, {"topic", "t"}}).Value();
}

// Each outcome as the handler names it: done and skipped store the offset (skipped counted apart),
// a dead letter goes to the DLQ after one call whatever its status code, a retry is tried
// max_attempts times and then dead-lettered; only then does the partition move on.
TEST_F(KafkaTest, EachOutcomeIsActedOnAndCounted) {
  const std::string group = "g-outcomes";
  for (const char* value : {"done", "skipped", "dead", "retry"}) ASSERT_TRUE(Send("k", value).ok());
  const double done_before = ConsumerRecords(group, "ok");
  const double skipped_before = ConsumerRecords(group, "skipped");
  const double dlq_before = ConsumerRecords(group, "dlq");
  const double dead_before = DeadLettered(group);
  auto consumer = Consumer(group, "t", /*max_attempts=*/3);
  absl::Mutex mu;
  std::map<std::string, int> calls;
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    ++calls[r.value];
    if (r.value == "skipped") return RecordResult::Skipped("case HS-1 is WITHDRAWN, expected VERIFIED");
    if (r.value == "dead") return RecordResult::DeadLetter(absl::PermissionDeniedError("handed to people"));
    if (r.value == "retry") return RecordResult::Retry(absl::InternalError("still failing"));
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] { return ConsumerRecords(group, "dlq") - dlq_before == 2; }));
  consumer->Stop();
  t.join();
  EXPECT_EQ((std::map<std::string, int>{{"done", 1}, {"skipped", 1}, {"dead", 1}, {"retry", 3}}), calls);
  EXPECT_EQ(ConsumerRecords(group, "ok") - done_before, 1);
  EXPECT_EQ(ConsumerRecords(group, "skipped") - skipped_before, 1);
  EXPECT_EQ(ConsumerRecords(group, "dlq") - dlq_before, 2);
  EXPECT_EQ(DeadLettered(group) - dead_before, 2);
  auto on_dlq = CountRecords(options_, "t.dlq", absl::Seconds(5));
  ASSERT_TRUE(on_dlq.ok()) << on_dlq.status();
  EXPECT_EQ(*on_dlq, 2) << "the dead letter and the exhausted retry; nothing for done or skipped";

  std::vector<KafkaRecord> dead;
  auto dlq = Consumer("dlq-reader", "t.dlq");
  std::thread d = RunInBackground(dlq.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    dead.push_back(r);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return dead.size() == 2;
  }));
  dlq->Stop();
  d.join();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].value, "dead");
  EXPECT_EQ(dead[0].Header("dlq-error-code"), "PERMISSION_DENIED");
  EXPECT_EQ(dead[0].Header("dlq-attempts"), "1");
  EXPECT_EQ(dead[1].value, "retry");
  EXPECT_EQ(dead[1].Header("dlq-attempts"), "3");

  // Every offset was stored: the next member of the group gets only what came after.
  ASSERT_TRUE(Send("k", "after").ok());
  auto next = Consumer(group);
  std::vector<std::string> next_seen;
  std::thread n = RunInBackground(next.get(), [&](const KafkaRecord& r) {
    absl::MutexLock lock(&mu);
    next_seen.push_back(r.value);
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !next_seen.empty();
  }));
  next->Stop();
  n.join();
  EXPECT_EQ(next_seen, std::vector<std::string>{"after"});
}

TEST(RecordResultTest, ADependencyFailureIsRetriedUnlessRefusedAsInvalid) {
  EXPECT_EQ(RecordResult::DependencyFailed(absl::UnavailableError("redis away")).outcome, RecordOutcome::kRetry);
  EXPECT_EQ(RecordResult::DependencyFailed(absl::DataLossError("unreadable")).outcome, RecordOutcome::kRetry);
  EXPECT_EQ(RecordResult::DependencyFailed(absl::InvalidArgumentError("not UTF-8")).outcome,
            RecordOutcome::kDeadLetter);
  // A failure outcome always carries a failure, so the DLQ's headers say something.
  EXPECT_FALSE(RecordResult::Retry(absl::OkStatus()).error.ok());
  EXPECT_EQ(ToString(RecordResult::Skipped("case is CLOSED")), "skipped: case is CLOSED");
}

TEST_F(KafkaTest, ARedeliveryChangesNothing) {
  // The same event delivered twice (a producer retry or a consumer restart):
  // the effect is a case store transition keyed by the event id.
  auto redis = testing::RedisServer::Start();
  auto client = redis->Client();
  RedisCaseStore store(client.get());
  TransitionRequest create;
  create.case_id = "C1";
  create.event_id = "C1:submitted";
  create.to_state = hosho::v1::CASE_STATE_RECEIVED;
  create.at = absl::Now();
  ASSERT_TRUE(store.Apply(create).ok());

  ASSERT_TRUE(Send("C1", "C1:queued").ok());
  ASSERT_TRUE(Send("C1", "C1:queued").ok());
  auto consumer = Consumer("g");
  std::atomic<int> handled{0};
  std::atomic<int> replays{0};
  std::thread t = RunInBackground(consumer.get(), [&](const KafkaRecord& r) {
    TransitionRequest step;
    step.case_id = r.key;
    step.event_id = r.Header("event-id");
    step.expected_states = {hosho::v1::CASE_STATE_RECEIVED};
    step.to_state = hosho::v1::CASE_STATE_AWAITING_VERIFICATION;
    step.at = absl::Now();
    auto applied = store.Apply(step);
    if (!applied.ok()) return RecordResult::DependencyFailed(applied.status());
    if (applied->replayed) ++replays;
    ++handled;
    return RecordResult::Done();
  });
  EXPECT_TRUE(AwaitUntil([&] { return handled.load() == 2; }));
  consumer->Stop();
  t.join();
  EXPECT_EQ(replays.load(), 1);
  auto record = *store.Get("C1");
  EXPECT_EQ(record.Field("version"), "2");
  EXPECT_EQ(record.history.size(), 2u);
}

}  // namespace
}  // namespace hosho
