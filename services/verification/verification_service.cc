#include "services/verification/verification_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/event_ids.h"
#include "services/common/domain/events.h"
#include "services/common/domain/text_rules.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/common/text/text.h"
#include "services/verification/contract_recheck.h"
#include "services/verification/verdict.h"

namespace hosho {
namespace {

// Bounds of what a clerk types, in characters (docs/api.md).
constexpr size_t kCertificateTextChars = 200;  // 発注者, 受注者, 工事名 as read from a certificate
constexpr size_t kReasonChars = 300;           // 確認できなかった理由, the reason for a reveal

absl::Status NoTask() {
  return ViolationStatus(absl::StatusCode::kNotFound,
                         {{"task_id", "TASK_NOT_FOUND", "この確認作業は見つからないか、担当の課のものではありません"}});
}

int64_t ToInt(const std::string& s) {
  int64_t v = 0;
  (void)absl::SimpleAtoi(s, &v);
  return v;
}

}  // namespace

std::vector<FieldViolation> CheckCertificateRecord(const hosho::v1::CertificateRecord& c) {
  std::vector<FieldViolation> v;
  const std::string number = NormalizeCode(c.guarantee_number());
  if (number.empty() || number.size() > 64) {
    v.push_back(
        {"certificate.guarantee_number", "CERTIFICATE_NUMBER_MISSING", "保証契約番号（証券番号）を入力してください"});
  }
  if (c.kind() == hosho::v1::GUARANTEE_KIND_UNSPECIFIED || !hosho::v1::GuaranteeKind_IsValid(c.kind())) {
    v.push_back({"certificate.kind", "CERTIFICATE_KIND_MISSING", "保証の種類を選択してください"});
  }
  for (const auto& [field, text, label] :
       {std::tuple<const char*, const std::string&, const char*>{"certificate.beneficiary", c.beneficiary(), "発注者"},
        {"certificate.contractor_name", c.contractor_name(), "受注者"},
        {"certificate.project_name", c.project_name(), "工事名"}}) {
    if (text.empty()) {
      v.push_back({field, "CERTIFICATE_FIELD_MISSING", absl::StrCat(label, "を入力してください")});
    } else {
      CheckText(TextRule{field, label, kCertificateTextChars}, text, v);
    }
  }
  if (c.contract_price_yen() < 0 || c.guaranteed_amount_yen() < 0 || c.advance_amount_yen() < 0) {
    v.push_back({"certificate.guaranteed_amount_yen", "AMOUNT_INVALID", "金額は0円以上で入力してください"});
  }
  if (c.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT && c.guaranteed_amount_yen() <= 0) {
    v.push_back({"certificate.guaranteed_amount_yen", "AMOUNT_MISSING", "保証金額を入力してください"});
  }
  if ((c.kind() == hosho::v1::GUARANTEE_KIND_ADVANCE_PAYMENT ||
       c.kind() == hosho::v1::GUARANTEE_KIND_INTERMEDIATE_ADVANCE_PAYMENT) &&
      c.advance_amount_yen() <= 0) {
    v.push_back({"certificate.advance_amount_yen", "AMOUNT_MISSING", "前払金額を入力してください"});
  }
  if (!IsSet(c.period_start()) || !IsSet(c.period_end()) || !IsValidDate(c.period_start()) ||
      !IsValidDate(c.period_end()) || ToCivilDay(c.period_end()) < ToCivilDay(c.period_start())) {
    v.push_back({"certificate.period_end", "PERIOD_INVALID", "保証期間の開始日と終了日を正しく入力してください"});
  }
  if (IsSet(c.issue_date()) && !IsValidDate(c.issue_date())) {
    v.push_back({"certificate.issue_date", "DATE_INVALID", "発行日を正しく入力してください"});
  }
  return v;
}

VerificationServiceImpl::VerificationServiceImpl(CaseStore* cases, EventProducer* producer, const Sealer* sealer,
                                                 const Authenticator* auth, Clock* clock, VerificationPolicy policy,
                                                 TaskOptions options)
    : cases_(cases),
      producer_(producer),
      sealer_(sealer),
      auth_(auth),
      clock_(clock),
      policy_(policy),
      options_(options) {
  // Every unary method parses its own request (grpc_precise.h), in the proto's order.
  MarkMethodStreamed(0, PreciseMethod("ListTasks", auth_, this, &VerificationServiceImpl::ListTasks));
  MarkMethodStreamed(1, PreciseMethod("ClaimTask", auth_, this, &VerificationServiceImpl::ClaimTask));
  MarkMethodStreamed(2, PreciseMethod("RevealCredential", auth_, this, &VerificationServiceImpl::RevealCredential));
  MarkMethodStreamed(3, PreciseMethod("RecordCertificate", auth_, this, &VerificationServiceImpl::RecordCertificate));
  MarkMethodStreamed(4, PreciseMethod("ReleaseTask", auth_, this, &VerificationServiceImpl::ReleaseTask));
}

hosho::v1::VerificationTask VerificationServiceImpl::TaskView(const CaseRecord& record) const {
  namespace f = case_fields;
  hosho::v1::Case c = CaseFromRecord(record);
  hosho::v1::VerificationTask t;
  t.set_task_id(record.case_id);
  t.set_case_id(record.case_id);
  t.set_office(c.office());
  t.set_kind(c.kind());
  t.set_platform(c.platform());
  const int64_t expires = ToInt(record.Field("claim_expires_ms"));
  if (!record.Field("claimed_by").empty() && absl::FromUnixMillis(expires) > clock_->Now()) {
    t.set_claimed_by(record.Field("claimed_by"));
    *t.mutable_claim_expires_at() = ToProto(absl::FromUnixMillis(expires));
  }
  *t.mutable_due_at() = c.deadline();
  *t.mutable_rule_results() = c.rule_results();
  t.set_state(c.state());
  t.set_contract_id(record.Field(f::kContractId));
  t.set_guarantee_number(record.Field(f::kGuaranteeNumber));
  *t.mutable_received_at() = c.received_at();
  return t;
}

absl::StatusOr<CaseRecord> VerificationServiceImpl::TaskFor(const Principal& clerk, const std::string& task_id) {
  if (task_id.empty() || task_id.size() > 64) return NoTask();
  auto record = cases_->Get(task_id);
  if (absl::IsNotFound(record.status())) return NoTask();
  if (!record.ok()) return record.status();
  // Only the clerks of the office that must check it; a task is a case queued for a clerk.
  if (clerk.role != Role::kClerk || clerk.office.empty() || record->Field("office") != clerk.office) return NoTask();
  return record;
}

absl::Status VerificationServiceImpl::RequireClaim(const Principal& clerk, const CaseRecord& record) const {
  const std::string& state = record.Field("state");
  const bool verifying = state == StateName(hosho::v1::CASE_STATE_VERIFYING);
  // An open task waits for a clerk (AWAITING_VERIFICATION) or is being checked (VERIFYING); one not
  // yet claimed asks for the claim, not "not open".
  if (record.Field("task") != "1" || (!verifying && state != StateName(hosho::v1::CASE_STATE_AWAITING_VERIFICATION))) {
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "TASK_NOT_OPEN", "この案件は確認作業中ではありません（" + state + "）"}});
  }
  if (!verifying || record.Field("claimed_by") != clerk.name ||
      absl::FromUnixMillis(ToInt(record.Field("claim_expires_ms"))) <= clock_->Now()) {
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "TASK_NOT_CLAIMED", "先にこの確認作業を引き受けてください（ClaimTask）"}});
  }
  return absl::OkStatus();
}

