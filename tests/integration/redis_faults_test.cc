// redis-server killed with SIGKILL under load, and restarted on its append-only file by hosho-stack's
// supervision (what Kubernetes does for a Redis pod). Every accepted submission must still reach
// ROUTED exactly once: one case per request id, one verification and one routing in its history, and
// no hosho service may have crashed because its store went away (tests/support/fault_load.h).
//
// What this shows and what it does not: a killed process loses nothing that redis-server had written
// to its AOF, and it normally writes before it answers (appendfsync only decides when the kernel is
// asked to put it on disk). So this is the outage, the reconnects and the LOADING that follows, not the
// loss of the last second that a crash of the whole machine under `appendfsync everysec` would cause
// (docs/architecture.md, "What survives a Redis crash").
#include <signal.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "tests/support/await.h"
#include "tests/support/fault_load.h"

namespace hosho {
namespace {

class RedisFaultsTest : public testing::FaultsTest {};

TEST_F(RedisFaultsTest, RedisKilledUnderLoadAndRestartedOnItsAofLosesNothingAndDoesNothingTwice) {
  StartStack(1, "hosho-redis-faults");
  ASSERT_NE(stack_, nullptr);
  pid_t redis = 0;
  for (const auto& [name, pid] : stack_->Pids()) {
    if (name == "redis") redis = pid;
  }
  ASSERT_GT(redis, 0) << "the stack runs no redis-server";
  SupervisionOptions supervision;
  supervision.first_backoff = absl::Seconds(2);  // an outage every service notices
  stack_->Supervise(supervision);
  testing::SubmissionLoad load(endpoints_, kCases, 4, kPerSecond);
  ASSERT_TRUE(testing::AwaitUntil([&] { return load.answered() >= kCases / 4; }, absl::Seconds(60)));
  ASSERT_EQ(kill(redis, SIGKILL), 0);
  const int answered_at_kill = load.answered();
  ASSERT_TRUE(testing::AwaitUntil([&] { return stack_->Restarts()["redis"] >= 1; }, absl::Seconds(30)))
      << "supervision did not restart redis-server";
  ExpectEveryCaseRoutedOnce(load);
  EXPECT_LT(answered_at_kill, kCases) << "the kill landed under load";
  const auto restarts = stack_->Restarts();
  int services_restarted = 0;
  for (const auto& [name, count] : restarts) {
    if (name != "redis") services_restarted += count;
  }
  EXPECT_EQ(restarts.at("redis"), 1);
  EXPECT_EQ(services_restarted, 0) << "a service crashed because Redis went away";
  std::printf(
      "redis faults: %d answered before the kill, %d UNAVAILABLE answers retried, redis restarted %d time(s), "
      "services restarted %d time(s)\n",
      answered_at_kill, load.unavailable(), restarts.at("redis"), services_restarted);
}

}  // namespace
}  // namespace hosho
