#include "services/intake/intake_service.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/trace.h"
#include "services/common/text/text.h"
#include "services/intake/form_import.h"
#include "services/intake/submission_pipeline.h"

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

}  // namespace

std::string NewCaseId(absl::Time now) {
  return absl::StrCat("HS-", absl::FormatTime("%Y%m%d", now, JapanTimeZone()), "-", RandomHex(6));
}

IntakeServiceImpl::IntakeServiceImpl(IntakeDeps deps, ScopePolicy policy, IntakeOptions options)
    : deps_(deps), policy_(std::move(policy)), options_(options) {
  // Every unary method parses its own request (grpc_precise.h), in the proto's order.
  MarkMethodStreamed(
      0, PreciseOwningMethod("SubmitGuarantee", deps_.auth, this, &IntakeServiceImpl::ServeSubmitGuarantee));
  MarkMethodStreamed(1, PreciseMethod("ImportFormCsv", deps_.auth, this, &IntakeServiceImpl::ImportFormCsv));
}

grpc::Status IntakeServiceImpl::ServeSubmitGuarantee(grpc::ServerContext* context, SubmitGuaranteeRequest* request,
                                                     hosho::v1::SubmitGuaranteeResponse* response) {
  const grpc::Status status = ServeRpc(
      "SubmitGuarantee", *deps_.auth, *context, {Role::kSubmitter, Role::kIntegration, Role::kClerk, Role::kOperator},
      [&](const Principal& principal) {
        auto result = Submit(principal, *request, TraceparentOf(*context), absl::FromChrono(context->deadline()));
        if (!result.ok()) return result.status();
        *response = *std::move(result);
        return absl::OkStatus();
      });
  WipeCredential(*request);  // Submit wipes it too; this covers a caller refused before it ran
  return status;
}

grpc::Status IntakeServiceImpl::ImportFormCsv(grpc::ServerContext* context,
                                              const hosho::v1::ImportFormCsvRequest* request,
                                              hosho::v1::ImportReport* response) {
  return ServeRpc("ImportFormCsv", *deps_.auth, *context, {Role::kIntegration, Role::kClerk, Role::kOperator},
                  [&](const Principal& principal) { return ImportFormFor(principal, *request, *context, response); });
}

absl::Status IntakeServiceImpl::ImportFormFor(const Principal& principal,
                                              const hosho::v1::ImportFormCsvRequest& request,
                                              const grpc::ServerContext& context, hosho::v1::ImportReport* response) {
  if (deps_.limiter != nullptr) {
    if (absl::Status admitted = deps_.limiter->Admit(principal.name); !admitted.ok()) return admitted;
  }
  if (form_importer_ == nullptr) {
    return absl::FailedPreconditionError("フォームの項目対応表（intake.form_mapping）が設定されていません");
  }
  auto report = form_importer_->Import(principal, request.csv(), request.filename(), TraceparentOf(context));
  if (!report.ok()) return report.status();
  *response = *std::move(report);
  return absl::OkStatus();
}

absl::StatusOr<std::string> IntakeServiceImpl::ContractIdForNumber(absl::string_view contract_number) {
  return deps_.contracts->IdForNumber(NormalizeCode(contract_number));
}

absl::Status IntakeServiceImpl::AdmitRows(const Principal& principal, int64_t rows) {
  if (deps_.limiter == nullptr) return absl::OkStatus();
  absl::Status admitted = deps_.limiter->AdmitMany(principal.name, rows);
  return admitted.ok() ? admitted : Refuse("RATE_LIMITED", std::move(admitted));
}

std::string IntakeServiceImpl::ArrivalFingerprint(absl::string_view content) const {
  return absl::BytesToHexString(deps_.sealer->Fingerprint(content)).substr(0, 40);
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> IntakeServiceImpl::Submit(const Principal& principal,
                                                                             SubmitGuaranteeRequest& request,
                                                                             const std::string& traceparent,
                                                                             absl::Time deadline, bool rate_limited) {
  struct Wiper {
    SubmitGuaranteeRequest& r;
    ~Wiper() { WipeCredential(r); }
  } wiper{request};
  SubmissionPipeline pipeline(deps_, policy_, options_, principal, request, traceparent, deadline);
  return pipeline.Run(rate_limited);
}

}  // namespace hosho
