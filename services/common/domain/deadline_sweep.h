#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/kafka/kafka.h"
#include "services/common/store/case_ledger.h"
#include "services/common/store/case_timers.h"

namespace hosho {

// What a sweep raises for one due case: the escalation event and the note on the case that records it
// once (the sweep fills the note's case id, event id, time and payload from the event).
struct Escalation {
  hosho::events::v1::Envelope event;
  CaseNote note;
};

// One kind of deadline: which timer holds it, which stored event an escalation is built from, and how.
struct DeadlineSweep {
  std::string timer;
  std::string topic;  // where the escalation event goes
  absl::Duration send_timeout = absl::Seconds(10);
  // The applied event whose stored payload describes the case (its submission, its routing).
  std::function<std::string(absl::string_view case_id)> source_event_id;
  // The escalation for a due case, or nullopt when the case was decided in time (its timer is dropped).
  std::function<std::optional<Escalation>(const CaseRecord& record, const hosho::events::v1::Envelope& source,
                                          absl::Time now)>
      escalate;
  // Called once for each escalation this sweep raised first (not for a replayed one): metrics, a log line.
  std::function<void(const Escalation& escalation)> raised;
};

// One round over the due cases of `sweep.timer`, the same ten steps for every deadline: read the case
// and its source event; leave the timer and end the round on an outage (ReadableForSweep), skip a
// damaged record; drop the timer of a case decided in time; record the escalation as a note keyed by
// its event id (so replicas sweeping together raise it once), publish the stored event (a repeat after
// a crash re-sends the same bytes), then drop the timer. Returns how many escalations this round raised
// first; an error leaves the timer of the case it stopped at for the next round.
absl::StatusOr<int> RunDeadlineSweep(const DeadlineSweep& sweep, CaseLedger& ledger, CaseTimers& timers,
                                     EventProducer& producer, absl::Time now, int limit);

}  // namespace hosho
