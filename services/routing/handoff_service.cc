#include "services/routing/handoff_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/domain/text_rules.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

using hosho::events::v1::Envelope;
using hosho::events::v1::HandoffRecorded;
using hosho::v1::CaseState;

constexpr char kProducer[] = "hosho-routing";

absl::Status NoCase() {
  return ViolationStatus(absl::StatusCode::kNotFound,
                         {{"case_id", "CASE_NOT_FOUND", "案件が見つからないか、担当の課の案件ではありません"}});
}

absl::Status WrongState(const std::string& state, const std::string& what) {
  return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                         {{"case_id", "HANDOFF_WRONG_STATE",
                           absl::StrCat("この案件は現在「", state, "」のため、", what, "はできません")}});
}

absl::Status StaleVersion() {
  return ViolationStatus(absl::StatusCode::kAborted,
                         {{"expected_version", "VERSION_MISMATCH",
                           "案件がほかの操作で更新されています。最新の内容を確認してから操作してください"}});
}

// Maps the store's refusals of a transition to precise errors.
absl::Status FromStore(const absl::Status& s, const std::string& state, const std::string& what) {
  if (absl::IsAborted(s)) return StaleVersion();
  if (absl::IsFailedPrecondition(s)) return WrongState(state, what);
  return s;
}

// A clerk's 備考 on a hand-off step (docs/api.md). 500, so that the console's form still fits the 8 KiB
// that cpp-httplib reads of a form body: a browser percent-encodes a kanji as 9 bytes.
constexpr size_t kNoteChars = 500;

absl::Status CheckRequest(const hosho::v1::HandoffRequest& r, bool note_required) {
  std::vector<FieldViolation> v;
  if (r.case_id().empty()) v.push_back({"case_id", "CASE_ID_MISSING", "案件番号を指定してください"});
  const bool bad_note = CheckText(TextRule{"note", "備考", kNoteChars, false, /*multi_line=*/true}, r.note(), v);
  if (!bad_note && note_required && NormalizeText(r.note()).empty()) {
    v.push_back({"note", "WITHDRAW_REASON_MISSING", "取下げの理由を入力してください"});
  }
  if (r.expected_version() < 0) v.push_back({"expected_version", "VERSION_INVALID", "版数が正しくありません"});
  return v.empty() ? absl::OkStatus() : ViolationStatus(absl::StatusCode::kInvalidArgument, v);
}

bool IsClerkOf(const Principal& who, const std::string& office) {
  return who.role == Role::kClerk && !who.office.empty() && who.office == office;
}

// Who may take a step: a clerk of the office now holding the case; for a withdrawal also an
// operator or the submitter of the case.
bool ClerkOfTheOffice(const Principal& who, const CaseRecord& record) { return IsClerkOf(who, record.Field("office")); }
bool MayWithdraw(const Principal& who, const CaseRecord& record) {
  return ClerkOfTheOffice(who, record) || who.role == Role::kOperator ||
         (who.role == Role::kSubmitter && who.name == record.Field(case_fields::kSubmittedBy));
}

// The HandoffRecorded payload of `event`: who did which step, between which offices and states.
HandoffRecorded* RecordStep(Envelope* event, HandoffRecorded::Step step, const std::string& actor,
                            const std::string& from_office, const std::string& to_office, const std::string& note,
                            CaseState from, CaseState to) {
  HandoffRecorded* h = event->mutable_handoff_recorded();
  h->set_step(step);
  h->set_actor(actor);
  h->set_from_office(from_office);
  h->set_to_office(to_office);
  h->set_note(note);
  h->set_from_state(from);
  h->set_to_state(to);
  return h;
}

Envelope NewEvent(const std::string& case_id, const std::string& suffix, absl::Time at) {
  Envelope e = NewEnvelope(case_id, absl::StrCat(case_id, suffix), kProducer, at);
  return e;
}

