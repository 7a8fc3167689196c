#include "services/routing/routing_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/case_view.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/trace.h"

namespace hosho {

RoutingWorker::RoutingWorker(CaseStore* cases, EventProducer* producer, Clock* clock, RoutingPolicy policy,
                             absl::Duration send_timeout)
    : cases_(cases), producer_(producer), clock_(clock), policy_(std::move(policy)), send_timeout_(send_timeout) {}

absl::Status RoutingWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return envelope.status();
  if (!envelope->has_verification_completed()) return absl::OkStatus();
  const auto& verdict = envelope->verification_completed();
  if (verdict.verdict() != hosho::events::v1::VerificationCompleted::VERDICT_VERIFIED) return absl::OkStatus();
  const std::string& case_id = envelope->case_id();
  const auto& submission = verdict.submission();

  const RoutingDecision decision =
      DecideRouting(submission.kind(), submission.contract(), FromProto(submission.received_at()), policy_);
  const absl::Time now = clock_->Now();
  hosho::events::v1::Envelope out;
  out.set_event_id(absl::StrCat(case_id, ":routed"));
  out.set_case_id(case_id);
  *out.mutable_occurred_at() = ToProto(now);
  out.set_producer("hosho-routing");
  auto* routed = out.mutable_routing_decided();
  routed->set_office(decision.office);
  routed->set_action(decision.action);
  *routed->mutable_deadline() = ToProto(decision.deadline);
  *routed->mutable_submission() = submission;
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
  auto applied = cases_->Apply(t);
  if (absl::IsFailedPrecondition(applied.status())) {
    LogInfo("routing skipped", {{"case_id", case_id}, {"reason", std::string(applied.status().message())}});
    return absl::OkStatus();
  }
  if (!applied.ok()) return applied.status();
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
  if (!bench_auto_handoff_) return absl::OkStatus();
  using S = hosho::v1::CaseState;
  const bool contract = submission.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT;
  const std::vector<std::tuple<const char*, S, S>> steps =
      contract ? std::vector<std::tuple<const char*, S, S>>{{":concluded", hosho::v1::CASE_STATE_ROUTED,
                                                             hosho::v1::CASE_STATE_CONTRACT_CONCLUDED},
                                                            {":forwarded", hosho::v1::CASE_STATE_CONTRACT_CONCLUDED,
                                                             hosho::v1::CASE_STATE_FORWARDED},
                                                            {":closed", hosho::v1::CASE_STATE_FORWARDED,
                                                             hosho::v1::CASE_STATE_CLOSED}}
               : std::vector<std::tuple<const char*, S, S>>{
                     {":handed-off", hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF},
                     {":closed", hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, hosho::v1::CASE_STATE_CLOSED}};
  std::vector<TransitionRequest> chain;
  for (const auto& [suffix, from, to] : steps) {
    TransitionRequest step;
    step.case_id = case_id;
    step.event_id = absl::StrCat(case_id, suffix);
    step.expected_states = {StateName(from)};
    step.to_state = StateName(to);
    step.actor = "bench-auto-handoff";
    step.reason = "ベンチマーク用の自動受領";
    step.at = clock_->Now();
    step.office = decision.office;
    step.terminal = to == hosho::v1::CASE_STATE_CLOSED;
    chain.push_back(std::move(step));
  }
  for (const auto& done : cases_->ApplyAll(chain)) {
    if (!done.ok() && !absl::IsFailedPrecondition(done.status())) return done.status();
  }
  return absl::OkStatus();
}

}  // namespace hosho
