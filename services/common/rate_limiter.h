#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"

namespace hosho {

class RedisClient;

// Per-principal request rates (design §6), shared by every replica through Redis.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // OK, or RESOURCE_EXHAUSTED (with the wait in the message) when `subject` used its budget.
  virtual absl::Status Admit(absl::string_view subject) = 0;
};

// Fixed windows: at most `limit` admissions per `window` for each subject, counted in
// rate:{subject}:<window number> with an expiry. limit <= 0 admits everything.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(RedisClient* redis, Clock* clock, int64_t limit, absl::Duration window);
  absl::Status Admit(absl::string_view subject) override;

 private:
  RedisClient* redis_;
  Clock* clock_;
  int64_t limit_;
  absl::Duration window_;
};

}  // namespace hosho
