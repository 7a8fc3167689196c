#include "services/common/domain/case_view.h"

#include "absl/strings/numbers.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/errors.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {
int64_t ToInt(const std::string& text) {
  int64_t v = 0;
  return absl::SimpleAtoi(text, &v) ? v : 0;
}
}  // namespace

std::string EncodeRuleResults(const google::protobuf::RepeatedPtrField<hosho::v1::RuleResult>& results) {
  hosho::v1::Case holder;
  *holder.mutable_rule_results() = results;
  return holder.SerializeAsString();
}

absl::StatusOr<std::vector<std::string>> CasesAwaitingAmendedGuarantee(CaseTimers& timers,
                                                                       const std::vector<std::string>& offices,
                                                                       int limit, int offset) {
  std::vector<std::string> ids;
  for (const std::string& office : offices) {
    auto due = timers.DueTimers(AmendedGuaranteeTimer(office), absl::InfiniteFuture(), offset + limit);
    if (!due.ok()) return due.status();
    ids.insert(ids.end(), due->begin(), due->end());
  }
  if (static_cast<int>(ids.size()) <= offset) return std::vector<std::string>{};
  ids.erase(ids.begin(), ids.begin() + offset);
  if (static_cast<int>(ids.size()) > limit) ids.resize(limit);
  return ids;
}

hosho::v1::Case CaseFromRecord(const CaseRecord& record) {
  namespace f = case_fields;
  hosho::v1::Case c;
  c.set_case_id(record.case_id);
  c.set_state(ParseStateName(record.Field("state")));
  c.set_version(ToInt(record.Field("version")));
  c.set_kind(static_cast<hosho::v1::GuaranteeKind>(ToInt(record.Field(f::kKind))));
  c.set_issuer_kind(static_cast<hosho::v1::IssuerKind>(ToInt(record.Field(f::kIssuerKind))));
  c.set_issuer(static_cast<hosho::v1::Issuer>(ToInt(record.Field(f::kIssuer))));
  c.set_platform(static_cast<hosho::v1::Platform>(ToInt(record.Field(f::kPlatform))));
  c.set_channel(static_cast<hosho::v1::Channel>(ToInt(record.Field(f::kChannel))));
  c.set_action(static_cast<hosho::v1::HandoffAction>(ToInt(record.Field(f::kAction))));
  c.set_contract_id(record.Field(f::kContractId));
  c.set_office(record.Field("office"));
  c.set_guarantee_number(record.Field(f::kGuaranteeNumber));
  c.set_supersedes_case_id(record.Field(f::kSupersedes));
  c.set_credential_key_id(record.Field(f::kCredentialKeyId));
  c.set_amount_yen(ToInt(record.Field(f::kAmountYen)));
  c.set_duplicate_count(static_cast<int32_t>(ToInt(record.Field(f::kDuplicateCount))));
  c.set_source_receipt(record.Field(f::kSourceReceipt));
  c.set_waiting_reason(RepairUtf8(record.Field("waiting_reason")));
  c.set_resubmits_case_id(record.Field(f::kResubmits));
  c.set_stated_project_name(RepairUtf8(record.Field(f::kStatedProjectName)));
  c.set_stated_contractor_name(RepairUtf8(record.Field(f::kStatedContractorName)));
  c.set_superseded_by_case_id(record.Field(f::kSupersededBy));
  if (const std::string owed = record.Field(f::kAmendedGuarantee); !owed.empty()) {
    // An unreadable record is shown as nothing owed rather than failing the whole case.
    if (!c.mutable_amended_guarantee_required()->ParseFromString(owed)) c.clear_amended_guarantee_required();
  }
  if (const std::string attachments = record.Field(f::kAttachments); !attachments.empty()) {
    hosho::v1::Case holder;
    if (holder.ParseFromString(attachments)) *c.mutable_attachments() = holder.attachments();
  }
  *c.mutable_received_at() = ToProto(absl::FromUnixMillis(ToInt(record.Field(f::kReceivedMs))));
  *c.mutable_updated_at() = ToProto(absl::FromUnixMillis(ToInt(record.Field("updated_ms"))));
  if (const std::string deadline = record.Field("deadline_ms"); !deadline.empty()) {
    *c.mutable_deadline() = ToProto(absl::FromUnixMillis(ToInt(deadline)));
  }
  if (const std::string rules = record.Field(f::kRuleResults); !rules.empty()) {
    hosho::v1::Case holder;
    if (holder.ParseFromString(rules)) *c.mutable_rule_results() = holder.rule_results();
  }
  for (const HistoryRecord& h : record.history) {
    auto* e = c.add_history();
    e->set_version(h.version);
    e->set_from_state(ParseStateName(h.from_state));
    e->set_to_state(ParseStateName(h.to_state));
    e->set_actor(RepairUtf8(h.actor));
    e->set_reason(RepairUtf8(h.reason));
    e->set_event_id(h.event_id);
    *e->mutable_at() = ToProto(h.at);
  }
  return c;
}

absl::StatusOr<CaseRecord> VisibleCase(CaseLedger& cases, const Principal& principal, const std::string& case_id) {
  if (case_id.empty()) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           {{"case_id", "CASE_ID_MISSING", "案件番号を指定してください"}});
  }
  const absl::Status not_found =
      ViolationStatus(absl::StatusCode::kNotFound, {{"case_id", "CASE_NOT_FOUND", "案件が見つかりません"}});
  // An id no case can have is not looked up (a key made of a caller's text).
  if (case_id.size() > 64 || case_id.find_first_of(" /\\{}") != std::string::npos) return not_found;
  auto record = cases.Get(case_id);
  if (absl::IsNotFound(record.status())) return not_found;
  if (!record.ok()) return record.status();
  if (!MaySee(principal, *record)) return not_found;
  return record;
}

bool MaySee(const Principal& principal, const CaseRecord& record) {
  switch (principal.role) {
    case Role::kOperator:
    case Role::kIntegration:
    case Role::kService:
      return true;
    case Role::kClerk:
      return !principal.office.empty() && (principal.office == record.Field("office") ||
                                           principal.office == record.Field(case_fields::kOrderingOffice) ||
                                           principal.office == record.Field(case_fields::kDepartment));
    case Role::kSubmitter:
      return principal.name == record.Field(case_fields::kSubmittedBy);
  }
  return false;
}

}  // namespace hosho
