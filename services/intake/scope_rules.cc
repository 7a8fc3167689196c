#include "services/intake/scope_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"
#include "services/common/text/text.h"
#include "services/intake/door_rules.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

// The rules at the door (door_rules.h), in the order their violations are reported.
constexpr door::Rule kDoorRules[] = {
    door::CheckIdentifiers,    door::CheckEnumValues,     door::CheckIssuerName,    door::CheckAmount,
    door::CheckCaseLinks,      door::CheckR04Certificate, door::CheckUploads,       door::CheckDuplicateUploads,
    door::CheckAttachmentRefs, door::CheckR02Issuer,      door::CheckR01Credential, door::CheckR03Contract,
    door::CheckR15Threshold,   door::CheckR05StatedNames, door::CheckR03Route,
};

}  // namespace

ScopePolicy ScopePolicyFromConfig(const Config& config) {
  ScopePolicy policy;
  if (auto offices = config.GetStringList("scope.ordering_offices"); !offices.empty()) {
    policy.ordering_offices = offices;
  }
  if (auto categories = config.GetStringList("scope.work_categories"); !categories.empty()) {
    policy.work_categories.clear();
    for (const auto& c : categories) {
      auto value = ParseEnumName(hosho::v1::WorkCategory_descriptor(), "WORK_CATEGORY_", c);
      if (value.ok()) policy.work_categories.push_back(static_cast<hosho::v1::WorkCategory>(*value));
    }
  }
  auto opens = ParseDate(config.GetString("scope.insurer_route_opens", "2026-04-01"));
  policy.insurer_route_opens = opens.ok() ? *opens : FromCivilDay(absl::CivilDay(2026, 4, 1));
  policy.contract_guarantee_min_price_yen =
      config.GetInt("scope.contract_guarantee_min_price_yen", policy.contract_guarantee_min_price_yen);
  policy.advance_min_price_yen = config.GetInt("scope.advance_min_price_yen", policy.advance_min_price_yen);
  policy.max_attachment_bytes = config.GetInt("limits.max_attachment_bytes", policy.max_attachment_bytes);
  policy.max_attachments = static_cast<int>(config.GetInt("limits.max_attachments", policy.max_attachments));
  return policy;
}

std::vector<FieldViolation> CheckSubmittedOn(const SubmitGuaranteeRequest& request,
                                             const hosho::v1::Date& today_in_japan) {
  if (!request.has_submitted_on()) return {};
  const hosho::v1::Date& on = request.submitted_on();
  // The rules take this day as "today": a relay may state the day an arrival reached it (a
  // queue held over a weekend), never a day to come nor one long past.
  if (IsSet(on) && IsValidDate(on) && ToCivilDay(on) <= ToCivilDay(today_in_japan) &&
      ToCivilDay(today_in_japan) - ToCivilDay(on) <= kSubmittedOnMaxDaysBack) {
    return {};
  }
  return {{"submitted_on", "SUBMITTED_ON_INVALID",
           absl::StrCat("提出日は今日から", kSubmittedOnMaxDaysBack, "日前までの日付で指定してください")}};
}

hosho::v1::Platform PlatformOf(const SubmitGuaranteeRequest& request) {
  switch (request.credential_case()) {
    case SubmitGuaranteeRequest::kDSure:
      return hosho::v1::PLATFORM_D_SURE;
    case SubmitGuaranteeRequest::kConfirmationSystem:
      return hosho::v1::PLATFORM_CONFIRMATION_SYSTEM;
    case SubmitGuaranteeRequest::kPaper:
      return hosho::v1::PLATFORM_PAPER;
    default:
      return hosho::v1::PLATFORM_UNSPECIFIED;
  }
}

void NormalizeSubmission(SubmitGuaranteeRequest& request) {
  request.set_contract_id(NormalizeCode(request.contract_id()));
  request.set_issuer_name(NormalizeText(request.issuer_name()));
  request.set_source_receipt(NormalizeCode(request.source_receipt()));
  request.set_resubmits_case_id(NormalizeCode(request.resubmits_case_id()));
  request.set_supersedes_case_id(NormalizeCode(request.supersedes_case_id()));
  if (request.has_d_sure()) {
    auto* c = request.mutable_d_sure();
    c->set_guarantee_number(NormalizeCode(c->guarantee_number()));
    // The key is opaque: only the white space a form or a mail adds around it goes.
    std::string* key = c->mutable_authentication_key();
    const absl::string_view trimmed = absl::StripAsciiWhitespace(*key);
    if (trimmed.size() != key->size()) {
      std::string kept(trimmed);
      WipeString(key);
      *key = std::move(kept);
    }
  }
  if (request.has_confirmation_system()) {
    auto* c = request.mutable_confirmation_system();
    c->set_certificate_number(NormalizeCode(c->certificate_number()));
    c->set_viewing_url(std::string(absl::StripAsciiWhitespace(c->viewing_url())));
    c->set_project_name(NormalizeText(c->project_name()));
    c->set_contractor_name(NormalizeText(c->contractor_name()));
  }
  if (request.has_paper()) {
    request.mutable_paper()->set_guarantee_number(NormalizeCode(request.paper().guarantee_number()));
    request.mutable_paper()->set_note(NormalizeText(request.paper().note()));
  }
  for (auto& upload : *request.mutable_uploads()) {
    upload.set_filename(NormalizeText(upload.filename()));
    upload.set_media_type(absl::AsciiStrToLower(absl::StripAsciiWhitespace(upload.media_type())));
  }
  for (auto& ref : *request.mutable_attachments()) {
    ref.set_filename(NormalizeText(ref.filename()));
    ref.set_media_type(absl::AsciiStrToLower(absl::StripAsciiWhitespace(ref.media_type())));
  }
}

std::vector<FieldViolation> CheckSubmission(const SubmitGuaranteeRequest& request, const hosho::v1::Contract* contract,
                                            const ScopePolicy& policy, const hosho::v1::Date& today) {
  const door::Door door{
      .request = request,
      .contract = contract,
      .policy = policy,
      .today = today,
      .paper = request.has_paper(),
      .is_bank = request.issuer_kind() == hosho::v1::ISSUER_KIND_BANK || request.issuer() == hosho::v1::ISSUER_BANK,
      .sent_certificate = door::SentCertificate(request),
  };
  std::vector<FieldViolation> v;
  for (const door::Rule rule : kDoorRules) rule(door, v);
  return v;
}

absl::StatusCode CodeFor(const std::vector<FieldViolation>& violations) {
  bool scope = false;
  for (const auto& v : violations) {
    if (v.code == "R03_CONTRACT_NOT_FOUND" && violations.size() == 1) return absl::StatusCode::kNotFound;
    if (absl::StartsWith(v.code, "R03_") || absl::StartsWith(v.code, "R15_")) scope = true;
  }
  bool only_scope = scope;
  for (const auto& v : violations) {
    if (!absl::StartsWith(v.code, "R03_") && !absl::StartsWith(v.code, "R15_")) only_scope = false;
  }
  return only_scope ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kInvalidArgument;
}

}  // namespace hosho
