#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

class Config;

// A fraction of the contract price, kept exact: 1/10 is 1/10, not 0.1 in binary.
struct Ratio {
  int64_t numerator = 0;
  int64_t denominator = 1;
  // "1/10", "3/10" or a decimal such as "0.4" (up to 6 places).
  static absl::StatusOr<Ratio> Parse(absl::string_view text);
  std::string ToString() const;  // "1/10"
};

// Rounding (stated): a minimum ("at least price × n/d") is rounded UP to the yen, a maximum ("at most
// price × n/d") DOWN to the yen, so that no amount passes that the exact fraction would not allow.
int64_t AtLeast(int64_t price, Ratio ratio);
int64_t AtMost(int64_t price, Ratio ratio);

// Per-city thresholds (docs/domain.md, "Rules on the certificate").
struct VerificationPolicy {
  Ratio contract_guarantee{1, 10};          // R06 ≥ 1/10
  Ratio low_bid_contract_guarantee{3, 10};  // R06 ≥ 3/10 for 低入札
  Ratio advance_max{4, 10};                 // R08 ≤ 4/10
  Ratio intermediate_max{2, 10};            // R10 ≤ 2/10
  Ratio advances_total_max{6, 10};          // R10 advance + intermediate ≤ 6/10
  // The 発注者 certificates must name when the contract does not say (the city's own, from
  // deploy/city/offices.yaml): R05 always compares the beneficiary.
  std::string city_beneficiary;
};

// rules.contract_guarantee_ratio, rules.low_bid_contract_guarantee_ratio, rules.advance_max_ratio,
// rules.intermediate_max_ratio, rules.advances_total_max_ratio ("1/10" or "0.1"). The city's
// beneficiary is set by the caller from the city's file (VerificationPolicyFromCityFile).
absl::StatusOr<VerificationPolicy> VerificationPolicyFromConfig(const Config& config);
// The policy with the city's beneficiary from `city.offices_file` (deploy/city/offices.yaml),
// which must give `city.beneficiary`: a city whose name R05 cannot check is a misconfiguration.
absl::StatusOr<VerificationPolicy> VerificationPolicyWithCity(const Config& config);

// What the rules know about the case besides the submission (earlier arrivals, R14).
struct RuleContext {
  int duplicate_count = 0;
};

// R05–R14 over what the platform shows, the contract (with its amendments) carried by the
// submission, and the case. R06–R14 answer once each and R05 once per item compared (kind, 発注者,
// 受注者, 工事名, 工事場所): PASS, FAIL, WARN or N_A, each with a code and a Japanese explanation
// naming the expected and the found values. Names compare after NFKC with
// company forms unified (株式会社 = (株) = ㈱) and white space removed.
std::vector<hosho::v1::RuleResult> ApplyCertificateRules(const hosho::events::v1::SubmissionReceived& submission,
                                                         const hosho::v1::CertificateRecord& certificate,
                                                         const VerificationPolicy& policy,
                                                         const RuleContext& context = {});

// A contract changed after the guarantee was checked against `checked` (the terms of its verdict):
// the rules that depend on the price and the completion date, run on `changed`, always against the
// terms the certificate was checked on, so that what one version asked for is still asked after a
// later version that changes something else. Empty when neither term differs from `checked`.
//   契約保証: R13 (R06 on the price as it is now) when the price differs, R07 when the completion
//             date differs; a reduction that R13 still passes asks nothing (the guarantee may be
//             reduced at the contractor's request; nothing is owed);
//   前払金・中間前払金: R09 when the completion date differs; after a reduction, R12: the advance over
//             the new cap (4/10, 2/10 for an intermediate advance) needs the amended certificate right
//             after the reduction, paid or not (a paid one is repaid down to the cap); after a rise, R11
//             as a WARN while the advance is not paid (raising it needs the amended certificate before
//             it is paid; nothing is owed until it is raised).
// A FAIL means an amended guarantee (変更保証) is owed.
std::vector<hosho::v1::RuleResult> RecheckAfterContractChange(const hosho::v1::CertificateRecord& certificate,
                                                              hosho::v1::GuaranteeKind kind,
                                                              const hosho::v1::Contract& checked,
                                                              const hosho::v1::Contract& changed,
                                                              const VerificationPolicy& policy, bool advance_paid);

// True when no rule failed (warnings allow the verdict VERIFIED).
bool AllPassed(const std::vector<hosho::v1::RuleResult>& results);

}  // namespace hosho