// What the city's accounting system is asked to pay, from the routing decision (its deadline is the
// legal one) and the submission it carries.
hosho::v1::AdvancePaymentRequest PaymentRequest(const std::string& case_id, const std::string& office,
                                                const hosho::events::v1::RoutingDecided& decided,
                                                const std::string& clerk) {
  const auto& submission = decided.submission();
  hosho::v1::AdvancePaymentRequest request;
  request.set_handoff_id(event_ids::HandedOff(case_id));
  request.set_case_id(case_id);
  request.set_office(office);
  request.set_contract_number(submission.contract().contract_number());
  request.set_project_name(submission.contract().project_name());
  request.set_contractor_name(submission.contract().contractor().name());
  request.set_amount_yen(submission.requested_amount_yen());
  request.set_kind(submission.kind());
  request.set_guarantee_number(decided.certificate().guarantee_number());
  *request.mutable_requested_at() = submission.received_at();
  *request.mutable_pay_by() = decided.deadline();
  request.set_handed_off_by(clerk);
  return request;
}

// The PAYMENT_HANDED_OFF event: what accounting was asked and the reference it gave.
Envelope PaymentHandedOff(Envelope handed, const hosho::v1::AdvancePaymentRequest& request,
                          const hosho::events::v1::SubmissionReceived& submission, const std::string& reference,
                          const std::string& note) {
  auto* p = handed.mutable_payment_handoff_requested();
  p->set_handoff_id(request.handoff_id());
  p->set_office(request.office());
  p->set_amount_yen(request.amount_yen());
  *p->mutable_requested_at() = request.requested_at();
  *p->mutable_pay_by() = request.pay_by();
  *p->mutable_contract() = submission.contract();
  p->set_guarantee_number(request.guarantee_number());
  p->set_kind(submission.kind());
  p->set_accounting_reference(reference);
  p->set_handed_off_by(request.handed_off_by());
  p->set_note(note);
  return handed;
}

TransitionRequest Step(const Envelope& event, CaseState from, CaseState to, const std::string& actor,
                       const std::string& reason, const std::string& office) {
  TransitionRequest t;
  t.case_id = event.case_id();
  t.event_id = event.event_id();
  t.expected_states = {from};
  t.to_state = to;
  t.actor = actor;
  t.reason = reason;
  t.at = FromProto(event.occurred_at());
  t.office = office;
  t.payload = event.SerializeAsString();
  t.terminal = to == hosho::v1::CASE_STATE_CLOSED || to == hosho::v1::CASE_STATE_WITHDRAWN;
  return t;
}

std::string WithNote(std::string reason, const std::string& note) {
  if (!note.empty()) absl::StrAppend(&reason, "（備考: ", note, "）");
  return reason;
}

void CountStep(const char* step) {
  Metrics().GetCounter("hosho_handoff_steps_total", "Hand-off steps recorded.", {{"step", step}}).Increment();
}

}  // namespace

const std::vector<std::string>& HandoffEventSuffixes() {
  static const auto* suffixes = new std::vector<std::string>{
      event_ids::kConcluded, event_ids::kForwarded, event_ids::kHandedOff, event_ids::kClosed, event_ids::kWithdrawn};
  return *suffixes;
}

absl::Status RepublishHandoffEvents(CaseLedger* cases, EventProducer* producer, const std::string& case_id,
                                    absl::Duration timeout, const std::string& traceparent) {
  std::vector<OutgoingRecord> records;
  for (const std::string& suffix : HandoffEventSuffixes()) {
    auto payload = cases->AppliedPayload(case_id, case_id + suffix);
    if (absl::IsNotFound(payload.status())) continue;
    if (!payload.ok()) return payload.status();
    Envelope e;
    if (!e.ParseFromString(*payload)) return absl::DataLossError("stored hand-off event is unreadable");
    records.push_back(
        ToRecord(topics::kRoutings, e, traceparent.empty() ? NewTraceparent() : ChildTraceparent(traceparent)));
  }
  return producer->SendAll(records, timeout);
}

HandoffServiceImpl::HandoffServiceImpl(CaseStore* cases, EventProducer* producer, const Authenticator* auth,
                                       Clock* clock, const RoutingPolicy* policy, AccountingSystem* accounting,
                                       absl::Duration send_timeout)
    : cases_(cases),
      producer_(producer),
      auth_(auth),
      clock_(clock),
      policy_(policy),
      accounting_(accounting),
      send_timeout_(send_timeout) {
  // Every unary method parses its own request (grpc_precise.h), in the proto's order.
  MarkMethodStreamed(0, PreciseMethod("ConcludeContract", auth_, this, &HandoffServiceImpl::ConcludeContract));
  MarkMethodStreamed(1, PreciseMethod("AcknowledgeReceipt", auth_, this, &HandoffServiceImpl::AcknowledgeReceipt));
  MarkMethodStreamed(2, PreciseMethod("RecordPaymentHandoff", auth_, this, &HandoffServiceImpl::RecordPaymentHandoff));
  MarkMethodStreamed(3, PreciseMethod("Withdraw", auth_, this, &HandoffServiceImpl::Withdraw));
}

