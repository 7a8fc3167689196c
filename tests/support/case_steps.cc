#include "tests/support/case_steps.h"

#include <algorithm>
#include <map>
#include <queue>

#include "absl/strings/str_cat.h"
#include "services/common/store/case_states.h"

namespace hosho::testing {
namespace {

using hosho::v1::CaseState;

// The states on the shortest way from `from` to `to`, `to` last and `from` left out.
std::vector<CaseState> ShortestWay(CaseState from, CaseState to) {
  std::map<CaseState, CaseState> came_from;
  std::queue<CaseState> frontier;
  frontier.push(from);
  while (!frontier.empty() && !came_from.contains(to)) {
    const CaseState at = frontier.front();
    frontier.pop();
    for (const CaseTransition& t : AllowedTransitions()) {
      if (t.from != at || t.to == from || came_from.contains(t.to)) continue;
      came_from[t.to] = at;
      frontier.push(t.to);
    }
  }
  std::vector<CaseState> way;
  if (!came_from.contains(to)) return way;
  for (CaseState s = to; s != from; s = came_from[s]) way.push_back(s);
  std::reverse(way.begin(), way.end());
  return way;
}

}  // namespace

std::vector<TransitionRequest> StepsBetween(const TransitionRequest& like, CaseState from, CaseState to) {
  std::vector<TransitionRequest> steps;
  CaseState at = from;
  for (CaseState next : ShortestWay(from, to)) {
    TransitionRequest step = like;
    step.event_id = absl::StrCat(like.case_id, ":to-", StateName(next));
    step.expected_states = {at};
    step.to_state = next;
    step.expected_version.reset();
    step.fields.clear();
    step.payload.clear();
    step.deadline.reset();
    step.terminal = IsTerminal(next);
    steps.push_back(std::move(step));
    at = next;
  }
  return steps;
}

absl::Status CreateAt(CaseLedger& ledger, TransitionRequest creation, CaseState state) {
  creation.expected_states.clear();
  creation.to_state = hosho::v1::CASE_STATE_RECEIVED;
  if (auto created = ledger.Apply(creation); !created.ok()) return created.status();
  if (state == hosho::v1::CASE_STATE_RECEIVED) return absl::OkStatus();
  const std::vector<TransitionRequest> steps = StepsBetween(creation, hosho::v1::CASE_STATE_RECEIVED, state);
  if (steps.empty()) return absl::InvalidArgumentError(absl::StrCat("no way leads to ", StateName(state)));
  for (const auto& applied : ledger.ApplyAll(steps)) {
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

}  // namespace hosho::testing
