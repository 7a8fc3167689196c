#include "services/console/ledger.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/errors.h"
#include "services/common/tabular/csv.h"
#include "services/common/tabular/xlsx.h"
#include "services/common/text/text.h"
#include "services/console/i18n.h"

namespace hosho {
namespace {

using hosho::v1::ExportLedgerRequest;

// Case ids read from the received-time index per round trip while a ledger is collected.
constexpr int kIdsPerRead = 500;

absl::Status Refused(absl::StatusCode code, const char* field, const char* reason, std::string message) {
  return ViolationStatus(code, {{field, reason, std::move(message)}});
}

absl::Status TooLarge() {
  return Refused(absl::StatusCode::kInvalidArgument, "received_to", "LEDGER_TOO_LARGE",
                 absl::StrCat("出力する案件が多すぎます（", kLedgerMaxRows, "件・", kLedgerMaxBytes / (1024 * 1024),
                              "MBまで）。受付期間を短くしてください"));
}

std::string JstDate(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%Y-%m-%d", FromProto(at), JapanTimeZone());
}

std::string JstMinute(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProto(at), JapanTimeZone());
}

std::string ChannelNameJa(hosho::v1::Channel channel) {
  switch (channel) {
    case hosho::v1::CHANNEL_API:
      return "API";
    case hosho::v1::CHANNEL_WEB_FORM:
      return "Webフォーム";
    case hosho::v1::CHANNEL_EMAIL:
      return "メール";
    case hosho::v1::CHANNEL_PAPER:
      return "紙";
    default:
      return "";
  }
}

std::string AmendmentNameJa(hosho::v1::AmendmentKind kind) {
  switch (kind) {
    case hosho::v1::AMENDMENT_KIND_INCREASE:
      return "増額";
    case hosho::v1::AMENDMENT_KIND_DECREASE:
      return "減額";
    case hosho::v1::AMENDMENT_KIND_EXTENSION:
      return "工期延長";
    default:
      return "";
  }
}

std::string OfficeName(const OfficeDirectory* offices, const std::string& code) {
  if (code.empty()) return "";
  if (code == "operators") return "運用担当";
  return offices == nullptr ? code : offices->NameJa(code);
}

// The first time the case entered `state`, as a date; empty when it never did.
std::string DayEntered(const hosho::v1::Case& c, hosho::v1::CaseState state) {
  for (const auto& h : c.history()) {
    if (h.to_state() == state && h.from_state() != state) return JstDate(h.at());
  }
  return "";
}

// The history entry that decided the verdict (VERIFIED or RETURNED by a check), if any.
const hosho::v1::HistoryEntry* VerdictEntry(const hosho::v1::Case& c) {
  for (const auto& h : c.history()) {
    if (absl::EndsWith(h.event_id(), ":verified")) return &h;
  }
  return nullptr;
}

std::string Yen(int64_t yen) { return yen > 0 ? std::to_string(yen) : ""; }

absl::StatusOr<absl::CivilDay> Day(const hosho::v1::Date& date, const char* field, const char* label) {
  if (!IsSet(date) || !IsValidDate(date)) {
    return Refused(absl::StatusCode::kInvalidArgument, field, "LEDGER_PERIOD_INVALID",
                   absl::StrCat(label, "を正しい日付（YYYY-MM-DD）で指定してください"));
  }
  return ToCivilDay(date);
}

absl::Status CheckOffice(const Principal& principal, const OfficeDirectory* offices, std::string* office) {
  switch (principal.role) {
    case Role::kClerk:
      if (office->empty()) *office = principal.office;
      if (principal.office.empty() || *office != principal.office) {
        return Refused(absl::StatusCode::kPermissionDenied, "office", "LEDGER_OFFICE_NOT_ALLOWED",
                       "保証台帳は自課の分のみ出力できます");
      }
      return absl::OkStatus();
    case Role::kOperator:
    case Role::kIntegration:
    case Role::kService:
      if (office->empty()) {
        return Refused(absl::StatusCode::kInvalidArgument, "office", "LEDGER_OFFICE_MISSING",
                       "出力する課（全課は *）を指定してください");
      }
      if (*office != kEveryOffice && offices != nullptr && offices->Find(*office) == nullptr) {
        return Refused(absl::StatusCode::kInvalidArgument, "office", "LEDGER_OFFICE_UNKNOWN",
                       "指定された課は市の課の一覧にありません");
      }
      return absl::OkStatus();
    default:
      return Refused(absl::StatusCode::kPermissionDenied, "authorization", "ROLE_NOT_ALLOWED",
                     "保証台帳を出力する権限がありません");
  }
}

// Does the case belong to that office's ledger?
bool InLedger(const CaseSummary& summary, const std::string& office) {
  return office == kEveryOffice || summary.office == office || summary.ordering_office == office ||
         summary.department == office;
}

// The event the case stored with `<case><suffix>` (":submitted", ":verified"); false when none.
absl::StatusOr<bool> StoredEvent(CaseStore& cases, const std::string& case_id, absl::string_view suffix,
                                 hosho::events::v1::Envelope* envelope) {
  auto payload = cases.AppliedPayload(case_id, absl::StrCat(case_id, suffix));
  if (absl::IsNotFound(payload.status())) return false;
  if (!payload.ok()) return payload.status();
  return envelope->ParseFromString(*payload);
}

// The verification's columns: the verdict, the rules that failed or warned, who checked and when.
struct CheckColumns {
  std::string verdict;
  std::string rule_codes;
  std::string checked_by;
  std::string checked_at;
};

CheckColumns CheckColumnsFor(const hosho::v1::Case& c, const hosho::events::v1::VerificationCompleted* verification) {
  CheckColumns check;
  if (verification != nullptr) {
    check.verdict =
        verification->verdict() == hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED ? "適合" : "不適合";
    check.checked_by = verification->verified_by();
    std::vector<std::string> codes;
    for (const auto& r : verification->rule_results()) {
      if (r.outcome() == hosho::v1::RuleResult::OUTCOME_FAIL || r.outcome() == hosho::v1::RuleResult::OUTCOME_WARN ||
          (r.outcome() == hosho::v1::RuleResult::OUTCOME_UNSPECIFIED && !r.passed())) {
        codes.push_back(r.code());
      }
    }
    check.rule_codes = absl::StrJoin(codes, " ");
  }
  if (const hosho::v1::HistoryEntry* decided = VerdictEntry(c); decided != nullptr) {
    check.checked_at = JstMinute(decided->at());
    if (check.checked_by.empty()) check.checked_by = decided->actor();
  }
  return check;
}

}  // namespace