grpc::Status VerificationServiceImpl::ListTasks(grpc::ServerContext* context,
                                                const hosho::v1::ListTasksRequest* request,
                                                hosho::v1::ListTasksResponse* response) {
  return ServeRpc("ListTasks", *auth_, *context, {Role::kClerk, Role::kOperator},
                  [&](const Principal& principal) { return ListTasksFor(principal, *context, *request, response); });
}

absl::Status VerificationServiceImpl::ListTasksFor(const Principal& principal, grpc::ServerContext& /*context*/,
                                                   const hosho::v1::ListTasksRequest& request,
                                                   hosho::v1::ListTasksResponse* response) {
  std::string office = request.office();
  if (principal.role == Role::kClerk) {
    if (!office.empty() && office != principal.office) {
      return ViolationStatus(absl::StatusCode::kPermissionDenied,
                             {{"office", "OFFICE_NOT_YOURS", "他の課の確認作業は表示できません"}});
    }
    office = principal.office;
  } else if (office.empty()) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument, {{"office", "OFFICE_MISSING", "課を指定してください"}});
  }
  const int page_size = request.page_size() > 0 ? std::min(request.page_size(), 200) : 50;
  auto token = PageOffsetFromToken(request.page_token());
  if (!token.ok()) return token.status();
  const int offset = *token;
  auto ids = cases_->ListTasks(office, page_size + 1, offset);
  if (!ids.ok()) return ids.status();
  for (size_t i = 0; i < ids->size() && i < static_cast<size_t>(page_size); ++i) {
    auto record = cases_->Get((*ids)[i]);
    if (!record.ok() || record->Field("task") != "1") continue;  // decided meanwhile
    *response->add_tasks() = TaskView(*record);
  }
  if (ids->size() > static_cast<size_t>(page_size)) response->set_next_page_token(std::to_string(offset + page_size));
  return absl::OkStatus();
}