grpc::Status HandoffServiceImpl::Serve(const char* method, Operation op, grpc::ServerContext* context,
                                       const hosho::v1::HandoffRequest* request, hosho::v1::Case* response) {
  // Any role: who may take a step on which case is each operation's decision (NOT_FOUND otherwise).
  return ServeRpc(method, *auth_, *context, {}, [&](const Principal& who) -> absl::Status {
    auto record = (this->*op)(who, *request, TraceparentOf(*context));
    if (!record.ok()) return record.status();
    *response = CaseFromRecord(*record);
    return absl::OkStatus();
  });
}

grpc::Status HandoffServiceImpl::ConcludeContract(grpc::ServerContext* context,
                                                  const hosho::v1::HandoffRequest* request, hosho::v1::Case* response) {
  return Serve("ConcludeContract", &HandoffServiceImpl::Conclude, context, request, response);
}
grpc::Status HandoffServiceImpl::AcknowledgeReceipt(grpc::ServerContext* context,
                                                    const hosho::v1::HandoffRequest* request,
                                                    hosho::v1::Case* response) {
  return Serve("AcknowledgeReceipt", &HandoffServiceImpl::Acknowledge, context, request, response);
}
grpc::Status HandoffServiceImpl::RecordPaymentHandoff(grpc::ServerContext* context,
                                                      const hosho::v1::HandoffRequest* request,
                                                      hosho::v1::Case* response) {
  return Serve("RecordPaymentHandoff", &HandoffServiceImpl::HandOffPayment, context, request, response);
}
grpc::Status HandoffServiceImpl::Withdraw(grpc::ServerContext* context, const hosho::v1::HandoffRequest* request,
                                          hosho::v1::Case* response) {
  return Serve("Withdraw", &HandoffServiceImpl::WithdrawCase, context, request, response);
}

absl::StatusOr<bool> HandoffServiceImpl::AlreadyDone(const Principal& who, const std::string& case_id,
                                                     const std::string& event_id, const std::string& traceparent) {
  auto payload = cases_->AppliedPayload(case_id, event_id);
  if (absl::IsNotFound(payload.status())) return false;
  if (!payload.ok()) return payload.status();
  Envelope e;
  if (!e.ParseFromString(*payload)) return absl::DataLossError("stored hand-off event is unreadable");
  std::string office;
  std::string actor;
  if (e.has_handoff_recorded()) {
    office = e.handoff_recorded().from_office();
    actor = e.handoff_recorded().actor();
  } else if (e.has_payment_handoff_requested()) {
    office = e.payment_handoff_requested().office();
    actor = e.payment_handoff_requested().handed_off_by();
  }
  if (!IsClerkOf(who, office) && who.name != actor) return false;
  if (absl::Status s = RepublishHandoffEvents(cases_, producer_, case_id, send_timeout_, traceparent); !s.ok()) {
    return s;
  }
  return true;
}

absl::StatusOr<HandoffServiceImpl::Target> HandoffServiceImpl::Open(
    const Principal& who, const hosho::v1::HandoffRequest& r, const std::string& step_suffix, bool note_required,
    const std::string& traceparent, bool (*may_act)(const Principal&, const CaseRecord&)) {
  if (absl::Status s = CheckRequest(r, note_required); !s.ok()) return s;
  auto done = AlreadyDone(who, r.case_id(), r.case_id() + step_suffix, traceparent);
  if (!done.ok()) return done.status();
  auto record = cases_->Get(r.case_id());
  if (absl::IsNotFound(record.status())) return NoCase();
  if (!record.ok()) return record.status();
  if (!*done && !may_act(who, *record)) return NoCase();
  Target t{*std::move(record), *done, "", ""};
  t.office = t.record.Field("office");
  t.state = t.record.Field("state");
  return t;
}

