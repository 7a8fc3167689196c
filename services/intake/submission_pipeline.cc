#include "services/intake/submission_pipeline.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/common/store/case_fields.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

// Who may register a paper guarantee: a clerk of the office concerned, or an operator.
bool MayRegisterPaper(const Principal& principal, const std::string& office) {
  return principal.role == Role::kOperator || (principal.role == Role::kClerk && principal.office == office);
}

// A case a submission names, and how its refusals read: the case it amends, or the RETURNED case a
// resubmission answers. Either must exist, be visible to the caller and be for the same contract and
// kind (otherwise the duplicate rule could be bypassed with any value).
struct CaseLink {
  const std::string& (SubmitGuaranteeRequest::*case_id)() const;
  const char* field;
  const char* not_found_code;
  const char* not_found_message;
  const char* mismatch_code;
  const char* mismatch_message;
  const char* not_returned_code;  // null: any state
};

constexpr CaseLink kAmendedCase = {
    &SubmitGuaranteeRequest::supersedes_case_id,
    "supersedes_case_id",
    "SUPERSEDED_CASE_NOT_FOUND",
    "変更の対象とする案件が見つかりません",
    "SUPERSEDED_CASE_MISMATCH",
    "変更の対象とする案件は、同じ契約・同じ種類の保証でなければなりません",
    nullptr,
};

constexpr CaseLink kReturnedCase = {
    &SubmitGuaranteeRequest::resubmits_case_id,
    "resubmits_case_id",
    "RESUBMITTED_CASE_NOT_FOUND",
    "再提出の対象とする案件が見つかりません",
    "RESUBMITTED_CASE_MISMATCH",
    "再提出の対象とする案件は、同じ契約・同じ種類の保証でなければなりません",
    "RESUBMITTED_CASE_NOT_RETURNED",
};

absl::Status CheckLinkedCase(CaseLedger& cases, const Principal& principal, const SubmitGuaranteeRequest& request,
                             const CaseLink& link) {
  const std::string& case_id = (request.*link.case_id)();
  if (case_id.empty()) return absl::OkStatus();
  auto linked = cases.Get(case_id);
  if (!linked.ok() && !absl::IsNotFound(linked.status())) return linked.status();
  if (!linked.ok() || !MaySee(principal, *linked)) {
    return Refuse(absl::StatusCode::kNotFound, {{link.field, link.not_found_code, link.not_found_message}});
  }
  if (linked->Field(case_fields::kContractId) != request.contract_id() ||
      linked->Field(case_fields::kKind) != std::to_string(request.kind())) {
    return Refuse(absl::StatusCode::kFailedPrecondition, {{link.field, link.mismatch_code, link.mismatch_message}});
  }
  if (link.not_returned_code != nullptr && linked->Field("state") != StateName(hosho::v1::CASE_STATE_RETURNED)) {
    return Refuse(absl::StatusCode::kFailedPrecondition,
                  {{link.field, link.not_returned_code,
                    "再提出できるのは差し戻された案件だけです（現在: " + linked->Field("state") + "）"}});
  }
  return absl::OkStatus();
}

// A resubmission answers a return, an amendment a change of contract: one submission is not both.
absl::Status CheckOneLinkOnly(const SubmitGuaranteeRequest& request) {
  if (request.resubmits_case_id().empty() || request.supersedes_case_id().empty()) return absl::OkStatus();
  return Refuse(absl::StatusCode::kInvalidArgument,
                {{"resubmits_case_id", "RESUBMISSION_AND_AMENDMENT", "再提出と変更は同時に指定できません"}});
}

// 到達確認: the receipt of the submission `stored` (the case's first event, also on a replay).
hosho::events::v1::Envelope ReceiptEvent(const std::string& case_id, const hosho::events::v1::Envelope& stored) {
  const auto& first = stored.submission_received();
  hosho::events::v1::Envelope receipt;
  receipt.set_event_id(absl::StrCat(case_id, ":receipt"));
  receipt.set_case_id(case_id);
  *receipt.mutable_occurred_at() = stored.occurred_at();
  receipt.set_producer("hosho-intake");
  auto* ack = receipt.mutable_receipt_acknowledged();
  ack->set_kind(first.kind());
  ack->set_channel(first.channel());
  *ack->mutable_contract() = first.contract();
  *ack->mutable_received_at() = first.received_at();
  ack->set_source_receipt(first.source_receipt());
  *ack->mutable_attachments() = first.attachments();
  return receipt;
}

}  // namespace

