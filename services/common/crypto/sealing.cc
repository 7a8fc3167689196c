#include "services/common/crypto/sealing.h"

#include <sodium.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string Hex(const unsigned char* data, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(data), size));
}

}  // namespace

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  Wipe();
  value_ = std::move(other.value_);
  other.Wipe();
  return *this;
}

void SecretBytes::Wipe() { WipeString(&value_); }

void WipeString(std::string* text) {
  if (!text->empty()) sodium_memzero(text->data(), text->size());
  text->clear();
}

absl::StatusOr<KeyRing> KeyRing::FromYaml(absl::string_view yaml) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  KeyRing ring;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    ring.active_ = root["active"].as<std::string>("");
    std::string fp;
    if (!absl::Base64Unescape(root["fingerprint_key"].as<std::string>(""), &fp) ||
        fp.size() != crypto_generichash_KEYBYTES) {
      return absl::InvalidArgumentError("key ring: fingerprint_key must be 32 bytes of base64");
    }
    ring.fingerprint_key_ = std::move(fp);
    for (const auto& item : root["keys"]) {
      const std::string id = item["id"].as<std::string>("");
      std::string key;
      if (id.empty() || !absl::Base64Unescape(item["key"].as<std::string>(""), &key) ||
          key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return absl::InvalidArgumentError(
            absl::StrCat("key ring: key '", id, "' must have an id and 32 bytes of base64"));
      }
      ring.keys_[id] = std::move(key);
    }
  } catch (const YAML::Exception&) {
    return absl::InvalidArgumentError("key ring: not valid YAML");
  }
  if (!ring.keys_.contains(ring.active_)) {
    return absl::InvalidArgumentError("key ring: the active key id names no key");
  }
  return ring;
}

absl::StatusOr<KeyRing> KeyRing::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("key ring file not readable: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromYaml(buffer.str());
}

std::string KeyRing::GenerateYaml(absl::string_view key_id) {
  SodiumReady();
  unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  unsigned char fp[crypto_generichash_KEYBYTES];
  crypto_aead_xchacha20poly1305_ietf_keygen(key);
  randombytes_buf(fp, sizeof fp);
  std::string out = absl::StrCat(
      "active: ", key_id,
      "\nfingerprint_key: ", absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(fp), sizeof fp)),
      "\nkeys:\n  - id: ", key_id,
      "\n    key: ", absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(key), sizeof key)), "\n");
  sodium_memzero(key, sizeof key);
  sodium_memzero(fp, sizeof fp);
  return out;
}

Sealer::Sealer(KeyRing ring) : ring_(std::move(ring)) { SodiumReady(); }

absl::StatusOr<hosho::v1::SealedSecret> Sealer::Seal(absl::string_view plaintext,
                                                     absl::string_view associated_data) const {
  const auto it = ring_.keys_.find(ring_.active_);
  if (it == ring_.keys_.end()) return absl::FailedPreconditionError("no active sealing key");
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(nonce, sizeof nonce);
  std::string ciphertext(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(ciphertext.data()), &written,
                                             reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                                             reinterpret_cast<const unsigned char*>(associated_data.data()),
                                             associated_data.size(), nullptr, nonce,
                                             reinterpret_cast<const unsigned char*>(it->second.data()));
  ciphertext.resize(written);
  hosho::v1::SealedSecret sealed;
  sealed.set_key_id(ring_.active_);
  sealed.set_nonce(std::string(reinterpret_cast<char*>(nonce), sizeof nonce));
  sealed.set_ciphertext(std::move(ciphertext));
  return sealed;
}

absl::StatusOr<SecretBytes> Sealer::Open(const hosho::v1::SealedSecret& sealed,
                                         absl::string_view associated_data) const {
  const auto it = ring_.keys_.find(sealed.key_id());
  if (it == ring_.keys_.end()) {
    return absl::FailedPreconditionError(absl::StrCat("sealing key '", sealed.key_id(), "' is not in the key ring"));
  }
  if (sealed.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      sealed.ciphertext().size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return absl::DataLossError("sealed secret is malformed");
  }
  std::string plaintext(sealed.ciphertext().size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &written, nullptr,
          reinterpret_cast<const unsigned char*>(sealed.ciphertext().data()), sealed.ciphertext().size(),
          reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(),
          reinterpret_cast<const unsigned char*>(sealed.nonce().data()),
          reinterpret_cast<const unsigned char*>(it->second.data())) != 0) {
    return absl::DataLossError("sealed secret failed authentication (tampered or wrong case)");
  }
  plaintext.resize(written);
  return SecretBytes(std::move(plaintext));
}

std::string Sealer::Fingerprint(absl::string_view plaintext) const {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                     reinterpret_cast<const unsigned char*>(ring_.fingerprint_key_.data()),
                     ring_.fingerprint_key_.size());
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string Sha256Hex(absl::string_view data) {
  SodiumReady();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(out, sizeof out);
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view message) {
  SodiumReady();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, out);
  sodium_memzero(&state, sizeof state);
  return Hex(out, sizeof out);
}

bool SecretEquals(absl::string_view a, absl::string_view b) {
  SodiumReady();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomHex(size_t bytes) {
  SodiumReady();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return absl::BytesToHexString(raw);
}

std::string WebhookSignature(absl::string_view secret, int64_t unix_seconds, absl::string_view body) {
  return absl::StrCat("sha256=", HmacSha256Hex(secret, absl::StrCat(unix_seconds, ".", body)));
}

}  // namespace hosho
