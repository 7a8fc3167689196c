#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// Argon2id password hashes in the PHC string format ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"),
// with libsodium's interactive limits (64 MiB, 2 passes): one sign-in costs ~0.1 s of one core.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
// True when `password` matches `hash`; false for a mismatch or a hash that is not Argon2id.
bool VerifyPassword(absl::string_view hash, absl::string_view password);
// A hash to verify against when the account is unknown, so that an unknown name costs as much
// time as a wrong password.
const std::string& DecoyPasswordHash();

// `bytes` random bytes from the OS, base64url without padding (session ids, CSRF tokens).
std::string RandomToken(size_t bytes = 32);

}  // namespace hosho
