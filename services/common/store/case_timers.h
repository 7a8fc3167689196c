#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// Named timers over cases (retry after a platform outage, deadlines): a case is in a timer at most
// once, with the time it is due. Safe with several replicas: a due case may be handled by more than
// one, so what the handler does must be idempotent (transitions by event id are).
class CaseTimers {
 public:
  virtual ~CaseTimers() = default;
  virtual absl::Status AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) = 0;
  virtual absl::StatusOr<std::vector<std::string>> DueTimers(absl::string_view timer, absl::Time now, int limit) = 0;
  virtual absl::Status RemoveTimer(absl::string_view timer, absl::string_view case_id) = 0;
  virtual absl::StatusOr<int64_t> CountTimers(absl::string_view timer) = 0;
};

// Whether a sweep can act on a due case after its reads (`reads`: their statuses). An outage that
// passes (Redis away, loading, too slow) is returned as it is: the timer stays and the round ends, to
// be tried again. Any other error concerns that one case (a record that cannot be read): it is
// logged and counted (hosho_deadline_sweep_unreadable_total), its timer is dropped and the answer is
// false, so the sweep goes on and one damaged record cannot hold back every later escalation.
// Not-found counts as readable (a case gone is handled as done).
absl::StatusOr<bool> ReadableForSweep(CaseTimers& timers, absl::string_view timer, absl::string_view case_id,
                                      std::initializer_list<absl::Status> reads);

// Takes `case_id` out of `timer` where a timer left behind is harmless: the next sweep finds the case
// decided (or its event sent) and takes it out then. A failure is logged and counted
// (hosho_case_timer_remove_failures_total), not returned, so that it does not fail the step that
// was done.
void RemoveTimerBestEffort(CaseTimers& timers, absl::string_view timer, absl::string_view case_id);

}  // namespace hosho
