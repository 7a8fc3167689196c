#include "services/platform_sim/certificate_book.h"

#include "absl/strings/str_cat.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"
#include "services/common/sealing.h"

namespace hosho {
namespace {

absl::StatusOr<hosho::v1::CertificateRecord> ParseRecord(const Config& c, const std::string& number) {
  hosho::v1::CertificateRecord r;
  r.set_guarantee_number(number);
  auto kind = ReadEnumField<hosho::v1::GuaranteeKind>(c, "record.kind", hosho::v1::GuaranteeKind_descriptor(),
                                                      "GUARANTEE_KIND_", /*fallback=*/"");
  if (!kind.ok()) return kind.status();
  r.set_kind(*kind);
  auto issuer = ReadEnumField<hosho::v1::Issuer>(c, "record.issuer", hosho::v1::Issuer_descriptor(), "ISSUER_",
                                                 /*fallback=*/"");
  if (!issuer.ok()) return issuer.status();
  r.set_issuer(*issuer);
  r.set_beneficiary(c.GetString("record.beneficiary"));
  r.set_contractor_name(c.GetString("record.contractor_name"));
  r.set_project_name(c.GetString("record.project_name"));
  r.set_project_location(c.GetString("record.project_location"));
  r.set_contract_price_yen(c.GetInt("record.contract_price_yen"));
  r.set_guaranteed_amount_yen(c.GetInt("record.guaranteed_amount_yen"));
  r.set_advance_amount_yen(c.GetInt("record.advance_amount_yen"));
  for (const absl::Status& s : {ReadDateField(c, "record.period_start", r.mutable_period_start()),
                                ReadDateField(c, "record.period_end", r.mutable_period_end()),
                                ReadDateField(c, "record.issue_date", r.mutable_issue_date())}) {
    if (!s.ok()) return s;
  }
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