absl::StatusOr<CaseRecord> HandoffServiceImpl::ApplyAndPublish(const Principal& who, const std::string& case_id,
                                                               std::vector<TransitionRequest> steps,
                                                               const std::string& traceparent) {
  // A stale version is refused before anything is written (the publish timer included), after the
  // step's own checks (a wrong state is said first); the transition checks it again, atomically.
  if (const std::optional<int64_t> expected = steps.front().expected_version; expected.has_value()) {
    auto current = cases_->Get(case_id);
    if (!current.ok()) return current.status();
    if (std::to_string(*expected) != current->Field("version")) return StaleVersion();
  }
  // The publish timer goes first: if this process dies after applying and before Kafka has the
  // events, a sweeper re-sends them.
  if (absl::Status s = cases_->AddTimer(kHandoffPublishTimer, case_id, clock_->Now() + absl::Seconds(30)); !s.ok()) {
    return s;
  }
  std::vector<OutgoingRecord> records;
  auto results = cases_->ApplyAll(steps);
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      if (i == 0) return results[i].status();
      return absl::InternalError(
          absl::StrCat("hand-off step ", steps[i].event_id, ": ", results[i].status().message()));
    }
    Envelope e;
    if (!e.ParseFromString(results[i]->payload)) return absl::DataLossError("stored hand-off event is unreadable");
    records.push_back(ToRecord(topics::kRoutings, e, ChildTraceparent(traceparent)));
  }
  // The answer is the case as these steps left it, read before their events are out (a consumer of
  // them may move the case on at once).
  auto stepped = cases_->Get(case_id);
  if (!stepped.ok()) return stepped.status();
  if (absl::Status s = producer_->SendAll(records, send_timeout_); !s.ok()) return s;
  RemoveTimerBestEffort(*cases_, kHandoffPublishTimer, case_id);
  LogInfo("hand-off recorded", {{"case_id", case_id},
                                {"step", StateName(steps.front().to_state)},
                                {"actor", who.name},
                                {"trace_id", TraceIdOf(traceparent)}});
  return stepped;
}

absl::StatusOr<CaseRecord> HandoffServiceImpl::Conclude(const Principal& who, const hosho::v1::HandoffRequest& r,
                                                        const std::string& traceparent) {
  auto target = Open(who, r, event_ids::kConcluded, /*note_required=*/false, traceparent, ClerkOfTheOffice);
  if (!target.ok()) return target.status();
  if (target->done) return target->record;
  const CaseRecord* record = &target->record;
  const std::string& office = target->office;
  const std::string& state = target->state;
  if (state != StateName(hosho::v1::CASE_STATE_ROUTED) ||
      record->Field(case_fields::kAction) != std::to_string(hosho::v1::HANDOFF_ACTION_CONCLUDE_CONTRACT)) {
    return WrongState(state, "契約締結の記録");
  }
  auto routed_payload = cases_->AppliedPayload(r.case_id(), event_ids::Routed(r.case_id()));
  Envelope routed;
  if (!routed_payload.ok() || !routed.ParseFromString(*routed_payload) || !routed.has_routing_decided()) {
    return absl::DataLossError("the routing of this case is unreadable");
  }
  const auto& submission = routed.routing_decided().submission();
  const ForwardDecision forward = DecideForward(submission.kind(), submission.contract(), *policy_);
  const absl::Time now = clock_->Now();

  Envelope concluded = NewEvent(r.case_id(), event_ids::kConcluded, now);
  *RecordStep(&concluded, HandoffRecorded::STEP_CONTRACT_CONCLUDED, who.name, office, office, r.note(),
              hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED)
       ->mutable_submission() = submission;

  Envelope forwarded = NewEvent(r.case_id(), event_ids::kForwarded, now);
  *RecordStep(&forwarded, HandoffRecorded::STEP_FORWARDED, kProducer, office, forward.office, "",
              hosho::v1::CASE_STATE_CONTRACT_CONCLUDED, hosho::v1::CASE_STATE_FORWARDED)
       ->mutable_submission() = submission;

  std::vector<TransitionRequest> steps;
  steps.push_back(Step(concluded, hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED, who.name,
                       WithNote(absl::StrCat(policy_->offices.NameJa(office), "が契約を締結しました"), r.note()),
                       office));
  if (r.expected_version() > 0) steps.back().expected_version = r.expected_version();
  steps.push_back(Step(forwarded, hosho::v1::CASE_STATE_CONTRACT_CONCLUDED, hosho::v1::CASE_STATE_FORWARDED, kProducer,
                       forward.reason_ja, forward.office));
  steps.back().fields = {
      {case_fields::kAction, std::to_string(forward.to_operators ? hosho::v1::HANDOFF_ACTION_OPERATOR_REVIEW
                                                                 : hosho::v1::HANDOFF_ACTION_FORWARD)}};
  auto out = ApplyAndPublish(who, r.case_id(), std::move(steps), traceparent);
  if (!out.ok()) return FromStore(out.status(), state, "契約締結の記録");
  CountStep("concluded");
  return out;
}

