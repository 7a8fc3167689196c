#pragma once
// An in-memory EventProducer for unit tests that must make Kafka refuse a send at one exact step
// (a real broker cannot be told to fail the third send and accept the fourth); integration tests
// use the real broker.
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/common/kafka/kafka.h"

namespace hosho::testing {

class FakeProducer final : public EventProducer {
 public:
  absl::Status Send(const OutgoingRecord& record, absl::Duration) override {
    absl::MutexLock lock(&mu_);
    if (refusing_) {
      ++refused_;
      return absl::UnavailableError("fake producer: the broker did not confirm");
    }
    sent_.push_back(record);
    return absl::OkStatus();
  }
  absl::Status Flush(absl::Duration) override { return absl::OkStatus(); }

  // Forgets what was sent (a test's set-up sends records it does not count).
  void Clear() {
    absl::MutexLock lock(&mu_);
    sent_.clear();
  }
  void Refuse(bool refusing) {
    absl::MutexLock lock(&mu_);
    refusing_ = refusing;
  }
  int refused() const {
    absl::MutexLock lock(&mu_);
    return refused_;
  }
  std::vector<OutgoingRecord> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  // The records sent on `topic` whose event-type header is `event_type`.
  std::vector<OutgoingRecord> Sent(const std::string& topic, const std::string& event_type) const {
    std::vector<OutgoingRecord> out;
    for (const OutgoingRecord& r : sent()) {
      if (r.topic != topic) continue;
      for (const auto& [name, value] : r.headers) {
        if (name == "event-type" && value == event_type) out.push_back(r);
      }
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  bool refusing_ ABSL_GUARDED_BY(mu_) = false;
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<OutgoingRecord> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho::testing
