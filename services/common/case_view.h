#pragma once

#include "absl/strings/str_cat.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/auth.h"
#include "services/common/case_store.h"

namespace hosho {

// Case record field names shared by the services that write them and the
// read API that shows them.
namespace case_fields {
inline constexpr char kKind[] = "kind";
inline constexpr char kIssuerKind[] = "issuer_kind";
inline constexpr char kIssuer[] = "issuer";
inline constexpr char kPlatform[] = "platform";
inline constexpr char kContractId[] = "contract_id";
inline constexpr char kOrderingOffice[] = "ordering_office";
inline constexpr char kDepartment[] = "department_in_charge";
inline constexpr char kGuaranteeNumber[] = "guarantee_number";
inline constexpr char kChannel[] = "channel";
inline constexpr char kReceivedMs[] = "received_ms";
inline constexpr char kSupersedes[] = "supersedes_case_id";
inline constexpr char kSubmittedBy[] = "submitted_by";
inline constexpr char kCredentialKeyId[] = "credential_key_id";
inline constexpr char kAmountYen[] = "amount_yen";
inline constexpr char kRuleResults[] = "rule_results";  // serialized hosho.v1.Case with only rule_results
inline constexpr char kAction[] = "action";
inline constexpr char kDuplicateCount[] = "duplicate_count";
inline constexpr char kResubmits[] = "resubmits_case_id";
// After a contract change (hosho-verification's ContractRechecker): the contract version the guarantee
// was last checked against (serialized hosho.v1.Contract), what is owed (serialized
// hosho.v1.AmendedGuaranteeRequired, empty when nothing), and the amended guarantee that replaced it.
inline constexpr char kCheckedContract[] = "checked_contract";
inline constexpr char kAmendedGuarantee[] = "amended_guarantee";
inline constexpr char kSupersededBy[] = "superseded_by_case_id";
inline constexpr char kStatedProjectName[] = "stated_project_name";        // insurer's format: 工事名
inline constexpr char kStatedContractorName[] = "stated_contractor_name";  // insurer's format: 受注者名
inline constexpr char kSourceReceipt[] = "source_receipt";
inline constexpr char kAttachments[] = "attachments";  // serialized hosho.v1.Case with only attachments
}  // namespace case_fields

// The timer, per office, holding each case that waits for an amended guarantee (変更保証) after a
// contract change, due at its deadline: hosho-verification sets and clears it, ListCases and the
// console read it.
inline std::string AmendedGuaranteeTimer(absl::string_view office) {
  return absl::StrCat("amended-guarantee:", office);
}

// The cases of `offices` waiting for an amended guarantee, each office's soonest deadline first,
// `limit` from `offset` of the whole list.
absl::StatusOr<std::vector<std::string>> CasesAwaitingAmendedGuarantee(CaseStore& cases,
                                                                       const std::vector<std::string>& offices,
                                                                       int limit, int offset);

// Builds the API view of a stored case (state, fields, full history).
hosho::v1::Case CaseFromRecord(const CaseRecord& record);

// Serializes rule results for the kRuleResults field.
std::string EncodeRuleResults(const google::protobuf::RepeatedPtrField<hosho::v1::RuleResult>& results);

// May `principal` see this case? Operators, integrations and services see every
// case; clerks the cases of their office (ordering office, department in charge
// or the office now responsible); submitters the cases they submitted.
bool MaySee(const Principal& principal, const CaseRecord& record);

// The case `case_id` as `principal` may see it: INVALID_ARGUMENT CASE_ID_MISSING for an empty id;
// NOT_FOUND CASE_NOT_FOUND (field case_id) for a case that is not there *or* that the caller may
// not see (its existence is not confirmed); other store errors as they are.
absl::StatusOr<CaseRecord> VisibleCase(CaseStore& cases, const Principal& principal, const std::string& case_id);

}  // namespace hosho
