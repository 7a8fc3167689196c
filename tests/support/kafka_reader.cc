#include "tests/support/kafka_reader.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/runtime/clock.h"
#include "tests/support/await.h"

namespace hosho::testing {

std::vector<KafkaRecord> ReadTopic(const KafkaOptions& kafka, KafkaProducer* dlq_producer, const std::string& topic,
                                   size_t expected, const std::string& event_type, const std::string& group) {
  ConsumerOptions o;
  o.group_id = group;
  o.topics = {topic};
  auto consumer = *KafkaConsumer::Create(kafka, o, dlq_producer, &RealClock());
  absl::Mutex mu;
  std::vector<KafkaRecord> out;
  std::thread t([&] {
    (void)consumer->Run([&](const KafkaRecord& r) {
      absl::MutexLock lock(&mu);
      if (event_type.empty() || r.Header("event-type") == event_type) out.push_back(r);
      return RecordResult::Done();
    });
  });
  EXPECT_TRUE(AwaitUntil([&] {
    absl::MutexLock lock(&mu);
    return out.size() >= expected;
  }));
  consumer->Stop();
  t.join();
  return out;
}

}  // namespace hosho::testing
