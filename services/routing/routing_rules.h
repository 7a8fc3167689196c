#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/domain/offices.h"

namespace hosho {

class Config;

// Which office of a contract a rule means.
struct OfficeRef {
  enum class Kind { kOrderingOffice, kDepartmentInCharge, kFixed };
  Kind kind = Kind::kOrderingOffice;
  std::string fixed;  // with kFixed
  std::string Resolve(const hosho::v1::Contract& contract) const;
};

// One line of deploy/routing/rules.yaml.
struct RoutingRule {
  hosho::v1::GuaranteeKind kind = hosho::v1::GUARANTEE_KIND_UNSPECIFIED;
  std::vector<std::string> ordering_offices;  // empty: any ordering office
  OfficeRef acts;
  hosho::v1::HandoffAction action = hosho::v1::HANDOFF_ACTION_UNSPECIFIED;
  absl::Duration deadline;
  absl::Duration escalate_before;
  std::optional<OfficeRef> forward_to;  // after the contract is concluded
};

struct RoutingPolicy {
  std::vector<RoutingRule> rules;
  std::string operator_office = "operators";
  absl::Duration operator_deadline = absl::Hours(24);
  OfficeDirectory offices;
};

// Reads the rules (`rules_config`, the parsed rules file) against the office directory. Every
// error names the rule: an unknown kind, action or office reference, a fixed office missing from
// the directory, a missing operator office.
absl::StatusOr<RoutingPolicy> LoadRoutingPolicy(const Config& rules_config, OfficeDirectory offices);
absl::StatusOr<RoutingPolicy> LoadRoutingPolicyFiles(const std::string& rules_file, const std::string& offices_file);

struct RoutingDecision {
  std::string office;
  hosho::v1::HandoffAction action = hosho::v1::HANDOFF_ACTION_UNSPECIFIED;
  absl::Time deadline;
  absl::Time escalate_at;  // 【期限間近】 reminder
  std::string reason_ja;
  bool to_operators = false;
};

// Who acts on a verified guarantee and what they must do; the first rule that matches the kind and
// the ordering office decides. No rule, or an office the directory does not know, sends the case to
// the operators, with the reason in Japanese.
RoutingDecision DecideRouting(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              absl::Time requested_at, const RoutingPolicy& policy);

// Where a concluded contract guarantee goes next (the department in charge, by the matching rule);
// the operators when the rule forwards nowhere known.
struct ForwardDecision {
  std::string office;
  std::string reason_ja;
  bool to_operators = false;
};
ForwardDecision DecideForward(hosho::v1::GuaranteeKind kind, const hosho::v1::Contract& contract,
                              const RoutingPolicy& policy);

}  // namespace hosho
