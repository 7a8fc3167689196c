#pragma once

#include <string>
#include <vector>

#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/errors.h"

namespace hosho {

class Config;

// Per-city scope settings (domain §2, §4).
struct ScopePolicy {
  // 行政部契約課 and 上下水道事業部上下水道事業政策課 by default.
  std::vector<std::string> ordering_offices = {"contract-division", "water-sewerage-policy"};
  std::vector<hosho::v1::WorkCategory> work_categories = {hosho::v1::WORK_CATEGORY_CONSTRUCTION,
                                                          hosho::v1::WORK_CATEGORY_SURVEYING_CONSULTING};
  // 令和8年4月1日: insurers' contract guarantees are checked on the confirmation system from this day.
  hosho::v1::Date insurer_route_opens;
};

// scope.ordering_offices, scope.work_categories, scope.insurer_route_opens.
ScopePolicy ScopePolicyFromConfig(const Config& config);

// The rules checked at the door, before anything is stored:
//   R01 the credential is complete (D-Sure: number + key; confirmation system: URL + password);
//   R02 the issuer is eligible (closed lists; banks never; insurers only for 契約保証);
//   R03 the contract is in scope (ordering office, work category) and the route is open on `today`.
// `contract` is null when the contract id is unknown. Empty result: admitted.
std::vector<FieldViolation> CheckSubmission(const hosho::v1::SubmitGuaranteeRequest& request,
                                            const hosho::v1::Contract* contract, const ScopePolicy& policy,
                                            const hosho::v1::Date& today);

// The gRPC code for a set of violations: NOT_FOUND for an unknown contract,
// FAILED_PRECONDITION for scope (R03), INVALID_ARGUMENT otherwise.
absl::StatusCode CodeFor(const std::vector<FieldViolation>& violations);

// The platform a request's credential belongs to.
hosho::v1::Platform PlatformOf(const hosho::v1::SubmitGuaranteeRequest& request);

}  // namespace hosho
