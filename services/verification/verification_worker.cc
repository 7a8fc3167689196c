#include "services/verification/verification_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/case_view.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/trace.h"
#include "services/verification/verdict.h"

namespace hosho {
VerificationWorker::VerificationWorker(CaseStore* cases, EventProducer* producer, const Sealer* sealer,
                                       PlatformConnector* connector, Clock* clock, VerificationPolicy policy,
                                       VerificationOptions options)
    : cases_(cases),
      producer_(producer),
      sealer_(sealer),
      connector_(connector),
      clock_(clock),
      policy_(policy),
      options_(std::move(options)) {}

absl::Status VerificationWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return envelope.status();
  if (!envelope->has_submission_received()) return absl::OkStatus();
  const std::string& case_id = envelope->case_id();
  const auto& submission = envelope->submission_received();
  const std::string office = CheckingOffice(submission);

  auto step = [&](const char* suffix, hosho::v1::CaseState from, hosho::v1::CaseState to, std::string reason) {
    TransitionRequest t;
    t.case_id = case_id;
    t.event_id = absl::StrCat(case_id, suffix);
    t.expected_states = {StateName(from)};
    t.to_state = StateName(to);
    t.actor = options_.connector_name;
    t.reason = std::move(reason);
    t.at = clock_->Now();
    t.office = office;
    return t;
  };

  // A paper guarantee has nothing to look up, and a platform without the connector needs a
  // clerk: the case waits in the office's task queue (VerificationService).
  if (!options_.connector_platforms.contains(submission.credential().platform())) {
    TransitionRequest queued = step(":queued", hosho::v1::CASE_STATE_RECEIVED,
                                    hosho::v1::CASE_STATE_AWAITING_VERIFICATION, "職員による確認待ちに登録しました");
    queued.actor = "hosho-verification";
    queued.deadline = clock_->Now() + options_.clerk_sla;
    queued.fields = {{"task", "1"}};
    auto result = cases_->Apply(queued);
    if (!result.ok() && !absl::IsFailedPrecondition(result.status())) return result.status();
    if (result.ok()) {
      if (absl::Status s = cases_->AddTask(office, case_id, *queued.deadline); !s.ok()) return s;
      Metrics()
          .GetCounter("hosho_verification_tasks_queued_total", "Cases queued for a clerk.", {{"office", office}})
          .Increment();
    }
    return absl::OkStatus();
  }

  // 1. Queued for verification, 2. taken by the connector: one round trip.
  const auto taken = cases_->ApplyAll({step(":queued", hosho::v1::CASE_STATE_RECEIVED,
                                            hosho::v1::CASE_STATE_AWAITING_VERIFICATION, "確認待ちに登録しました"),
                                       step(":verifying", hosho::v1::CASE_STATE_AWAITING_VERIFICATION,
                                            hosho::v1::CASE_STATE_VERIFYING, "自動照会を開始しました")});
  for (const auto& result : taken) {
    if (absl::IsFailedPrecondition(result.status())) {
      // The case moved on without this step (e.g. withdrawn): nothing to do.
      LogInfo("submission skipped", {{"case_id", case_id}, {"reason", std::string(result.status().message())}});
      return absl::OkStatus();
    }
    if (!result.ok()) return result.status();
  }

  // 3. The verdict, computed only while the case is VERIFYING; once recorded,
  // the store returns the first verdict for the same event id.
  auto current = cases_->Get(case_id);
  if (!current.ok()) return current.status();
  TransitionRequest verdict;
  if (current->Field("state") == StateName(hosho::v1::CASE_STATE_VERIFYING)) {
    RuleContext context;
    context.duplicate_count =
        static_cast<int>(std::strtol(current->Field(case_fields::kDuplicateCount).c_str(), nullptr, 10));
    auto plaintext = sealer_->Open(submission.credential().secret(), case_id);
    if (!plaintext.ok()) return plaintext.status();  // key missing or tampered: retry, then DLQ
    auto certificate = connector_->Lookup(submission.credential().platform(), plaintext->value());
    if (!certificate.ok() && !absl::IsNotFound(certificate.status())) {
      Metrics().GetCounter("hosho_verification_connector_errors_total", "Connector look-ups that failed.").Increment();
      return absl::UnavailableError(absl::StrCat("platform look-up failed: ", certificate.status().message()));
    }
    verdict = BuildVerdict(case_id, submission, certificate.ok() ? &*certificate : nullptr, options_.connector_name,
                           office, clock_->Now(), policy_, context);
  } else {
    // Only a replay can succeed here: the store answers with the first verdict.
    verdict.case_id = case_id;
    verdict.event_id = absl::StrCat(case_id, ":verified");
    verdict.expected_states = {StateName(hosho::v1::CASE_STATE_VERIFYING)};
    verdict.to_state = StateName(hosho::v1::CASE_STATE_VERIFIED);
    verdict.actor = options_.connector_name;
    verdict.at = clock_->Now();
    verdict.office = office;
  }
  auto recorded = cases_->Apply(verdict);
  if (absl::IsFailedPrecondition(recorded.status())) {
    LogInfo("verdict skipped", {{"case_id", case_id}, {"reason", std::string(recorded.status().message())}});
    return absl::OkStatus();
  }
  if (!recorded.ok()) return recorded.status();

  hosho::events::v1::Envelope published;
  if (!published.ParseFromString(recorded->payload)) return absl::DataLossError("stored verdict is unreadable");
  OutgoingRecord outgoing = ToRecord(topics::kVerifications, published, ChildTraceparent(record.Header("traceparent")));
  if (absl::Status sent = producer_->Send(outgoing, options_.send_timeout); !sent.ok()) return sent;
  Metrics()
      .GetCounter("hosho_verification_verdicts_total", "Verdicts published.", {{"state", recorded->state}})
      .Increment();
  LogInfo("verdict published", {{"case_id", case_id},
                                {"state", recorded->state},
                                {"replayed", recorded->replayed},
                                {"trace_id", TraceIdOf(record.Header("traceparent"))}});
  return absl::OkStatus();
}

}  // namespace hosho