void CountSubmission(absl::string_view outcome, absl::string_view code) {
  Metrics()
      .GetCounter("hosho_intake_submissions_total", "Submissions by outcome and rule code.",
                  {{"outcome", std::string(outcome)}, {"code", std::string(code)}})
      .Increment();
}

absl::Status Refuse(absl::StatusCode code, std::vector<FieldViolation> violations) {
  CountSubmission("refused", violations.empty() ? "" : violations.front().code);
  return ViolationStatus(code, violations);
}

absl::Status Refuse(absl::string_view code, absl::Status refusal) {
  CountSubmission("refused", code);
  return refusal;
}

absl::Status SendBounded(const IntakeDeps& deps, const IntakeOptions& options,
                         const std::vector<OutgoingRecord>& records, absl::Time deadline) {
  const absl::Duration budget = std::min(options.send_timeout, deadline - deps.clock->Now());
  return deps.producer->SendAll(records, std::max(budget, absl::ZeroDuration()));
}

SubmissionPipeline::SubmissionPipeline(const IntakeDeps& deps, const ScopePolicy& policy, const IntakeOptions& options,
                                       const Principal& principal, SubmitGuaranteeRequest& request,
                                       const std::string& traceparent, absl::Time deadline)
    : deps_(deps),
      policy_(policy),
      options_(options),
      principal_(principal),
      request_(request),
      traceparent_(traceparent),
      deadline_(deadline),
      now_(deps.clock->Now()),
      duplicates_(deps, options) {}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> SubmissionPipeline::Run(bool rate_limited) {
  if (absl::Status s = Admit(rate_limited); !s.ok()) return s;
  NormalizeSubmission(request_);
  if (absl::Status s = LoadContract(); !s.ok()) return s;
  if (absl::Status s = CheckAtTheDoor(); !s.ok()) return s;
  if (absl::Status s = CheckStoredAttachments(); !s.ok()) return s;
  if (absl::Status s = CheckPaperRegistrar(); !s.ok()) return s;
  if (absl::Status s = CheckLinkedCase(*deps_.cases, principal_, request_, kAmendedCase); !s.ok()) return s;
  if (absl::Status s = CheckOneLinkOnly(request_); !s.ok()) return s;
  if (absl::Status s = CheckLinkedCase(*deps_.cases, principal_, request_, kReturnedCase); !s.ok()) return s;
  // R14 asked before anything is written: the same guarantee held by a case the caller may not see.
  if (absl::Status s = duplicates_.VisibleTo(principal_, request_); !s.ok()) return s;
  if (Ending ending = BindIdempotency()) return *std::move(ending);
  if (absl::Status s = SealCredential(); !s.ok()) return s;
  if (Ending ending = ClaimGuarantee()) return *std::move(ending);
  if (absl::Status s = StoreAttachments(); !s.ok()) return s;
  BuildSubmissionEvent();
  if (absl::Status s = CreateCase(); !s.ok()) return s;
  if (absl::Status s = Publish(); !s.ok()) return s;
  return Answer();
}

absl::Status SubmissionPipeline::Admit(bool rate_limited) {
  if (deps_.limiter == nullptr || !rate_limited) return absl::OkStatus();
  absl::Status admitted = deps_.limiter->Admit(principal_.name);
  return admitted.ok() ? admitted : Refuse("RATE_LIMITED", std::move(admitted));
}

// The contract, and the office that acts on the submission: the ordering office concludes a
// contract guarantee, the department in charge pays an advance.
absl::Status SubmissionPipeline::LoadContract() {
  if (!request_.contract_id().empty()) {
    auto stored = deps_.contracts->Get(request_.contract_id());
    if (stored.ok()) {
      contract_found_ = contract_.ParseFromString(*stored);
    } else if (!absl::IsNotFound(stored.status())) {
      return stored.status();
    }
  }
  office_ = request_.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? contract_.ordering_office()
                                                                  : contract_.department_in_charge();
  return absl::OkStatus();
}

