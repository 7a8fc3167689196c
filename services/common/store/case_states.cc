#include "services/common/store/case_states.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hosho {
namespace {

using hosho::v1::CaseState;
using S = hosho::v1::CaseState;

// Who takes each step: intake creates; verification queues, looks up (or a clerk claims) and
// decides; routing routes; the offices conclude, forward, hand off and acknowledge through the
// hand-off service (or the bench's auto hand-off); a clerk, an operator or the submitter withdraws
// a case that has not ended.
constexpr CaseTransition kTransitions[] = {
    {S::CASE_STATE_UNSPECIFIED, S::CASE_STATE_RECEIVED},
    {S::CASE_STATE_RECEIVED, S::CASE_STATE_AWAITING_VERIFICATION},
    {S::CASE_STATE_AWAITING_VERIFICATION, S::CASE_STATE_VERIFYING},
    {S::CASE_STATE_VERIFYING, S::CASE_STATE_VERIFIED},
    {S::CASE_STATE_VERIFYING, S::CASE_STATE_RETURNED},
    {S::CASE_STATE_VERIFIED, S::CASE_STATE_ROUTED},
    {S::CASE_STATE_ROUTED, S::CASE_STATE_CONTRACT_CONCLUDED},
    {S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_FORWARDED},
    {S::CASE_STATE_FORWARDED, S::CASE_STATE_CLOSED},
    {S::CASE_STATE_ROUTED, S::CASE_STATE_PAYMENT_HANDED_OFF},
    {S::CASE_STATE_PAYMENT_HANDED_OFF, S::CASE_STATE_CLOSED},
    {S::CASE_STATE_RECEIVED, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_AWAITING_VERIFICATION, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_VERIFYING, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_VERIFIED, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_ROUTED, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_CONTRACT_CONCLUDED, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_FORWARDED, S::CASE_STATE_WITHDRAWN},
    {S::CASE_STATE_PAYMENT_HANDED_OFF, S::CASE_STATE_WITHDRAWN},
};

// Whether some chain of allowed steps leads from `from` to `to` (one step or more). The table has
// no cycle, so the search ends.
bool Reaches(CaseState from, CaseState to) {
  std::vector<CaseState> frontier = {from};
  while (!frontier.empty()) {
    const CaseState at = frontier.back();
    frontier.pop_back();
    for (const CaseTransition& t : kTransitions) {
      if (t.from != at) continue;
      if (t.to == to) return true;
      frontier.push_back(t.to);
    }
  }
  return false;
}

std::string NameOrCreation(CaseState state) {
  return state == S::CASE_STATE_UNSPECIFIED ? "(creation)" : StateName(state);
}

}  // namespace

absl::Span<const CaseTransition> AllowedTransitions() { return kTransitions; }

bool IsAllowedTransition(CaseState from, CaseState to) {
  return std::any_of(std::begin(kTransitions), std::end(kTransitions),
                     [&](const CaseTransition& t) { return t.from == from && t.to == to; });
}

absl::Status CheckTransition(absl::Span<const CaseState> expected, CaseState to) {
  std::vector<CaseState> froms(expected.begin(), expected.end());
  if (froms.empty()) froms.push_back(S::CASE_STATE_UNSPECIFIED);
  for (CaseState from : froms) {
    // UNSPECIFIED among the expected states would ask the store to find a case in no state.
    const bool creation_named = from == S::CASE_STATE_UNSPECIFIED && !expected.empty();
    if (creation_named || !IsAllowedTransition(from, to)) {
      return absl::InternalError(absl::StrCat("case lifecycle: no step leads from ", NameOrCreation(from), " to ",
                                              NameOrCreation(to), "; nothing was written"));
    }
  }
  return absl::OkStatus();
}

Progress CompareProgress(CaseState state, CaseState step) {
  if (state == step) return Progress::kAt;
  if (Reaches(step, state)) return Progress::kAhead;
  if (Reaches(state, step)) return Progress::kBehind;
  return Progress::kApart;
}

bool IsTerminal(CaseState state) {
  return state != S::CASE_STATE_UNSPECIFIED && std::none_of(std::begin(kTransitions), std::end(kTransitions),
                                                            [&](const CaseTransition& t) { return t.from == state; });
}

std::string StateName(CaseState state) {
  std::string name = hosho::v1::CaseState_Name(state);
  constexpr absl::string_view kPrefix = "CASE_STATE_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  return name;
}

CaseState ParseStateName(absl::string_view name) {
  CaseState state = S::CASE_STATE_UNSPECIFIED;
  if (!hosho::v1::CaseState_Parse(absl::StrCat("CASE_STATE_", name), &state)) return S::CASE_STATE_UNSPECIFIED;
  return state;
}

}  // namespace hosho
