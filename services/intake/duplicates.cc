#include "services/intake/duplicates.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/case_view.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/trace.h"
#include "services/common/store/case_fields.h"
#include "services/common/text/text.h"
#include "services/intake/submission_pipeline.h"

namespace hosho {

using hosho::v1::SubmitGuaranteeRequest;

std::string CredentialLocator(const SubmitGuaranteeRequest& request) {
  if (request.has_d_sure()) return absl::StrCat("d-sure:", request.d_sure().guarantee_number());
  if (request.has_confirmation_system())
    return absl::StrCat("confirmation:", request.confirmation_system().viewing_url());
  return absl::StrCat("paper:", request.issuer(), ":", NormalizeCode(request.issuer_name()), ":",
                      request.paper().guarantee_number());
}

IdempotencyKey Duplicates::Key(const SubmitGuaranteeRequest& request) const {
  return IdempotencyKey::Guarantee(request.contract_id(), request.kind(),
                                   deps_.sealer->Fingerprint(CredentialLocator(request)));
}

bool Duplicates::CarriesTheSecretOf(const SubmitGuaranteeRequest& request, const CaseRecord& holder) const {
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

absl::Status Duplicates::VisibleTo(const Principal& principal, const SubmitGuaranteeRequest& request) {
  if (!request.supersedes_case_id().empty()) return absl::OkStatus();  // an amendment is no duplicate
  auto holder_id = deps_.cases->GetValue(Key(request));
  if (absl::IsNotFound(holder_id.status())) return absl::OkStatus();
  if (!holder_id.ok()) return holder_id.status();
  if (*holder_id == request.resubmits_case_id()) return absl::OkStatus();
  auto holder = deps_.cases->Get(*holder_id);
  if (absl::IsNotFound(holder.status())) return absl::OkStatus();
  if (!holder.ok()) return holder.status();
  // A guarantee number is printed on the certificate: only someone who may see the case, or who
  // sends the very secret sealed on it (the certificate's holder), learns which case holds it.
  if (MaySee(principal, *holder) || CarriesTheSecretOf(request, *holder)) return absl::OkStatus();
  LogInfo("duplicate of a case the caller may not see", {{"principal", principal.name}});
  return Refuse(absl::StatusCode::kAlreadyExists,
                {{"credential", "R14_DUPLICATE_GUARANTEE", "この保証は既に提出されています"}});
}

absl::Status Duplicates::ReceiptVisibleTo(const Principal& principal, const std::string& case_id) {
  auto holder = deps_.cases->Get(case_id);
  // Not there yet: the first arrival bound the receipt and is still creating its case.
  if (absl::IsNotFound(holder.status())) return absl::OkStatus();
  if (!holder.ok()) return holder.status();
  if (MaySee(principal, *holder)) return absl::OkStatus();
  LogInfo("receipt of a case the caller may not see", {{"principal", principal.name}});
  return Refuse(absl::StatusCode::kAlreadyExists,
                {{"source_receipt", "RECEIPT_IN_USE", "この受付番号は既に別の提出で使用されています"}});
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Duplicates::Record(
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
  if (absl::Status sent = SendBounded(deps_, options_, {record}, deadline); !sent.ok()) {
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
  response.set_state(noted->state);
  return response;
}

}  // namespace hosho
