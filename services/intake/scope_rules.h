#pragma once

#include <string>
#include <vector>

#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/runtime/errors.h"

namespace hosho {

class Config;

// Per-city scope settings (docs/domain.md).
struct ScopePolicy {
  // 行政部契約課 and 上下水道事業部上下水道事業政策課 by default.
  std::vector<std::string> ordering_offices = {"contract-division", "water-sewerage-policy"};
  std::vector<hosho::v1::WorkCategory> work_categories = {hosho::v1::WORK_CATEGORY_CONSTRUCTION,
                                                          hosho::v1::WORK_CATEGORY_SURVEYING_CONSULTING};
  // 令和8年4月1日: insurers' contract guarantees are checked on the confirmation system from this day.
  hosho::v1::Date insurer_route_opens;
  // R15: a contract guarantee is required (and accepted) from this contract price; advances
  // are paid on contracts from advance_min_price_yen.
  int64_t contract_guarantee_min_price_yen = 5'000'000;
  int64_t advance_min_price_yen = 1'000'000;
  // Attachments: PDFs only, each at most max_attachment_bytes, at most max_attachments.
  int64_t max_attachment_bytes = 5 * 1024 * 1024;
  int max_attachments = 5;
};

// scope.ordering_offices, scope.work_categories, scope.insurer_route_opens,
// scope.contract_guarantee_min_price_yen, scope.advance_min_price_yen,
// limits.max_attachment_bytes, limits.max_attachments.
ScopePolicy ScopePolicyFromConfig(const Config& config);

// How far back a caller-supplied submitted_on may lie (days before today in Japan).
inline constexpr int kSubmittedOnMaxDaysBack = 7;
// SUBMITTED_ON_INVALID unless submitted_on is absent, or a real day from kSubmittedOnMaxDaysBack
// days ago up to today.
std::vector<FieldViolation> CheckSubmittedOn(const hosho::v1::SubmitGuaranteeRequest& request,
                                             const hosho::v1::Date& today_in_japan);

// 工事名 and 受注者名 on the insurer's format: at most this many characters each.
inline constexpr size_t kStatedNameMaxChars = 200;

// The rules checked at the door, before anything is stored:
//   R01 the credential is complete (D-Sure: number + key; confirmation system: URL + password);
//   R02 the issuer is eligible (closed lists; banks never; insurers only for 契約保証);
//   R03 the contract is in scope (ordering office, work category) and the route is open on `today`;
//   R04 the submission is the credential, not a PDF or printout of the certificate;
//   R15 the contract price reaches the city's threshold for the kind;
//   R05 (its intake half) the 工事名 and 受注者名 written on the insurer's format, when given, are the
//       contract's, compared as verification compares a certificate (SameStatedName);
// and the shape of every field: identifiers, strict text without control characters or
// spreadsheet formulas, attachments (PDF, size, count). Paper guarantees (a clerk registers
// them) need no credential, and banks are eligible on paper.
// Call NormalizeSubmission first.
// `contract` is null when the contract id is unknown. Empty result: admitted.
std::vector<FieldViolation> CheckSubmission(const hosho::v1::SubmitGuaranteeRequest& request,
                                            const hosho::v1::Contract* contract, const ScopePolicy& policy,
                                            const hosho::v1::Date& today);

// NFKC and white space: guarantee numbers and ids in half-width, names collapsed
// (full-width digits, U+3000). Leaves secrets alone except for surrounding white space.
void NormalizeSubmission(hosho::v1::SubmitGuaranteeRequest& request);

// The gRPC code for a set of violations: NOT_FOUND for an unknown contract,
// FAILED_PRECONDITION for scope (R03), INVALID_ARGUMENT otherwise.
absl::StatusCode CodeFor(const std::vector<FieldViolation>& violations);

// The platform a request's credential belongs to.
hosho::v1::Platform PlatformOf(const hosho::v1::SubmitGuaranteeRequest& request);

}  // namespace hosho
