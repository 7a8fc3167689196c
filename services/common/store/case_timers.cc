#include "services/common/store/case_timers.h"

#include <string>

#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

absl::StatusOr<bool> ReadableForSweep(CaseTimers& timers, absl::string_view timer, absl::string_view case_id,
                                      std::initializer_list<absl::Status> reads) {
  for (const absl::Status& read : reads) {
    if (absl::IsUnavailable(read) || absl::IsDeadlineExceeded(read)) return read;
  }
  for (const absl::Status& read : reads) {
    if (read.ok() || absl::IsNotFound(read)) continue;
    Metrics()
        .GetCounter("hosho_deadline_sweep_unreadable_total", "Due cases a deadline sweep could not read.",
                    {{"timer", std::string(timer)}})
        .Increment();
    LogError(
        "due case unreadable; its deadline is not escalated",
        {{"timer", std::string(timer)}, {"case_id", std::string(case_id)}, {"error", std::string(read.message())}});
    RemoveTimerBestEffort(timers, timer, case_id);
    return false;
  }
  return true;
}

void RemoveTimerBestEffort(CaseTimers& timers, absl::string_view timer, absl::string_view case_id) {
  absl::Status removed = timers.RemoveTimer(timer, case_id);
  if (removed.ok()) return;
  Metrics()
      .GetCounter("hosho_case_timer_remove_failures_total",
                  "Timers that could not be cleared after their step (the next sweep clears them).",
                  {{"timer", std::string(timer)}})
      .Increment();
  LogWarn(
      "timer not cleared; the next sweep will",
      {{"timer", std::string(timer)}, {"case_id", std::string(case_id)}, {"error", std::string(removed.message())}});
}

}  // namespace hosho
