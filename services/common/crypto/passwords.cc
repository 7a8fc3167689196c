#include "services/common/crypto/passwords.h"

#include <sodium.h>

#include <string>
#include <vector>

namespace hosho {

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot start");
  if (password.empty()) return absl::InvalidArgumentError("the password is empty");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash the password");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view hash, absl::string_view password) {
  if (sodium_init() < 0) return false;
  if (hash.rfind("$argon2id$", 0) != 0 || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);  // the API wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

PasswordVerifier::PasswordVerifier(int max_concurrent, absl::Duration max_wait)
    : max_concurrent_(max_concurrent < 1 ? 1 : max_concurrent), max_wait_(max_wait) {}

PasswordVerifier::Outcome PasswordVerifier::Verify(absl::string_view hash, absl::string_view password) {
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &PasswordVerifier::HasFreeSlot), max_wait_)) {
      return Outcome::kBusy;
    }
    ++in_use_;
  }
  const absl::Time started = absl::Now();
  const bool match = VerifyPassword(hash, password);
  const absl::Duration took = absl::Now() - started;
  absl::MutexLock lock(&mu_);
  --in_use_;
  typical_ = (typical_ * 7 + took) / 8;  // a moving average: the machine's speed, not one outlier
  return match ? Outcome::kMatch : Outcome::kMismatch;
}

PasswordVerifier::Outcome PasswordVerifier::VerifyUnknown() {
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    wait = typical_;
  }
  absl::SleepFor(wait);
  return Outcome::kMismatch;
}

std::string RandomToken(size_t bytes) {
  if (sodium_init() < 0) return "";
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

}  // namespace hosho
