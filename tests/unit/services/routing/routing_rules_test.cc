#include "services/routing/routing_rules.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

TEST(RoutingRulesTest, ContractGuaranteeGoesToTheOrderingOfficeToConclude) {
  hosho::v1::Contract c;
  c.set_ordering_office("contract-division");
  c.set_department_in_charge("road-maintenance");
  const absl::Time t = absl::FromUnixSeconds(1'790'000'000);
  RoutingDecision d = DecideRouting(hosho::v1::GUARANTEE_KIND_CONTRACT, c, t, RoutingPolicy{});
  EXPECT_EQ(d.office, "contract-division");
  EXPECT_EQ(d.action, hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT);
  EXPECT_EQ(d.deadline, t + absl::Hours(24 * 7));
}

TEST(RoutingRulesTest, AdvancesGoToTheDepartmentWithTheFourteenDayDeadline) {
  hosho::v1::Contract c;
  c.set_ordering_office("contract-division");
  c.set_department_in_charge("road-maintenance");
  const absl::Time t = absl::FromUnixSeconds(1'790'000'000);
  for (auto kind :
       {hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT}) {
    RoutingDecision d = DecideRouting(kind, c, t, RoutingPolicy{});
    EXPECT_EQ(d.office, "road-maintenance");
    EXPECT_EQ(d.action, hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT);
    EXPECT_EQ(d.deadline, t + absl::Hours(24 * 14));
    EXPECT_NE(d.reason_ja.find("支払期限"), std::string::npos);
  }
}

TEST(RoutingRulesTest, AnUnknownDestinationGoesToOperatorsNeverNowhere) {
  hosho::v1::Contract c;
  c.set_ordering_office("contract-division");
  RoutingDecision d = DecideRouting(hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT, c, absl::Now(), RoutingPolicy{});
  EXPECT_EQ(d.office, "operators");
  EXPECT_EQ(d.action, hosho::v1::HANDOFF_ACTION_OPERATOR_REVIEW);
}

}  // namespace
}  // namespace hosho
