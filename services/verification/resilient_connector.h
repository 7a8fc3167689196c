#pragma once

#include <memory>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/common/runtime/clock.h"
#include "services/verification/platform_connector.h"

namespace hosho {

// A circuit breaker per platform: after `failure_threshold` consecutive transient failures it opens
// for `open_for`, refusing calls at once; then one probe is let through (half-open), and its
// success closes the breaker again.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  CircuitBreaker(Clock* clock, int failure_threshold, absl::Duration open_for);
  bool Allow();
  void RecordSuccess();
  void RecordFailure();
  State state() const;

 private:
  Clock* clock_;
  const int threshold_;
  const absl::Duration open_for_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time opened_at_ ABSL_GUARDED_BY(mu_);
  bool probe_out_ ABSL_GUARDED_BY(mu_) = false;
};

struct ResilienceOptions {
  int attempts = 3;  // per look-up, the first included
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);  // exponential, full jitter below the cap
  int failure_threshold = 5;
  absl::Duration open_for = absl::Seconds(10);
};

// Wraps a connector with bounded retries (exponential backoff with full jitter) and a circuit
// breaker per platform. Answers as the wrapped connector, except: UNAVAILABLE with the breaker
// open ("circuit open") without calling; NOT_FOUND and permanent errors pass through at once
// (no retry: retrying cannot change them).
class ResilientConnector final : public PlatformConnector {
 public:
  ResilientConnector(PlatformConnector* inner, Clock* clock, ResilienceOptions options);
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform platform,
                                                      const std::string& credential) override;
  CircuitBreaker::State BreakerState(hosho::v1::Platform platform);
  // A transient error: retry later (the others are permanent).
  static bool IsTransient(const absl::Status& status);

 private:
  CircuitBreaker& Breaker(hosho::v1::Platform platform);

  PlatformConnector* inner_;
  Clock* clock_;
  ResilienceOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<int, std::unique_ptr<CircuitBreaker>> breakers_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
