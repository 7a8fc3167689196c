#pragma once

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hosho::testing {

// Waits until `condition` holds or `timeout` passes; returns the last value.
inline bool AwaitUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));  // polling interval while awaiting the condition
  }
  return true;
}

}  // namespace hosho::testing
