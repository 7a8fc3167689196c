#pragma once

#include <vector>

#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

class Config;

// Per-city thresholds (domain §4), as fractions of the contract price.
struct VerificationPolicy {
  double contract_guarantee_ratio = 0.1;          // R06 ≥ 1/10
  double low_bid_contract_guarantee_ratio = 0.3;  // R06 ≥ 3/10 for 低入札
  double advance_max_ratio = 0.4;                 // R08 ≤ 4/10
  double intermediate_max_ratio = 0.2;            // R10 ≤ 2/10
  double advances_total_max_ratio = 0.6;          // R10 advance + intermediate ≤ 6/10
};

VerificationPolicy VerificationPolicyFromConfig(const Config& config);

// Applies R05–R10 to what the platform shows, against the contract carried by
// the submission. Every applicable rule yields one result, passed or not.
std::vector<hosho::v1::RuleResult> ApplyCertificateRules(const hosho::events::v1::SubmissionReceived& submission,
                                                         const hosho::v1::CertificateRecord& certificate,
                                                         const VerificationPolicy& policy);

// True when no result failed.
bool AllPassed(const std::vector<hosho::v1::RuleResult>& results);

}  // namespace hosho
