#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

using KafkaHeaders = std::vector<std::pair<std::string, std::string>>;

struct OutgoingRecord {
  std::string topic;
  std::string key;    // case id (contract id for contract events): one case stays on one partition
  std::string value;  // a serialized hosho.events.v1.Envelope
  KafkaHeaders headers;
};

struct KafkaRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  KafkaHeaders headers;
  absl::Time timestamp;
  // First value of header `name`, or empty.
  std::string Header(absl::string_view name) const;
};

// Sends records; Send returns OK only once the broker acknowledged the record
// (delivery report with acks=all on an idempotent producer).
class EventProducer {
 public:
  virtual ~EventProducer() = default;
  virtual absl::Status Send(const OutgoingRecord& record, absl::Duration timeout) = 0;
  // Sends all and waits for every delivery report; OK only if all were stored.
  virtual absl::Status SendAll(const std::vector<OutgoingRecord>& records, absl::Duration timeout) {
    for (const auto& r : records) {
      if (absl::Status s = Send(r, timeout); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  virtual absl::Status Flush(absl::Duration timeout) = 0;
};

// What a handler decided about one record; the consumer acts on it.
enum class RecordOutcome {
  kDone,        // the effect is done, or the record asks nothing of this handler: its offset is stored
  kSkipped,     // the effect no longer applies (the case moved on): stored, and counted as skipped
  kRetry,       // not done yet: tried again after a backoff, then dead-lettered (see ConsumerOptions)
  kDeadLetter,  // can never succeed (a malformed record, a case handed to people): to the DLQ at once
};

// "done", "skipped", "retry", "dead_letter".
absl::string_view RecordOutcomeName(RecordOutcome outcome);

// The outcome with what explains it, for the logs and the DLQ's headers.
struct RecordResult {
  RecordOutcome outcome = RecordOutcome::kDone;
  // kRetry and kDeadLetter: the failure (never OK; its message and code become dlq-error and
  // dlq-error-code). OK for the others.
  absl::Status error;
  // kSkipped: what the handler found instead (e.g. the case's state).
  std::string reason;

  static RecordResult Done() { return {}; }
  static RecordResult Skipped(std::string reason);
  static RecordResult Retry(absl::Status failure);
  static RecordResult DeadLetter(absl::Status failure);
  // A call to a store or a broker failed. A request the dependency refused as invalid
  // (INVALID_ARGUMENT: e.g. a history text that is not UTF-8) fails the same way every time, so the
  // record is dead-lettered at once; any other failure (an outage, an unexpected reply) is retried.
  static RecordResult DependencyFailed(absl::Status failure);

  bool done() const { return outcome == RecordOutcome::kDone; }
};

// For test failures and logs: "retry: UNAVAILABLE: redis away".
std::string ToString(const RecordResult& result);
inline std::ostream& operator<<(std::ostream& os, RecordOutcome outcome) { return os << RecordOutcomeName(outcome); }
inline std::ostream& operator<<(std::ostream& os, const RecordResult& result) { return os << ToString(result); }

// A record's handler. Its answer decides only that record (no answer stops the consumer: a handler
// that must stop, as in a test of a crash before the effect, calls EventConsumer::Stop()).
using RecordHandler = std::function<RecordResult(const KafkaRecord&)>;

// Consumes a group's topics at least once; a record's offset is stored only
// after its effect is done or it has been written to the DLQ.
class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  // Runs until Stop(); returns after leaving the group and committing.
  virtual absl::Status Run(const RecordHandler& handler) = 0;
  virtual void Stop() = 0;
};

}  // namespace hosho
