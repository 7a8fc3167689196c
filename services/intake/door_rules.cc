#include "services/intake/door_rules.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/text_rules.h"
#include "services/common/text/text.h"

namespace hosho::door {
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

// Guarantee and certificate numbers: half-width letters, digits and '-', after NormalizeCode.
bool IsCode(const std::string& text, size_t max) {
  return !text.empty() && text.size() <= max && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

// Free text from people: valid UTF-8, no control characters, no spreadsheet formula.
void CheckText(std::vector<FieldViolation>& v, const std::string& field, const std::string& text, size_t max_chars,
               absl::string_view label) {
  CheckText(TextRule{field, std::string(label), max_chars, false, false, true}, text, v);
}

// A secret that is really a file: the PDF itself, its base64, or a file name.
bool LooksLikeDocument(const std::string& secret) {
  const std::string lower = absl::AsciiStrToLower(secret);
  return absl::StartsWith(secret, "%PDF") || absl::StartsWith(secret, "JVBERi") ||
         absl::StartsWith(lower, "data:application/pdf") || absl::EndsWith(lower, ".pdf");
}

bool ValidAttachmentFilename(const std::string& name) {
  return !name.empty() && name.size() <= 255 && IsValidUtf8(name) && !HasControlCharacters(name) &&
         name.find_first_of("/\\") == std::string::npos && !LooksLikeFormula(name);
}

constexpr char kFilenameMessage[] = "添付ファイル名は255バイト以内で、/ \\ や制御文字を含まない名前にしてください";

constexpr char kR04Message[] =
    "保証証書のPDFや印刷物は受け付けできません。認証キー（D-"
    "Sure）または閲覧用URLとパスワード（保証証券等確認システム）を提出してください";

std::string SizeLimitText(int64_t bytes) {
  return bytes >= (1 << 20) ? absl::StrCat(bytes >> 20, "MB") : absl::StrCat(bytes >> 10, "KB");
}

// R01 for D-Sure (surety companies): guarantee number and authentication key.
void CheckDSure(const Door& door, std::vector<FieldViolation>& v) {
  const auto& c = door.request.d_sure();
  if (door.request.issuer_kind() == hosho::v1::ISSUER_KIND_INSURER) {
    v.push_back({"d_sure", "R01_PLATFORM_MISMATCH",
                 "保険会社の保証は保証証券等確認システムの閲覧用URLとパスワードで提出してください"});
  }
  if (c.guarantee_number().empty()) {
    v.push_back({"d_sure.guarantee_number", "R01_GUARANTEE_NUMBER_MISSING", "保証契約番号を入力してください"});
  } else if (!IsCode(c.guarantee_number(), 64)) {
    v.push_back({"d_sure.guarantee_number", "R01_GUARANTEE_NUMBER_INVALID",
                 "保証契約番号は64文字以内の半角英数字とハイフンで入力してください"});
  }
  if (c.authentication_key().empty()) {
    v.push_back({"d_sure.authentication_key", "R01_AUTHENTICATION_KEY_MISSING", "認証キーを入力してください"});
  } else if (!door.sent_certificate && (c.authentication_key().size() > 256 || !Printable(c.authentication_key()))) {
    v.push_back({"d_sure.authentication_key", "R01_AUTHENTICATION_KEY_INVALID",
                 "認証キーは256文字以内の印字可能な文字で入力してください"});
  }
}

// R01 for the confirmation system (insurers): viewing URL and password, and what the insurer's
// format states beside them.
void CheckConfirmationSystem(const Door& door, std::vector<FieldViolation>& v) {
  const auto& c = door.request.confirmation_system();
  if (door.request.issuer_kind() == hosho::v1::ISSUER_KIND_SURETY_COMPANY) {
    v.push_back({"confirmation_system", "R01_PLATFORM_MISMATCH",
                 "保証事業会社の保証はD-Sureの保証契約番号と認証キーで提出してください"});
  }
  if (c.viewing_url().empty()) {
    v.push_back({"confirmation_system.viewing_url", "R01_VIEWING_URL_MISSING", "閲覧用URLを入力してください"});
  } else if (!absl::StartsWith(c.viewing_url(), "https://") || c.viewing_url().size() > 2048 ||
             !Printable(c.viewing_url())) {
    v.push_back({"confirmation_system.viewing_url", "R01_VIEWING_URL_INVALID",
                 "閲覧用URLは https:// で始まるURLを入力してください"});
  }
  if (c.viewing_password().empty()) {
    v.push_back(
        {"confirmation_system.viewing_password", "R01_VIEWING_PASSWORD_MISSING", "閲覧用パスワードを入力してください"});
  } else if (!door.sent_certificate && (c.viewing_password().size() > 256 || !IsValidUtf8(c.viewing_password()) ||
                                        HasControlCharacters(c.viewing_password()))) {
    v.push_back({"confirmation_system.viewing_password", "R01_VIEWING_PASSWORD_INVALID",
                 "閲覧用パスワードは256文字以内で入力してください"});
  }
  if (!c.certificate_number().empty() && !IsCode(c.certificate_number(), 64)) {
    v.push_back({"confirmation_system.certificate_number", "R01_GUARANTEE_NUMBER_INVALID",
                 "証券番号は64文字以内の半角英数字とハイフンで入力してください"});
  }
  CheckText(v, "confirmation_system.project_name", c.project_name(), kStatedNameMaxChars, "工事名");
  CheckText(v, "confirmation_system.contractor_name", c.contractor_name(), kStatedNameMaxChars, "受注者名");
}

// A paper guarantee, registered by a clerk: its number and the day the office received it.
void CheckPaper(const Door& door, std::vector<FieldViolation>& v) {
  const auto& p = door.request.paper();
  if (p.guarantee_number().empty()) {
    v.push_back({"paper.guarantee_number", "PAPER_NUMBER_MISSING", "保証書の番号を入力してください"});
  } else if (!IsCode(p.guarantee_number(), 64)) {
    v.push_back({"paper.guarantee_number", "R01_GUARANTEE_NUMBER_INVALID",
                 "保証書の番号は64文字以内の半角英数字とハイフンで入力してください"});
  }
  if (!IsSet(p.received_on()) || !IsValidDate(p.received_on()) ||
      ToCivilDay(p.received_on()) > ToCivilDay(door.today)) {
    v.push_back({"paper.received_on", "PAPER_RECEIVED_ON_INVALID", "保証書を受領した日（今日以前）を入力してください"});
  }
  CheckText(v, "paper.note", p.note(), 500, "備考");
}

}  // namespace

bool SentCertificate(const SubmitGuaranteeRequest& request) {
  for (const auto& upload : request.uploads()) {
    if (upload.kind() == hosho::v1::AttachmentRef::KIND_CERTIFICATE && !request.has_paper()) return true;
  }
  return (request.has_d_sure() && LooksLikeDocument(request.d_sure().authentication_key())) ||
         (request.has_confirmation_system() && LooksLikeDocument(request.confirmation_system().viewing_password()));
}

// The identifiers that key everything: request id, kind, contract and receipt.
void CheckIdentifiers(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  if (request.client_request_id().empty() || request.client_request_id().size() > 128 ||
      !Printable(request.client_request_id())) {
    v.push_back({"client_request_id", "REQUEST_ID_INVALID",
                 "client_request_id は1〜128文字の印字可能なASCII文字で指定してください"});
  }
  if (request.kind() == hosho::v1::GUARANTEE_KIND_UNSPECIFIED || !hosho::v1::GuaranteeKind_IsValid(request.kind())) {
    v.push_back({"kind", "KIND_MISSING", "保証の種類（契約保証・前払金保証・中間前払金保証）を指定してください"});
  }
  if (request.contract_id().empty()) {
    v.push_back({"contract_id", "CONTRACT_ID_MISSING", "契約（工事番号）を指定してください"});
  } else if (!IsCode(request.contract_id(), 64)) {
    v.push_back(
        {"contract_id", "CONTRACT_ID_INVALID", "契約IDは64文字以内の半角英数字と記号（- _ . /）で指定してください"});
  }
  // A receipt becomes part of a key and is shown to clerks: the characters the channels' own
  // receipts use (LF-2026-000501, mail-<hex>), as the webhook and the CSV import require too.
  if (!request.source_receipt().empty() && !IsCode(request.source_receipt(), 200)) {
    v.push_back(
        {"source_receipt", "RECEIPT_INVALID", "受付番号は200文字以内の半角英数字と記号（- _ . /）で指定してください"});
  }
}

// Enum values a newer or careless client may send as numbers: an unknown one is refused, never read
// as "not set" (which would skip the rule that depends on it).
void CheckEnumValues(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  if (!hosho::v1::IssuerKind_IsValid(request.issuer_kind())) {
    v.push_back({"issuer_kind", "R02_ISSUER_KIND_INVALID",
                 "保証の発行者の種類（保証事業会社・保険会社・金融機関）の値が正しくありません"});
  }
  if (!hosho::v1::Issuer_IsValid(request.issuer())) {
    v.push_back({"issuer", "R02_ISSUER_NOT_LISTED", "保証の発行者の値が正しくありません"});
  }
  if (!hosho::v1::Channel_IsValid(request.channel())) {
    v.push_back({"channel", "CHANNEL_INVALID", "受付の経路（channel）の値が正しくありません"});
  }
}

void CheckIssuerName(const Door& door, std::vector<FieldViolation>& v) {
  CheckText(v, "issuer_name", door.request.issuer_name(), 100, "発行者名");
}

void CheckAmount(const Door& door, std::vector<FieldViolation>& v) {
  if (door.request.requested_amount_yen() < 0 || door.request.requested_amount_yen() > 1'000'000'000'000) {
    v.push_back({"requested_amount_yen", "AMOUNT_INVALID", "請求金額が正しくありません"});
  }
}

// The cases a submission names: the returned one it answers, the one it amends and how.
void CheckCaseLinks(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  if (!request.resubmits_case_id().empty() && !IsCode(request.resubmits_case_id(), 64)) {
    v.push_back({"resubmits_case_id", "RESUBMITTED_CASE_NOT_FOUND", "再提出の対象とする案件番号が正しくありません"});
  }
  if (!request.supersedes_case_id().empty() && (request.amendment_kind() == hosho::v1::AMENDMENT_KIND_UNSPECIFIED ||
                                                !hosho::v1::AmendmentKind_IsValid(request.amendment_kind()))) {
    v.push_back({"amendment_kind", "AMENDMENT_KIND_MISSING", "変更の種類（増額・減額・工期延長）を指定してください"});
  } else if (request.supersedes_case_id().empty() &&
             request.amendment_kind() != hosho::v1::AMENDMENT_KIND_UNSPECIFIED) {
    v.push_back({"supersedes_case_id", "AMENDED_CASE_MISSING", "変更の対象とする案件番号を指定してください"});
  }
}

// R04: the certificate itself instead of the credential, as an upload or pasted as the secret.
void CheckR04Certificate(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  bool uploaded = false;
  for (int i = 0; i < request.uploads_size(); ++i) {
    if (request.uploads(i).kind() == hosho::v1::AttachmentRef::KIND_CERTIFICATE && !door.paper) {
      v.push_back({absl::StrCat("uploads[", i, "]"), "R04_CERTIFICATE_NOT_CREDENTIAL", kR04Message});
      uploaded = true;
    }
  }
  if (!uploaded && door.sent_certificate) {
    v.push_back({request.has_d_sure() ? "d_sure.authentication_key" : "confirmation_system.viewing_password",
                 "R04_CERTIFICATE_NOT_CREDENTIAL", kR04Message});
  }
}

// Attachments sent with the submission: PDFs of a declared kind, bounded in size and number.
void CheckUploads(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  const ScopePolicy& policy = door.policy;
  if (request.uploads_size() > policy.max_attachments) {
    v.push_back(
        {"uploads", "TOO_MANY_ATTACHMENTS", absl::StrCat("添付ファイルは", policy.max_attachments, "件までです")});
  }
  for (int i = 0; i < request.uploads_size(); ++i) {
    const auto& u = request.uploads(i);
    const std::string field = absl::StrCat("uploads[", i, "]");
    if (u.kind() == hosho::v1::AttachmentRef::KIND_UNSPECIFIED || !hosho::v1::AttachmentRef::Kind_IsValid(u.kind())) {
      v.push_back({field + ".kind", "ATTACHMENT_KIND_MISSING",
                   "添付ファイルの種類（請求書・発注者提出用フォーマット）を指定してください"});
    }
    if (u.content().empty()) {
      v.push_back({field + ".content", "ATTACHMENT_EMPTY", "添付ファイルが空です"});
    } else if (static_cast<int64_t>(u.content().size()) > policy.max_attachment_bytes) {
      v.push_back({field + ".content", "ATTACHMENT_TOO_LARGE",
                   absl::StrCat("添付ファイルは", SizeLimitText(policy.max_attachment_bytes), "以内にしてください")});
    } else if (u.media_type() != "application/pdf" || !absl::StartsWith(u.content(), "%PDF-")) {
      v.push_back({field + ".content", "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"});
    }
    if (!ValidAttachmentFilename(u.filename())) {
      v.push_back({field + ".filename", "ATTACHMENT_FILENAME_INVALID", kFilenameMessage});
    }
  }
}

// The same file twice would be stored once and listed twice on the case: a sender's slip, said.
void CheckDuplicateUploads(const Door& door, std::vector<FieldViolation>& v) {
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < door.request.uploads_size(); ++i) {
    const std::string& content = door.request.uploads(i).content();
    if (!content.empty() && !seen.insert(content).second) {
      v.push_back({absl::StrCat("uploads[", i, "].content"), "ATTACHMENT_DUPLICATE",
                   "同じ添付ファイルが2回以上含まれています"});
    }
  }
}

