#include "services/common/store/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

bool IsSha256Hex(absl::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

absl::Status WriteSynced(const std::string& path, absl::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("blob store: open ", path, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("blob store: write: ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return absl::UnavailableError("blob store: fsync failed");
  return absl::OkStatus();
}

}  // namespace

SealedFileBlobStore::SealedFileBlobStore(std::string root, const Sealer* sealer)
    : root_(std::move(root)), sealer_(sealer) {}

std::string SealedFileBlobStore::PathOf(absl::string_view sha256) const {
  return absl::StrCat(root_, "/", sha256.substr(0, 2), "/", sha256, ".blob");
}

bool SealedFileBlobStore::Contains(absl::string_view sha256) {
  std::error_code ec;
  return IsSha256Hex(sha256) && std::filesystem::exists(PathOf(sha256), ec);
}

absl::StatusOr<std::string> SealedFileBlobStore::Put(absl::string_view content) {
  const std::string sha = Sha256Hex(content);
  if (Contains(sha)) return sha;
  auto sealed = sealer_->Seal(content, absl::StrCat("blob:", sha));
  if (!sealed.ok()) return sealed.status();
  const std::string path = PathOf(sha);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("blob store: mkdir: ", ec.message()));
  const std::string tmp = absl::StrCat(path, ".tmp-", RandomHex(6));
  if (absl::Status s = WriteSynced(tmp, sealed->SerializeAsString()); !s.ok()) {
    std::filesystem::remove(tmp, ec);
    return s;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return absl::UnavailableError("blob store: rename failed");
  }
  return sha;
}

absl::StatusOr<SecretBytes> SealedFileBlobStore::Get(absl::string_view sha256) {
  if (!IsSha256Hex(sha256)) return absl::InvalidArgumentError("blob address must be a lowercase hex SHA-256");
  std::ifstream in(PathOf(sha256), std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("no blob ", sha256));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  hosho::v1::SealedSecret sealed;
  if (!sealed.ParseFromString(bytes.str())) return absl::DataLossError("blob store: unreadable blob");
  auto opened = sealer_->Open(sealed, absl::StrCat("blob:", sha256));
  if (!opened.ok()) return opened.status();
  if (Sha256Hex(opened->value()) != sha256) return absl::DataLossError("blob store: content does not match its hash");
  return opened;
}

}  // namespace hosho
