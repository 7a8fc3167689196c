#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/hoshoctl/client.h"

namespace hosho {

class CertificateBook;
class Config;

// One row of the demo table.
struct ScenarioRow {
  std::string label;
  std::string case_id;
  std::string expected;
  std::string actual;
  bool ok = false;
};

// Runs a scenario file (deploy/demo/scenario.yaml): upserts its contracts as
// the city's contract system, submits each submission as the demo submitter,
// and checks each expectation (end state, office and action, rule codes,
// notices, precise errors, idempotent replays). `run_tag` keeps request ids
// unique per run.
// Clerk-first (the connector off, as in a real city): each electronic case that waits in its
// office's queue is checked by that office's clerk ("<office>-clerk"), who claims it, reveals the
// credential (audited) and records what the platform shows for it, read from `certificates` (the
// platform simulator's book, deploy/demo/certificates.yaml). Null: the connector reads them.
struct ScenarioClerks {
  const CertificateBook* certificates = nullptr;
};

absl::StatusOr<std::vector<ScenarioRow>> RunScenario(HoshoClient& client, const Config& scenario,
                                                     absl::Duration per_case_deadline = absl::Seconds(30),
                                                     ScenarioClerks clerks = {});

// A fixed-width table for terminals.
std::string FormatScenarioTable(const std::vector<ScenarioRow>& rows);

}  // namespace hosho