absl::StatusOr<CaseRecord> HandoffServiceImpl::Acknowledge(const Principal& who, const hosho::v1::HandoffRequest& r,
                                                           const std::string& traceparent) {
  auto target = Open(who, r, event_ids::kClosed, /*note_required=*/false, traceparent, ClerkOfTheOffice);
  if (!target.ok()) return target.status();
  if (target->done) return target->record;
  const std::string& office = target->office;
  const std::string& state = target->state;
  if (state != StateName(hosho::v1::CASE_STATE_FORWARDED)) return WrongState(state, "受領の記録");
  auto forwarded_payload = cases_->AppliedPayload(r.case_id(), event_ids::Forwarded(r.case_id()));
  Envelope forwarded;
  if (!forwarded_payload.ok() || !forwarded.ParseFromString(*forwarded_payload)) {
    return absl::DataLossError("the forwarding of this case is unreadable");
  }
  Envelope closed = NewEvent(r.case_id(), event_ids::kClosed, clock_->Now());
  *RecordStep(&closed, HandoffRecorded::STEP_RECEIPT_ACKNOWLEDGED, who.name, office, office, r.note(),
              hosho::v1::CASE_STATE_FORWARDED, hosho::v1::CASE_STATE_CLOSED)
       ->mutable_submission() = forwarded.handoff_recorded().submission();
  std::vector<TransitionRequest> steps;
  steps.push_back(Step(closed, hosho::v1::CASE_STATE_FORWARDED, hosho::v1::CASE_STATE_CLOSED, who.name,
                       WithNote(absl::StrCat(policy_->offices.NameJa(office), "が受領しました"), r.note()), office));
  if (r.expected_version() > 0) steps.back().expected_version = r.expected_version();
  auto out = ApplyAndPublish(who, r.case_id(), std::move(steps), traceparent);
  if (!out.ok()) return FromStore(out.status(), state, "受領の記録");
  CountStep("acknowledged");
  return out;
}

