#include "services/platform_sim/certificate_book.h"

#include "absl/strings/str_cat.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"

namespace hosho {
namespace {

absl::StatusOr<hosho::v1::CertificateRecord> ParseRecord(const Config& c, const std::string& number) {
  auto r = ReadCertificateRecord(c.Child("record"));
  if (!r.ok()) return r.status();
  r->set_guarantee_number(number);
  return r;
}

}  // namespace

absl::StatusOr<CertificateBook> CertificateBook::FromConfig(const Config& file) {
  CertificateBook book;
  int index = 0;
  for (const Config& item : file.GetList("certificates")) {
    Entry e;
    const std::string platform = item.GetString("platform");
    if (platform == "d_sure") {
      e.platform = hosho::v1::PLATFORM_D_SURE;
      e.locator = item.GetString("guarantee_number");
      e.secret = item.GetString("authentication_key");
    } else if (platform == "confirmation_system") {
      e.platform = hosho::v1::PLATFORM_CONFIRMATION_SYSTEM;
      e.locator = item.GetString("viewing_url");
      e.secret = item.GetString("viewing_password");
    } else {
      return absl::InvalidArgumentError(absl::StrCat("certificate #", index, ": unknown platform '", platform, "'"));
    }
    if (e.locator.empty() || e.secret.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("certificate #", index, ": locator and secret are required"));
    }
    auto record = ParseRecord(
        item, item.GetString("record.guarantee_number", e.platform == hosho::v1::PLATFORM_D_SURE ? e.locator : ""));
    if (!record.ok())
      return absl::InvalidArgumentError(absl::StrCat("certificate #", index, ": ", record.status().message()));
    e.record = *std::move(record);
    auto key = std::make_pair(static_cast<int>(e.platform), e.locator);
    if (!book.entries_.emplace(std::move(key), std::move(e)).second) {
      return absl::InvalidArgumentError(absl::StrCat("certificate #", index, ": the locator appears twice"));
    }
    ++index;
  }
  return book;
}

absl::StatusOr<CertificateBook> CertificateBook::FromFile(const std::string& path) {
  auto file = Config::Load("", path);
  if (!file.ok()) return file.status();
  return FromConfig(*file);
}

absl::StatusOr<hosho::v1::CertificateRecord> CertificateBook::Find(hosho::v1::Platform platform,
                                                                   const std::string& locator,
                                                                   const std::string& secret) const {
  auto it = entries_.find(std::make_pair(static_cast<int>(platform), locator));
  // A wrong key and an unknown number look the same from outside.
  if (it == entries_.end() || !SecretEquals(it->second.secret, secret)) {
    return absl::NotFoundError("no certificate for this credential");
  }
  return it->second.record;
}

absl::StatusOr<hosho::v1::CertificateRecord> CertificateBook::LookupDSure(const std::string& guarantee_number,
                                                                          const std::string& authentication_key) const {
  return Find(hosho::v1::PLATFORM_D_SURE, guarantee_number, authentication_key);
}

absl::StatusOr<hosho::v1::CertificateRecord> CertificateBook::LookupConfirmationSystem(
    const std::string& viewing_url, const std::string& viewing_password) const {
  return Find(hosho::v1::PLATFORM_CONFIRMATION_SYSTEM, viewing_url, viewing_password);
}

}  // namespace hosho
