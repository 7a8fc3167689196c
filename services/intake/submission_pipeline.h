#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_ledger.h"
#include "services/intake/duplicates.h"
#include "services/intake/intake_service.h"
#include "services/intake/scope_rules.h"

namespace hosho {

// hosho_intake_submissions_total{outcome, code}: accepted, replayed, duplicate, refused by rule code,
// unavailable.
void CountSubmission(absl::string_view outcome, absl::string_view code);
// Every refusal of a submission: counted under its first code, answered with its violations.
absl::Status Refuse(absl::StatusCode code, std::vector<FieldViolation> violations);
// A refusal whose status is built elsewhere (the rate limiter's): counted under `code`, answered as it is.
absl::Status Refuse(absl::string_view code, absl::Status refusal);
// Sends `records` and waits until Kafka stored them all, for at most send_timeout and never past `deadline`.
absl::Status SendBounded(const IntakeDeps& deps, const IntakeOptions& options,
                         const std::vector<OutgoingRecord>& records, absl::Time deadline);

// One SubmitGuarantee, step by step: admit, check at the door, check the cases it names, bind its
// request id or receipt, seal the credential, claim the guarantee (R14), store the attachments, build
// the event, create the case (RECEIVED) and publish. The first refusal or error ends it; nothing is
// written before the idempotency binding. Lives for one call.
class SubmissionPipeline {
 public:
  SubmissionPipeline(const IntakeDeps& deps, const ScopePolicy& policy, const IntakeOptions& options,
                     const Principal& principal, hosho::v1::SubmitGuaranteeRequest& request,
                     const std::string& traceparent, absl::Time deadline);

  // `rate_limited` false for the rows of an import, which is admitted once as a whole.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Run(bool rate_limited);

 private:
  // What ends a submission before its last step: an error, a refusal, or the answer for an arrival
  // recorded on the case that already holds it. nullopt: the submission goes on.
  using Ending = std::optional<absl::StatusOr<hosho::v1::SubmitGuaranteeResponse>>;

  // The steps, in the order Run takes them.
  absl::Status Admit(bool rate_limited);
  absl::Status LoadContract();
  absl::Status CheckAtTheDoor();
  absl::Status CheckStoredAttachments();
  absl::Status CheckPaperRegistrar();
  Ending BindIdempotency();
  absl::Status SealCredential();
  Ending ClaimGuarantee();
  absl::Status StoreAttachments();
  void BuildSubmissionEvent();
  absl::Status CreateCase();
  absl::Status Publish();
  hosho::v1::SubmitGuaranteeResponse Answer();

  // Appends ATTACHMENT_NOT_FOUND or ATTACHMENT_NOT_PDF for attachments[i] unless the blob store holds
  // a PDF under its sha256 (then sets the stored size on the reference); an error if the store fails.
  absl::Status CheckStoredAttachment(int i, std::vector<FieldViolation>& violations);
  IdempotencyKey BindingKey() const;
  // A request id or receipt bound to other content: a duplicate arrival, or REQUEST_ID_REUSED.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> AnswerReusedKey();
  std::vector<std::pair<std::string, std::string>> CaseFields() const;
  absl::Status NoteResubmission();

  const IntakeDeps& deps_;
  const ScopePolicy& policy_;
  const IntakeOptions& options_;
  const Principal& principal_;
  hosho::v1::SubmitGuaranteeRequest& request_;
  const std::string& traceparent_;
  const absl::Time deadline_;
  const absl::Time now_;
  Duplicates duplicates_;

  // What the steps found or made, in order.
  hosho::v1::Contract contract_;
  bool contract_found_ = false;
  std::string office_;       // the office that acts on the case
  hosho::v1::Date today_;    // the day the rules take as today
  bool by_receipt_ = false;  // idempotent on the channel's receipt, not on the request id
  std::optional<IdempotencyKey> idem_key_;
  std::string request_fp_;  // keyed fingerprint of the whole request
  std::string case_id_;
  bool replayed_ = false;  // the request id or receipt was bound before, to the same content
  hosho::v1::SealedCredential credential_;
  google::protobuf::RepeatedPtrField<hosho::v1::AttachmentRef> attachments_;
  hosho::events::v1::Envelope envelope_;
  TransitionResult created_;
};

}  // namespace hosho
