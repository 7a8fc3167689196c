#include "services/routing/routing_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/routing/handoff_service.h"

namespace hosho {

RoutingWorker::RoutingWorker(CaseLedger* ledger, CaseTimers* timers, EventProducer* producer, Clock* clock,
                             const RoutingPolicy* policy, absl::Duration send_timeout)
    : ledger_(ledger),
      timers_(timers),
      producer_(producer),
      clock_(clock),
      policy_(policy),
      send_timeout_(send_timeout) {}

absl::Status RoutingWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return envelope.status();
  if (!envelope->has_verification_completed()) return absl::OkStatus();
  const auto& verdict = envelope->verification_completed();
  if (verdict.verdict() != hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED) return absl::OkStatus();
  const std::string& case_id = envelope->case_id();
  const auto& submission = verdict.submission();
  const RoutingDecision decision =
      DecideRouting(submission.kind(), submission.contract(), FromProto(submission.received_at()), *policy_);
  auto applied = ledger_->Apply(RoutedStep(case_id, verdict, decision));
  if (absl::IsFailedPrecondition(applied.status())) {
    LogInfo("routing skipped", {{"case_id", case_id}, {"reason", std::string(applied.status().message())}});
    return absl::OkStatus();
  }
  if (!applied.ok()) return applied.status();
  // Deadlines ride on the routed case; timers are idempotent (a case is in a timer once).
  if (decision.escalate_at < decision.deadline) {  // the operators' short deadline has no separate reminder
    if (absl::Status s = timers_->AddTimer(kHandoffWarnTimer, case_id, decision.escalate_at); !s.ok()) return s;
  }
  if (absl::Status s = timers_->AddTimer(kHandoffBreachTimer, case_id, decision.deadline); !s.ok()) return s;
  hosho::events::v1::Envelope published;
  if (!published.ParseFromString(applied->payload)) return absl::DataLossError("stored routing is unreadable");
  if (absl::Status s = producer_->Send(
          ToRecord(topics::kRoutings, published, ChildTraceparent(record.Header("traceparent"))), send_timeout_);
      !s.ok()) {
    return s;
  }
  Metrics()
      .GetCounter("hosho_routing_decisions_total", "Routing decisions published.",
                  {{"action", hosho::v1::HandoffAction_Name(published.routing_decided().action())}})
      .Increment();
  LogInfo("case routed",
          {{"case_id", case_id}, {"office", published.routing_decided().office()}, {"replayed", applied->replayed}});
  return bench_auto_handoff_ ? AcknowledgeForBench(case_id, submission.kind(), decision.office) : absl::OkStatus();
}

TransitionRequest RoutingWorker::RoutedStep(const std::string& case_id,
                                            const hosho::events::v1::VerificationCompleted& verdict,
                                            const RoutingDecision& decision) const {
  const absl::Time now = clock_->Now();
  hosho::events::v1::Envelope out = NewEnvelope(case_id, event_ids::Routed(case_id), "hosho-routing", now);
  auto* routed = out.mutable_routing_decided();
  routed->set_office(decision.office);
  routed->set_action(decision.action);
  *routed->mutable_deadline() = ToProto(decision.deadline);
  *routed->mutable_submission() = verdict.submission();
  *routed->mutable_certificate() = verdict.certificate();
  TransitionRequest t;
  t.case_id = case_id;
  t.event_id = out.event_id();
  t.expected_states = {StateName(hosho::v1::CASE_STATE_VERIFIED)};
  t.to_state = StateName(hosho::v1::CASE_STATE_ROUTED);
  t.actor = "hosho-routing";
  t.reason = decision.reason_ja;
  t.at = now;
  t.office = decision.office;
  t.deadline = decision.deadline;
  t.fields = {{case_fields::kAction, std::to_string(decision.action)}};
  t.payload = out.SerializeAsString();
  return t;
}

