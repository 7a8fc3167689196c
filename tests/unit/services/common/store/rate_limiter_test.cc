#include "services/common/store/rate_limiter.h"

#include "gtest/gtest.h"
#include "services/common/runtime/errors.h"
#include "tests/support/fake_clock.h"
#include "tests/support/redis_server.h"

namespace hosho {
namespace {

TEST(RateLimiterTest, EachPrincipalGetsItsBudgetPerWindowAcrossReplicas) {
  auto server = testing::RedisServer::Start();
  auto redis_a = server->Client();
  auto redis_b = server->Client();
  FakeClock clock(absl::FromUnixSeconds(1'800'000'040));  // 40 s into a minute
  RedisRateLimiter replica_a(redis_a.get(), &clock, 3, absl::Minutes(1));
  RedisRateLimiter replica_b(redis_b.get(), &clock, 3, absl::Minutes(1));
  EXPECT_TRUE(replica_a.Admit("web-form").ok());
  EXPECT_TRUE(replica_b.Admit("web-form").ok());
  EXPECT_TRUE(replica_a.Admit("web-form").ok());
  absl::Status refused = replica_b.Admit("web-form");
  ASSERT_TRUE(absl::IsResourceExhausted(refused));
  ASSERT_EQ(ViolationsOf(refused).size(), 1u);
  EXPECT_EQ(ViolationsOf(refused)[0].code, "RATE_LIMITED");
  EXPECT_NE(ViolationsOf(refused)[0].message_ja.find("20秒後"), std::string::npos)
      << ViolationsOf(refused)[0].message_ja;
  EXPECT_TRUE(replica_a.Admit("alice").ok()) << "another principal has its own budget";
  clock.Advance(absl::Seconds(20));
  EXPECT_TRUE(replica_b.Admit("web-form").ok()) << "a new window";
}

TEST(RateLimiterTest, ZeroMeansNoLimit) {
  auto server = testing::RedisServer::Start();
  auto redis = server->Client();
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  RedisRateLimiter limiter(redis.get(), &clock, 0, absl::Minutes(1));
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(limiter.Admit("bench").ok());
}

TEST(RateLimiterTest, ABatchIsAdmittedWholeOrNotAtAllAndARefusedOneUsesNothing) {
  auto server = testing::RedisServer::Start();
  auto redis = server->Client();
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  RedisRateLimiter limiter(redis.get(), &clock, 10, absl::Minutes(1));
  EXPECT_TRUE(limiter.AdmitMany("clerk", 6).ok());
  absl::Status refused = limiter.AdmitMany("clerk", 5);
  ASSERT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_EQ(ViolationsOf(refused)[0].code, "RATE_LIMITED");
  EXPECT_TRUE(limiter.AdmitMany("clerk", 4).ok()) << "the refused batch of 5 took nothing";
  EXPECT_FALSE(limiter.Admit("clerk").ok()) << "10 used";
  absl::Status never = limiter.AdmitMany("other", 11);
  ASSERT_TRUE(absl::IsResourceExhausted(never));
  EXPECT_NE(ViolationsOf(never)[0].message_ja.find("ファイルを分けて"), std::string::npos)
      << "a batch over the whole budget says so rather than 'wait'";
  EXPECT_TRUE(limiter.AdmitMany("other", 10).ok());
}

}  // namespace
}  // namespace hosho
