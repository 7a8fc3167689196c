#pragma once

#include <string>

#include "absl/time/time.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

class Config;

struct RoutingPolicy {
  // 公共工事標準請負契約約款: the city pays an advance within 14 days of the request.
  absl::Duration payment_deadline = absl::Hours(24 * 14);
  absl::Duration conclusion_sla = absl::Hours(24 * 7);
  std::string operator_office = "operators";  // where an unknown destination goes
};

RoutingPolicy RoutingPolicyFromConfig(const Config& config);

struct RoutingDecision {
  std::string office;
  hosho::v1::HandoffAction action = hosho::v1::HANDOFF_ACTION_UNSPECIFIED;
  absl::Time deadline;
  std::string reason_ja;
};

// Who acts on a verified guarantee, and what they must do:
//   契約保証 → the ordering office concludes the contract (then forwards to 工事担当課);
//   前払金・中間前払金 → the department in charge processes payment within the legal deadline.
// A contract without the needed office goes to the operators, never nowhere.
RoutingDecision DecideRouting(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              absl::Time requested_at, const RoutingPolicy& policy);

}  // namespace hosho
