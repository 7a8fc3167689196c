#include "services/common/crypto/passwords.h"

#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

using Outcome = PasswordVerifier::Outcome;

TEST(PasswordsTest, HashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse "));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse"));
}

// At most `max_concurrent` Argon2id checks at once (64 MiB each): of six sign-ins arriving together
// with one slot and no patience, at least one is checked and the ones arriving while it runs are
// told "busy" instead of each taking its 64 MiB (an unauthenticated memory exhaustion).
TEST(PasswordsTest, ConcurrentChecksBeyondTheBoundAreBusyNotQueuedInMemory) {
  const std::string hash = *HashPassword("pw");
  PasswordVerifier verifier(/*max_concurrent=*/1, /*max_wait=*/absl::Milliseconds(1));
  std::vector<Outcome> outcomes(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) threads.emplace_back([&, i] { outcomes[i] = verifier.Verify(hash, "pw"); });
  for (auto& t : threads) t.join();
  int matches = 0;
  int busy = 0;
  for (Outcome o : outcomes) {
    matches += o == Outcome::kMatch ? 1 : 0;
    busy += o == Outcome::kBusy ? 1 : 0;
  }
  EXPECT_GE(matches, 1);
  EXPECT_GE(busy, 1) << "six checks of ~0.1 s each, one slot, 1 ms of patience";
  EXPECT_EQ(matches + busy, 6) << "no check answers a mismatch for the right password";
  // Once the slot is free, the next check runs.
  EXPECT_EQ(verifier.Verify(hash, "pw"), Outcome::kMatch);
  EXPECT_EQ(verifier.Verify(hash, "wrong"), Outcome::kMismatch);
}

// A name with no account is answered like a wrong password, without running Argon2id.
TEST(PasswordsTest, AnUnknownNameIsAMismatch) {
  PasswordVerifier verifier(2, absl::Seconds(5));
  EXPECT_EQ(verifier.VerifyUnknown(), Outcome::kMismatch);
}

}  // namespace
}  // namespace hosho
