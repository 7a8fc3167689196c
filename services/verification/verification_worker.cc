#include "services/verification/verification_worker.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/deadline_sweep.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/domain/step_refused.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/verification/contract_recheck.h"
#include "services/verification/resilient_connector.h"
#include "services/verification/verdict.h"

namespace hosho {
namespace {

// A counter field of the case (written only by the ledger's notes); absent reads as zero.
int64_t CounterField(const CaseRecord& record, absl::string_view name) {
  int64_t value = 0;
  return absl::SimpleAtoi(record.Field(name), &value) ? value : 0;
}

Counter& VerdictsCounter(const std::string& state) {
  return Metrics().GetCounter("hosho_verification_verdicts_total", "Verdicts published.", {{"state", state}});
}

Counter& WaitsCounter(hosho::v1::Platform platform) {
  return Metrics().GetCounter("hosho_verification_waits_total", "Look-ups postponed while a platform is away.",
                              {{"platform", hosho::v1::Platform_Name(platform)}});
}

}  // namespace

VerificationWorker::VerificationWorker(CaseStore* cases, EventProducer* producer, const Sealer* sealer,
                                       PlatformConnector* connector, Clock* clock, VerificationPolicy policy,
                                       VerificationOptions options)
    : cases_(cases),
      producer_(producer),
      sealer_(sealer),
      connector_(connector),
      clock_(clock),
      policy_(policy),
      options_(std::move(options)),
      verified_(VerdictsCounter(StateName(hosho::v1::CASE_STATE_VERIFIED))),
      returned_(VerdictsCounter(StateName(hosho::v1::CASE_STATE_RETURNED))),
      // At zero from the start, so that a rate or an alert over them means something.
      republished_(
          Metrics().GetCounter("hosho_verification_verdicts_republished_total",
                               "Clerks' verdicts sent by the publish sweep (their own send had not been confirmed).")),
      unreadable_verdicts_(Metrics().GetCounter(
          "hosho_verification_verdicts_unreadable_total",
          "Stored verdicts the publish sweep could not read, so could not send (see the runbook).")) {
  for (int platform : options_.connector_platforms) {
    waits_by_platform_[platform] = &WaitsCounter(static_cast<hosho::v1::Platform>(platform));
  }
}

Counter& VerificationWorker::VerdictCounter(const std::string& state) {
  if (state == StateName(hosho::v1::CASE_STATE_VERIFIED)) return verified_;
  if (state == StateName(hosho::v1::CASE_STATE_RETURNED)) return returned_;
  return VerdictsCounter(state);  // no other verdict today
}

Counter& VerificationWorker::WaitCounter(hosho::v1::Platform platform) {
  auto it = waits_by_platform_.find(platform);
  return it != waits_by_platform_.end() ? *it->second : WaitsCounter(platform);
}

RecordResult VerificationWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return RecordResult::DeadLetter(envelope.status());  // no retry makes it readable
  if (!envelope->has_submission_received()) return RecordResult::Done();   // nothing asked of verification
  const std::string& case_id = envelope->case_id();
  const auto& submission = envelope->submission_received();
  // The verification deadline runs from receipt: a timer escalates before it is breached.
  if (absl::Status s = cases_->AddTimer(kSlaTimer, case_id, SlaDeadline(submission) - options_.escalate_before);
      !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  // A paper guarantee has nothing to look up, and a platform without the connector needs a
  // clerk: the case waits in the office's task queue (VerificationService).
  if (!options_.connector_platforms.contains(submission.credential().platform())) {
    return QueueForClerks(case_id, submission, record.Header("traceparent"));
  }
  // 1. Queued for verification, 2. taken by the connector: one round trip.
  const auto taken =
      cases_->ApplyAll({Step(case_id, submission, event_ids::kQueued, hosho::v1::CASE_STATE_RECEIVED,
                             hosho::v1::CASE_STATE_AWAITING_VERIFICATION, "確認待ちに登録しました"),
                        Step(case_id, submission, event_ids::kVerifying, hosho::v1::CASE_STATE_AWAITING_VERIFICATION,
                             hosho::v1::CASE_STATE_VERIFYING, "自動照会を開始しました")});
  for (const auto& result : taken) {
    if (absl::IsFailedPrecondition(result.status())) {
      // Moved on without this step (e.g. withdrawn): nothing to do; behind it: wait.
      return StepRefused(*cases_, case_id, hosho::v1::CASE_STATE_RECEIVED, result.status());
    }
    if (!result.ok()) return RecordResult::DependencyFailed(result.status());
  }
  return Verify(case_id, submission, record.Header("traceparent"));
}

absl::Time VerificationWorker::SlaDeadline(const hosho::events::v1::SubmissionReceived& submission) const {
  auto sla = options_.sla_by_office.find(CheckingOffice(submission));
  return FromProto(submission.received_at()) + (sla != options_.sla_by_office.end() ? sla->second : options_.sla);
}

TransitionRequest VerificationWorker::Step(const std::string& case_id,
                                           const hosho::events::v1::SubmissionReceived& submission, const char* suffix,
                                           hosho::v1::CaseState from, hosho::v1::CaseState to,
                                           std::string reason) const {
  TransitionRequest t;
  t.case_id = case_id;
  t.event_id = absl::StrCat(case_id, suffix);
  t.expected_states = {from};
  t.to_state = to;
  t.actor = options_.connector_name;
  t.reason = std::move(reason);
  t.at = clock_->Now();
  t.office = CheckingOffice(submission);
  return t;
}

RecordResult VerificationWorker::QueueForClerks(const std::string& case_id,
                                                const hosho::events::v1::SubmissionReceived& submission,
                                                const std::string& traceparent) {
  const std::string office = CheckingOffice(submission);
  TransitionRequest queued = Step(case_id, submission, event_ids::kQueued, hosho::v1::CASE_STATE_RECEIVED,
                                  hosho::v1::CASE_STATE_AWAITING_VERIFICATION, "職員による確認待ちに登録しました");
  queued.actor = "hosho-verification";
  queued.deadline = clock_->Now() + options_.clerk_sla;
  queued.fields = {{"task", "1"}};
  auto result = cases_->Apply(queued);
  if (absl::IsFailedPrecondition(result.status())) {
    return StepRefused(*cases_, case_id, hosho::v1::CASE_STATE_RECEIVED, result.status());
  }
  if (!result.ok()) return RecordResult::DependencyFailed(result.status());
  if (absl::Status s = cases_->AddTask(office, case_id, *queued.deadline); !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  // The queueing is a case event too (the console's live feed shows it); a redelivery sends the
  // same event id again.
  hosho::events::v1::Envelope event = NewEnvelope(case_id, queued.event_id, "hosho-verification", queued.at);
  auto* t = event.mutable_case_transitioned();
  t->set_from_state(hosho::v1::CASE_STATE_RECEIVED);
  t->set_to_state(hosho::v1::CASE_STATE_AWAITING_VERIFICATION);
  t->set_actor(queued.actor);
  t->set_reason(queued.reason);
  if (absl::Status sent = producer_->Send(ToRecord(topics::kVerifications, event, ChildTraceparent(traceparent)),
                                          options_.send_timeout);
      !sent.ok()) {
    return RecordResult::DependencyFailed(sent);
  }
  if (!result->replayed) {
    Metrics()
        .GetCounter("hosho_verification_tasks_queued_total", "Cases queued for a clerk.", {{"office", office}})
        .Increment();
  }
  return RecordResult::Done();
}

RecordResult VerificationWorker::Verify(const std::string& case_id,
                                        const hosho::events::v1::SubmissionReceived& submission,
                                        const std::string& traceparent) {
  const std::string office = CheckingOffice(submission);
  // 3. The verdict, computed only while the case is VERIFYING; once recorded,
  // the store returns the first verdict for the same event id.
  auto current = cases_->Get(case_id);
  if (!current.ok()) return RecordResult::DependencyFailed(current.status());
  TransitionRequest verdict;
  if (current->Field("state") == StateName(hosho::v1::CASE_STATE_VERIFYING)) {
    RuleContext context;
    context.duplicate_count = static_cast<int>(CounterField(*current, case_fields::kDuplicateCount));
    auto plaintext = sealer_->Open(submission.credential().secret(), case_id);
    // Key missing (a key ring not reloaded yet) or tampered: retried, then the DLQ.
    if (!plaintext.ok()) return RecordResult::Retry(plaintext.status());
    auto certificate = connector_->Lookup(submission.credential().platform(), plaintext->value());
    plaintext->Wipe();
    if (!certificate.ok() && !absl::IsNotFound(certificate.status())) {
      if (ResilientConnector::IsTransient(certificate.status())) {
        return Wait(case_id, submission, *current, certificate.status());
      }
      return GiveToClerks(case_id, submission, certificate.status());
    }
    auto terms = WithCurrentTerms(submission, contracts_);
    if (!terms.ok()) return RecordResult::DependencyFailed(terms.status());
    verdict = BuildVerdict(case_id, *terms, certificate.ok() ? &*certificate : nullptr, options_.connector_name, office,
                           clock_->Now(), policy_, context);
    verdict.fields.push_back({"waiting_reason", ""});
  } else {
    // Only a replay can succeed here: the store answers with the first verdict.
    verdict.case_id = case_id;
    verdict.event_id = event_ids::Verified(case_id);
    verdict.expected_states = {hosho::v1::CASE_STATE_VERIFYING};
    verdict.to_state = hosho::v1::CASE_STATE_VERIFIED;
    verdict.actor = options_.connector_name;
    verdict.at = clock_->Now();
    verdict.office = office;
  }
  auto recorded = cases_->Apply(verdict);
  if (absl::IsFailedPrecondition(recorded.status())) {
    RecordResult refused = StepRefused(*cases_, case_id, hosho::v1::CASE_STATE_VERIFYING, recorded.status());
    if (refused.outcome == RecordOutcome::kSkipped) RemoveTimerBestEffort(*cases_, kWaitTimer, case_id);
    return refused;
  }
  if (!recorded.ok()) return RecordResult::DependencyFailed(recorded.status());
  return PublishVerdict(case_id, submission, *recorded, traceparent);
}

RecordResult VerificationWorker::PublishVerdict(const std::string& case_id,
                                                const hosho::events::v1::SubmissionReceived& submission,
                                                const TransitionResult& recorded, const std::string& traceparent) {
  if (recorded.state == hosho::v1::CASE_STATE_VERIFIED) {
    if (absl::Status s = ResolveSuperseded(*cases_, case_id, submission, clock_->Now()); !s.ok()) {
      return RecordResult::DependencyFailed(s);
    }
  }
  hosho::events::v1::Envelope published;
  if (!published.ParseFromString(recorded.payload)) {
    return RecordResult::Retry(absl::DataLossError("stored verdict is unreadable"));  // then the DLQ
  }
  OutgoingRecord outgoing = ToRecord(topics::kVerifications, published, ChildTraceparent(traceparent));
  if (absl::Status sent = producer_->Send(outgoing, options_.send_timeout); !sent.ok()) {
    return RecordResult::DependencyFailed(sent);
  }
  RemoveTimerBestEffort(*cases_, kWaitTimer, case_id);
  RemoveTimerBestEffort(*cases_, kSlaTimer, case_id);  // decided: no escalation
  VerdictCounter(StateName(recorded.state)).Increment();
  LogInfo("verdict published", {{"case_id", case_id},
                                {"state", StateName(recorded.state)},
                                {"replayed", recorded.replayed},
                                {"trace_id", TraceIdOf(traceparent)}});
  return RecordResult::Done();
}

RecordResult VerificationWorker::Wait(const std::string& case_id,
                                      const hosho::events::v1::SubmissionReceived& submission,
                                      const CaseRecord& current, const absl::Status& why) {
  // The platform is away: the case stays VERIFYING with a visible reason and a timer, and the
  // record is done (its offset can be stored): nothing is lost, and the resumer tries again.
  const int64_t waits = CounterField(current, "platform_waits");
  const absl::Duration after =
      std::min(options_.resume_initial * (int64_t{1} << std::min<int64_t>(waits, 16)), options_.resume_max);
  const absl::Time now = clock_->Now();
  const std::string platform = PlatformNameJa(submission.credential().platform());
  CaseNote note;
  note.case_id = case_id;
  note.event_id = event_ids::Waiting(case_id, waits + 1);
  note.actor = options_.connector_name;
  note.reason = absl::StrCat(platform, "に接続できないため待機しています（", waits + 1, "回目、",
                             absl::FormatDuration(after), "後に再開）");
  note.at = now;
  note.counter_field = "platform_waits";
  note.fields = {{"waiting_reason", absl::StrCat(platform, " 停止中（自動照会の再開待ち）")}};
  if (auto noted = cases_->Note(note); !noted.ok()) return RecordResult::DependencyFailed(noted.status());
  if (absl::Status s = cases_->AddTimer(kWaitTimer, case_id, now + after); !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  WaitCounter(submission.credential().platform()).Increment();
  LogWarn("case waits for its platform", {{"case_id", case_id}, {"error", std::string(why.message())}});
  return RecordResult::Done();
}

RecordResult VerificationWorker::GiveToClerks(const std::string& case_id,
                                              const hosho::events::v1::SubmissionReceived& submission,
                                              const absl::Status& why) {
  // A permanent connector error (refused credentials of the service, a broken request): the case
  // goes to the office's clerks, and the record to the DLQ for an operator to look at.
  const std::string office = CheckingOffice(submission);
  CaseNote note;
  note.case_id = case_id;
  note.event_id = event_ids::ToClerks(case_id);
  note.actor = options_.connector_name;
  note.reason = "自動照会ができないため、職員の確認に回しました";
  note.at = clock_->Now();
  note.fields = {{"task", "1"}, {"waiting_reason", ""}};
  if (auto noted = cases_->Note(note); !noted.ok()) return RecordResult::DependencyFailed(noted.status());
  if (absl::Status s = cases_->AddTask(office, case_id, clock_->Now() + options_.clerk_sla); !s.ok()) {
    return RecordResult::DependencyFailed(s);
  }
  RemoveTimerBestEffort(*cases_, kWaitTimer, case_id);
  // The connector's own code (e.g. PERMISSION_DENIED) goes with the record to the DLQ.
  return RecordResult::DeadLetter(
      absl::Status(why.code(), absl::StrCat("permanent connector error (case given to clerks): ", why.message())));
}

absl::StatusOr<int> VerificationWorker::ResumeDue(int limit) {
  auto due = cases_->DueTimers(kWaitTimer, clock_->Now(), limit);
  if (!due.ok()) return due.status();
  int resumed = 0;
  for (const std::string& case_id : *due) {
    auto payload = cases_->AppliedPayload(case_id, event_ids::Submitted(case_id));
    // Redis away for a moment: the timer stays and the next round tries again. Dropping it here left
    // a case in VERIFYING for good (hosho-chaos, a Redis kill during a resume round).
    if (!payload.ok() && !absl::IsNotFound(payload.status())) return payload.status();
    hosho::events::v1::Envelope envelope;
    if (!payload.ok() || !envelope.ParseFromString(*payload) || !envelope.has_submission_received()) {
      LogError("waiting case has no readable submission; it needs an operator", {{"case_id", case_id}});
      if (absl::Status s = cases_->RemoveTimer(kWaitTimer, case_id); !s.ok()) return s;
      continue;
    }
    const RecordResult verified = Verify(case_id, envelope.submission_received(), "");
    // Given to clerks (or refused for good by the store): nothing for the next round either.
    if (verified.outcome == RecordOutcome::kDeadLetter) continue;
    // A case behind the step (the store lost writes): its timer stays and the round goes on, so one
    // such case cannot hold back every other waiting case.
    if (verified.outcome == RecordOutcome::kRetry && absl::IsFailedPrecondition(verified.error)) continue;
    if (verified.outcome == RecordOutcome::kRetry) return verified.error;  // the timer stays for the next round
    ++resumed;  // a verdict, a new wait, or a case that moved on
  }
  if (auto waiting = cases_->CountTimers(kWaitTimer); waiting.ok()) {
    Metrics()
        .GetGauge("hosho_verification_waiting_cases", "Cases waiting for their platform to come back.")
        .Set(static_cast<double>(*waiting));
  }
  return resumed;
}

absl::StatusOr<int> VerificationWorker::RepublishVerdicts(int limit) {
  auto due = cases_->DueTimers(kVerdictPublishTimer, clock_->Now(), limit);
  if (!due.ok()) return due.status();
  int sent = 0;
  for (const std::string& case_id : *due) {
    auto payload = cases_->AppliedPayload(case_id, event_ids::Verified(case_id));
    if (absl::IsNotFound(payload.status())) {  // the verdict was never stored: nothing to send
      RemoveTimerBestEffort(*cases_, kVerdictPublishTimer, case_id);
      continue;
    }
    hosho::events::v1::Envelope verdict;
    if (absl::IsDataLoss(payload.status()) || (payload.ok() && !verdict.ParseFromString(*payload))) {
      // One damaged record must not hold back every verdict due after it: it is counted, logged and
      // left for an operator, and the sweep goes on.
      RemoveTimerBestEffort(*cases_, kVerdictPublishTimer, case_id);
      unreadable_verdicts_.Increment();
      LogError("stored verdict is unreadable, not sent", {{"case_id", case_id}});
      continue;
    }
    if (!payload.ok()) return payload.status();  // the store itself is unreachable: the next sweep tries again
    // A clerk's call that died after storing the verdict left the superseded case unmarked too.
    if (verdict.has_verification_completed() &&
        verdict.verification_completed().verdict() == hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED) {
      if (absl::Status s =
              ResolveSuperseded(*cases_, case_id, verdict.verification_completed().submission(), clock_->Now());
          !s.ok()) {
        // The timer stays, so the next sweep tries again; the verdicts due after this one still go out.
        LogWarn("superseded case not marked yet", {{"case_id", case_id}, {"error", std::string(s.message())}});
        continue;
      }
    }
    if (absl::Status s =
            producer_->Send(ToRecord(topics::kVerifications, verdict, NewTraceparent()), options_.send_timeout);
        !s.ok()) {
      return s;  // the timer stays: the next sweep tries again
    }
    RemoveTimerBestEffort(*cases_, kVerdictPublishTimer, case_id);
    ++sent;
    republished_.Increment();
    LogWarn("verdict sent by the publish sweep", {{"case_id", case_id}});
  }
  return sent;
}

absl::StatusOr<int> VerificationWorker::SweepDeadlines(int limit) {
  DeadlineSweep sweep;
  sweep.timer = kSlaTimer;
  sweep.topic = std::string(topics::kVerifications);
  sweep.send_timeout = options_.send_timeout;
  sweep.source_event_id = [](absl::string_view case_id) { return event_ids::Submitted(case_id); };
  sweep.escalate = [this](const CaseRecord& record, const hosho::events::v1::Envelope& submitted,
                          absl::Time now) -> std::optional<Escalation> {
    const hosho::v1::CaseState state = ParseStateName(record.Field("state"));
    const bool open = state == hosho::v1::CASE_STATE_RECEIVED || state == hosho::v1::CASE_STATE_AWAITING_VERIFICATION ||
                      state == hosho::v1::CASE_STATE_VERIFYING;
    if (!open || !submitted.has_submission_received()) return std::nullopt;  // decided in time
    const auto& submission = submitted.submission_received();
    const std::string office = CheckingOffice(submission);
    const absl::Time deadline = SlaDeadline(submission);
    Escalation escalation;
    escalation.event =
        NewEnvelope(record.case_id, event_ids::EscalatedVerification(record.case_id), "hosho-verification", now);
    auto* e = escalation.event.mutable_verification_escalated();
    e->set_office(office);
    *e->mutable_deadline() = ToProto(deadline);
    e->set_state(state);
    *e->mutable_contract() = submission.contract();
    e->set_kind(submission.kind());
    escalation.note.actor = "hosho-verification";
    escalation.note.reason = absl::StrCat("確認期限（", absl::FormatTime("%Y-%m-%d %H:%M", deadline, JapanTimeZone()),
                                          "）が近づいています。", office, " に督促しました");
    escalation.note.fields = {{"escalated", "1"}};
    return escalation;
  };
  sweep.raised = [](const Escalation& escalation) {
    const std::string& office = escalation.event.verification_escalated().office();
    Metrics()
        .GetCounter("hosho_verification_escalations_total", "Verification deadlines escalated.", {{"office", office}})
        .Increment();
    LogInfo("verification deadline escalated", {{"case_id", escalation.event.case_id()}, {"office", office}});
  };
  return RunDeadlineSweep(sweep, *cases_, *cases_, *producer_, clock_->Now(), limit);
}

}  // namespace hosho
