#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/crypto/sealing.h"

namespace hosho {

// Attachments (請求書, 発注者提出用フォーマット) kept by content: the address is the SHA-256 of the
// plaintext, so the same file stored twice is one blob, and events carry only the hash.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores `content` unless it is there; returns its lowercase hex SHA-256.
  virtual absl::StatusOr<std::string> Put(absl::string_view content) = 0;
  // NOT_FOUND when absent; DATA_LOSS when the stored bytes do not open or do not match the hash.
  virtual absl::StatusOr<SecretBytes> Get(absl::string_view sha256) = 0;
  virtual bool Contains(absl::string_view sha256) = 0;
};

// Blobs as files under `root` (root/ab/abcdef….blob), each sealed with the key ring
// (associated data "blob:<sha256>"), written to a temporary file, synced and renamed
// so that a crash never leaves half a blob under its address.
class SealedFileBlobStore final : public BlobStore {
 public:
  SealedFileBlobStore(std::string root, const Sealer* sealer);
  absl::StatusOr<std::string> Put(absl::string_view content) override;
  absl::StatusOr<SecretBytes> Get(absl::string_view sha256) override;
  bool Contains(absl::string_view sha256) override;

 private:
  std::string PathOf(absl::string_view sha256) const;
  std::string root_;
  const Sealer* sealer_;
};

}  // namespace hosho
