#include "services/common/store/case_states.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace hosho {
namespace {

using hosho::v1::CaseState;
using S = hosho::v1::CaseState;

std::vector<CaseState> AllStates() {
  std::vector<CaseState> states;
  for (int i = hosho::v1::CaseState_MIN; i <= hosho::v1::CaseState_MAX; ++i) {
    if (hosho::v1::CaseState_IsValid(i)) states.push_back(static_cast<CaseState>(i));
  }
  return states;
}

// The lifecycle as the services take it today, written out once more so that a change to the table
// is a deliberate one.
const std::set<std::pair<CaseState, CaseState>>& Lifecycle() {
  static const auto* steps = new std::set<std::pair<CaseState, CaseState>>{
      {S::CASE_STATE_UNSPECIFIED, S::CASE_STATE_RECEIVED},             // intake creates
      {S::CASE_STATE_RECEIVED, S::CASE_STATE_AWAITING_VERIFICATION},   // verification queues
      {S::CASE_STATE_AWAITING_VERIFICATION, S::CASE_STATE_VERIFYING},  // a look-up or a clerk's claim
      {S::CASE_STATE_VERIFYING, S::CASE_STATE_VERIFIED},               // the verdict
      {S::CASE_STATE_VERIFYING, S::CASE_STATE_RETURNED},               // the verdict: a return
      {S::CASE_STATE_VERIFIED, S::CASE_STATE_ROUTED},                  // routing
      {S::CASE_STATE_ROUTED, S::CASE_STATE_CONTRACT_CONCLUDED},        // 契約保証: concluded
      {S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_FORWARDED},     // forwarded to 工事担当課
      {S::CASE_STATE_FORWARDED, S::CASE_STATE_CLOSED},                 // acknowledged
      {S::CASE_STATE_ROUTED, S::CASE_STATE_PAYMENT_HANDED_OFF},        // 前払金: handed off
      {S::CASE_STATE_PAYMENT_HANDED_OFF, S::CASE_STATE_CLOSED},        // accounting took it
      {S::CASE_STATE_RECEIVED, S::CASE_STATE_WITHDRAWN},               // withdrawals, from any
      {S::CASE_STATE_AWAITING_VERIFICATION, S::CASE_STATE_WITHDRAWN},  // state that has not ended
      {S::CASE_STATE_VERIFYING, S::CASE_STATE_WITHDRAWN},
      {S::CASE_STATE_VERIFIED, S::CASE_STATE_WITHDRAWN},
      {S::CASE_STATE_ROUTED, S::CASE_STATE_WITHDRAWN},
      {S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_WITHDRAWN},
      {S::CASE_STATE_FORWARDED, S::CASE_STATE_WITHDRAWN},
      {S::CASE_STATE_PAYMENT_HANDED_OFF, S::CASE_STATE_WITHDRAWN},
  };
  return *steps;
}

TEST(CaseStatesTest, TheTableIsTheLifecycleAndEveryStepInItIsAllowed) {
  std::set<std::pair<CaseState, CaseState>> table;
  for (const CaseTransition& t : AllowedTransitions()) {
    EXPECT_TRUE(table.emplace(t.from, t.to).second) << "listed twice: " << StateName(t.to);
    EXPECT_TRUE(IsAllowedTransition(t.from, t.to));
    const std::vector<CaseState> expected =
        t.from == S::CASE_STATE_UNSPECIFIED ? std::vector<CaseState>{} : std::vector<CaseState>{t.from};
    EXPECT_TRUE(CheckTransition(expected, t.to).ok()) << StateName(t.from) << " → " << StateName(t.to);
  }
  EXPECT_EQ(table, Lifecycle());
}

TEST(CaseStatesTest, EveryPairOutsideTheTableIsRefused) {
  for (CaseState from : AllStates()) {
    for (CaseState to : AllStates()) {
      EXPECT_EQ(IsAllowedTransition(from, to), Lifecycle().contains({from, to}))
          << StateName(from) << " → " << StateName(to);
    }
  }
}

TEST(CaseStatesTest, AForbiddenStepIsAnInternalErrorNamingBothStates) {
  const std::vector<std::pair<CaseState, CaseState>> forbidden = {
      {S::CASE_STATE_RECEIVED, S::CASE_STATE_VERIFIED},                      // skips verification
      {S::CASE_STATE_RECEIVED, S::CASE_STATE_ROUTED},                        // skips the verdict
      {S::CASE_STATE_VERIFIED, S::CASE_STATE_RECEIVED},                      // backwards
      {S::CASE_STATE_ROUTED, S::CASE_STATE_CLOSED},                          // skips the hand-off
      {S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_PAYMENT_HANDED_OFF},  // the other branch
      {S::CASE_STATE_CLOSED, S::CASE_STATE_WITHDRAWN},                       // an ended case stays ended
      {S::CASE_STATE_RETURNED, S::CASE_STATE_VERIFYING},
      {S::CASE_STATE_VERIFYING, S::CASE_STATE_VERIFYING},  // no step to the same state
  };
  for (const auto& [from, to] : forbidden) {
    absl::Status refused = CheckTransition(std::vector<CaseState>{from}, to);
    EXPECT_TRUE(absl::IsInternal(refused)) << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), StateName(from))) << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), StateName(to))) << refused;
  }
  // One forbidden state among the expected ones refuses the request.
  absl::Status mixed = CheckTransition({S::CASE_STATE_VERIFYING, S::CASE_STATE_CLOSED}, S::CASE_STATE_WITHDRAWN);
  EXPECT_TRUE(absl::IsInternal(mixed)) << mixed;
  EXPECT_TRUE(absl::StrContains(mixed.message(), "CLOSED")) << mixed;
  // A creation goes to RECEIVED only, and is asked for by expecting no state.
  absl::Status created_verified = CheckTransition({}, S::CASE_STATE_VERIFIED);
  EXPECT_TRUE(absl::IsInternal(created_verified)) << created_verified;
  EXPECT_TRUE(absl::StrContains(created_verified.message(), "creation")) << created_verified;
  EXPECT_TRUE(absl::StrContains(created_verified.message(), "VERIFIED")) << created_verified;
  EXPECT_TRUE(absl::IsInternal(CheckTransition({S::CASE_STATE_UNSPECIFIED}, S::CASE_STATE_RECEIVED)));
  EXPECT_TRUE(absl::IsInternal(CheckTransition({S::CASE_STATE_RECEIVED}, S::CASE_STATE_UNSPECIFIED)));
}