absl::StatusOr<LedgerQuery> LedgerQueryFor(const Principal& principal, const ExportLedgerRequest& request,
                                           const OfficeDirectory* offices) {
  LedgerQuery query;
  query.office = request.office();
  if (absl::Status s = CheckOffice(principal, offices, &query.office); !s.ok()) return s;
  auto from = Day(request.received_from(), "received_from", "受付期間の初日");
  if (!from.ok()) return from.status();
  auto to = Day(request.received_to(), "received_to", "受付期間の末日");
  if (!to.ok()) return to.status();
  if (*to < *from || *to - *from >= kLedgerMaxDays) {
    return Refused(absl::StatusCode::kInvalidArgument, "received_to", "LEDGER_PERIOD_INVALID",
                   absl::StrCat("受付期間は初日から末日まで", kLedgerMaxDays, "日以内で指定してください"));
  }
  query.received_from = *from;
  query.received_to = *to;
  if (!hosho::v1::GuaranteeKind_IsValid(request.kind())) {
    return Refused(absl::StatusCode::kInvalidArgument, "kind", "KIND_INVALID", "保証の種類が正しくありません");
  }
  if (!hosho::v1::CaseState_IsValid(request.state())) {
    return Refused(absl::StatusCode::kInvalidArgument, "state", "STATE_INVALID", "案件の状態が正しくありません");
  }
  if (!ExportLedgerRequest::Format_IsValid(request.format())) {
    return Refused(absl::StatusCode::kInvalidArgument, "format", "FORMAT_INVALID",
                   "出力形式は CSV（UTF-8・Shift_JIS）または xlsx です");
  }
  query.kind = request.kind();
  query.state = request.state();
  query.format = request.format() == ExportLedgerRequest::FORMAT_UNSPECIFIED ? ExportLedgerRequest::FORMAT_CSV_UTF8
                                                                             : request.format();
  return query;
}

