#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/runtime/clock.h"

namespace hosho {

class RedisClient;

// Per-principal request rates, shared by every replica through Redis.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // OK, or RESOURCE_EXHAUSTED (with the wait in the message) when `subject` used its budget.
  absl::Status Admit(absl::string_view subject) { return AdmitMany(subject, 1); }
  // `count` admissions at once (an import of that many rows), all or none: a refusal uses nothing.
  virtual absl::Status AdmitMany(absl::string_view subject, int64_t count) = 0;
};

// Fixed windows: at most `limit` admissions per `window` for each subject, counted in
// rate:{subject}:<window number> with an expiry. limit <= 0 admits everything.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(RedisClient* redis, Clock* clock, int64_t limit, absl::Duration window);
  absl::Status AdmitMany(absl::string_view subject, int64_t count) override;

 private:
  RedisClient* redis_;
  Clock* clock_;
  int64_t limit_;
  absl::Duration window_;
};

}  // namespace hosho
