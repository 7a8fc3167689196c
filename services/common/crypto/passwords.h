#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hosho {

// Argon2id password hashes in the PHC string format ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"),
// with libsodium's interactive limits (64 MiB, 2 passes): one sign-in costs ~0.1 s of one core.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
// True when `password` matches `hash`; false for a mismatch or a hash that is not Argon2id.
bool VerifyPassword(absl::string_view hash, absl::string_view password);

// Sign-in checks under a bound, so that unauthenticated callers cannot exhaust memory: at most
// `max_concurrent` Argon2id verifications at once (each holds 64 MiB), a caller waits at most
// `max_wait` for a slot (then kBusy), and an unknown account costs the time of a verification
// without its memory (a wait as long as recent verifications took).
class PasswordVerifier {
 public:
  enum class Outcome { kMatch, kMismatch, kBusy };
  PasswordVerifier(int max_concurrent, absl::Duration max_wait);
  Outcome Verify(absl::string_view hash, absl::string_view password);
  // For a name that has no password here: kMismatch after about the time a Verify takes.
  Outcome VerifyUnknown();

 private:
  bool HasFreeSlot() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_use_ < max_concurrent_; }
  const int max_concurrent_;
  const absl::Duration max_wait_;
  absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration typical_ ABSL_GUARDED_BY(mu_) = absl::Milliseconds(100);
};

// `bytes` random bytes from the OS, base64url without padding (session ids, CSRF tokens).
std::string RandomToken(size_t bytes = 32);

}  // namespace hosho