absl::StatusOr<CaseRecord> HandoffServiceImpl::HandOffPayment(const Principal& who, const hosho::v1::HandoffRequest& r,
                                                              const std::string& traceparent) {
  auto target = Open(who, r, event_ids::kHandedOff, /*note_required=*/false, traceparent, ClerkOfTheOffice);
  if (!target.ok()) return target.status();
  if (target->done) return target->record;
  const CaseRecord* record = &target->record;
  const std::string& office = target->office;
  const std::string& state = target->state;
  if (state != StateName(hosho::v1::CASE_STATE_ROUTED) ||
      record->Field(case_fields::kAction) != std::to_string(hosho::v1::HANDOFF_ACTION_PROCESS_PAYMENT)) {
    return WrongState(state, "支払の引継ぎ");
  }
  if (r.expected_version() > 0 && std::to_string(r.expected_version()) != record->Field("version")) {
    return StaleVersion();  // checked before accounting is called, not only at the transition
  }
  auto routed_payload = cases_->AppliedPayload(r.case_id(), event_ids::Routed(r.case_id()));
  Envelope routed;
  if (!routed_payload.ok() || !routed.ParseFromString(*routed_payload) || !routed.has_routing_decided()) {
    return absl::DataLossError("the routing of this case is unreadable");
  }
  const auto& decided = routed.routing_decided();
  const auto& submission = decided.submission();
  const absl::Time now = clock_->Now();

  const hosho::v1::AdvancePaymentRequest request = PaymentRequest(r.case_id(), office, decided, who.name);
  auto reference = accounting_->RequestAdvancePayment(request);
  if (!reference.ok()) {
    Metrics().GetCounter("hosho_accounting_failures_total", "Accounting hand-offs that failed.").Increment();
    LogWarn("accounting hand-off failed",
            {{"case_id", r.case_id()}, {"error", std::string(reference.status().message())}});
    return ViolationStatus(
        absl::StatusCode::kUnavailable,
        {{"case_id", "ACCOUNTING_UNAVAILABLE", "会計システムに引き継げませんでした。時間をおいて再度お試しください"}});
  }

  Envelope handed =
      PaymentHandedOff(NewEvent(r.case_id(), event_ids::kHandedOff, now), request, submission, *reference, r.note());
  Envelope closed = NewEvent(r.case_id(), event_ids::kClosed, now);
  auto* t = closed.mutable_case_transitioned();
  t->set_from_state(hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF);
  t->set_to_state(hosho::v1::CASE_STATE_CLOSED);
  t->set_actor(kProducer);
  t->set_reason("会計システムへの引継ぎが完了しました");

  const std::string pay_by = absl::FormatTime("%Y-%m-%d", FromProto(request.pay_by()), JapanTimeZone());
  std::vector<TransitionRequest> steps;
  steps.push_back(Step(handed, hosho::v1::CASE_STATE_ROUTED, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, who.name,
                       WithNote(absl::StrCat("会計システムへ支払を引き継ぎました（会計受付番号 ", *reference,
                                             "、支払期限 ", pay_by, "）"),
                                r.note()),
                       office));
  if (r.expected_version() > 0) steps.back().expected_version = r.expected_version();
  steps.push_back(Step(closed, hosho::v1::CASE_STATE_PAYMENT_HANDED_OFF, hosho::v1::CASE_STATE_CLOSED, kProducer,
                       t->reason(), office));
  auto out = ApplyAndPublish(who, r.case_id(), std::move(steps), traceparent);
  if (!out.ok()) return FromStore(out.status(), state, "支払の引継ぎ");
  CountStep("payment_handed_off");
  return out;
}

absl::StatusOr<CaseRecord> HandoffServiceImpl::WithdrawCase(const Principal& who, const hosho::v1::HandoffRequest& r,
                                                            const std::string& traceparent) {
  auto target = Open(who, r, event_ids::kWithdrawn, /*note_required=*/true, traceparent, MayWithdraw);
  if (!target.ok()) return target.status();
  if (target->done) return target->record;
  const std::string& office = target->office;
  const std::string& state = target->state;
  const CaseState from = ParseStateName(state);
  if (from == hosho::v1::CASE_STATE_CLOSED || from == hosho::v1::CASE_STATE_WITHDRAWN ||
      from == hosho::v1::CASE_STATE_RETURNED || from == hosho::v1::CASE_STATE_UNSPECIFIED) {
    return WrongState(state, "取下げ");
  }
  Envelope withdrawn = NewEvent(r.case_id(), event_ids::kWithdrawn, clock_->Now());
  HandoffRecorded* w =
      RecordStep(&withdrawn, HandoffRecorded::STEP_WITHDRAWN, who.name, who.role == Role::kClerk ? who.office : office,
                 office, r.note(), from, hosho::v1::CASE_STATE_WITHDRAWN);
  // The contract snapshot for the notices: from the submission the case started with.
  auto submitted = cases_->AppliedPayload(r.case_id(), event_ids::Submitted(r.case_id()));
  Envelope first;
  if (submitted.ok() && first.ParseFromString(*submitted) && first.has_submission_received()) {
    *w->mutable_submission() = first.submission_received();
  }
  std::vector<TransitionRequest> steps;
  steps.push_back(Step(withdrawn, from, hosho::v1::CASE_STATE_WITHDRAWN, who.name,
                       WithNote("取り下げられました", r.note()), office));
  if (r.expected_version() > 0) steps.back().expected_version = r.expected_version();
  auto out = ApplyAndPublish(who, r.case_id(), std::move(steps), traceparent);
  if (!out.ok()) return FromStore(out.status(), state, "取下げ");
  CountStep("withdrawn");
  return out;
}

}  // namespace hosho
