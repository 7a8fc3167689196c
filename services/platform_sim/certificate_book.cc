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
  auto kind = ParseEnumName(hosho::v1::GuaranteeKind_descriptor(), "GUARANTEE_KIND_", c.GetString("record.kind"));
  if (!kind.ok()) return kind.status();
  r.set_kind(static_cast<hosho::v1::GuaranteeKind>(*kind));
  auto issuer = ParseEnumName(hosho::v1::Issuer_descriptor(), "ISSUER_", c.GetString("record.issuer"));
  if (!issuer.ok()) return issuer.status();
  r.set_issuer(static_cast<hosho::v1::Issuer>(*issuer));
  r.set_beneficiary(c.GetString("record.beneficiary"));
  r.set_contractor_name(c.GetString("record.contractor_name"));
  r.set_project_name(c.GetString("record.project_name"));
  r.set_project_location(c.GetString("record.project_location"));
  r.set_contract_price_yen(c.GetInt("record.contract_price_yen"));
  r.set_guaranteed_amount_yen(c.GetInt("record.guaranteed_amount_yen"));
  r.set_advance_amount_yen(c.GetInt("record.advance_amount_yen"));
  for (auto [field, setter] : std::initializer_list<std::pair<const char*, hosho::v1::Date* (hosho::v1::CertificateRecord::*)()>>{
           {"record.period_start", &hosho::v1::CertificateRecord::mutable_period_start},
           {"record.period_end", &hosho::v1::CertificateRecord::mutable_period_end},
           {"record.issue_date", &hosho::v1::CertificateRecord::mutable_issue_date}}) {
    const std::string text = c.GetString(field);
    if (text.empty()) continue;
    auto date = ParseDate(text);
    if (!date.ok()) return date.status();
    *(r.*setter)() = *date;
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
    auto record = ParseRecord(item, item.GetString("record.guarantee_number", e.platform == hosho::v1::PLATFORM_D_SURE ? e.locator : ""));
    if (!record.ok()) return absl::InvalidArgumentError(absl::StrCat("certificate #", index, ": ", record.status().message()));
    e.record = *std::move(record);
    book.entries_.push_back(std::move(e));
    ++index;
  }
  return book;
}

absl::StatusOr<CertificateBook> CertificateBook::FromFile(const std::string& path) {
  auto file = Config::Load("", path);
  if (!file.ok()) return file.status();
  return FromConfig(*file);
}

absl::StatusOr<hosho::v1::CertificateRecord> CertificateBook::LookupDSure(
    const std::string& guarantee_number, const std::string& authentication_key) const {
  for (const Entry& e : entries_) {
    if (e.platform == hosho::v1::PLATFORM_D_SURE && e.locator == guarantee_number &&
        SecretEquals(e.secret, authentication_key)) {
      return e.record;
    }
  }
  return absl::NotFoundError("no certificate for this guarantee number and authentication key");
}

absl::StatusOr<hosho::v1::CertificateRecord> CertificateBook::LookupConfirmationSystem(
    const std::string& viewing_url, const std::string& viewing_password) const {
  for (const Entry& e : entries_) {
    if (e.platform == hosho::v1::PLATFORM_CONFIRMATION_SYSTEM && e.locator == viewing_url &&
        SecretEquals(e.secret, viewing_password)) {
      return e.record;
    }
  }
  return absl::NotFoundError("no certificate for this viewing URL and password");
}

}  // namespace hosho
