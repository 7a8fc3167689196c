#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

class Config;

// Plaintext that wipes itself (sodium_memzero) when it goes away.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string value) : value_(std::move(value)) {}
  SecretBytes(SecretBytes&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { Wipe(); }
  const std::string& value() const { return value_; }
  void Wipe();

 private:
  std::string value_;
};

// Wipes a std::string in place (e.g. a plaintext field of a parsed request).
void WipeString(std::string* text);

// Sealing keys: every key has an id; new secrets are sealed with the active key,
// old ones open with whichever key sealed them (rotation). A separate key makes
// duplicate-detection fingerprints.
class KeyRing {
 public:
  // YAML: {active: id, fingerprint_key: base64, keys: [{id, key: base64}]}.
  // Keys are 32 bytes. The file is a secret and is read, never logged.
  static absl::StatusOr<KeyRing> FromYaml(absl::string_view yaml);
  static absl::StatusOr<KeyRing> FromFile(const std::string& path);
  // Writes a fresh random key ring (development set-up).
  static std::string GenerateYaml(absl::string_view key_id);

  const std::string& active_key_id() const { return active_; }
  bool HasKey(absl::string_view id) const { return keys_.contains(id); }

 private:
  friend class Sealer;
  std::string active_;
  absl::flat_hash_map<std::string, std::string> keys_;
  std::string fingerprint_key_;
};

// libsodium XChaCha20-Poly1305 (IETF) with associated data.
class Sealer {
 public:
  explicit Sealer(KeyRing ring);
  absl::StatusOr<hosho::v1::SealedSecret> Seal(absl::string_view plaintext, absl::string_view associated_data) const;
  // Fails with DATA_LOSS when the ciphertext, nonce or associated data was altered.
  absl::StatusOr<SecretBytes> Open(const hosho::v1::SealedSecret& sealed, absl::string_view associated_data) const;
  // Keyed BLAKE2b-256: equal inputs give equal fingerprints, and nobody without
  // the key can test a guess.
  std::string Fingerprint(absl::string_view plaintext) const;
  const KeyRing& ring() const { return ring_; }

 private:
  KeyRing ring_;
};

// Hex SHA-256 (bearer tokens are stored as this).
std::string Sha256Hex(absl::string_view data);
// HMAC-SHA-256 of `message` under `key`, as lowercase hex (webhook signatures).
std::string HmacSha256Hex(absl::string_view key, absl::string_view message);
// The signature of hosho's webhooks, both ways (the city's form calling intake, notification calling
// city systems): "sha256=" + hex HMAC-SHA256(secret, "<unix seconds>.<body>"), sent with
// X-Hosho-Timestamp and X-Hosho-Signature.
std::string WebhookSignature(absl::string_view secret, int64_t unix_seconds, absl::string_view body);
// Compares two secrets in constant time (sodium_memcmp).
bool SecretEquals(absl::string_view a, absl::string_view b);
// Random bytes as lowercase hex.
std::string RandomHex(size_t bytes);

}  // namespace hosho
