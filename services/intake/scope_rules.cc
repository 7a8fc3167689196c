#include "services/intake/scope_rules.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

bool IsSuretyCompany(hosho::v1::Issuer issuer) {
  return issuer == hosho::v1::ISSUER_EAST_JAPAN_CONSTRUCTION_SURETY ||
         issuer == hosho::v1::ISSUER_WEST_JAPAN_CONSTRUCTION_SURETY ||
         issuer == hosho::v1::ISSUER_HOKKAIDO_CONSTRUCTION_SURETY;
}

bool IsListedInsurer(hosho::v1::Issuer issuer) {
  return issuer >= hosho::v1::ISSUER_AIOI_NISSAY_DOWA && issuer <= hosho::v1::ISSUER_MITSUI_SUMITOMO;
}

bool Printable(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x21 && c <= 0x7e; });
}

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
  return policy;
}

hosho::v1::Platform PlatformOf(const SubmitGuaranteeRequest& request) {
  switch (request.credential_case()) {
    case SubmitGuaranteeRequest::kDSure:
      return hosho::v1::PLATFORM_D_SURE;
    case SubmitGuaranteeRequest::kConfirmationSystem:
      return hosho::v1::PLATFORM_CONFIRMATION_SYSTEM;
    default:
      return hosho::v1::PLATFORM_UNSPECIFIED;
  }
}