// The rules at the door (scope_rules.h), on the day a relay stated or today in Japan.
absl::Status SubmissionPipeline::CheckAtTheDoor() {
  const hosho::v1::Date today_in_japan = TodayInJapan(now_);
  std::vector<FieldViolation> violations = CheckSubmittedOn(request_, today_in_japan);
  today_ = violations.empty() && request_.has_submitted_on() ? request_.submitted_on() : today_in_japan;
  for (FieldViolation& v : CheckSubmission(request_, contract_found_ ? &contract_ : nullptr, policy_, today_)) {
    violations.push_back(std::move(v));
  }
  if (violations.empty()) return absl::OkStatus();
  LogInfo("submission refused",
          {{"code", violations.front().code}, {"principal", principal_.name}, {"contract_id", request_.contract_id()}});
  const absl::StatusCode code = CodeFor(violations);
  return Refuse(code, std::move(violations));
}

// Attachments named by hash must already be in the blob store (the API cannot smuggle a reference to
// nothing into the events).
absl::Status SubmissionPipeline::CheckStoredAttachments() {
  std::vector<FieldViolation> violations;
  for (int i = 0; i < request_.attachments_size(); ++i) {
    if (absl::Status s = CheckStoredAttachment(i, violations); !s.ok()) return s;
  }
  if (violations.empty()) return absl::OkStatus();
  const absl::StatusCode code = violations.front().code == "ATTACHMENT_NOT_FOUND" ? absl::StatusCode::kNotFound
                                                                                  : absl::StatusCode::kInvalidArgument;
  return Refuse(code, std::move(violations));
}

absl::Status SubmissionPipeline::CheckStoredAttachment(int i, std::vector<FieldViolation>& violations) {
  static constexpr char kNotFound[] =
      "指定された添付ファイルは登録されていません。ファイルを uploads で送信してください";
  hosho::v1::AttachmentRef* ref = request_.mutable_attachments(i);
  const std::string field = absl::StrCat("attachments[", i, "].sha256");
  const std::string& sha = ref->sha256();
  const bool well_formed = sha.size() == 64 && sha.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (deps_.blobs == nullptr || !well_formed || !deps_.blobs->Contains(sha)) {
    violations.push_back({field, "ATTACHMENT_NOT_FOUND", kNotFound});
    return absl::OkStatus();
  }
  auto blob = deps_.blobs->Get(sha);
  if (!blob.ok()) return blob.status();
  // What the reference claims is checked against what is stored: a PDF, of the stored size.
  if (!absl::StartsWith(blob->value(), "%PDF-")) {
    violations.push_back({field, "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"});
    return absl::OkStatus();
  }
  ref->set_size_bytes(static_cast<int64_t>(blob->value().size()));
  return absl::OkStatus();
}

absl::Status SubmissionPipeline::CheckPaperRegistrar() {
  if (!request_.has_paper() || MayRegisterPaper(principal_, office_)) return absl::OkStatus();
  return Refuse(absl::StatusCode::kPermissionDenied,
                {{"paper", "PAPER_CLERK_ONLY", "紙の保証書は、提出先の課の職員のみが登録できます"}});
}

