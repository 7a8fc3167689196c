#include "services/routing/routing_rules.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/runtime/config.h"
#include "tests/support/fixtures.h"

namespace hosho {
namespace {

// The rules and offices the repository ships (deploy/routing/rules.yaml, deploy/city/offices.yaml).
RoutingPolicy Shipped() {
  auto policy = LoadRoutingPolicyFiles(std::string(HOSHO_SOURCE_DIR) + "/deploy/routing/rules.yaml",
                                       std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

hosho::v1::Contract Contract(const std::string& ordering, const std::string& department) {
  hosho::v1::Contract c;
  c.set_ordering_office(ordering);
  c.set_department_in_charge(department);
  return c;
}

absl::Status LoadWith(const std::string& rules_yaml) {
  auto offices = OfficeDirectory::FromConfig(
      *Config::FromYaml("offices: [{code: contract-division, name_ja: 契約課}, {code: operators, name_ja: 運用}]"));
  EXPECT_TRUE(offices.ok());
  return LoadRoutingPolicy(*Config::FromYaml(rules_yaml), *offices).status();
}

const absl::Time kRequested = absl::FromUnixSeconds(1'790'000'000);

TEST(RoutingRulesTest, ContractGuaranteeGoesToTheOrderingOfficeToConclude) {
  const RoutingPolicy policy = Shipped();
  for (const char* ordering : {"contract-division", "water-sewerage-policy", "general-affairs"}) {
    RoutingDecision d =
        DecideRouting(hosho::v1::GUARANTEE_KIND_CONTRACT, Contract(ordering, "road-maintenance"), kRequested, policy);
    EXPECT_EQ(d.office, ordering);
    EXPECT_EQ(d.action, hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT);
    EXPECT_EQ(d.deadline, kRequested + absl::Hours(24 * 7));
    EXPECT_EQ(d.escalate_at, kRequested + absl::Hours(24 * 5));
    EXPECT_FALSE(d.to_operators);
  }
}

TEST(RoutingRulesTest, AfterConclusionTheCaseIsForwardedToTheDepartmentInCharge) {
  const RoutingPolicy policy = Shipped();
  ForwardDecision f =
      DecideForward(hosho::v1::GUARANTEE_KIND_CONTRACT, Contract("contract-division", "bridges"), policy);
  EXPECT_EQ(f.office, "bridges");
  EXPECT_NE(f.reason_ja.find("橋梁課"), std::string::npos) << f.reason_ja;
  ForwardDecision unknown =
      DecideForward(hosho::v1::GUARANTEE_KIND_CONTRACT, Contract("contract-division", "no-such-office"), policy);
  EXPECT_EQ(unknown.office, "operators");
  EXPECT_TRUE(unknown.to_operators);
}

TEST(RoutingRulesTest, AdvancesGoToTheDepartmentWithTheFourteenDayDeadline) {
  const RoutingPolicy policy = Shipped();
  for (auto kind :
       {hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT}) {
    RoutingDecision d = DecideRouting(kind, Contract("contract-division", "road-maintenance"), kRequested, policy);
    EXPECT_EQ(d.office, "road-maintenance");
    EXPECT_EQ(d.action, hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT);
    EXPECT_EQ(d.deadline, kRequested + absl::Hours(24 * 14));
    EXPECT_EQ(d.escalate_at, kRequested + absl::Hours(24 * 11));
    EXPECT_NE(d.reason_ja.find("支払期限"), std::string::npos);
    EXPECT_NE(d.reason_ja.find("道路維持課"), std::string::npos) << d.reason_ja;
  }
}

TEST(RoutingRulesTest, AnUnknownOrMissingDestinationGoesToOperatorsNeverNowhere) {
  const RoutingPolicy policy = Shipped();
  RoutingDecision missing =
      DecideRouting(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, Contract("contract-division", ""), kRequested, policy);
  EXPECT_EQ(missing.office, "operators");
  EXPECT_EQ(missing.action, hosho::v1::HANDOFF_ACTION_OPERATOR_REVIEW);
  EXPECT_TRUE(missing.to_operators);
  RoutingDecision unknown = DecideRouting(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT,
                                          Contract("contract-division", "typo-office"), kRequested, policy);
  EXPECT_EQ(unknown.office, "operators");
  EXPECT_NE(unknown.reason_ja.find("typo-office"), std::string::npos) << unknown.reason_ja;
  EXPECT_EQ(unknown.deadline, kRequested + absl::Hours(24));
  RoutingDecision no_rule = DecideRouting(hosho::v1::GUARANTEE_KIND_UNSPECIFIED,
                                          Contract("contract-division", "road-maintenance"), kRequested, policy);
  EXPECT_EQ(no_rule.office, "operators");
}

TEST(RoutingRulesTest, AMisconfiguredRuleStopsTheServiceNamingTheRule) {
  const std::string ok =
      "rules: [{kind: CONTRACT, acts: ordering_office, action: CONCLUDE_CONTRACT, deadline_days: 7}]";
  EXPECT_TRUE(LoadWith(ok).ok());
  struct Case {
    std::string yaml;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"rules: [{kind: DEPOSIT, acts: ordering_office, action: CONCLUDE_CONTRACT, deadline_days: 7}]",
            "rules[0]: unknown kind"},
           {"rules: [{kind: CONTRACT, acts: mayor, action: CONCLUDE_CONTRACT, deadline_days: 7}]", "rules[0].acts"},
           {"rules: [{kind: CONTRACT, acts: ordering_office, action: PAY_TWICE, deadline_days: 7}]",
            "rules[0]: action"},
           {"rules: [{kind: CONTRACT, acts: ordering_office, action: CONCLUDE_CONTRACT, deadline_days: 0}]",
            "deadline_days"},
           {"rules: [{kind: ADVANCE_PAYMENT, acts: department_in_charge, action: PROCESS_PAYMENT, deadline_days: 14, "
            "forward_to: department_in_charge}]",
            "only a CONCLUDE_CONTRACT rule forwards"},
           {"rules: [{kind: CONTRACT, ordering_offices: [nowhere], acts: ordering_office, action: CONCLUDE_CONTRACT, "
            "deadline_days: 7}]",
            "ordering office \"nowhere\""},
           {"operator_office: night-desk\nrules: []", "operator_office"},
           {"rules: []", "no rule"},
       }) {
    absl::Status s = LoadWith(c.yaml);
    EXPECT_FALSE(s.ok()) << c.yaml;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
}

TEST(RoutingRulesTest, TheOfficeDirectoryRefusesRepeatsAndBadMailboxes) {
  EXPECT_FALSE(OfficeDirectory::FromConfig(*Config::FromYaml("offices: [{code: a}, {code: a}]")).ok());
  EXPECT_FALSE(OfficeDirectory::FromConfig(*Config::FromYaml("offices: [{code: a, mailbox: nobody}]")).ok());
  EXPECT_FALSE(OfficeDirectory::FromConfig(*Config::FromYaml("offices: [{name_ja: 課}]")).ok());
  auto shipped = OfficeDirectory::FromFile(std::string(HOSHO_SOURCE_DIR) + "/deploy/city/offices.yaml");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->NameJa("contract-division"), "契約課");
  EXPECT_EQ(shipped->Find("road-maintenance")->mailbox, "doro-iji@city.minato.example");
  EXPECT_EQ(shipped->NameJa("unknown"), "unknown");
}

}  // namespace
}  // namespace hosho