void VerificationServiceImpl::PublishTaskEvent(const grpc::ServerContext& context, const std::string& case_id,
                                               const std::string& event_id, hosho::v1::CaseState from,
                                               hosho::v1::CaseState to, const std::string& actor,
                                               const std::string& reason) {
  hosho::events::v1::Envelope event = NewEnvelope(case_id, event_id, "hosho-verification", clock_->Now());
  auto* t = event.mutable_case_transitioned();
  t->set_from_state(from);
  t->set_to_state(to);
  t->set_actor(actor);
  t->set_reason(reason);
  if (absl::Status sent =
          producer_->Send(ToRecord(topics::kVerifications, event, TraceparentOf(context)), options_.send_timeout);
      !sent.ok()) {
    LogWarn("task event not published (the history has it)", {{"case_id", case_id}, {"error", sent.ToString()}});
  }
}

grpc::Status VerificationServiceImpl::ClaimTask(grpc::ServerContext* context,
                                                const hosho::v1::ClaimTaskRequest* request,
                                                hosho::v1::VerificationTask* response) {
  return ServeRpc("ClaimTask", *auth_, *context, {Role::kClerk},
                  [&](const Principal& principal) { return ClaimTaskFor(principal, *context, *request, response); });
}

absl::Status VerificationServiceImpl::ClaimTaskFor(const Principal& principal, grpc::ServerContext& context,
                                                   const hosho::v1::ClaimTaskRequest& request,
                                                   hosho::v1::VerificationTask* response) {
  auto record = TaskFor(principal, request.task_id());
  if (!record.ok()) return record.status();
  ClaimRequest claim;
  claim.case_id = record->case_id;
  claim.clerk = principal.name;
  claim.at = clock_->Now();
  claim.ttl = options_.claim_ttl;
  claim.reason = "確認作業を引き受けました";
  auto claimed = cases_->Claim(claim);
  if (absl::IsFailedPrecondition(claimed.status())) {
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "TASK_NOT_OPEN", "この案件は確認待ちではありません"}});
  }
  if (!claimed.ok()) return claimed.status();
  if (!claimed->claimed) {
    return ViolationStatus(
        absl::StatusCode::kAborted,
        {{"task_id", "TASK_CLAIMED_BY_OTHER",
          absl::StrCat("この案件は ", claimed->holder, " さんが確認中です（",
                       absl::FormatTime("%H:%M", claimed->expires_at, JapanTimeZone()), " まで）")}});
  }
  LogInfo("task claimed", {{"case_id", record->case_id}, {"clerk", principal.name}, {"office", principal.office}});
  auto now_record = cases_->Get(record->case_id);
  if (!now_record.ok()) return now_record.status();
  const std::string awaiting = StateName(hosho::v1::CASE_STATE_AWAITING_VERIFICATION);
  if (record->Field("state") == awaiting && now_record->Field("state") != awaiting) {  // not a renewal
    PublishTaskEvent(context, record->case_id, event_ids::Claimed(record->case_id, claimed->version),
                     hosho::v1::CASE_STATE_AWAITING_VERIFICATION, hosho::v1::CASE_STATE_VERIFYING, principal.name,
                     claim.reason);
  }
  *response = TaskView(*now_record);
  return absl::OkStatus();
}

