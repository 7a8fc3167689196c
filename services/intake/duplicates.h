#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hosho/v1/intake.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/store/case_ledger.h"
#include "services/common/store/idempotency_keys.h"
#include "services/intake/intake_service.h"

namespace hosho {

// What identifies a credential (not secret): its keyed fingerprint keys R14's one guarantee per purpose.
std::string CredentialLocator(const hosho::v1::SubmitGuaranteeRequest& request);

// The same thing twice is one case (R14): the same guarantee for the same contract and kind, or the same
// receipt with other content, is recorded on the case that holds it instead of opening another. Nobody
// learns of a case they may not see by sending what it holds.
class Duplicates {
 public:
  Duplicates(const IntakeDeps& deps, const IntakeOptions& options) : deps_(deps), options_(options) {}

  // The R14 key of the request's credential (contract, kind, keyed fingerprint of what identifies it).
  IdempotencyKey Key(const hosho::v1::SubmitGuaranteeRequest& request) const;
  // OK unless the same guarantee is held by a case `principal` may not see and the request does not
  // carry its secret: then ALREADY_EXISTS R14_DUPLICATE_GUARANTEE without the case, and nothing written.
  absl::Status VisibleTo(const Principal& principal, const hosho::v1::SubmitGuaranteeRequest& request);
  // OK when `principal` may see the case a receipt is bound to; ALREADY_EXISTS RECEIPT_IN_USE otherwise.
  absl::Status ReceiptVisibleTo(const Principal& principal, const std::string& case_id);
  // Records the arrival on `case_id` (a history note, duplicate_count, SubmissionDuplicate on
  // hosho.submissions.v1) under `code` (R14_DUPLICATE_GUARANTEE, SAME_RECEIPT) and answers with that
  // case, duplicate = true. `source` identifies the arrival: its retry records nothing new.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Record(const Principal& principal,
                                                            const hosho::v1::SubmitGuaranteeRequest& request,
                                                            const std::string& case_id, absl::string_view code,
                                                            absl::string_view source, const std::string& traceparent,
                                                            absl::Time deadline);

 private:
  // Whether `request` carries the secret sealed on `holder` (constant-time comparison).
  bool CarriesTheSecretOf(const hosho::v1::SubmitGuaranteeRequest& request, const CaseRecord& holder) const;

  const IntakeDeps& deps_;
  const IntakeOptions& options_;
};

}  // namespace hosho