const std::vector<std::string>& LedgerHeader() {
  static const std::vector<std::string> header = {"案件番号",
                                                  "状態",
                                                  "受付日時",
                                                  "受付経路",
                                                  "担当課（現在）",
                                                  "発注課",
                                                  "工事担当課",
                                                  "契約ID",
                                                  "工事番号",
                                                  "工事名",
                                                  "受注者",
                                                  "保証の種類",
                                                  "発行者",
                                                  "保証番号",
                                                  "保証金額（円）",
                                                  "前払金額（円）",
                                                  "請求額（円）",
                                                  "保証期間（始期）",
                                                  "保証期間（終期）",
                                                  "判定",
                                                  "不適合・注意のルール",
                                                  "確認者",
                                                  "確認日時",
                                                  "契約締結日",
                                                  "送付日",
                                                  "支払引継日",
                                                  "完了日",
                                                  "取下げ日",
                                                  "差戻し日",
                                                  "変更前の案件番号",
                                                  "変更の種類",
                                                  "変更後の案件番号",
                                                  "変更保証の提出期限"};
  return header;
}

std::vector<std::string> LedgerRowFor(const hosho::v1::Case& c, const hosho::events::v1::SubmissionReceived* submission,
                                      const hosho::events::v1::VerificationCompleted* verification,
                                      const OfficeDirectory* offices) {
  static const hosho::v1::Contract kNoContract;
  static const hosho::v1::CertificateRecord kNoCertificate;
  const hosho::v1::Contract& contract = submission != nullptr ? submission->contract() : kNoContract;
  const hosho::v1::CertificateRecord& certificate =
      verification != nullptr ? verification->certificate() : kNoCertificate;
  std::string issuer = c.issuer() == hosho::v1::ISSUER_BANK || c.issuer() == hosho::v1::ISSUER_OTHER
                           ? (submission != nullptr ? submission->issuer_name() : "")
                           : IssuerNameJa(c.issuer());
  const CheckColumns check = CheckColumnsFor(c, verification);
  const std::string project = !contract.project_name().empty() ? contract.project_name() : c.stated_project_name();
  const std::string contractor =
      !contract.contractor().name().empty() ? contract.contractor().name() : c.stated_contractor_name();
  return {c.case_id(),
          StateLabel(Lang::kJa, StateName(c.state())),
          JstMinute(c.received_at()),
          ChannelNameJa(c.channel()),
          OfficeName(offices, c.office()),
          OfficeName(offices, contract.ordering_office()),
          OfficeName(offices, contract.department_in_charge()),
          c.contract_id(),
          contract.contract_number(),
          project,
          contractor,
          KindNameJa(c.kind()),
          issuer,
          c.guarantee_number(),
          Yen(certificate.guaranteed_amount_yen()),
          Yen(certificate.advance_amount_yen()),
          Yen(c.amount_yen()),
          IsSet(certificate.period_start()) ? FormatDate(certificate.period_start()) : "",
          IsSet(certificate.period_end()) ? FormatDate(certificate.period_end()) : "",
          check.verdict,
          check.rule_codes,
          check.checked_by,
          check.checked_at,
          DayEntered(c, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED),
          DayEntered(c, hosho::v1::CASE_STATE_FORWARDED),
          DayEntered(c, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF),
          DayEntered(c, hosho::v1::CASE_STATE_CLOSED),
          DayEntered(c, hosho::v1::CASE_STATE_WITHDRAWN),
          DayEntered(c, hosho::v1::CASE_STATE_RETURNED),
          c.supersedes_case_id(),
          AmendmentNameJa(c.amendment_kind()),
          c.superseded_by_case_id(),
          c.has_amended_guarantee_required() ? JstDate(c.amended_guarantee_required().deadline()) : ""};
}

