#include "services/common/domain/step_refused.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_states.h"

namespace hosho {

RecordResult StepRefused(CaseLedger& ledger, absl::string_view case_id, hosho::v1::CaseState implied,
                         const absl::Status& refused) {
  auto state = ledger.GetState(case_id);
  if (!state.ok()) return RecordResult::DependencyFailed(state.status());
  const hosho::v1::CaseState current = ParseStateName(*state);
  if (CompareProgress(current, implied) != Progress::kBehind) {
    LogInfo("step skipped: the case moved on", {{"case_id", std::string(case_id)}, {"state", *state}});
    return RecordResult::Skipped(std::string(refused.message()));
  }
  static Counter& behind = Metrics().GetCounter(
      "hosho_case_behind_event_total",
      "Records whose case was behind the state the record implies (the store lost writes): waited for, not skipped.");
  behind.Increment();
  LogWarn("case behind its event; waiting for it to catch up",
          {{"case_id", std::string(case_id)}, {"state", *state}, {"implied", StateName(implied)}});
  return RecordResult::Retry(absl::FailedPreconditionError(
      absl::StrCat("case ", case_id, " is ", *state, ", behind the ", StateName(implied), " its event implies")));
}

}  // namespace hosho
