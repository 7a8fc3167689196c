#pragma once

#include "absl/strings/str_cat.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/store/case_fields.h"
#include "services/common/store/case_store.h"

namespace hosho {

// Case record field names shared by the services that write them and the
// read API that shows them.

// The timer, per office, holding each case that waits for an amended guarantee (変更保証) after a
// contract change, due at its deadline: hosho-verification sets and clears it, ListCases and the
// console read it.
inline std::string AmendedGuaranteeTimer(absl::string_view office) {
  return absl::StrCat("amended-guarantee:", office);
}

// The cases of `offices` waiting for an amended guarantee, each office's soonest deadline first,
// `limit` from `offset` of the whole list.
absl::StatusOr<std::vector<std::string>> CasesAwaitingAmendedGuarantee(CaseTimers& timers,
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
absl::StatusOr<CaseRecord> VisibleCase(CaseLedger& cases, const Principal& principal, const std::string& case_id);

}  // namespace hosho