absl::StatusOr<std::vector<std::vector<std::string>>> CollectLedger(CaseStore& cases, const LedgerQuery& query,
                                                                    const OfficeDirectory* offices,
                                                                    const std::function<bool()>& cancelled) {
  auto gone = [&cancelled] { return cancelled && cancelled(); };
  const absl::Time from = absl::FromCivil(query.received_from, JapanTimeZone());
  const absl::Time to = absl::FromCivil(query.received_to + 1, JapanTimeZone());
  // 1. Which cases, from their summaries (one round trip a page): counted before any is loaded.
  std::vector<std::string> selected;
  absl::flat_hash_set<std::string> seen;  // a case indexed again while paging is listed once
  for (int offset = 0;; offset += kIdsPerRead) {
    if (gone()) return absl::CancelledError("the caller has gone");
    auto ids = cases.ListReceived(from, to, kIdsPerRead, offset);
    if (!ids.ok()) return ids.status();
    auto summaries = cases.Summaries(*ids);
    if (!summaries.ok()) return summaries.status();
    for (const CaseSummary& summary : *summaries) {
      if (!InLedger(summary, query.office) || !seen.insert(summary.case_id).second) continue;
      if (query.state != hosho::v1::CASE_STATE_UNSPECIFIED && summary.state != StateName(query.state)) continue;
      if (query.kind != hosho::v1::GUARANTEE_KIND_UNSPECIFIED && summary.kind != std::to_string(query.kind)) continue;
      selected.push_back(summary.case_id);
    }
    if (static_cast<int>(selected.size()) > kLedgerMaxRows) return TooLarge();
    if (static_cast<int>(ids->size()) < kIdsPerRead) break;
  }
  // 2. Each selected case with the events it stored when received and when checked.
  std::vector<std::vector<std::string>> rows;
  rows.reserve(selected.size());
  for (const std::string& id : selected) {
    if (gone()) return absl::CancelledError("the caller has gone");
    auto record = cases.Get(id);
    if (absl::IsNotFound(record.status())) continue;
    if (!record.ok()) return record.status();
    hosho::events::v1::Envelope submitted;
    hosho::events::v1::Envelope verified;
    auto has_submission = StoredEvent(cases, id, ":submitted", &submitted);
    if (!has_submission.ok()) return has_submission.status();
    auto has_verdict = StoredEvent(cases, id, ":verified", &verified);
    if (!has_verdict.ok()) return has_verdict.status();
    rows.push_back(LedgerRowFor(
        CaseFromRecord(*record),
        *has_submission && submitted.has_submission_received() ? &submitted.submission_received() : nullptr,
        *has_verdict && verified.has_verification_completed() ? &verified.verification_completed() : nullptr, offices));
  }
  return rows;
}

absl::StatusOr<hosho::v1::ExportLedgerResponse> RenderLedger(const LedgerQuery& query,
                                                             const std::vector<std::vector<std::string>>& rows) {
  hosho::v1::ExportLedgerResponse response;
  response.set_rows(static_cast<int32_t>(rows.size()));
  const std::string stem =
      absl::StrCat("保証台帳_", query.office == kEveryOffice ? "all" : query.office, "_",
                   absl::FormatCivilTime(query.received_from), "_", absl::FormatCivilTime(query.received_to));
  if (query.format == ExportLedgerRequest::FORMAT_XLSX) {
    // The amounts are numbers a clerk sums; every other cell stays text.
    std::vector<bool> numeric;
    for (const std::string& heading : LedgerHeader()) numeric.push_back(absl::EndsWith(heading, "（円）"));
    auto workbook = TextWorkbook("保証台帳", LedgerHeader(), rows, numeric);
    if (!workbook.ok()) return workbook.status();
    if (workbook->size() > kLedgerMaxBytes) return TooLarge();
    response.set_content(*std::move(workbook));
    response.set_filename(stem + ".xlsx");
    response.set_media_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    return response;
  }
  std::string text;
  auto append_line = [&text](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) absl::StrAppend(&text, i == 0 ? "" : ",", CsvCell(cells[i]));
    absl::StrAppend(&text, "\r\n");
  };
  append_line(LedgerHeader());
  for (const auto& row : rows) append_line(row);
  if (text.size() > kLedgerMaxBytes) return TooLarge();
  if (query.format == ExportLedgerRequest::FORMAT_CSV_CP932) {
    auto encoded = FromUtf8(text, "windows-31j");
    if (!encoded.ok()) return encoded.status();
    response.set_content(*std::move(encoded));
    response.set_filename(stem + "_sjis.csv");
    response.set_media_type("text/csv; charset=windows-31j");
  } else {
    response.set_content(absl::StrCat("\xEF\xBB\xBF", text));
    response.set_filename(stem + ".csv");
    response.set_media_type("text/csv; charset=UTF-8");
  }
  return response;
}

}  // namespace hosho
