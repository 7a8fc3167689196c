#include "services/routing/routing_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/deadline_sweep.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/domain/step_refused.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/routing/handoff_service.h"

namespace hosho {
namespace {

Counter& DecisionsCounter(hosho::v1::HandoffAction action) {
  return Metrics().GetCounter("hosho_routing_decisions_total", "Routing decisions published.",
                              {{"action", hosho::v1::HandoffAction_Name(action)}});
}

}  // namespace

RoutingWorker::RoutingWorker(CaseLedger* ledger, CaseTimers* timers, EventProducer* producer, Clock* clock,
                             const RoutingPolicy* policy, absl::Duration send_timeout)
    : ledger_(ledger),
      timers_(timers),
      producer_(producer),
      clock_(clock),
      policy_(policy),
      send_timeout_(send_timeout) {
  const google::protobuf::EnumDescriptor* actions = hosho::v1::HandoffAction_descriptor();
  for (int i = 0; i < actions->value_count(); ++i) {
    const int action = actions->value(i)->number();
    if (action == hosho::v1::HANDOFF_ACTION_UNSPECIFIED) continue;  // never decided
    decisions_by_action_[action] = &DecisionsCounter(static_cast<hosho::v1::HandoffAction>(action));
  }
}

RecordResult RoutingWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return RecordResult::DeadLetter(envelope.status());  // no retry makes it readable
  // Only a VERIFIED verdict asks for a routing; returned cases are notification's.
  if (!envelope->has_verification_completed()) return RecordResult::Done();
  const auto& verdict = envelope->verification_completed();
  if (verdict.verdict() != hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED) return RecordResult::Done();
  const std::string& case_id = envelope->case_id();
  const auto& submission = verdict.submission();
  const RoutingDecision decision =
      DecideRouting(submission.kind(), submission.contract(), FromProto(submission.received_at()), *policy_);
  auto applied = ledger_->Apply(RoutedStep(case_id, verdict, decision));
  if (absl::IsFailedPrecondition(applied.status())) {
    return StepRefused(*ledger_, case_id, hosho::v1::CASE_STATE_VERIFIED, applied.status());
  }
  if (!applied.ok()) return RecordResult::DependencyFailed(applied.status());
  // Deadlines ride on the routed case; timers are idempotent (a case is in a timer once).
  if (decision.escalate_at < decision.deadline) {  // the operators' short deadline has no separate reminder
    if (absl::Status s = timers_->AddTimer(kHandoffWarnTimer, case_id, decision.escalate_at); !s.ok()) {
      return RecordResult::DependencyFailed(s);
    }
  }
  if (absl::Status s = timers_->AddTimer(kHandoffBreachTimer, case_id, decision.deadline); !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  hosho::events::v1::Envelope published;
  if (!published.ParseFromString(applied->payload)) {
    return RecordResult::Retry(absl::DataLossError("stored routing is unreadable"));  // then the DLQ
  }
  if (absl::Status s = producer_->Send(
          ToRecord(topics::kRoutings, published, ChildTraceparent(record.Header("traceparent"))), send_timeout_);
      !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  DecisionCounter(published.routing_decided().action()).Increment();
  LogInfo("case routed",
          {{"case_id", case_id}, {"office", published.routing_decided().office()}, {"replayed", applied->replayed}});
  if (!bench_auto_handoff_) return RecordResult::Done();
  absl::Status acknowledged = AcknowledgeForBench(case_id, submission.kind(), decision.office);
  return acknowledged.ok() ? RecordResult::Done() : RecordResult::DependencyFailed(acknowledged);
}

Counter& RoutingWorker::DecisionCounter(hosho::v1::HandoffAction action) {
  auto it = decisions_by_action_.find(action);
  return it != decisions_by_action_.end() ? *it->second : DecisionsCounter(action);
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
  t.expected_states = {hosho::v1::CASE_STATE_VERIFIED};
  t.to_state = hosho::v1::CASE_STATE_ROUTED;
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
    step.expected_states = {s.from};
    step.to_state = s.to;
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

namespace {

// A hand-off deadline: near (a reminder) or breached. Built from the routing the case got.
DeadlineSweep HandoffDeadline(bool breached, absl::Duration send_timeout) {
  DeadlineSweep sweep;
  sweep.timer = breached ? kHandoffBreachTimer : kHandoffWarnTimer;
  sweep.topic = std::string(topics::kRoutings);
  sweep.send_timeout = send_timeout;
  sweep.source_event_id = [](absl::string_view case_id) { return event_ids::Routed(case_id); };
  sweep.escalate = [breached](const CaseRecord& record, const hosho::events::v1::Envelope& routed,
                              absl::Time now) -> std::optional<Escalation> {
    // Only a case still waiting for the office's step is escalated; anything else was done in time.
    if (record.Field("state") != StateName(hosho::v1::CASE_STATE_ROUTED) || !routed.has_routing_decided()) {
      return std::nullopt;
    }
    const auto& decided = routed.routing_decided();
    Escalation escalation;
    escalation.event =
        NewEnvelope(record.case_id, event_ids::EscalatedHandoff(record.case_id, breached), "hosho-routing", now);
    auto* e = escalation.event.mutable_handoff_escalated();
    e->set_office(decided.office());
    e->set_action(decided.action());
    *e->mutable_deadline() = decided.deadline();
    e->set_breached(breached);
    *e->mutable_contract() = decided.submission().contract();
    e->set_kind(decided.submission().kind());
    const std::string when = absl::FormatTime("%Y-%m-%d %H:%M", FromProto(decided.deadline()), JapanTimeZone());
    escalation.note.actor = "hosho-routing";
    escalation.note.reason =
        breached ? absl::StrCat("期限（", when, "）を過ぎました。", decided.office(), " に督促しました")
                 : absl::StrCat("期限（", when, "）が近づいています。", decided.office(), " に督促しました");
    return escalation;
  };
  sweep.raised = [breached](const Escalation& escalation) {
    const std::string& office = escalation.event.handoff_escalated().office();
    Metrics()
        .GetCounter("hosho_handoff_escalations_total", "Hand-off deadlines escalated.",
                    {{"office", office}, {"breached", breached ? "true" : "false"}})
        .Increment();
    LogInfo(breached ? "hand-off deadline breached" : "hand-off deadline approaching",
            {{"case_id", escalation.event.case_id()}, {"office", office}});
  };
  return sweep;
}

}  // namespace

absl::StatusOr<int> RoutingWorker::SweepDeadlines(int limit) {
  const absl::Time now = clock_->Now();
  int raised = 0;
  for (const bool breached : {false, true}) {
    auto round = RunDeadlineSweep(HandoffDeadline(breached, send_timeout_), *ledger_, *timers_, *producer_, now, limit);
    if (!round.ok()) return round.status();
    raised += *round;
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