absl::Status RoutingWorker::AcknowledgeForBench(const std::string& case_id, hosho::v1::GuaranteeKind kind,
                                                const std::string& office) {
  using S = hosho::v1::CaseState;
  struct Step {
    const char* suffix;
    S from;
    S to;
  };
  const std::vector<Step> steps =
      kind == hosho::v1::GUARANTEE_KIND_CONTRACT
          ? std::vector<Step>{{event_ids::kConcluded, hosho::v1::CASE_STATE_ROUTED,
                               hosho::v1::CASE_STATE_CONTRACT_CONCLUDED},
                              {event_ids::kForwarded, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED,
                               hosho::v1::CASE_STATE_FORWARDED},
                              {event_ids::kClosed, hosho::v1::CASE_STATE_FORWARDED, hosho::v1::CASE_STATE_CLOSED}}
          : std::vector<Step>{
                {event_ids::kHandedOff, hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF},
                {event_ids::kClosed, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, hosho::v1::CASE_STATE_CLOSED}};
  std::vector<TransitionRequest> chain;
  for (const Step& s : steps) {
    TransitionRequest step;
    step.case_id = case_id;
    step.event_id = absl::StrCat(case_id, s.suffix);
    step.expected_states = {StateName(s.from)};
    step.to_state = StateName(s.to);
    step.actor = "bench-auto-handoff";
    step.reason = "ベンチマーク用の自動受領";
    step.at = clock_->Now();
    step.office = office;
    step.terminal = s.to == hosho::v1::CASE_STATE_CLOSED;
    chain.push_back(std::move(step));
  }
  for (const auto& done : ledger_->ApplyAll(chain)) {
    if (!done.ok() && !absl::IsFailedPrecondition(done.status())) return done.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<int> RoutingWorker::SweepDeadlines(int limit) {
  const absl::Time now = clock_->Now();
  int raised = 0;
  for (const bool breached : {false, true}) {
    const char* timer = breached ? kHandoffBreachTimer : kHandoffWarnTimer;
    auto due = timers_->DueTimers(timer, now, limit);
    if (!due.ok()) return due.status();
    for (const std::string& case_id : *due) {
      auto record = ledger_->Get(case_id);
      auto payload = ledger_->AppliedPayload(case_id, event_ids::Routed(case_id));
      // Redis away: the timer stays for the next sweep; an unreadable case is skipped, not the others.
      auto readable = ReadableForSweep(*timers_, timer, case_id, {record.status(), payload.status()});
      if (!readable.ok()) return readable.status();
      if (!*readable) continue;
      hosho::events::v1::Envelope routed;
      // Only a case still waiting for the office's step is escalated; anything else is done in time.
      if (!record.ok() || record->Field("state") != StateName(hosho::v1::CASE_STATE_ROUTED) || !payload.ok() ||
          !routed.ParseFromString(*payload) || !routed.has_routing_decided()) {
        RemoveTimerBestEffort(*timers_, timer, case_id);
        continue;
      }
      const auto& decided = routed.routing_decided();
      const absl::Time deadline = FromProto(decided.deadline());
      hosho::events::v1::Envelope event =
          NewEnvelope(case_id, event_ids::EscalatedHandoff(case_id, breached), "hosho-routing", now);
      auto* e = event.mutable_handoff_escalated();
      e->set_office(decided.office());
      e->set_action(decided.action());
      *e->mutable_deadline() = decided.deadline();
      e->set_breached(breached);
      *e->mutable_contract() = decided.submission().contract();
      e->set_kind(decided.submission().kind());
      const std::string when = absl::FormatTime("%Y-%m-%d %H:%M", deadline, JapanTimeZone());
      CaseNote note;
      note.case_id = case_id;
      note.event_id = event.event_id();
      note.actor = "hosho-routing";
      note.reason = breached
                        ? absl::StrCat("期限（", when, "）を過ぎました。", decided.office(), " に督促しました")
                        : absl::StrCat("期限（", when, "）が近づいています。", decided.office(), " に督促しました");
      note.at = now;
      note.payload = event.SerializeAsString();
      auto noted = ledger_->Note(note);
      if (!noted.ok()) return noted.status();
      hosho::events::v1::Envelope first;
      if (!first.ParseFromString(noted->payload)) return absl::DataLossError("stored escalation is unreadable");
      if (absl::Status s = producer_->Send(ToRecord(topics::kRoutings, first, NewTraceparent()), send_timeout_);
          !s.ok()) {
        return s;  // the timer stays: the next sweep sends the same event again
      }
      RemoveTimerBestEffort(*timers_, timer, case_id);
      if (!noted->replayed) {
        ++raised;
        Metrics()
            .GetCounter("hosho_handoff_escalations_total", "Hand-off deadlines escalated.",
                        {{"office", decided.office()}, {"breached", breached ? "true" : "false"}})
            .Increment();
        LogInfo(breached ? "hand-off deadline breached" : "hand-off deadline approaching",
                {{"case_id", case_id}, {"office", decided.office()}});
      }
    }
  }
  return raised;
}

absl::StatusOr<int> RoutingWorker::RepublishPending(int limit) {
  auto due = timers_->DueTimers(kHandoffPublishTimer, clock_->Now(), limit);
  if (!due.ok()) return due.status();
  int sent = 0;
  for (const std::string& case_id : *due) {
    if (absl::Status s = RepublishHandoffEvents(ledger_, producer_, case_id, send_timeout_); !s.ok()) return s;
    RemoveTimerBestEffort(*timers_, kHandoffPublishTimer, case_id);
    ++sent;
  }
  return sent;
}

}  // namespace hosho