// Idempotency: the stored value binds the key to its case and to a keyed fingerprint of the whole
// request, so a retry answers the same case and other content under the same key is told apart.
SubmissionPipeline::Ending SubmissionPipeline::BindIdempotency() {
  by_receipt_ = !request_.source_receipt().empty();
  idem_key_ = BindingKey();
  request_fp_ = absl::BytesToHexString(deps_.sealer->Fingerprint(request_.SerializeAsString()));
  const std::string fresh_case_id = NewCaseId(now_);
  auto bound =
      deps_.cases->PutIfAbsent(*idem_key_, absl::StrCat(fresh_case_id, "|", request_fp_), options_.idempotency_ttl);
  if (!bound.ok()) return bound.status();
  std::vector<std::string> parts = absl::StrSplit(*bound, absl::MaxSplits('|', 1));
  if (parts.size() != 2) return absl::DataLossError("malformed idempotency record");
  case_id_ = parts[0];
  replayed_ = case_id_ != fresh_case_id;
  if (replayed_ && by_receipt_) {
    // A receipt number is sequential and easy to guess: a caller who may not see the case it
    // names learns nothing of it (no case id, no state) and writes nothing on it.
    if (absl::Status visible = duplicates_.ReceiptVisibleTo(principal_, case_id_); !visible.ok()) return visible;
  }
  if (replayed_ && parts[1] != request_fp_) return AnswerReusedKey();
  return std::nullopt;
}

