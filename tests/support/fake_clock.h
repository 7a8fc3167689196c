#pragma once
// Time that moves only when a test moves it, so that deadlines, leases and timers are exact.
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/runtime/clock.h"

namespace hosho {

// A clock that moves only when told to; SleepFor advances it.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void SleepFor(absl::Duration d) override { Advance(d); }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