std::vector<FieldViolation> CheckSubmission(const SubmitGuaranteeRequest& request, const hosho::v1::Contract* contract,
                                            const ScopePolicy& policy, const hosho::v1::Date& today) {
  std::vector<FieldViolation> v;
  // Request shape.
  if (request.client_request_id().empty() || request.client_request_id().size() > 128 ||
      !Printable(request.client_request_id())) {
    v.push_back({"client_request_id", "REQUEST_ID_INVALID",
                 "client_request_id は1〜128文字の印字可能なASCII文字で指定してください"});
  }
  if (request.kind() == hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
    v.push_back({"kind", "KIND_MISSING", "保証の種類（契約保証・前払金保証・中間前払金保証）を指定してください"});
  }
  if (request.contract_id().empty()) {
    v.push_back({"contract_id", "CONTRACT_ID_MISSING", "契約（工事番号）を指定してください"});
  }

  // R02: issuer eligibility.
  const auto kind = request.issuer_kind();
  const auto issuer = request.issuer();
  if (kind == hosho::v1::ISSUER_KIND_BANK || issuer == hosho::v1::ISSUER_BANK) {
    v.push_back(
        {"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "金融機関の保証は電子保証の対象外です。紙の保証書を提出してください"});
  } else if (kind == hosho::v1::ISSUER_KIND_UNSPECIFIED) {
    v.push_back(
        {"issuer_kind", "R02_ISSUER_KIND_MISSING", "保証の発行者の種類（保証事業会社・保険会社）を指定してください"});
  } else if (kind == hosho::v1::ISSUER_KIND_SURETY_COMPANY && !IsSuretyCompany(issuer)) {
    v.push_back({"issuer", "R02_ISSUER_NOT_LISTED",
                 "この保証事業会社は電子保証の対象ではありません（東日本・西日本・北海道の建設業保証会社のみ）"});
  } else if (kind == hosho::v1::ISSUER_KIND_INSURER && !IsListedInsurer(issuer)) {
    v.push_back({"issuer", "R02_ISSUER_NOT_LISTED", "この保険会社は電子保証の対象として指定されていません"});
  } else if (kind == hosho::v1::ISSUER_KIND_INSURER && request.kind() != hosho::v1::GUARANTEE_KIND_CONTRACT &&
             request.kind() != hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
    v.push_back({"kind", "R02_INSURER_CONTRACT_ONLY",
                 "保険会社の電子保証は契約保証のみが対象です。前払金保証は保証事業会社の電子保証をご利用ください"});
  }

  // R01: the credential itself, complete and on the issuer's platform.
  const bool is_bank = kind == hosho::v1::ISSUER_KIND_BANK || issuer == hosho::v1::ISSUER_BANK;
  if (!is_bank) {
    switch (request.credential_case()) {
      case SubmitGuaranteeRequest::kDSure: {
        const auto& c = request.d_sure();
        if (kind == hosho::v1::ISSUER_KIND_INSURER) {
          v.push_back({"d_sure", "R01_PLATFORM_MISMATCH",
                       "保険会社の保証は保証証券等確認システムの閲覧用URLとパスワードで提出してください"});
        }
        if (c.guarantee_number().empty()) {
          v.push_back({"d_sure.guarantee_number", "R01_GUARANTEE_NUMBER_MISSING", "保証契約番号を入力してください"});
        }
        if (c.authentication_key().empty()) {
          v.push_back({"d_sure.authentication_key", "R01_AUTHENTICATION_KEY_MISSING", "認証キーを入力してください"});
        } else if (c.authentication_key().size() > 256 || !Printable(c.authentication_key())) {
          v.push_back({"d_sure.authentication_key", "R01_AUTHENTICATION_KEY_INVALID",
                       "認証キーは256文字以内の印字可能な文字で入力してください"});
        }
        break;
      }
      case SubmitGuaranteeRequest::kConfirmationSystem: {
        const auto& c = request.confirmation_system();
        if (kind == hosho::v1::ISSUER_KIND_SURETY_COMPANY) {
          v.push_back({"confirmation_system", "R01_PLATFORM_MISMATCH",
                       "保証事業会社の保証はD-Sureの保証契約番号と認証キーで提出してください"});
        }
        if (c.viewing_url().empty()) {
          v.push_back({"confirmation_system.viewing_url", "R01_VIEWING_URL_MISSING", "閲覧用URLを入力してください"});
        } else if (!absl::StartsWith(c.viewing_url(), "https://") || c.viewing_url().size() > 2048) {
          v.push_back({"confirmation_system.viewing_url", "R01_VIEWING_URL_INVALID",
                       "閲覧用URLは https:// で始まるURLを入力してください"});
        }
        if (c.viewing_password().empty()) {
          v.push_back({"confirmation_system.viewing_password", "R01_VIEWING_PASSWORD_MISSING",
                       "閲覧用パスワードを入力してください"});
        } else if (c.viewing_password().size() > 256) {
          v.push_back({"confirmation_system.viewing_password", "R01_VIEWING_PASSWORD_INVALID",
                       "閲覧用パスワードは256文字以内で入力してください"});
        }
        break;
      }
      default:
        v.push_back({"credential", "R01_CREDENTIAL_MISSING",
                     "認証キー（D-Sure）または閲覧用URLとパスワード（保証証券等確認システム）を入力してください"});
    }
  }

  // R03: the contract and the route.
  if (!request.contract_id().empty()) {
    if (contract == nullptr) {
      v.push_back({"contract_id", "R03_CONTRACT_NOT_FOUND", "指定された契約が見つかりません"});
    } else {
      const auto& offices = policy.ordering_offices;
      if (std::find(offices.begin(), offices.end(), contract->ordering_office()) == offices.end()) {
        v.push_back({"contract_id", "R03_OFFICE_OUT_OF_SCOPE",
                     "この契約の発注課は電子保証の対象外です（契約課・上下水道事業政策課の発注に限ります）"});
      }
      const auto& categories = policy.work_categories;
      if (std::find(categories.begin(), categories.end(), contract->work_category()) == categories.end()) {
        v.push_back({"contract_id", "R03_WORK_CATEGORY_OUT_OF_SCOPE",
                     "この契約の種類は電子保証の対象外です（建設工事・測量・建設コンサルタント等業務に限ります）"});
      }
    }
  }
  if (kind == hosho::v1::ISSUER_KIND_INSURER && IsSet(policy.insurer_route_opens) &&
      ToCivilDay(today) < ToCivilDay(policy.insurer_route_opens)) {
    v.push_back({"issuer_kind", "R03_ROUTE_NOT_OPEN",
                 "保険会社の電子保証は " + FormatDate(policy.insurer_route_opens) + " 以降に受け付けます"});
  }
  return v;
}

absl::StatusCode CodeFor(const std::vector<FieldViolation>& violations) {
  bool scope = false;
  for (const auto& v : violations) {
    if (v.code == "R03_CONTRACT_NOT_FOUND" && violations.size() == 1) return absl::StatusCode::kNotFound;
    if (absl::StartsWith(v.code, "R03_")) scope = true;
  }
  bool only_scope = scope;
  for (const auto& v : violations) {
    if (!absl::StartsWith(v.code, "R03_")) only_scope = false;
  }
  return only_scope ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kInvalidArgument;
}

}  // namespace hosho