// An API caller's retry is keyed on (principal, client_request_id); a channel's arrival on its own
// receipt (受付番号, Message-ID), whoever relays it. Receipts are shared across principals only for
// the city's own channels (the form service, the mailbox, staff importing an export); a submitter's
// receipts are its own, so nobody can reach another's case by guessing a receipt number.
IdempotencyKey SubmissionPipeline::BindingKey() const {
  if (!by_receipt_) return IdempotencyKey::ClientRequest(principal_.name, request_.client_request_id());
  const std::string submitter = principal_.role == Role::kSubmitter ? principal_.name : std::string();
  return IdempotencyKey::ReceiptNumber(request_.channel(), submitter, request_.source_receipt());
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> SubmissionPipeline::AnswerReusedKey() {
  if (by_receipt_ && deps_.cases->GetState(case_id_).ok()) {
    // The same receipt again with other content (a form re-sent after an edit, a CSV export
    // of what the webhook already brought): one case, the arrival recorded on it.
    return duplicates_.Record(principal_, request_, case_id_, "SAME_RECEIPT",
                              absl::StrCat(idem_key_->name(), "|", request_fp_), traceparent_, deadline_);
  }
  // A receipt is shared by the city's relays: its case is named only to the caller's own key
  // (its case may still be being created, so visibility is not known yet).
  return Refuse(absl::StatusCode::kAlreadyExists,
                {{by_receipt_ ? "source_receipt" : "client_request_id", "REQUEST_ID_REUSED",
                  by_receipt_ ? std::string("この受付番号は別の内容の提出で使用済みです")
                              : "この client_request_id は別の内容の提出で使用済みです（案件 " + case_id_ + "）"}});
}

// The credential: what identifies it (not secret) and the secret, sealed to the case.
absl::Status SubmissionPipeline::SealCredential() {
  credential_.set_platform(PlatformOf(request_));
  SecretBytes plaintext;
  if (request_.has_d_sure()) {
    credential_.set_guarantee_number(request_.d_sure().guarantee_number());
    plaintext = SecretBytes(request_.d_sure().SerializeAsString());
  } else if (request_.has_confirmation_system()) {
    credential_.set_guarantee_number(request_.confirmation_system().certificate_number());
    plaintext = SecretBytes(request_.confirmation_system().SerializeAsString());
  } else {
    credential_.set_guarantee_number(request_.paper().guarantee_number());
  }
  credential_.set_fingerprint(deps_.sealer->Fingerprint(CredentialLocator(request_)));
  if (plaintext.value().empty()) return absl::OkStatus();
  auto sealed = deps_.sealer->Seal(plaintext.value(), case_id_);
  if (!sealed.ok()) return sealed.status();
  *credential_.mutable_secret() = *std::move(sealed);
  plaintext.Wipe();
  return absl::OkStatus();
}

// R14 at the door: one guarantee per contract and purpose, unless it amends a case. A second
// arrival is recorded on the first case instead of opening another. A resubmission of the
// same guarantee after a return takes the place of the returned case.
SubmissionPipeline::Ending SubmissionPipeline::ClaimGuarantee() {
  if (!request_.supersedes_case_id().empty()) return std::nullopt;
  const IdempotencyKey dup_key = duplicates_.Key(request_);
  auto holder = deps_.cases->PutIfAbsent(dup_key, case_id_, absl::ZeroDuration());
  if (!holder.ok()) return holder.status();
  if (*holder == case_id_) return std::nullopt;
  if (!request_.resubmits_case_id().empty() && *holder == request_.resubmits_case_id()) {
    if (absl::Status s = deps_.cases->Put(dup_key, case_id_, absl::ZeroDuration()); !s.ok()) return s;
    return std::nullopt;
  }
  return duplicates_.Record(principal_, request_, *holder, "R14_DUPLICATE_GUARANTEE", idem_key_->name(), traceparent_,
                            deadline_);
}

// Attachments: sealed into the blob store, referenced by hash beside those named by reference.
absl::Status SubmissionPipeline::StoreAttachments() {
  attachments_ = request_.attachments();
  for (const auto& upload : request_.uploads()) {
    if (deps_.blobs == nullptr) return absl::FailedPreconditionError("no attachment store configured");
    auto sha = deps_.blobs->Put(upload.content());
    if (!sha.ok()) return sha.status();
    auto* ref = attachments_.Add();
    ref->set_kind(upload.kind());
    ref->set_sha256(*sha);
    ref->set_media_type(upload.media_type());
    ref->set_size_bytes(static_cast<int64_t>(upload.content().size()));
    ref->set_filename(upload.filename());
  }
  return absl::OkStatus();
}

// The event, built once: a replay re-sends the first one (kept by the store).
void SubmissionPipeline::BuildSubmissionEvent() {
  envelope_.set_event_id(absl::StrCat(case_id_, ":submitted"));
  envelope_.set_case_id(case_id_);
  *envelope_.mutable_occurred_at() = ToProto(now_);
  envelope_.set_producer("hosho-intake");
  auto* submission = envelope_.mutable_submission_received();
  submission->set_kind(request_.kind());
  submission->set_issuer_kind(request_.issuer_kind());
  submission->set_issuer(request_.issuer());
  submission->set_issuer_name(request_.issuer_name());
  *submission->mutable_credential() = credential_;
  *submission->mutable_contract() = contract_;
  submission->set_requested_amount_yen(request_.requested_amount_yen());
  *submission->mutable_attachments() = attachments_;
  submission->set_channel(request_.channel() == hosho::v1::CHANNEL_UNSPECIFIED ? hosho::v1::CHANNEL_API
                                                                               : request_.channel());
  submission->set_submitted_by(principal_.name);
  submission->set_supersedes_case_id(request_.supersedes_case_id());
  *submission->mutable_submitted_on() = request_.has_paper() ? request_.paper().received_on() : today_;
  *submission->mutable_received_at() = ToProto(now_);
  submission->set_source_receipt(request_.source_receipt());
  submission->set_amendment_kind(request_.amendment_kind());
  submission->set_resubmits_case_id(request_.resubmits_case_id());
  if (request_.has_confirmation_system()) {
    submission->set_stated_project_name(request_.confirmation_system().project_name());
    submission->set_stated_contractor_name(request_.confirmation_system().contractor_name());
  }
}

// The case, in RECEIVED, with the verification deadline riding on it; a replay finds it created.
absl::Status SubmissionPipeline::CreateCase() {
  TransitionRequest create;
  create.case_id = case_id_;
  create.event_id = envelope_.event_id();
  create.to_state = hosho::v1::CASE_STATE_RECEIVED;
  create.actor = principal_.name;
  create.reason =
      absl::StrCat(KindNameJa(request_.kind()), request_.has_paper() ? "（紙の保証書）" : "", "の提出を受け付けました");
  create.at = now_;
  create.office = office_;
  create.deadline = now_ + options_.verification_sla;
  create.payload = envelope_.SerializeAsString();
  create.fields = CaseFields();
  auto created = deps_.cases->Apply(create);
  if (!created.ok()) return created.status();
  created_ = *std::move(created);
  return NoteResubmission();
}

std::vector<std::pair<std::string, std::string>> SubmissionPipeline::CaseFields() const {
  namespace f = case_fields;
  const auto& submission = envelope_.submission_received();
  hosho::v1::Case attachment_holder;
  *attachment_holder.mutable_attachments() = attachments_;
  return {{f::kKind, std::to_string(request_.kind())},
          {f::kIssuerKind, std::to_string(request_.issuer_kind())},
          {f::kIssuer, std::to_string(request_.issuer())},
          {f::kPlatform, std::to_string(credential_.platform())},
          {f::kContractId, request_.contract_id()},
          {f::kOrderingOffice, contract_.ordering_office()},
          {f::kDepartment, contract_.department_in_charge()},
          {f::kGuaranteeNumber, credential_.guarantee_number()},
          {f::kChannel, std::to_string(submission.channel())},
          {f::kReceivedMs, std::to_string(absl::ToUnixMillis(now_))},
          {f::kSupersedes, request_.supersedes_case_id()},
          {f::kSubmittedBy, principal_.name},
          {f::kCredentialKeyId, credential_.secret().key_id()},
          {f::kAmountYen, std::to_string(request_.requested_amount_yen())},
          {f::kSourceReceipt, request_.source_receipt()},
          {f::kResubmits, request_.resubmits_case_id()},
          {f::kStatedProjectName, submission.stated_project_name()},
          {f::kStatedContractorName, submission.stated_contractor_name()},
          {f::kAttachments, attachment_holder.SerializeAsString()},
          {"credential", credential_.SerializeAsString()}};
}

// The returned case points at its answer too (history), once.
absl::Status SubmissionPipeline::NoteResubmission() {
  if (request_.resubmits_case_id().empty()) return absl::OkStatus();
  CaseNote link;
  link.case_id = request_.resubmits_case_id();
  link.event_id = absl::StrCat(request_.resubmits_case_id(), ":resubmitted:", case_id_);
  link.actor = principal_.name;
  link.reason = absl::StrCat("再提出されました（案件 ", case_id_, "）");
  link.at = now_;
  link.fields = {{"resubmitted_as", case_id_}};
  return deps_.cases->Note(link).status();
}

// Answer only once Kafka has stored the submission and its receipt (到達確認). A replay re-sends the
// stored first event (same event ids): consumers apply them once.
absl::Status SubmissionPipeline::Publish() {
  hosho::events::v1::Envelope stored;
  if (!stored.ParseFromString(created_.payload) || !stored.has_submission_received()) {
    return absl::DataLossError("stored submission event is unreadable");
  }
  OutgoingRecord record = ToRecord(topics::kSubmissions, envelope_, traceparent_);
  record.value = created_.payload;
  const std::vector<OutgoingRecord> records = {
      record, ToRecord(topics::kSubmissions, ReceiptEvent(case_id_, stored), traceparent_)};
  absl::Status sent = SendBounded(deps_, options_, records, deadline_);
  if (sent.ok()) return sent;
  CountSubmission("unavailable", "KAFKA_UNAVAILABLE");
  LogWarn("submission not stored in kafka", {{"case_id", case_id_}, {"error", std::string(sent.message())}});
  return absl::UnavailableError(absl::StrCat(
      "受付イベントを保存できませんでした。同じ client_request_id で再送してください (case ", case_id_, ")"));
}

hosho::v1::SubmitGuaranteeResponse SubmissionPipeline::Answer() {
  CountSubmission(replayed_ ? "replayed" : "accepted", "");
  LogInfo("submission accepted", {{"case_id", case_id_},
                                  {"trace_id", TraceIdOf(traceparent_)},
                                  {"replayed", replayed_},
                                  {"kind", hosho::v1::GuaranteeKind_Name(request_.kind())},
                                  {"channel", hosho::v1::Channel_Name(envelope_.submission_received().channel())},
                                  {"office", office_}});
  hosho::v1::SubmitGuaranteeResponse response;
  response.set_case_id(case_id_);
  response.set_replayed(replayed_);
  response.set_state(hosho::v1::CASE_STATE_RECEIVED);
  if (replayed_) {
    // A replay answers with where the case is now.
    if (auto state = deps_.cases->GetState(case_id_); state.ok()) response.set_state(ParseStateName(*state));
  }
  return response;
}

}  // namespace hosho