grpc::Status VerificationServiceImpl::RevealCredential(grpc::ServerContext* context,
                                                       const hosho::v1::RevealCredentialRequest* request,
                                                       hosho::v1::RevealCredentialResponse* response) {
  return ServeRpc("RevealCredential", *auth_, *context, {Role::kClerk}, [&](const Principal& principal) {
    return RevealCredentialFor(principal, *context, *request, response);
  });
}

absl::Status VerificationServiceImpl::RevealCredentialFor(const Principal& principal, grpc::ServerContext& context,
                                                          const hosho::v1::RevealCredentialRequest& request,
                                                          hosho::v1::RevealCredentialResponse* response) {
  // A contract guarantee forwarded after conclusion: the department now holding it may see the
  // credential (the city forwards the key or the insurer's format to 工事担当課) without a task.
  auto forwarded = cases_->Get(request.task_id());
  const bool forwarded_here = forwarded.ok() &&
                              forwarded->Field("state") == StateName(hosho::v1::CASE_STATE_FORWARDED) &&
                              forwarded->Field("office") == principal.office;
  auto record = forwarded_here ? std::move(forwarded) : TaskFor(principal, request.task_id());
  if (!record.ok()) return record.status();
  if (!forwarded_here) {
    if (absl::Status held = RequireClaim(principal, *record); !held.ok()) {
      return held;
    }
  }
  std::vector<FieldViolation> bad_reason;
  if (CheckText(TextRule{"reason", "理由", kReasonChars}, request.reason(), bad_reason)) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument, bad_reason);
  }
  const std::string reason = NormalizeText(request.reason());
  hosho::v1::SealedCredential credential;
  if (!credential.ParseFromString(record->Field("credential")) || !credential.has_secret()) {
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "NO_CREDENTIAL", "紙の保証書の案件には認証情報がありません"}});
  }
  // The audit comes first: if it cannot be recorded and published, nothing is shown.
  const absl::Time now = clock_->Now();
  hosho::events::v1::Envelope audit = NewEnvelope(
      record->case_id, absl::StrCat(record->case_id, ":revealed:", absl::ToUnixMillis(now), ":", RandomHex(4)),
      "hosho-verification", now);
  auto* revealed = audit.mutable_credential_revealed();
  revealed->set_principal(principal.name);
  revealed->set_office(principal.office);
  revealed->set_reason(reason.empty() ? "保証証書の確認" : reason);
  CaseNote note;
  note.case_id = record->case_id;
  note.event_id = audit.event_id();
  note.actor = principal.name;
  note.reason = absl::StrCat("認証情報を表示しました（", revealed->reason(), "）");
  note.at = now;
  note.counter_field = "reveal_count";
  note.payload = audit.SerializeAsString();
  if (auto noted = cases_->Note(note); !noted.ok()) return noted.status();
  if (absl::Status sent =
          producer_->Send(ToRecord(topics::kVerifications, audit, TraceparentOf(context)), options_.send_timeout);
      !sent.ok()) {
    return absl::UnavailableError("表示の記録を保存できませんでした。もう一度お試しください");
  }
  auto plaintext = sealer_->Open(credential.secret(), record->case_id);
  if (!plaintext.ok()) return plaintext.status();
  const bool parsed = credential.platform() == hosho::v1::PLATFORM_D_SURE
                          ? response->mutable_d_sure()->ParseFromString(plaintext->value())
                          : response->mutable_confirmation_system()->ParseFromString(plaintext->value());
  if (!parsed) {
    return absl::DataLossError("sealed credential is unreadable");
  }
  Metrics()
      .GetCounter("hosho_verification_reveals_total", "Credentials shown to clerks (each one audited).",
                  {{"office", principal.office}})
      .Increment();
  LogInfo("credential revealed",
          {{"case_id", record->case_id}, {"clerk", principal.name}, {"office", principal.office}});
  return absl::OkStatus();
}

