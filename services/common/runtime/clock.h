#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hosho {

// Time goes through a Clock so that deadlines, backoff and SLAs are testable.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  virtual void SleepFor(absl::Duration d) = 0;
};

// The process's wall clock.
Clock& RealClock();

// The city's time zone (Asia/Tokyo), for dates and times shown to people.
absl::TimeZone JapanTimeZone();

}  // namespace hosho