TEST(CaseStatesTest, ProgressFollowsTheWayACaseGoes) {
  EXPECT_EQ(CompareProgress(S::CASE_STATE_VERIFIED, S::CASE_STATE_VERIFIED), Progress::kAt);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_RECEIVED, S::CASE_STATE_VERIFIED), Progress::kBehind);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_VERIFYING, S::CASE_STATE_ROUTED), Progress::kBehind);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_ROUTED, S::CASE_STATE_VERIFIED), Progress::kAhead);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_FORWARDED, S::CASE_STATE_CONTRACT_CONCLUDED), Progress::kAhead);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_UNSPECIFIED, S::CASE_STATE_RECEIVED), Progress::kBehind)
      << "no case yet is behind its creation";
  // Branches: neither leads to the other.
  EXPECT_EQ(CompareProgress(S::CASE_STATE_PAYMENT_HANDED_OFF, S::CASE_STATE_CONTRACT_CONCLUDED), Progress::kApart);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_RETURNED, S::CASE_STATE_VERIFIED), Progress::kApart);
  EXPECT_EQ(CompareProgress(S::CASE_STATE_CLOSED, S::CASE_STATE_WITHDRAWN), Progress::kApart);
}

TEST(CaseStatesTest, ATerminalStateIsAheadOfEveryStateOnItsWay) {
  for (CaseState step : AllStates()) {
    if (step == S::CASE_STATE_UNSPECIFIED || IsTerminal(step)) continue;
    EXPECT_EQ(CompareProgress(S::CASE_STATE_WITHDRAWN, step), Progress::kAhead) << StateName(step);
    EXPECT_EQ(CompareProgress(S::CASE_STATE_CLOSED, step), Progress::kAhead) << StateName(step);
  }
  for (CaseState step : {S::CASE_STATE_RECEIVED, S::CASE_STATE_AWAITING_VERIFICATION, S::CASE_STATE_VERIFYING}) {
    EXPECT_EQ(CompareProgress(S::CASE_STATE_RETURNED, step), Progress::kAhead) << StateName(step);
  }
  EXPECT_EQ(CompareProgress(S::CASE_STATE_RETURNED, S::CASE_STATE_ROUTED), Progress::kApart) << "not on its way";
}

TEST(CaseStatesTest, AheadAndBehindAreTheTwoSidesOfOnePair) {
  for (CaseState a : AllStates()) {
    for (CaseState b : AllStates()) {
      const Progress forth = CompareProgress(a, b);
      const Progress back = CompareProgress(b, a);
      if (forth == Progress::kAhead) {
        EXPECT_EQ(back, Progress::kBehind) << StateName(a) << " " << StateName(b);
      }
      if (forth == Progress::kApart) {
        EXPECT_EQ(back, Progress::kApart) << StateName(a) << " " << StateName(b);
      }
      EXPECT_EQ(forth == Progress::kAt, a == b);
    }
  }
}

TEST(CaseStatesTest, TheTerminalStatesAreThoseNoStepLeaves) {
  std::set<CaseState> terminal;
  for (CaseState s : AllStates()) {
    if (IsTerminal(s)) terminal.insert(s);
  }
  EXPECT_EQ(terminal, (std::set<CaseState>{S::CASE_STATE_CLOSED, S::CASE_STATE_WITHDRAWN, S::CASE_STATE_RETURNED}));
}

TEST(CaseStatesTest, NamesAreTheStoredOnes) {
  EXPECT_EQ(StateName(S::CASE_STATE_AWAITING_VERIFICATION), "AWAITING_VERIFICATION");
  for (CaseState s : AllStates()) EXPECT_EQ(ParseStateName(StateName(s)), s);
  EXPECT_EQ(ParseStateName("NEEDS_REVIEW"), S::CASE_STATE_UNSPECIFIED);
  EXPECT_EQ(ParseStateName(""), S::CASE_STATE_UNSPECIFIED);
}

}  // namespace
}  // namespace hosho
