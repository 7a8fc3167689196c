#pragma once

namespace hosho {

// The fields of a case's Redis hash that more than one service reads or writes (besides state,
// office and the history): the case ledger's schema, in one place.
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

}  // namespace hosho