grpc::Status VerificationServiceImpl::RecordCertificate(grpc::ServerContext* context,
                                                        const hosho::v1::RecordCertificateRequest* request,
                                                        hosho::v1::VerificationTask* response) {
  return ServeRpc("RecordCertificate", *auth_, *context, {Role::kClerk}, [&](const Principal& principal) {
    return RecordCertificateFor(principal, *context, *request, response);
  });
}

absl::Status VerificationServiceImpl::RecordCertificateFor(const Principal& principal, grpc::ServerContext& context,
                                                           const hosho::v1::RecordCertificateRequest& request,
                                                           hosho::v1::VerificationTask* response) {
  auto record = TaskFor(principal, request.task_id());
  if (!record.ok()) return record.status();
  if (absl::Status held = RequireClaim(principal, *record); !held.ok()) return held;
  auto certificate = CheckRecordRequest(request);
  if (!certificate.ok()) return certificate.status();
  auto submitted = cases_->AppliedPayload(record->case_id, event_ids::Submitted(record->case_id));
  if (!submitted.ok()) return submitted.status();
  hosho::events::v1::Envelope submission;
  if (!submission.ParseFromString(*submitted) || !submission.has_submission_received()) {
    return absl::DataLossError("stored submission is unreadable");
  }
  auto terms = WithCurrentTerms(submission.submission_received(), contracts_);
  if (!terms.ok()) return terms.status();
  TransitionRequest verdict =
      BuildVerdict(record->case_id, *terms, *certificate, principal.name, record->Field("office"), clock_->Now(),
                   policy_, RuleContext{static_cast<int>(ToInt(record->Field(case_fields::kDuplicateCount)))});
  if (!request.no_certificate_reason().empty()) {
    verdict.reason = absl::StrCat(verdict.reason, "（",
                                  TruncateText(NormalizeText(request.no_certificate_reason()), kReasonChars), "）");
  }
  auto applied = ApplyClerkVerdict(*record, verdict);
  if (!applied.ok()) return applied.status();
  return FinishClerkVerdict(principal, context, *record, submission.submission_received(), *applied, response);
}

absl::StatusOr<const hosho::v1::CertificateRecord*> VerificationServiceImpl::CheckRecordRequest(
    const hosho::v1::RecordCertificateRequest& request) {
  const hosho::v1::CertificateRecord* certificate = nullptr;
  if (request.has_certificate()) {
    if (auto v = CheckCertificateRecord(request.certificate()); !v.empty()) {
      return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
    }
    certificate = &request.certificate();
  } else if (request.no_certificate_reason().empty()) {
    return ViolationStatus(
        absl::StatusCode::kInvalidArgument,
        {{"outcome", "OUTCOME_MISSING", "保証証書の内容か、証書を確認できなかった理由を入力してください"}});
  }
  if (std::vector<FieldViolation> v;
      CheckText(TextRule{"no_certificate_reason", "確認できなかった理由", kReasonChars, false, /*multi_line=*/true},
                request.no_certificate_reason(), v)) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
  }
  return certificate;
}

absl::StatusOr<TransitionResult> VerificationServiceImpl::ApplyClerkVerdict(const CaseRecord& record,
                                                                            const TransitionRequest& verdict) {
  // The publish timer goes first: if Kafka does not confirm the verdict's event, or this process
  // dies after storing it, the publish sweep sends it (a retry by the clerk would find it decided).
  if (absl::Status timer = cases_->AddTimer(kVerdictPublishTimer, record.case_id, clock_->Now() + kVerdictPublishGrace);
      !timer.ok()) {
    return timer;
  }
  auto applied = cases_->Apply(verdict);
  if (absl::IsFailedPrecondition(applied.status())) {
    // Nothing of this call was stored (a verdict stored by an earlier call would have been
    // replayed under the same event id), so there is nothing for the sweep to send.
    RemoveTimerBestEffort(*cases_, kVerdictPublishTimer, record.case_id);
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "TASK_NOT_OPEN", "この案件はすでに判定されています"}});
  }
  return applied;
}

