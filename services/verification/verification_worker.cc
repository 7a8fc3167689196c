#include "services/verification/verification_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/case_view.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/trace.h"

namespace hosho {
namespace {
using hosho::events::v1::VerificationCompleted;
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
      options_(std::move(options)) {}

absl::Status VerificationWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return envelope.status();
  if (!envelope->has_submission_received()) return absl::OkStatus();
  const std::string& case_id = envelope->case_id();
  const auto& submission = envelope->submission_received();
  const std::string office = submission.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT
                                 ? submission.contract().ordering_office()
                                 : submission.contract().department_in_charge();

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

  // A paper guarantee has nothing to look up: it waits for a clerk who holds the paper.
  if (submission.credential().platform() == hosho::v1::PLATFORM_PAPER) {
    auto queued =
        cases_->Apply(step(":queued", hosho::v1::CASE_STATE_RECEIVED, hosho::v1::CASE_STATE_AWAITING_VERIFICATION,
                           "紙の保証書の確認待ちに登録しました"));
    if (!queued.ok() && !absl::IsFailedPrecondition(queued.status())) return queued.status();
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
  TransitionRequest verdict;
  verdict.case_id = case_id;
  verdict.event_id = absl::StrCat(case_id, ":verified");
  verdict.expected_states = {StateName(hosho::v1::CASE_STATE_VERIFYING)};
  verdict.actor = options_.connector_name;
  verdict.at = clock_->Now();
  verdict.office = office;
  auto current = cases_->GetState(case_id);
  if (!current.ok()) return current.status();
  if (*current == StateName(hosho::v1::CASE_STATE_VERIFYING)) {
    hosho::events::v1::Envelope out;
    out.set_event_id(verdict.event_id);
    out.set_case_id(case_id);
    *out.mutable_occurred_at() = ToProto(verdict.at);
    out.set_producer("hosho-verification");
    VerificationCompleted* completed = out.mutable_verification_completed();
    *completed->mutable_submission() = submission;
    completed->set_verified_by(options_.connector_name);

    auto plaintext = sealer_->Open(submission.credential().secret(), case_id);
    if (!plaintext.ok()) return plaintext.status();  // key missing or tampered: retry, then DLQ
    auto certificate = connector_->Lookup(submission.credential().platform(), plaintext->value());
    std::vector<hosho::v1::RuleResult> results;
    if (absl::IsNotFound(certificate.status())) {
      hosho::v1::RuleResult r;
      r.set_rule("R01");
      r.set_code("R01_CREDENTIAL_OPENS_NOTHING");
      r.set_field("credential");
      r.set_message_ja(
          "提出された認証情報で保証証書を確認できませんでした。認証キー（またはURL・パスワード）をご確認ください");
      results.push_back(r);
    } else if (!certificate.ok()) {
      Metrics().GetCounter("hosho_verification_connector_errors_total", "Connector look-ups that failed.").Increment();
      return absl::UnavailableError(absl::StrCat("platform look-up failed: ", certificate.status().message()));
    } else {
      results = ApplyCertificateRules(submission, *certificate, policy_);
      *completed->mutable_certificate() = *certificate;
    }
    const bool passed = AllPassed(results);
    for (auto& r : results) *completed->add_rule_results() = r;
    completed->set_verdict(passed ? VerificationCompleted::VERDICT_VERIFIED : VerificationCompleted::VERDICT_RETURNED);
    verdict.to_state = StateName(passed ? hosho::v1::CASE_STATE_VERIFIED : hosho::v1::CASE_STATE_RETURNED);
    verdict.terminal = !passed;
    std::string codes;
    for (const auto& r : results) {
      if (!r.passed()) absl::StrAppend(&codes, codes.empty() ? "" : ",", r.code());
    }
    verdict.reason = passed ? "保証証書を確認しました（R05〜R10 適合）" : absl::StrCat("不備により差し戻し: ", codes);
    verdict.fields = {{case_fields::kRuleResults, EncodeRuleResults(completed->rule_results())}};
    verdict.payload = out.SerializeAsString();
  } else {
    verdict.to_state = StateName(hosho::v1::CASE_STATE_VERIFIED);  // only a replay can succeed here
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
