#include "services/verification/resilient_connector.h"

#include <deque>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace hosho {
namespace {

// A platform that answers from a script (a mock: unit tests only).
class ScriptedConnector : public PlatformConnector {
 public:
  std::deque<absl::Status> script;
  int calls = 0;
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform, const std::string&) override {
    ++calls;
    absl::Status next = script.empty() ? absl::OkStatus() : script.front();
    if (!script.empty()) script.pop_front();
    if (!next.ok()) return next;
    hosho::v1::CertificateRecord r;
    r.set_guarantee_number("DS-1");
    return r;
  }
};

TEST(CircuitBreakerTest, OpensAfterTheThresholdProbesOnceThenCloses) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  CircuitBreaker b(&clock, 3, absl::Seconds(10));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.Allow());
    b.RecordFailure();
  }
  EXPECT_EQ(b.state(), CircuitBreaker::State::kClosed);
  ASSERT_TRUE(b.Allow());
  b.RecordFailure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.Allow());
  clock.Advance(absl::Seconds(9));
  EXPECT_FALSE(b.Allow()) << "still open";
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(b.Allow()) << "one probe";
  EXPECT_FALSE(b.Allow()) << "only one probe at a time";
  b.RecordFailure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::kOpen) << "a failed probe opens it again";
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(b.Allow());
  b.RecordSuccess();
  EXPECT_EQ(b.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(b.Allow());
}

TEST(ResilientConnectorTest, RetriesTransientErrorsWithBoundedJitteredBackoff) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  ScriptedConnector platform;
  platform.script = {absl::UnavailableError("down"), absl::DeadlineExceededError("slow")};
  ResilienceOptions o;
  o.attempts = 3;
  o.initial_backoff = absl::Milliseconds(100);
  o.max_backoff = absl::Milliseconds(150);
  ResilientConnector c(&platform, &clock, o);
  const absl::Time start = clock.Now();
  auto got = c.Lookup(hosho::v1::PLATFORM_D_SURE, "k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(platform.calls, 3);
  EXPECT_LE(clock.Now() - start, absl::Milliseconds(100 + 150)) << "full jitter stays under each cap";
}

TEST(ResilientConnectorTest, NotFoundAndPermanentErrorsAreNotRetried) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  ScriptedConnector platform;
  ResilientConnector c(&platform, &clock, ResilienceOptions{});
  platform.script = {absl::NotFoundError("no certificate")};
  EXPECT_TRUE(absl::IsNotFound(c.Lookup(hosho::v1::PLATFORM_D_SURE, "k").status()));
  EXPECT_EQ(platform.calls, 1);
  platform.script = {absl::PermissionDeniedError("token refused")};
  EXPECT_TRUE(absl::IsPermissionDenied(c.Lookup(hosho::v1::PLATFORM_D_SURE, "k").status()));
  EXPECT_EQ(platform.calls, 2);
  EXPECT_FALSE(ResilientConnector::IsTransient(absl::PermissionDeniedError("x")));
  EXPECT_TRUE(ResilientConnector::IsTransient(absl::UnavailableError("x")));
}

TEST(ResilientConnectorTest, AnOpenBreakerAnswersAtOnceWithoutCallingAndPerPlatform) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  ScriptedConnector platform;
  ResilienceOptions o;
  o.attempts = 1;
  o.failure_threshold = 2;
  o.open_for = absl::Seconds(5);
  ResilientConnector c(&platform, &clock, o);
  platform.script = {absl::UnavailableError("down"), absl::UnavailableError("down")};
  EXPECT_FALSE(c.Lookup(hosho::v1::PLATFORM_D_SURE, "k").ok());
  EXPECT_FALSE(c.Lookup(hosho::v1::PLATFORM_D_SURE, "k").ok());
  EXPECT_EQ(c.BreakerState(hosho::v1::PLATFORM_D_SURE), CircuitBreaker::State::kOpen);
  auto refused = c.Lookup(hosho::v1::PLATFORM_D_SURE, "k");
  EXPECT_TRUE(absl::IsUnavailable(refused.status()));
  EXPECT_EQ(platform.calls, 2) << "short-circuited";
  EXPECT_TRUE(c.Lookup(hosho::v1::PLATFORM_CONFIRMATION_SYSTEM, "k").ok()) << "the other platform is not affected";
  clock.Advance(absl::Seconds(5));
  EXPECT_TRUE(c.Lookup(hosho::v1::PLATFORM_D_SURE, "k").ok()) << "the probe succeeds";
  EXPECT_EQ(c.BreakerState(hosho::v1::PLATFORM_D_SURE), CircuitBreaker::State::kClosed);
}

}  // namespace
}  // namespace hosho
