#include "services/common/domain/deadline_sweep.h"

#include <utility>

#include "services/common/domain/events.h"
#include "services/common/runtime/trace.h"

namespace hosho {
namespace {

// Records the escalation once and publishes what was recorded first. Returns whether this call was
// the first to record it.
absl::StatusOr<bool> RecordAndPublish(const DeadlineSweep& sweep, CaseLedger& ledger, EventProducer& producer,
                                      Escalation& escalation) {
  CaseNote& note = escalation.note;
  note.case_id = escalation.event.case_id();
  note.event_id = escalation.event.event_id();
  note.payload = escalation.event.SerializeAsString();
  auto noted = ledger.Note(note);
  if (!noted.ok()) return noted.status();
  hosho::events::v1::Envelope first;
  if (!first.ParseFromString(noted->payload)) return absl::DataLossError("stored escalation is unreadable");
  if (absl::Status sent = producer.Send(ToRecord(sweep.topic, first, NewTraceparent()), sweep.send_timeout);
      !sent.ok()) {
    return sent;  // the timer stays: the next round sends the same event again
  }
  return !noted->replayed;
}

}  // namespace

absl::StatusOr<int> RunDeadlineSweep(const DeadlineSweep& sweep, CaseLedger& ledger, CaseTimers& timers,
                                     EventProducer& producer, absl::Time now, int limit) {
  auto due = timers.DueTimers(sweep.timer, now, limit);
  if (!due.ok()) return due.status();
  int raised = 0;
  for (const std::string& case_id : *due) {
    auto record = ledger.Get(case_id);
    auto payload = ledger.AppliedPayload(case_id, sweep.source_event_id(case_id));
    auto readable = ReadableForSweep(timers, sweep.timer, case_id, {record.status(), payload.status()});
    if (!readable.ok()) return readable.status();
    if (!*readable) continue;
    hosho::events::v1::Envelope source;
    std::optional<Escalation> escalation;
    if (record.ok() && payload.ok() && source.ParseFromString(*payload)) {
      escalation = sweep.escalate(*record, source, now);
    }
    if (!escalation.has_value()) {
      RemoveTimerBestEffort(timers, sweep.timer, case_id);  // decided (or gone) in time: nothing to raise
      continue;
    }
    escalation->note.at = now;
    auto first = RecordAndPublish(sweep, ledger, producer, *escalation);
    if (!first.ok()) return first.status();
    RemoveTimerBestEffort(timers, sweep.timer, case_id);
    if (*first) {
      ++raised;
      if (sweep.raised) sweep.raised(*escalation);
    }
  }
  return raised;
}

}  // namespace hosho
