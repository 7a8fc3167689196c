#pragma once

#include <vector>

#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/runtime/errors.h"
#include "services/intake/scope_rules.h"

// The rules at the door, one function each. CheckSubmission (scope_rules.h) walks them in a fixed
// order; each appends its violations to `v`, so a rule may look at what an earlier one refused.
namespace hosho::door {

// What the rules read: the normalized request, its contract (null when unknown), the policy and the
// day, and what several rules derive from them.
struct Door {
  const hosho::v1::SubmitGuaranteeRequest& request;
  const hosho::v1::Contract* contract;
  const ScopePolicy& policy;
  const hosho::v1::Date& today;
  bool paper;
  bool is_bank;
  // R04 found the certificate instead of the credential: R01 then says nothing more of the secret.
  bool sent_certificate;
};

// One rule: appends its violations, in the order a caller reads them.
using Rule = void (*)(const Door& door, std::vector<FieldViolation>& v);

// A certificate uploaded (not on paper), or a secret that is really the certificate's file.
bool SentCertificate(const hosho::v1::SubmitGuaranteeRequest& request);

// client_request_id, kind, contract_id, source_receipt: the identifiers everything is keyed on.
void CheckIdentifiers(const Door& door, std::vector<FieldViolation>& v);
// issuer_kind, issuer, channel: enum values a newer or careless client may send as numbers.
void CheckEnumValues(const Door& door, std::vector<FieldViolation>& v);
// issuer_name: strict text.
void CheckIssuerName(const Door& door, std::vector<FieldViolation>& v);
// requested_amount_yen.
void CheckAmount(const Door& door, std::vector<FieldViolation>& v);
// resubmits_case_id, supersedes_case_id and amendment_kind: the cases a submission names.
void CheckCaseLinks(const Door& door, std::vector<FieldViolation>& v);
// R04: the certificate itself instead of the credential.
void CheckR04Certificate(const Door& door, std::vector<FieldViolation>& v);
// uploads: PDFs of a declared kind, bounded in size and number, with safe names.
void CheckUploads(const Door& door, std::vector<FieldViolation>& v);
// uploads: the same file twice.
void CheckDuplicateUploads(const Door& door, std::vector<FieldViolation>& v);
// attachments: references get the checks an upload gets.
void CheckAttachmentRefs(const Door& door, std::vector<FieldViolation>& v);
// R02: the issuer is eligible (closed lists; banks on paper only; insurers for 契約保証 only).
void CheckR02Issuer(const Door& door, std::vector<FieldViolation>& v);
// R01: the credential is complete and on the issuer's platform; a paper guarantee's number and date.
void CheckR01Credential(const Door& door, std::vector<FieldViolation>& v);
// R03: the contract exists and is in scope (ordering office, work category).
void CheckR03Contract(const Door& door, std::vector<FieldViolation>& v);
// R15: the contract price reaches the city's threshold for the kind.
void CheckR15Threshold(const Door& door, std::vector<FieldViolation>& v);
// R05, its intake half: the 工事名 and 受注者名 stated on the insurer's format are the contract's.
void CheckR05StatedNames(const Door& door, std::vector<FieldViolation>& v);
// R03: the insurers' route is open on the day.
void CheckR03Route(const Door& door, std::vector<FieldViolation>& v);

}  // namespace hosho::door
