#include "services/routing/routing_rules.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/runtime/config.h"

namespace hosho {
namespace {

absl::StatusOr<OfficeRef> ParseOfficeRef(const std::string& value, const OfficeDirectory& offices,
                                         const std::string& where) {
  OfficeRef ref;
  if (value == "ordering_office") {
    ref.kind = OfficeRef::Kind::kOrderingOffice;
  } else if (value == "department_in_charge") {
    ref.kind = OfficeRef::Kind::kDepartmentInCharge;
  } else if (offices.Find(value) != nullptr) {
    ref.kind = OfficeRef::Kind::kFixed;
    ref.fixed = value;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": \"", value, "\" is neither ordering_office, department_in_charge nor an office of the directory"));
  }
  return ref;
}

bool Matches(const RoutingRule& rule, hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract) {
  if (rule.kind != kind) return false;
  return rule.ordering_offices.empty() || std::find(rule.ordering_offices.begin(), rule.ordering_offices.end(),
                                                    contract.ordering_office()) != rule.ordering_offices.end();
}

const RoutingRule* FindRule(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                            const RoutingPolicy& policy) {
  for (const RoutingRule& rule : policy.rules) {
    if (Matches(rule, kind, contract)) return &rule;
  }
  return nullptr;
}

}  // namespace

std::string OfficeRef::Resolve(const hosho::v1::Contract& contract) const {
  switch (kind) {
    case Kind::kOrderingOffice:
      return contract.ordering_office();
    case Kind::kDepartmentInCharge:
      return contract.department_in_charge();
    case Kind::kFixed:
      return fixed;
  }
  return "";
}

absl::StatusOr<RoutingPolicy> LoadRoutingPolicy(const Config& config, OfficeDirectory offices) {
  RoutingPolicy p;
  p.offices = std::move(offices);
  p.operator_office = config.GetString("operator_office", p.operator_office);
  if (p.offices.Find(p.operator_office) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("operator_office \"", p.operator_office, "\" is not an office of the directory"));
  }
  p.operator_deadline = absl::Hours(24 * config.GetInt("operator_deadline_days", 1));
  int index = 0;
  for (const Config& entry : config.GetList("rules")) {
    const std::string where = absl::StrCat("rules[", index++, "]");
    RoutingRule rule;
    hosho::v1::GuaranteeKind kind;
    if (!hosho::v1::GuaranteeKind_Parse("GUARANTEE_KIND_" + absl::AsciiStrToUpper(entry.GetString("kind")), &kind) ||
        kind == hosho::v1::GUARANTEE_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown kind \"", entry.GetString("kind"), "\""));
    }
    rule.kind = kind;
    rule.ordering_offices = entry.GetStringList("ordering_offices");
    for (const std::string& office : rule.ordering_offices) {
      if (p.offices.Find(office) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ordering office \"", office, "\" is not listed"));
      }
    }
    auto acts = ParseOfficeRef(entry.GetString("acts"), p.offices, where + ".acts");
    if (!acts.ok()) return acts.status();
    rule.acts = *acts;
    hosho::v1::HandoffAction action;
    if (!hosho::v1::HandoffAction_Parse("HANDOFF_ACTION_" + absl::AsciiStrToUpper(entry.GetString("action")),
                                        &action) ||
        (action != hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT &&
         action != hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": action \"", entry.GetString("action"),
                                                     "\" is not CONCLUDE_CONTRACT or PROCESS_PAYMENT"));
    }
    rule.action = action;
    const int64_t days = entry.GetInt("deadline_days", 0);
    const int64_t before = entry.GetInt("escalate_before_days", 0);
    if (days <= 0 || before < 0 || before >= days) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": deadline_days must be positive and escalate_before_days below it"));
    }
    rule.deadline = absl::Hours(24 * days);
    rule.escalate_before = absl::Hours(24 * before);
    if (entry.Has("forward_to")) {
      if (action != hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": only a CONCLUDE_CONTRACT rule forwards"));
      }
      auto forward = ParseOfficeRef(entry.GetString("forward_to"), p.offices, where + ".forward_to");
      if (!forward.ok()) return forward.status();
      rule.forward_to = *forward;
    }
    p.rules.push_back(std::move(rule));
  }
  if (p.rules.empty()) return absl::InvalidArgumentError("rules: no rule is listed");
  return p;
}

absl::StatusOr<RoutingPolicy> LoadRoutingPolicyFiles(const std::string& rules_file, const std::string& offices_file) {
  auto offices = OfficeDirectory::FromFile(offices_file);
  if (!offices.ok()) return offices.status();
  auto rules = Config::Load("", rules_file);
  if (!rules.ok()) return rules.status();
  auto policy = LoadRoutingPolicy(*rules, *std::move(offices));
  if (!policy.ok())
    return absl::Status(policy.status().code(), absl::StrCat(rules_file, ": ", policy.status().message()));
  return policy;
}

RoutingDecision DecideRouting(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              absl::Time requested_at, const RoutingPolicy& policy) {
  RoutingDecision d;
  const RoutingRule* rule = FindRule(kind, contract, policy);
  std::string why;
  if (rule == nullptr) {
    why =
        absl::StrCat(KindNameJa(kind), "（発注課 ", contract.ordering_office(), "）に当てはまる回付ルールがありません");
  } else {
    d.office = rule->acts.Resolve(contract);
    if (d.office.empty()) {
      why = "契約に回付先の課が登録されていません";
    } else if (policy.offices.Find(d.office) == nullptr) {
      why = absl::StrCat("回付先の課「", d.office, "」は課の一覧にありません");
    }
  }
  if (!why.empty()) {
    d.office = policy.operator_office;
    d.action = hosho::v1::HANDOFF_ACTION_OPERATOR_REVIEW;
    d.deadline = requested_at + policy.operator_deadline;
    d.escalate_at = d.deadline;
    d.to_operators = true;
    d.reason_ja = absl::StrCat(why, "。運用担当へ回しました");
    return d;
  }
  d.action = rule->action;
  d.deadline = requested_at + rule->deadline;
  d.escalate_at = d.deadline - rule->escalate_before;
  const std::string name = policy.offices.NameJa(d.office);
  const std::string by = absl::FormatTime("%Y-%m-%d", d.deadline, JapanTimeZone());
  d.reason_ja = d.action == hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT
                    ? absl::StrCat("契約締結のため", name, "へ回付しました（締結期限 ", by, "）")
                    : absl::StrCat("支払処理のため", name, "へ回付しました（支払期限 ", by, "）");
  return d;
}

ForwardDecision DecideForward(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              const RoutingPolicy& policy) {
  ForwardDecision f;
  const RoutingRule* rule = FindRule(kind, contract, policy);
  if (rule != nullptr && rule->forward_to.has_value()) {
    f.office = rule->forward_to->Resolve(contract);
    if (!f.office.empty() && policy.offices.Find(f.office) != nullptr) {
      f.reason_ja = absl::StrCat("契約締結後、", policy.offices.NameJa(f.office), "（工事担当課）へ送付しました");
      return f;
    }
  }
  f.office = policy.operator_office;
  f.to_operators = true;
  f.reason_ja = absl::StrCat("契約締結後の送付先（工事担当課「", contract.department_in_charge(),
                             "」）が課の一覧にないため運用担当へ回しました");
  return f;
}

}  // namespace hosho
