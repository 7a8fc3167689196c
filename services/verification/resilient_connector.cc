#include "services/verification/resilient_connector.h"

#include "absl/strings/str_cat.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

CircuitBreaker::CircuitBreaker(Clock* clock, int failure_threshold, absl::Duration open_for)
    : clock_(clock), threshold_(failure_threshold), open_for_(open_for) {}

bool CircuitBreaker::Allow() {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kOpen && clock_->Now() - opened_at_ >= open_for_) {
    state_ = State::kHalfOpen;
    probe_out_ = false;
  }
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kHalfOpen:
      if (probe_out_) return false;  // one probe at a time
      probe_out_ = true;
      return true;
    default:
      return false;
  }
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  state_ = State::kClosed;
  failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::RecordFailure() {
  absl::MutexLock lock(&mu_);
  ++failures_;
  if (state_ == State::kHalfOpen || failures_ >= threshold_) {
    state_ = State::kOpen;
    opened_at_ = clock_->Now();
    probe_out_ = false;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

ResilientConnector::ResilientConnector(PlatformConnector* inner, Clock* clock, ResilienceOptions options)
    : inner_(inner), clock_(clock), options_(options), random_(std::random_device{}()) {}

bool ResilientConnector::IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) || absl::IsResourceExhausted(status) ||
         absl::IsAborted(status) || absl::IsInternal(status) || absl::IsUnknown(status);
}

CircuitBreaker& ResilientConnector::Breaker(hosho::v1::Platform platform) {
  absl::MutexLock lock(&mu_);
  auto& slot = breakers_[platform];
  if (!slot) slot = std::make_unique<CircuitBreaker>(clock_, options_.failure_threshold, options_.open_for);
  return *slot;
}

CircuitBreaker::State ResilientConnector::BreakerState(hosho::v1::Platform platform) {
  return Breaker(platform).state();
}

absl::StatusOr<hosho::v1::CertificateRecord> ResilientConnector::Lookup(hosho::v1::Platform platform,
                                                                        const std::string& credential) {
  CircuitBreaker& breaker = Breaker(platform);
  const std::string name = hosho::v1::Platform_Name(platform);
  absl::Duration backoff = options_.initial_backoff;
  absl::Status last = absl::UnavailableError("not attempted");
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    if (!breaker.Allow()) {
      Metrics()
          .GetCounter("hosho_verification_connector_short_circuits_total", "Look-ups refused by an open breaker.",
                      {{"platform", name}})
          .Increment();
      return absl::UnavailableError(absl::StrCat("circuit open for ", name));
    }
    auto result = inner_->Lookup(platform, credential);
    if (result.ok() || absl::IsNotFound(result.status())) {
      breaker.RecordSuccess();  // the platform answered
      return result;
    }
    last = result.status();
    if (!IsTransient(last)) return last;  // permanent: retrying cannot help
    breaker.RecordFailure();
    Metrics()
        .GetCounter("hosho_verification_connector_errors_total", "Connector look-ups that failed.",
                    {{"platform", name}})
        .Increment();
    if (attempt == options_.attempts) break;
    absl::Duration pause;
    {
      absl::MutexLock lock(&mu_);
      std::uniform_int_distribution<int64_t> jitter(0, absl::ToInt64Microseconds(backoff));
      pause = absl::Microseconds(jitter(random_));  // full jitter: spread the retries of many cases
    }
    clock_->SleepFor(pause);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return last;
}

}  // namespace hosho
