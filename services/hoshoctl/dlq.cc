#include "services/hoshoctl/dlq.h"

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/clock.h"

namespace hosho {
namespace {

DeadLetter Describe(const KafkaRecord& r) {
  DeadLetter d;
  d.dlq_topic = r.topic;
  d.partition = r.partition;
  d.offset = r.offset;
  d.key = r.key;
  d.source_topic = r.Header("dlq-source-topic");
  d.source_offset = absl::StrCat(r.Header("dlq-source-partition"), "/", r.Header("dlq-source-offset"));
  d.group = r.Header("dlq-group");
  d.error = r.Header("dlq-error");
  d.error_code = r.Header("dlq-error-code");
  d.attempts = r.Header("dlq-attempts");
  d.event_id = r.Header("event-id");
  d.event_type = r.Header("event-type");
  return d;
}

// Runs `handler` over `topic` as `group` until no record came for `idle` after the last one (or, with no
// record at all, for the join grace plus `idle`).
absl::Status ConsumeUntilIdle(const KafkaOptions& kafka, const std::string& topic, const std::string& group,
                              absl::Duration idle, EventProducer* producer, const RecordHandler& handler) {
  ConsumerOptions options;
  options.group_id = group;
  options.topics = {topic};
  options.max_attempts = 3;
  auto consumer = KafkaConsumer::Create(kafka, options, producer, &RealClock());
  if (!consumer.ok()) return consumer.status();
  absl::Mutex mu;
  // Before the first record the group is still joining (seconds on some brokers): an empty topic is
  // only believed after this grace.
  const absl::Time started = absl::Now();
  constexpr absl::Duration kJoinGrace = absl::Seconds(10);
  absl::Time last = absl::InfinitePast();
  absl::Status run_status;
  std::thread runner([&] {
    absl::Status s = (*consumer)->Run([&](const KafkaRecord& r) {
      RecordResult handled = handler(r);
      if (handled.done()) {  // a record that keeps failing must not keep the run alive forever
        absl::MutexLock lock(&mu);
        last = absl::Now();
      }
      return handled;
    });
    absl::MutexLock lock(&mu);
    run_status = s;
  });
  while (true) {
    absl::SleepFor(absl::Milliseconds(100));  // a CLI waiting for the topic to go quiet; Kafka has no "end"
    absl::MutexLock lock(&mu);
    const absl::Time now = absl::Now();
    if (!run_status.ok()) break;
    if (last == absl::InfinitePast() ? now - started > kJoinGrace + idle : now - last > idle) break;
  }
  (*consumer)->Stop();
  runner.join();
  return run_status;
}

}  // namespace

absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(const KafkaOptions& kafka, const std::string& dlq_topic,
                                                        absl::Duration idle) {
  if (!absl::EndsWith(dlq_topic, ".dlq")) return absl::InvalidArgumentError("a DLQ topic ends in .dlq");
  std::vector<DeadLetter> out;
  absl::Mutex mu;
  absl::Status s =
      ConsumeUntilIdle(kafka, dlq_topic, "hoshoctl-dlq-list-" + RandomHex(6), idle, nullptr, [&](const KafkaRecord& r) {
        absl::MutexLock lock(&mu);
        out.push_back(Describe(r));
        return RecordResult::Done();
      });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<DeadLetter>> ReplayDeadLetters(const KafkaOptions& kafka, const std::string& dlq_topic,
                                                          absl::Duration idle) {
  if (!absl::EndsWith(dlq_topic, ".dlq")) return absl::InvalidArgumentError("a DLQ topic ends in .dlq");
  auto producer = KafkaProducer::Create(kafka);
  if (!producer.ok()) return producer.status();
  std::vector<DeadLetter> out;
  absl::Mutex mu;
  absl::Status s =
      ConsumeUntilIdle(kafka, dlq_topic, kDlqReplayGroup, idle, producer->get(), [&](const KafkaRecord& r) {
        OutgoingRecord again;
        again.topic = r.Header("dlq-source-topic");
        if (again.topic.empty()) again.topic = dlq_topic.substr(0, dlq_topic.size() - 4);
        again.key = r.key;
        again.value = r.value;
        for (const auto& [name, value] : r.headers) {
          if (!absl::StartsWith(name, "dlq-")) again.headers.emplace_back(name, value);
        }
        again.headers.emplace_back("replayed-from", absl::StrCat(dlq_topic, "/", r.partition, "/", r.offset));
        if (absl::Status sent = (*producer)->Send(again, absl::Seconds(30)); !sent.ok()) {
          return RecordResult::DependencyFailed(sent);
        }
        absl::MutexLock lock(&mu);
        out.push_back(Describe(r));
        return RecordResult::Done();
      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace hosho
