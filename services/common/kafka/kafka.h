#pragma once

#include <cstdint>
#include <functional>
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

// The effect of one record. OK: done (the offset may now be stored).
// INVALID_ARGUMENT: the record can never succeed, it goes to the DLQ at once.
// Anything else: retried with backoff, then the DLQ.
using RecordHandler = std::function<absl::Status(const KafkaRecord&)>;

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
