#include "services/routing/routing_rules.h"

#include "absl/strings/str_cat.h"
#include "services/common/config.h"
#include "services/common/domain_text.h"

namespace hosho {

RoutingPolicy RoutingPolicyFromConfig(const Config& config) {
  RoutingPolicy p;
  p.payment_deadline = absl::Hours(24 * config.GetInt("routing.payment_deadline_days", 14));
  p.conclusion_sla = absl::Hours(24 * config.GetInt("routing.conclusion_sla_days", 7));
  p.operator_office = config.GetString("routing.operator_office", p.operator_office);
  return p;
}

RoutingDecision DecideRouting(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              absl::Time requested_at, const RoutingPolicy& policy) {
  RoutingDecision d;
  switch (kind) {
    case hosho::v1::GUARANTEE_KIND_CONTRACT:
      d.office = contract.ordering_office();
      d.action = hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT;
      d.deadline = requested_at + policy.conclusion_sla;
      d.reason_ja = absl::StrCat("契約締結のため ", d.office, " へ回付しました");
      break;
    case hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT:
    case hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT:
      d.office = contract.department_in_charge();
      d.action = hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT;
      d.deadline = requested_at + policy.payment_deadline;
      d.reason_ja = absl::StrCat("支払処理のため ", d.office, " へ回付しました（支払期限 ",
                                 absl::FormatTime("%Y-%m-%d", d.deadline, JapanTimeZone()), "）");
      break;
    default:
      break;
  }
  if (d.office.empty() || d.action == hosho::v1::HANDOFF_ACTION_UNSPECIFIED) {
    d.office = policy.operator_office;
    d.action = hosho::v1::HANDOFF_ACTION_OPERATOR_REVIEW;
    d.deadline = requested_at + absl::Hours(24);
    d.reason_ja = "回付先を決められないため運用担当へ回しました";
  }
  return d;
}

}  // namespace hosho