absl::Status VerificationServiceImpl::FinishClerkVerdict(const Principal& principal, grpc::ServerContext& context,
                                                         const CaseRecord& record,
                                                         const hosho::events::v1::SubmissionReceived& submission,
                                                         const TransitionResult& applied,
                                                         hosho::v1::VerificationTask* response) {
  bool superseded_marked = true;
  if (applied.state == hosho::v1::CASE_STATE_VERIFIED) {
    // An amended guarantee verified: the case it replaces stops waiting. If this fails, the publish
    // timer set before the verdict makes the sweep do it (and send the verdict) once the grace has passed.
    if (absl::Status s = ResolveSuperseded(*cases_, record.case_id, submission, clock_->Now()); !s.ok()) {
      superseded_marked = false;
      LogWarn("superseded case not marked yet, left to the publish sweep",
              {{"case_id", record.case_id}, {"error", std::string(s.message())}});
    }
  }
  (void)cases_->RemoveTask(record.Field("office"), record.case_id);    // a later sweep of the queue skips it
  RemoveTimerBestEffort(*cases_, "verification-sla", record.case_id);  // decided: no escalation
  // The answer is the case as the verdict left it: read before the event is out, since routing may
  // move it on within a millisecond of the send. A failed read must not keep the stored verdict from
  // being sent (a retry would find the task decided): it is read again after the send.
  auto decided = cases_->Get(record.case_id);
  hosho::events::v1::Envelope published;
  if (!published.ParseFromString(applied.payload)) return absl::DataLossError("stored verdict is unreadable");
  // The verdict is recorded whatever Kafka says: the answer is OK, and an unconfirmed event is left
  // to the publish sweep (the timer stays), which sends the stored one.
  if (absl::Status sent =
          producer_->Send(ToRecord(topics::kVerifications, published, TraceparentOf(context)), options_.send_timeout);
      !sent.ok()) {
    LogWarn("verdict stored, its event left to the publish sweep",
            {{"case_id", record.case_id}, {"error", std::string(sent.message())}});
  } else if (superseded_marked) {
    RemoveTimerBestEffort(*cases_, kVerdictPublishTimer, record.case_id);
  }
  Metrics()
      .GetCounter("hosho_verification_verdicts_total", "Verdicts published.", {{"state", StateName(applied.state)}})
      .Increment();
  LogInfo("verdict recorded by clerk",
          {{"case_id", record.case_id}, {"clerk", principal.name}, {"state", StateName(applied.state)}});
  if (!decided.ok()) decided = cases_->Get(record.case_id);
  if (!decided.ok()) return decided.status();
  *response = TaskView(*decided);
  return absl::OkStatus();
}

grpc::Status VerificationServiceImpl::ReleaseTask(grpc::ServerContext* context,
                                                  const hosho::v1::ReleaseTaskRequest* request,
                                                  hosho::v1::VerificationTask* response) {
  return ServeRpc("ReleaseTask", *auth_, *context, {Role::kClerk},
                  [&](const Principal& principal) { return ReleaseTaskFor(principal, *context, *request, response); });
}

absl::Status VerificationServiceImpl::ReleaseTaskFor(const Principal& principal, grpc::ServerContext& context,
                                                     const hosho::v1::ReleaseTaskRequest& request,
                                                     hosho::v1::VerificationTask* response) {
  auto record = TaskFor(principal, request.task_id());
  if (!record.ok()) return record.status();
  if (absl::Status held = RequireClaim(principal, *record); !held.ok()) {
    return held;
  }
  if (absl::Status s = cases_->ReleaseClaim(record->case_id, principal.name, clock_->Now()); !s.ok()) {
    return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                           {{"task_id", "TASK_NOT_CLAIMED", "この確認作業を引き受けていません"}});
  }
  const absl::Time released_at = clock_->Now();
  PublishTaskEvent(context, record->case_id,
                   absl::StrCat(record->case_id, ":released:", absl::ToUnixMillis(released_at), ":", RandomHex(4)),
                   hosho::v1::CASE_STATE_VERIFYING, hosho::v1::CASE_STATE_VERIFYING, principal.name,
                   "確認作業を手放しました");
  auto now_record = cases_->Get(record->case_id);
  if (!now_record.ok()) return now_record.status();
  *response = TaskView(*now_record);
  return absl::OkStatus();
}

}  // namespace hosho
