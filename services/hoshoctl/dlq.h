#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_impl.h"

namespace hosho {

// A record a consumer gave up on: where it came from and why, never its value.
struct DeadLetter {
  std::string dlq_topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string source_topic;
  std::string source_offset;  // "<partition>/<offset>" in the source topic
  std::string group;
  std::string error;
  std::string error_code;
  std::string attempts;
  std::string event_id;
  std::string event_type;
};

// Every record now in `dlq_topic` (read by a fresh group, so nothing is marked). Reading stops once no
// record arrived for `idle` (an empty topic takes a 10 s group-join grace on top).
absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(const KafkaOptions& kafka, const std::string& dlq_topic,
                                                        absl::Duration idle);

// Sends each record of `dlq_topic` not replayed before back to its source topic: same key, value and
// headers, without the dlq-* headers. The group `hoshoctl-dlq-replay` remembers what was replayed, so a
// second run sends only new dead letters. Consumers apply an event id once, so a record that had in fact
// taken effect changes nothing. Returns the records replayed.
absl::StatusOr<std::vector<DeadLetter>> ReplayDeadLetters(const KafkaOptions& kafka, const std::string& dlq_topic,
                                                          absl::Duration idle);

}  // namespace hosho
