#pragma once
// Puts a case where other services would have left it, through the steps of the lifecycle table
// (services/common/store/case_states.h), since the store refuses any other step.
#include <vector>

#include "absl/status/status.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/store/case_ledger.h"

namespace hosho::testing {

// The allowed steps from `from` to `to` on the shortest way, each a copy of `like` (case id, actor,
// reason, time, office) without its fields or payload, with the event id "<case id>:to-<STATE>";
// terminal when the step ends the case. Empty when no way leads there.
std::vector<TransitionRequest> StepsBetween(const TransitionRequest& like, hosho::v1::CaseState from,
                                            hosho::v1::CaseState to);

// Applies `creation` (made a creation: no expected state, to RECEIVED), then the steps up to `state`.
absl::Status CreateAt(CaseLedger& ledger, TransitionRequest creation, hosho::v1::CaseState state);

}  // namespace hosho::testing
