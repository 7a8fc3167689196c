// The steps RunScenario (scenario.h) takes, in order, and what they hand on to each other.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/runtime/config.h"
#include "services/hoshoctl/client.h"
#include "services/hoshoctl/scenario.h"

namespace hosho {

// An accepted case whose end state is awaited once every channel has been used.
struct PendingCase {
  size_t row;           // its row in ScenarioRun::rows
  std::string case_id;  // empty: no case arrived
  Config expect;        // the scenario item whose expect.* the case should meet
};

struct ScenarioRun {
  HoshoClient& client;
  const Config& scenario;
  absl::Duration deadline;  // for each case to get where it is expected
  ScenarioClerks clerks;
  std::vector<ScenarioRow> rows = {};
  std::map<std::string, std::string> case_by_request = {};  // request id ("webhook": the web form's) → case id
  std::vector<PendingCase> pending = {};
};

// Intake (scenario.cc): the contracts, the submissions, then the web form, its CSV export and mail.
absl::Status LoadContracts(ScenarioRun& run);
absl::Status SubmitSubmissions(ScenarioRun& run);
absl::Status UseOtherChannels(ScenarioRun& run);

// The offices (scenario_offices.cc): each accepted case's end state and notices, the paper cases
// clerks check, the hand-off steps, and contracts that change after their guarantee was checked.
absl::Status AwaitEndStates(ScenarioRun& run);
absl::Status CheckPaperCases(ScenarioRun& run);
absl::Status RunHandoffs(ScenarioRun& run);
absl::Status RunContractChanges(ScenarioRun& run);

}  // namespace hosho
