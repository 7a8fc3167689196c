#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "services/common/store/delivery_store.h"
#include "tests/support/fake_clock.h"

namespace hosho::testing {

// An in-memory outbox for unit tests of the dispatcher and the notification worker: the same rules
// as the Redis one (enqueue once per id, leases, attempts left open), plus what Redis cannot be told to
// do at one exact call: refuse or slow down the delivery record. The Redis one is exercised by the
// integration and e2e tests.
class FakeDeliveryStore : public DeliveryStore {
 public:
  absl::StatusOr<int> Enqueue(const std::vector<DeliveryRecord>& deliveries, absl::Time now) override {
    int added = 0;
    for (DeliveryRecord d : deliveries) {
      if (records.count(d.id)) continue;
      d.next_attempt_at = now;
      records[d.id] = d;
      ++added;
    }
    return added;
  }
  absl::StatusOr<std::vector<DeliveryRecord>> LeaseDue(absl::Time now, absl::Duration lease, int limit) override {
    std::vector<DeliveryRecord> out;
    for (auto& [id, d] : records) {
      if (d.state != DeliveryRecord::State::kPending || d.next_attempt_at > now) continue;
      if (static_cast<int>(out.size()) == limit) break;
      d.next_attempt_at = now + lease;
      out.push_back(d);
    }
    if (after_lease) after_lease();
    return out;
  }
  // Mirrors kBeginLua in delivery_store_redis.cc.
  absl::StatusOr<AttemptStart> BeginAttempt(absl::string_view id, absl::Time) override {
    auto& d = records.at(std::string(id));
    if (d.state != DeliveryRecord::State::kPending) return AttemptStart::kNotPending;
    const bool repeat = d.attempt_open;
    if (repeat) ++d.possible_repeats;
    ++d.attempts;
    d.attempt_open = true;
    return repeat ? AttemptStart::kRepeat : AttemptStart::kFirst;
  }
  absl::Status MarkDelivered(absl::string_view id, absl::Time at) override {
    ++mark_calls;
    if (clock != nullptr) clock->Advance(mark_takes);
    if (marks_refused > 0) {  // the store away (Redis restarting)
      --marks_refused;
      return mark_error;
    }
    auto& d = records.at(std::string(id));
    if (d.state != DeliveryRecord::State::kPending) return absl::OkStatus();
    d.state = DeliveryRecord::State::kDelivered;
    d.delivered_at = at;
    d.attempt_open = false;
    ++delivered_marks;
    return absl::OkStatus();
  }
  absl::Status MarkFailed(absl::string_view id, absl::string_view error, absl::Time retry_at, bool give_up) override {
    auto& d = records.at(std::string(id));
    d.attempt_open = false;
    d.last_error = std::string(error);
    d.next_attempt_at = retry_at;
    if (give_up) d.state = DeliveryRecord::State::kFailed;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<DeliveryRecord>> ForCase(absl::string_view case_id) override {
    std::vector<DeliveryRecord> out;
    for (const auto& [id, d] : records) {
      if (d.case_id == case_id) out.push_back(d);
    }
    return out;
  }
  // The office streams are not modelled: a test of the watch streams uses Redis.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadStream(absl::string_view, absl::string_view,
                                                                              int) override {
    return absl::UnimplementedError("fake delivery store: no office streams");
  }
  absl::StatusOr<std::pair<int64_t, int64_t>> Depths() override { return std::make_pair(int64_t{0}, int64_t{0}); }
  std::map<std::string, DeliveryRecord> records;
  int delivered_marks = 0;
  int marks_refused = 0;
  int mark_calls = 0;
  absl::Status mark_error = absl::UnavailableError("redis connection lost during a pipeline");
  FakeClock* clock = nullptr;  // set: each MarkDelivered takes mark_takes on it
  absl::Duration mark_takes = absl::ZeroDuration();
  std::function<void()> after_lease;
};

}  // namespace hosho::testing
