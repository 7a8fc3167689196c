#include "services/intake/intake_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/case_view.h"
#include "services/common/domain_text.h"
#include "services/common/errors.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/text.h"
#include "services/common/trace.h"
#include "services/intake/form_import.h"

namespace hosho {
namespace {

using hosho::v1::SubmitGuaranteeRequest;

// Removes every plaintext secret from the request, whatever path the call takes.
void WipeCredential(SubmitGuaranteeRequest& request) {
  if (request.has_d_sure()) WipeString(request.mutable_d_sure()->mutable_authentication_key());
  if (request.has_confirmation_system()) {
    WipeString(request.mutable_confirmation_system()->mutable_viewing_password());
    WipeString(request.mutable_confirmation_system()->mutable_viewing_url());
  }
}

// Who may register a paper guarantee: a clerk of the office concerned, or an operator.
bool MayRegisterPaper(const Principal& principal, const std::string& office) {
  return principal.role == Role::kOperator || (principal.role == Role::kClerk && principal.office == office);
}

void CountSubmission(absl::string_view outcome, absl::string_view code) {
  Metrics()
      .GetCounter("hosho_intake_submissions_total", "Submissions by outcome and rule code.",
                  {{"outcome", std::string(outcome)}, {"code", std::string(code)}})
      .Increment();
}

// What identifies a credential (not secret): its fingerprint keys R14's one guarantee per purpose.
std::string CredentialLocator(const SubmitGuaranteeRequest& request) {
  if (request.has_d_sure()) return absl::StrCat("d-sure:", request.d_sure().guarantee_number());
  if (request.has_confirmation_system()) return absl::StrCat("confirmation:", request.confirmation_system().viewing_url());
  return absl::StrCat("paper:", request.issuer(), ":", NormalizeCode(request.issuer_name()), ":",
                      request.paper().guarantee_number());
}

}  // namespace

std::string NewCaseId(absl::Time now) {
  return absl::StrCat("HS-", absl::FormatTime("%Y%m%d", now, JapanTimeZone()), "-", RandomHex(6));
}

IntakeServiceImpl::IntakeServiceImpl(IntakeDeps deps, ScopePolicy policy, IntakeOptions options)
    : deps_(deps), policy_(std::move(policy)), options_(options) {
  // Every unary method parses its own request (grpc_precise.h), in the proto's order.
  MarkMethodStreamed(0, PreciseMethod("SubmitGuarantee", deps_.auth, this, &IntakeServiceImpl::SubmitGuarantee));
  MarkMethodStreamed(1, PreciseMethod("ImportFormCsv", deps_.auth, this, &IntakeServiceImpl::ImportFormCsv));
}

grpc::Status IntakeServiceImpl::SubmitGuarantee(grpc::ServerContext* context, const SubmitGuaranteeRequest* request,
                                                hosho::v1::SubmitGuaranteeResponse* response) {
  const absl::Time started = absl::Now();
  // The request object is ours for the call; its plaintext is wiped before we return.
  auto& mutable_request = const_cast<SubmitGuaranteeRequest&>(*request);
  auto principal = deps_.auth->Require(*context, {Role::kSubmitter, Role::kIntegration, Role::kClerk, Role::kOperator});
  if (!principal.ok()) {
    WipeCredential(mutable_request);
    return ObserveRpc("SubmitGuarantee", started, ToGrpcStatus(principal.status()));
  }
  auto result = Submit(*principal, mutable_request, TraceparentOf(*context), absl::FromChrono(context->deadline()));
  if (!result.ok()) return ObserveRpc("SubmitGuarantee", started, ToGrpcStatus(result.status()));
  *response = *std::move(result);
  return ObserveRpc("SubmitGuarantee", started, grpc::Status::OK);
}

grpc::Status IntakeServiceImpl::ImportFormCsv(grpc::ServerContext* context,
                                              const hosho::v1::ImportFormCsvRequest* request,
                                              hosho::v1::ImportReport* response) {
  const absl::Time started = absl::Now();
  auto principal = deps_.auth->Require(*context, {Role::kIntegration, Role::kClerk, Role::kOperator});
  if (!principal.ok()) return ObserveRpc("ImportFormCsv", started, ToGrpcStatus(principal.status()));
  if (deps_.limiter != nullptr) {
    if (absl::Status admitted = deps_.limiter->Admit(principal->name); !admitted.ok()) {
      return ObserveRpc("ImportFormCsv", started, ToGrpcStatus(admitted));
    }
  }
  if (form_importer_ == nullptr) {
    return ObserveRpc(
        "ImportFormCsv", started,
        ToGrpcStatus(absl::FailedPreconditionError("フォームの項目対応表（intake.form_mapping）が設定されていません")));
  }
  auto report = form_importer_->Import(*principal, request->csv(), request->filename(), TraceparentOf(*context));
  if (!report.ok()) return ObserveRpc("ImportFormCsv", started, ToGrpcStatus(report.status()));
  *response = *std::move(report);
  return ObserveRpc("ImportFormCsv", started, grpc::Status::OK);
}

absl::StatusOr<std::string> IntakeServiceImpl::ContractIdForNumber(absl::string_view contract_number) {
  return deps_.contracts->IdForNumber(NormalizeCode(contract_number));
}

absl::Status IntakeServiceImpl::AdmitRows(const Principal& principal, int64_t rows) {
  if (deps_.limiter == nullptr) return absl::OkStatus();
  absl::Status admitted = deps_.limiter->AdmitMany(principal.name, rows);
  if (!admitted.ok()) CountSubmission("refused", "RATE_LIMITED");
  return admitted;
}

std::string IntakeServiceImpl::ArrivalFingerprint(absl::string_view content) const {
  return absl::BytesToHexString(deps_.sealer->Fingerprint(content)).substr(0, 40);
}

std::string IntakeServiceImpl::DuplicateKey(const SubmitGuaranteeRequest& request) const {
  return absl::StrCat("dup:{", request.contract_id(), "}:", request.kind(), ":",
                      absl::BytesToHexString(deps_.sealer->Fingerprint(CredentialLocator(request))));
}

bool IntakeServiceImpl::CarriesTheSecretOf(const SubmitGuaranteeRequest& request, const CaseRecord& holder) const {
  hosho::v1::SealedCredential sealed;
  if (!sealed.ParseFromString(holder.Field("credential")) || !sealed.has_secret()) return false;
  auto opened = deps_.sealer->Open(sealed.secret(), holder.case_id);
  if (!opened.ok()) return false;
  bool same = false;
  if (request.has_d_sure()) {
    hosho::v1::DSureCredential held;
    same = held.ParseFromString(opened->value()) &&
           SecretEquals(held.authentication_key(), request.d_sure().authentication_key());
    WipeString(held.mutable_authentication_key());
  } else if (request.has_confirmation_system()) {
    hosho::v1::ConfirmationSystemCredential held;
    same = held.ParseFromString(opened->value()) &&
           SecretEquals(held.viewing_password(), request.confirmation_system().viewing_password()) &&
           SecretEquals(held.viewing_url(), request.confirmation_system().viewing_url());
    WipeString(held.mutable_viewing_password());
    WipeString(held.mutable_viewing_url());
  }
  return same;
}

absl::Status IntakeServiceImpl::DuplicateVisibleTo(const Principal& principal, const SubmitGuaranteeRequest& request) {
  if (!request.supersedes_case_id().empty()) return absl::OkStatus();  // an amendment is no duplicate
  auto holder_id = deps_.cases->GetValue(DuplicateKey(request));
  if (absl::IsNotFound(holder_id.status())) return absl::OkStatus();
  if (!holder_id.ok()) return holder_id.status();
  if (*holder_id == request.resubmits_case_id()) return absl::OkStatus();
  auto holder = deps_.cases->Get(*holder_id);
  if (absl::IsNotFound(holder.status())) return absl::OkStatus();
  if (!holder.ok()) return holder.status();
  // A guarantee number is printed on the certificate: only someone who may see the case, or who
  // sends the very secret sealed on it (the certificate's holder), learns which case holds it.
  if (MaySee(principal, *holder) || CarriesTheSecretOf(request, *holder)) return absl::OkStatus();
  CountSubmission("refused", "R14_DUPLICATE_GUARANTEE");
  LogInfo("duplicate of a case the caller may not see", {{"principal", principal.name}});
  return ViolationStatus(absl::StatusCode::kAlreadyExists,
                         {{"credential", "R14_DUPLICATE_GUARANTEE", "この保証は既に提出されています"}});
}

absl::Status IntakeServiceImpl::CheckStoredAttachment(hosho::v1::AttachmentRef* ref) {
  static constexpr char kNotFound[] = "指定された添付ファイルは登録されていません。ファイルを uploads で送信してください";
  const std::string& sha = ref->sha256();
  const bool well_formed =
      sha.size() == 64 && sha.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (deps_.blobs == nullptr || !well_formed || !deps_.blobs->Contains(sha)) {
    return ViolationStatus(absl::StatusCode::kNotFound, {{"sha256", "ATTACHMENT_NOT_FOUND", kNotFound}});
  }
  auto blob = deps_.blobs->Get(sha);
  if (!blob.ok()) return blob.status();
  // What the reference claims is checked against what is stored: a PDF, of the stored size.
  if (!absl::StartsWith(blob->value(), "%PDF-")) {
    return ViolationStatus(absl::StatusCode::kInvalidArgument,
                           {{"sha256", "ATTACHMENT_NOT_PDF", "添付ファイルはPDF形式のみ受け付けます"}});
  }
  ref->set_size_bytes(static_cast<int64_t>(blob->value().size()));
  return absl::OkStatus();
}

absl::Status IntakeServiceImpl::ReceiptVisibleTo(const Principal& principal, const std::string& case_id) {
  auto holder = deps_.cases->Get(case_id);
  // Not there yet: the first arrival bound the receipt and is still creating its case.
  if (absl::IsNotFound(holder.status())) return absl::OkStatus();
  if (!holder.ok()) return holder.status();
  if (MaySee(principal, *holder)) return absl::OkStatus();
  CountSubmission("refused", "RECEIPT_IN_USE");
  LogInfo("receipt of a case the caller may not see", {{"principal", principal.name}});
  return ViolationStatus(absl::StatusCode::kAlreadyExists,
                         {{"source_receipt", "RECEIPT_IN_USE", "この受付番号は既に別の提出で使用されています"}});
}

absl::Status IntakeServiceImpl::SendBounded(const std::vector<OutgoingRecord>& records, absl::Time deadline) {
  const absl::Duration budget = std::min(options_.send_timeout, deadline - deps_.clock->Now());
  return deps_.producer->SendAll(records, std::max(budget, absl::ZeroDuration()));
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> IntakeServiceImpl::RecordDuplicate(
    const Principal& principal, const SubmitGuaranteeRequest& request, const std::string& case_id,
    absl::string_view code, absl::string_view source, const std::string& traceparent, absl::Time deadline) {
  const absl::Time now = deps_.clock->Now();
  // The arrival's identity, keyed: a retry of the same arrival records nothing new.
  const std::string source_fp = absl::BytesToHexString(deps_.sealer->Fingerprint(source)).substr(0, 32);
  hosho::events::v1::Envelope envelope;
  envelope.set_event_id(absl::StrCat(case_id, ":duplicate:", source_fp));
  envelope.set_case_id(case_id);
  *envelope.mutable_occurred_at() = ToProto(now);
  envelope.set_producer("hosho-intake");
  auto* dup = envelope.mutable_submission_duplicate();
  dup->set_code(std::string(code));
  dup->set_channel(request.channel() == hosho::v1::CHANNEL_UNSPECIFIED ? hosho::v1::CHANNEL_API : request.channel());
  dup->set_submitted_by(principal.name);
  dup->set_source(source_fp);
  *dup->mutable_received_at() = ToProto(now);
  CaseNote note;
  note.case_id = case_id;
  note.event_id = envelope.event_id();
  note.actor = principal.name;
  note.reason = code == "SAME_RECEIPT" ? "同じ受付の再送を受信しました（重複として記録）"
                                       : "R14_DUPLICATE_GUARANTEE: 同じ保証の再提出を受信しました（重複として記録）";
  note.at = now;
  note.counter_field = case_fields::kDuplicateCount;
  note.payload = envelope.SerializeAsString();
  auto noted = deps_.cases->Note(note);
  if (!noted.ok()) return noted.status();
  OutgoingRecord record = ToRecord(topics::kSubmissions, envelope, traceparent);
  record.value = noted->payload;
  if (absl::Status sent = SendBounded({record}, deadline); !sent.ok()) {
    CountSubmission("unavailable", "KAFKA_UNAVAILABLE");
    return absl::UnavailableError(
        absl::StrCat("重複の記録を保存できませんでした。再送してください (case ", case_id, ")"));
  }
  CountSubmission("duplicate", code);
  LogInfo("duplicate recorded on case", {{"case_id", case_id},
                                         {"code", std::string(code)},
                                         {"principal", principal.name},
                                         {"trace_id", TraceIdOf(traceparent)},
                                         {"replayed", noted->replayed}});
  hosho::v1::SubmitGuaranteeResponse response;
  response.set_case_id(case_id);
  response.set_duplicate(true);
  response.set_replayed(noted->replayed);
  response.set_state(ParseStateName(noted->state));
  return response;
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> IntakeServiceImpl::Submit(const Principal& principal,
                                                                             SubmitGuaranteeRequest& request,
                                                                             const std::string& traceparent,
                                                                             absl::Time deadline, bool rate_limited) {
  struct Wiper {
    SubmitGuaranteeRequest& r;
    ~Wiper() { WipeCredential(r); }
  } wiper{request};
  const absl::Time now = deps_.clock->Now();

  if (deps_.limiter != nullptr && rate_limited) {
    if (absl::Status admitted = deps_.limiter->Admit(principal.name); !admitted.ok()) {
      CountSubmission("refused", "RATE_LIMITED");
      return admitted;
    }
  }
  NormalizeSubmission(request);

  // The contract, then the rules at the door.
  hosho::v1::Contract contract;
  bool contract_found = false;
  if (!request.contract_id().empty()) {
    auto stored = deps_.contracts->Get(request.contract_id());
    if (stored.ok()) {
      contract_found = contract.ParseFromString(*stored);
    } else if (!absl::IsNotFound(stored.status())) {
      return stored.status();
    }
  }
  const hosho::v1::Date today_in_japan = TodayInJapan(now);
  std::vector<FieldViolation> violations = CheckSubmittedOn(request, today_in_japan);
  const hosho::v1::Date today = violations.empty() && request.has_submitted_on() ? request.submitted_on() : today_in_japan;
  for (FieldViolation& v : CheckSubmission(request, contract_found ? &contract : nullptr, policy_, today)) {
    violations.push_back(std::move(v));
  }
  if (!violations.empty()) {
    CountSubmission("refused", violations.front().code);
    LogInfo("submission refused",
            {{"code", violations.front().code}, {"principal", principal.name}, {"contract_id", request.contract_id()}});
    return ViolationStatus(CodeFor(violations), violations);
  }
  // Attachments named by hash must already be in the blob store (the API cannot smuggle
  // a reference to nothing into the events).
  for (int i = 0; i < request.attachments_size(); ++i) {
    if (absl::Status stored = CheckStoredAttachment(request.mutable_attachments(i)); !stored.ok()) {
      if (ViolationsOf(stored).empty()) return stored;
      violations.push_back(ViolationsOf(stored).front());
      violations.back().field = absl::StrCat("attachments[", i, "].", violations.back().field);
    }
  }
  if (!violations.empty()) {
    CountSubmission("refused", violations.front().code);
    return ViolationStatus(violations.front().code == "ATTACHMENT_NOT_FOUND" ? absl::StatusCode::kNotFound
                                                                             : absl::StatusCode::kInvalidArgument,
                           violations);
  }
  const std::string office = request.kind() == hosho::v1::GUARANTEE_KIND_CONTRACT ? contract.ordering_office()
                                                                                  : contract.department_in_charge();
  if (request.has_paper() && !MayRegisterPaper(principal, office)) {
    CountSubmission("refused", "PAPER_CLERK_ONLY");
    return ViolationStatus(absl::StatusCode::kPermissionDenied,
                           {{"paper", "PAPER_CLERK_ONLY", "紙の保証書は、提出先の課の職員のみが登録できます"}});
  }

  // An amendment names the case it amends: it must exist and be for the same contract and kind
  // (otherwise the duplicate rule below could be bypassed with any value).
  if (!request.supersedes_case_id().empty()) {
    auto amended = deps_.cases->Get(request.supersedes_case_id());
    if (!amended.ok() && !absl::IsNotFound(amended.status())) return amended.status();
    if (!amended.ok() || !MaySee(principal, *amended)) {
      CountSubmission("refused", "SUPERSEDED_CASE_NOT_FOUND");
      return ViolationStatus(absl::StatusCode::kNotFound, {{"supersedes_case_id", "SUPERSEDED_CASE_NOT_FOUND",
                                                            "変更の対象とする案件が見つかりません"}});
    }
    if (amended->Field(case_fields::kContractId) != request.contract_id() ||
        amended->Field(case_fields::kKind) != std::to_string(request.kind())) {
      CountSubmission("refused", "SUPERSEDED_CASE_MISMATCH");
      return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                             {{"supersedes_case_id", "SUPERSEDED_CASE_MISMATCH",
                               "変更の対象とする案件は、同じ契約・同じ種類の保証でなければなりません"}});
    }
  }

  // A resubmission answers a RETURNED case of the same contract and kind.
  if (!request.resubmits_case_id().empty()) {
    if (!request.supersedes_case_id().empty()) {
      return ViolationStatus(absl::StatusCode::kInvalidArgument, {{"resubmits_case_id", "RESUBMISSION_AND_AMENDMENT",
                                                                   "再提出と変更は同時に指定できません"}});
    }
    auto returned = deps_.cases->Get(request.resubmits_case_id());
    if (!returned.ok() && !absl::IsNotFound(returned.status())) return returned.status();
    if (!returned.ok() || !MaySee(principal, *returned)) {
      CountSubmission("refused", "RESUBMITTED_CASE_NOT_FOUND");
      return ViolationStatus(absl::StatusCode::kNotFound, {{"resubmits_case_id", "RESUBMITTED_CASE_NOT_FOUND",
                                                            "再提出の対象とする案件が見つかりません"}});
    }
    if (returned->Field(case_fields::kContractId) != request.contract_id() ||
        returned->Field(case_fields::kKind) != std::to_string(request.kind())) {
      CountSubmission("refused", "RESUBMITTED_CASE_MISMATCH");
      return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                             {{"resubmits_case_id", "RESUBMITTED_CASE_MISMATCH",
                               "再提出の対象とする案件は、同じ契約・同じ種類の保証でなければなりません"}});
    }
    if (returned->Field("state") != StateName(hosho::v1::CASE_STATE_RETURNED)) {
      CountSubmission("refused", "RESUBMITTED_CASE_NOT_RETURNED");
      return ViolationStatus(absl::StatusCode::kFailedPrecondition,
                             {{"resubmits_case_id", "RESUBMITTED_CASE_NOT_RETURNED",
                               "再提出できるのは差し戻された案件だけです（現在: " + returned->Field("state") + "）"}});
    }
  }

  // R14 asked before anything is written: the same guarantee held by a case the caller may not see.
  if (absl::Status visible = DuplicateVisibleTo(principal, request); !visible.ok()) return visible;

  // Idempotency. An API caller's retry is keyed on (principal, client_request_id); a channel's
  // arrival on its own receipt (受付番号, Message-ID), whoever relays it. The stored value binds
  // the key to its case and to a keyed fingerprint of the whole request.
  // Receipts are shared across principals only for the city's own channels (the form service, the
  // mailbox, staff importing an export); a submitter's receipts are its own, so nobody can reach
  // another's case by guessing a receipt number.
  const bool by_receipt = !request.source_receipt().empty();
  const std::string receipt_scope =
      principal.role == Role::kSubmitter ? absl::StrCat(principal.name, ":") : std::string();
  const std::string idem_key = by_receipt ? absl::StrCat("receipt:{", hosho::v1::Channel_Name(request.channel()),
                                                         "}:", receipt_scope, request.source_receipt())
                                          : absl::StrCat("idem:{", principal.name, "}:", request.client_request_id());
  const std::string request_fp = absl::BytesToHexString(deps_.sealer->Fingerprint(request.SerializeAsString()));
  const std::string fresh_case_id = NewCaseId(now);
  auto bound =
      deps_.cases->PutIfAbsent(idem_key, absl::StrCat(fresh_case_id, "|", request_fp), options_.idempotency_ttl);
  if (!bound.ok()) return bound.status();
  std::vector<std::string> parts = absl::StrSplit(*bound, absl::MaxSplits('|', 1));
  if (parts.size() != 2) return absl::DataLossError("malformed idempotency record");
  const std::string case_id = parts[0];
  const bool replayed = case_id != fresh_case_id;
  if (replayed && by_receipt) {
    // A receipt number is sequential and easy to guess: a caller who may not see the case it
    // names learns nothing of it (no case id, no state) and writes nothing on it.
    if (absl::Status visible = ReceiptVisibleTo(principal, case_id); !visible.ok()) return visible;
  }
  if (replayed && parts[1] != request_fp) {
    if (by_receipt && deps_.cases->GetState(case_id).ok()) {
      // The same receipt again with other content (a form re-sent after an edit, a CSV export
      // of what the webhook already brought): one case, the arrival recorded on it.
      return RecordDuplicate(principal, request, case_id, "SAME_RECEIPT", absl::StrCat(idem_key, "|", request_fp),
                             traceparent, deadline);
    }
    CountSubmission("refused", "REQUEST_ID_REUSED");
    // A receipt is shared by the city's relays: its case is named only to the caller's own key
    // (its case may still be being created, so visibility is not known yet).
    return ViolationStatus(
        absl::StatusCode::kAlreadyExists,
        {{by_receipt ? "source_receipt" : "client_request_id", "REQUEST_ID_REUSED",
          by_receipt ? std::string("この受付番号は別の内容の提出で使用済みです")
                     : "この client_request_id は別の内容の提出で使用済みです（案件 " + case_id + "）"}});
  }

  // The credential: what identifies it (not secret) and the sealed secret.
  hosho::v1::SealedCredential credential;
  credential.set_platform(PlatformOf(request));
  std::string locator;
  SecretBytes plaintext;
  if (request.has_d_sure()) {
    credential.set_guarantee_number(request.d_sure().guarantee_number());
    plaintext = SecretBytes(request.d_sure().SerializeAsString());
  } else if (request.has_confirmation_system()) {
    credential.set_guarantee_number(request.confirmation_system().certificate_number());
    plaintext = SecretBytes(request.confirmation_system().SerializeAsString());
  } else {
    credential.set_guarantee_number(request.paper().guarantee_number());
  }
  locator = CredentialLocator(request);
  credential.set_fingerprint(deps_.sealer->Fingerprint(locator));
  if (!plaintext.value().empty()) {
    auto sealed = deps_.sealer->Seal(plaintext.value(), case_id);
    if (!sealed.ok()) return sealed.status();
    *credential.mutable_secret() = *std::move(sealed);
    plaintext.Wipe();
  }

  // R14 at the door: one guarantee per contract and purpose, unless it amends a case. A second
  // arrival is recorded on the first case instead of opening another. A resubmission of the
  // same guarantee after a return takes the place of the returned case.
  const std::string dup_key = DuplicateKey(request);
  if (request.supersedes_case_id().empty()) {
    auto holder = deps_.cases->PutIfAbsent(dup_key, case_id, absl::ZeroDuration());
    if (!holder.ok()) return holder.status();
    if (*holder != case_id && !request.resubmits_case_id().empty() && *holder == request.resubmits_case_id()) {
      if (absl::Status s = deps_.cases->Put(dup_key, case_id, absl::ZeroDuration()); !s.ok()) return s;
    } else if (*holder != case_id) {
      return RecordDuplicate(principal, request, *holder, "R14_DUPLICATE_GUARANTEE", idem_key, traceparent, deadline);
    }
  }

  // Attachments: sealed into the blob store, referenced by hash.
  google::protobuf::RepeatedPtrField<hosho::v1::AttachmentRef> attachments = request.attachments();
  for (const auto& upload : request.uploads()) {
    if (deps_.blobs == nullptr) return absl::FailedPreconditionError("no attachment store configured");
    auto sha = deps_.blobs->Put(upload.content());
    if (!sha.ok()) return sha.status();
    auto* ref = attachments.Add();
    ref->set_kind(upload.kind());
    ref->set_sha256(*sha);
    ref->set_media_type(upload.media_type());
    ref->set_size_bytes(static_cast<int64_t>(upload.content().size()));
    ref->set_filename(upload.filename());
  }

  // The event, built once: a replay re-sends the first one (kept by the store).
  hosho::events::v1::Envelope envelope;
  envelope.set_event_id(absl::StrCat(case_id, ":submitted"));
  envelope.set_case_id(case_id);
  *envelope.mutable_occurred_at() = ToProto(now);
  envelope.set_producer("hosho-intake");
  auto* submission = envelope.mutable_submission_received();
  submission->set_kind(request.kind());
  submission->set_issuer_kind(request.issuer_kind());
  submission->set_issuer(request.issuer());
  submission->set_issuer_name(request.issuer_name());
  *submission->mutable_credential() = credential;
  *submission->mutable_contract() = contract;
  submission->set_requested_amount_yen(request.requested_amount_yen());
  *submission->mutable_attachments() = attachments;
  submission->set_channel(request.channel() == hosho::v1::CHANNEL_UNSPECIFIED ? hosho::v1::CHANNEL_API
                                                                              : request.channel());
  submission->set_submitted_by(principal.name);
  submission->set_supersedes_case_id(request.supersedes_case_id());
  *submission->mutable_submitted_on() = request.has_paper() ? request.paper().received_on() : today;
  *submission->mutable_received_at() = ToProto(now);
  submission->set_source_receipt(request.source_receipt());
  submission->set_amendment_kind(request.amendment_kind());
  submission->set_resubmits_case_id(request.resubmits_case_id());
  if (request.has_confirmation_system()) {
    submission->set_stated_project_name(request.confirmation_system().project_name());
    submission->set_stated_contractor_name(request.confirmation_system().contractor_name());
  }

  hosho::v1::Case attachment_holder;
  *attachment_holder.mutable_attachments() = attachments;
  namespace f = case_fields;
  TransitionRequest create;
  create.case_id = case_id;
  create.event_id = envelope.event_id();
  create.to_state = StateName(hosho::v1::CASE_STATE_RECEIVED);
  create.actor = principal.name;
  create.reason =
      absl::StrCat(KindNameJa(request.kind()), request.has_paper() ? "（紙の保証書）" : "", "の提出を受け付けました");
  create.at = now;
  create.office = office;
  create.deadline = now + options_.verification_sla;
  create.payload = envelope.SerializeAsString();
  create.fields = {{f::kKind, std::to_string(request.kind())},
                   {f::kIssuerKind, std::to_string(request.issuer_kind())},
                   {f::kIssuer, std::to_string(request.issuer())},
                   {f::kPlatform, std::to_string(credential.platform())},
                   {f::kContractId, request.contract_id()},
                   {f::kOrderingOffice, contract.ordering_office()},
                   {f::kDepartment, contract.department_in_charge()},
                   {f::kGuaranteeNumber, credential.guarantee_number()},
                   {f::kChannel, std::to_string(submission->channel())},
                   {f::kReceivedMs, std::to_string(absl::ToUnixMillis(now))},
                   {f::kSupersedes, request.supersedes_case_id()},
                   {f::kSubmittedBy, principal.name},
                   {f::kCredentialKeyId, credential.secret().key_id()},
                   {f::kAmountYen, std::to_string(request.requested_amount_yen())},
                   {f::kSourceReceipt, request.source_receipt()},
                   {f::kResubmits, request.resubmits_case_id()},
                   {f::kStatedProjectName, submission->stated_project_name()},
                   {f::kStatedContractorName, submission->stated_contractor_name()},
                   {f::kAttachments, attachment_holder.SerializeAsString()},
                   {"credential", credential.SerializeAsString()}};
  auto created = deps_.cases->Apply(create);
  if (!created.ok()) return created.status();
  if (!request.resubmits_case_id().empty()) {
    // The returned case points at its answer too (history), once.
    CaseNote link;
    link.case_id = request.resubmits_case_id();
    link.event_id = absl::StrCat(request.resubmits_case_id(), ":resubmitted:", case_id);
    link.actor = principal.name;
    link.reason = absl::StrCat("再提出されました（案件 ", case_id, "）");
    link.at = now;
    link.fields = {{"resubmitted_as", case_id}};
    if (auto noted = deps_.cases->Note(link); !noted.ok()) return noted.status();
  }

  // Answer only once Kafka has stored the submission and its receipt (到達確認). A replay
  // re-sends the stored first event (same event ids): consumers apply them once.
  hosho::events::v1::Envelope stored;
  if (!stored.ParseFromString(created->payload) || !stored.has_submission_received()) {
    return absl::DataLossError("stored submission event is unreadable");
  }
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
  OutgoingRecord record = ToRecord(topics::kSubmissions, envelope, traceparent);
  record.value = created->payload;
  if (absl::Status sent = SendBounded({record, ToRecord(topics::kSubmissions, receipt, traceparent)}, deadline);
      !sent.ok()) {
    CountSubmission("unavailable", "KAFKA_UNAVAILABLE");
    LogWarn("submission not stored in kafka", {{"case_id", case_id}, {"error", std::string(sent.message())}});
    return absl::UnavailableError(absl::StrCat(
        "受付イベントを保存できませんでした。同じ client_request_id で再送してください (case ", case_id, ")"));
  }
  CountSubmission(replayed ? "replayed" : "accepted", "");
  LogInfo("submission accepted", {{"case_id", case_id},
                                  {"trace_id", TraceIdOf(traceparent)},
                                  {"replayed", replayed},
                                  {"kind", hosho::v1::GuaranteeKind_Name(request.kind())},
                                  {"channel", hosho::v1::Channel_Name(submission->channel())},
                                  {"office", office}});
  hosho::v1::SubmitGuaranteeResponse response;
  response.set_case_id(case_id);
  response.set_replayed(replayed);
  response.set_state(hosho::v1::CASE_STATE_RECEIVED);
  if (replayed) {
    // A replay answers with where the case is now.
    if (auto state = deps_.cases->GetState(case_id); state.ok()) response.set_state(ParseStateName(*state));
  }
  return response;
}

}  // namespace hosho
