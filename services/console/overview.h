#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/case_store.h"
#include "services/console/backends.h"

namespace hosho {

// What the overview screen and the console's gauges show.
struct Overview {
  absl::Time computed_at;
  // In-flight cases: state → office → count (terminal cases leave the in-flight index).
  std::map<std::string, std::map<std::string, int64_t>> by_state_office;
  int64_t in_flight = 0;
  // Cases that ended (CLOSED, WITHDRAWN, RETURNED): final state → office → count, all time.
  std::map<std::string, std::map<std::string, int64_t>> ended_by_state_office;
  // Cases whose current deadline (verification SLA, hand-off deadline) is near or past.
  struct DeadlineRow {
    std::string case_id;
    std::string state;
    std::string office;
    absl::Time deadline;
    bool breached = false;
  };
  std::vector<DeadlineRow> deadlines;  // breached first, then soonest
  int64_t approaching = 0;
  int64_t breached = 0;
  // DLQ topic → records not yet replayed; -1 when Kafka did not answer.
  std::map<std::string, int64_t> dlq_depth;
  std::vector<ConsoleBackends::ConnectorHealth> connectors;
};

struct OverviewOptions {
  std::vector<std::string> offices;  // every office code, plus "operators"
  std::vector<std::string> dlq_topics;
  absl::Duration approaching_within = absl::Hours(48);
  int max_cases_per_office = 5000;
  absl::Duration cache_for = absl::Seconds(3);
};

// Computes the overview from the case store (in-flight index), Kafka (DLQ backlog) and
// hosho-verification (connector health), at most once per `cache_for`; exports the same figures
// as gauges: hosho_cases_in_flight{state,office}, hosho_cases_ended{state,office}, hosho_case_deadlines{status},
// hosho_dlq_depth{topic}, hosho_platform_connector_up{platform}.
class OverviewSource {
 public:
  using BacklogFn = std::function<absl::StatusOr<int64_t>(const std::string& topic)>;
  OverviewSource(CaseStore* cases, BacklogFn dlq_backlog, ConsoleBackends* backends, Clock* clock,
                 OverviewOptions options);
  absl::StatusOr<Overview> Get();
  // Recomputes now and updates the gauges (the console's periodic export).
  absl::Status Refresh();

 private:
  absl::StatusOr<Overview> Compute();
  void Export(const Overview& overview);

  CaseStore* cases_;
  BacklogFn dlq_backlog_;
  ConsoleBackends* backends_;
  Clock* clock_;
  OverviewOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<Overview> cached_ ABSL_GUARDED_BY(mu_);
  absl::Mutex export_mu_;
  // Label sets exported last time, so that a state that emptied goes back to 0.
  std::vector<std::pair<std::string, std::string>> exported_ ABSL_GUARDED_BY(export_mu_);
};

// States whose deadline_ms is live (the others keep an old deadline only as history).
bool StateHasDeadline(absl::string_view state);

}  // namespace hosho