// Attachments named by reference get the checks an upload gets (the blob itself is checked by
// intake, which holds the store): a PDF of a declared kind with a safe name.
void CheckAttachmentRefs(const Door& door, std::vector<FieldViolation>& v) {
  for (int i = 0; i < door.request.attachments_size(); ++i) {
    const auto& a = door.request.attachments(i);
    const std::string field = absl::StrCat("attachments[", i, "]");
    if (a.kind() == hosho::v1::AttachmentRef::KIND_UNSPECIFIED || !hosho::v1::AttachmentRef::Kind_IsValid(a.kind())) {
      v.push_back({field + ".kind", "ATTACHMENT_KIND_MISSING",
                   "添付ファイルの種類（請求書・発注者提出用フォーマット）を指定してください"});
    }
    if (a.media_type() != "application/pdf") {
      v.push_back({field + ".media_type", "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"});
    }
    if (!ValidAttachmentFilename(a.filename())) {
      v.push_back({field + ".filename", "ATTACHMENT_FILENAME_INVALID", kFilenameMessage});
    }
  }
}

// R02: issuer eligibility (banks are eligible on paper only); the first reason only.
void CheckR02Issuer(const Door& door, std::vector<FieldViolation>& v) {
  const SubmitGuaranteeRequest& request = door.request;
  const auto kind = request.issuer_kind();
  const auto issuer = request.issuer();
  if (door.is_bank && !door.paper) {
    v.push_back(
        {"issuer_kind", "R02_BANK_NOT_ELIGIBLE", "金融機関の保証は電子保証の対象外です。紙の保証書を提出してください"});
  } else if (door.is_bank && request.kind() != hosho::v1::GUARANTEE_KIND_CONTRACT) {
    v.push_back({"kind", "R02_BANK_CONTRACT_ONLY", "金融機関の保証は契約保証のみが対象です"});
  } else if (door.is_bank && request.issuer_name().empty()) {
    v.push_back({"issuer_name", "R02_ISSUER_NAME_MISSING", "金融機関名を入力してください"});
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
}

// R01: the credential itself, complete and on the issuer's platform (a bank's is on paper, R02).
void CheckR01Credential(const Door& door, std::vector<FieldViolation>& v) {
  switch (door.request.credential_case()) {
    case SubmitGuaranteeRequest::kDSure:
      if (!door.is_bank) CheckDSure(door, v);
      break;
    case SubmitGuaranteeRequest::kConfirmationSystem:
      if (!door.is_bank) CheckConfirmationSystem(door, v);
      break;
    case SubmitGuaranteeRequest::kPaper:
      CheckPaper(door, v);
      break;
    default:
      if (!door.is_bank && !door.sent_certificate) {
        v.push_back({"credential", "R01_CREDENTIAL_MISSING",
                     "認証キー（D-Sure）または閲覧用URLとパスワード（保証証券等確認システム）を入力してください"});
      }
  }
}

// R03: the contract exists and is in scope (ordering office, work category).
void CheckR03Contract(const Door& door, std::vector<FieldViolation>& v) {
  if (!IsCode(door.request.contract_id(), 64)) return;  // refused for its shape, or absent
  if (door.contract == nullptr) {
    v.push_back({"contract_id", "R03_CONTRACT_NOT_FOUND", "指定された契約が見つかりません"});
    return;
  }
  const auto& offices = door.policy.ordering_offices;
  if (std::find(offices.begin(), offices.end(), door.contract->ordering_office()) == offices.end()) {
    v.push_back({"contract_id", "R03_OFFICE_OUT_OF_SCOPE",
                 "この契約の発注課は電子保証の対象外です（契約課・上下水道事業政策課の発注に限ります）"});
  }
  const auto& categories = door.policy.work_categories;
  if (std::find(categories.begin(), categories.end(), door.contract->work_category()) == categories.end()) {
    v.push_back({"contract_id", "R03_WORK_CATEGORY_OUT_OF_SCOPE",
                 "この契約の種類は電子保証の対象外です（建設工事・測量・建設コンサルタント等業務に限ります）"});
  }
}

// R15: the contract price reaches the city's threshold for the kind.
void CheckR15Threshold(const Door& door, std::vector<FieldViolation>& v) {
  // Only a contract a well-formed id names (R03 refused the rest).
  if (door.contract == nullptr || !IsCode(door.request.contract_id(), 64)) return;
  const hosho::v1::Contract* contract = door.contract;
  const auto kind = door.request.kind();
  const bool advance = kind == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT ||
                       kind == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT;
  if (kind == hosho::v1::GUARANTEE_KIND_CONTRACT &&
      contract->price_yen() < door.policy.contract_guarantee_min_price_yen) {
    v.push_back({"contract_id", "R15_BELOW_THRESHOLD",
                 absl::StrCat("この契約の請負代金額（", FormatYen(contract->price_yen()), "）は契約保証の対象額（",
                              FormatYen(door.policy.contract_guarantee_min_price_yen), "以上）に達していません")});
  } else if (advance && contract->price_yen() < door.policy.advance_min_price_yen) {
    v.push_back({"contract_id", "R15_BELOW_THRESHOLD",
                 absl::StrCat("この契約の請負代金額（", FormatYen(contract->price_yen()), "）は前払金の対象額（",
                              FormatYen(door.policy.advance_min_price_yen), "以上）に達していません")});
  }
}

// R05, its intake half: what the contractor wrote on the insurer's 発注者提出用フォーマット, beside the
// viewing URL (the city's guide asks for both), matched with the contract as R05 matches a certificate.
// Either may be absent: hosho.v1 callers from before the fields existed keep working, and the case then
// shows nothing stated. The contract's own values are not echoed: the refusal names the field, not
// another party's data.
void CheckR05StatedNames(const Door& door, std::vector<FieldViolation>& v) {
  if (door.contract == nullptr || !door.request.has_confirmation_system()) return;
  const auto& c = door.request.confirmation_system();
  const hosho::v1::Contract& contract = *door.contract;
  // A name already refused for its shape is not compared as well: one precise reason a field.
  auto refused = [&v](absl::string_view field) {
    return std::any_of(v.begin(), v.end(), [field](const FieldViolation& f) { return f.field == field; });
  };
  if (!c.project_name().empty() && !contract.project_name().empty() && !refused("confirmation_system.project_name") &&
      !SameStatedName(contract.project_name(), c.project_name(), false)) {
    v.push_back({"confirmation_system.project_name", "R05_PROJECT_MISMATCH",
                 absl::StrCat("発注者提出用フォーマットの工事名が契約（", door.request.contract_id(),
                              "）の工事名と一致しません")});
  }
  if (!c.contractor_name().empty() && !contract.contractor().name().empty() &&
      !refused("confirmation_system.contractor_name") &&
      !SameStatedName(contract.contractor().name(), c.contractor_name(), true)) {
    v.push_back({"confirmation_system.contractor_name", "R05_CONTRACTOR_MISMATCH",
                 absl::StrCat("発注者提出用フォーマットの受注者名が契約（", door.request.contract_id(),
                              "）の受注者名と一致しません")});
  }
}

// R03: insurers' electronic guarantees are accepted from the day their route opens.
void CheckR03Route(const Door& door, std::vector<FieldViolation>& v) {
  const ScopePolicy& policy = door.policy;
  if (door.request.issuer_kind() == hosho::v1::ISSUER_KIND_INSURER && !door.paper &&
      IsSet(policy.insurer_route_opens) && ToCivilDay(door.today) < ToCivilDay(policy.insurer_route_opens)) {
    v.push_back({"issuer_kind", "R03_ROUTE_NOT_OPEN",
                 "保険会社の電子保証は " + FormatDate(policy.insurer_route_opens) + " 以降に受け付けます"});
  }
}

}  // namespace hosho::door
