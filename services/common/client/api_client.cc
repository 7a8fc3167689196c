#include "services/common/client/api_client.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/time/clock.h"
#include "services/common/runtime/errors.h"

namespace hosho {

struct ApiClient::Stubs {
  std::unique_ptr<hosho::v1::IntakeService::Stub> intake;
  std::unique_ptr<hosho::v1::ContractRegistry::Stub> contracts;
  std::unique_ptr<hosho::v1::CaseService::Stub> cases;
  std::unique_ptr<hosho::v1::NotificationService::Stub> notifications;
  std::unique_ptr<hosho::v1::VerificationService::Stub> verification;
  std::unique_ptr<hosho::v1::HandoffService::Stub> handoff;
  std::unique_ptr<hosho::v1::AccountingService::Stub> accounting;
};

namespace {

template <class Service>
std::unique_ptr<typename Service::Stub> StubOn(const std::shared_ptr<grpc::Channel>& channel) {
  return channel == nullptr ? nullptr : Service::NewStub(channel);
}

void Prepare(const Caller& caller, grpc::ClientContext* context, absl::Duration deadline) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (caller.acting_for.has_value()) {
    AttachActingFor(context, caller.token, *caller.acting_for);
  } else {
    AttachBearerToken(context, caller.token);
  }
  if (!caller.traceparent.empty()) context->AddMetadata("traceparent", caller.traceparent);
}

// One unary call: the caller's deadline when it sets one, else `usual`.
template <class Stub, class Request, class Response>
absl::StatusOr<Response> Unary(const Caller& caller, Stub* stub,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                               const Request& request, absl::Duration usual) {
  if (stub == nullptr) return absl::FailedPreconditionError("no endpoint for this service");
  grpc::ClientContext context;
  Prepare(caller, &context, caller.deadline == absl::ZeroDuration() ? usual : caller.deadline);
  Response response;
  if (grpc::Status s = (stub->*method)(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

}  // namespace

ApiClient::ApiClient(const ApiChannels& channels, Caller caller) : caller_(std::move(caller)) {
  auto stubs = std::make_shared<Stubs>();
  stubs->intake = StubOn<hosho::v1::IntakeService>(channels.intake);
  stubs->contracts = StubOn<hosho::v1::ContractRegistry>(channels.intake);
  stubs->cases = StubOn<hosho::v1::CaseService>(channels.cases);
  stubs->notifications = StubOn<hosho::v1::NotificationService>(channels.notification);
  stubs->verification = StubOn<hosho::v1::VerificationService>(channels.verification);
  stubs->handoff = StubOn<hosho::v1::HandoffService>(channels.routing);
  stubs->accounting = StubOn<hosho::v1::AccountingService>(channels.accounting);
  stubs_ = std::move(stubs);
}

ApiClient::ApiClient(std::shared_ptr<const Stubs> stubs, Caller caller)
    : stubs_(std::move(stubs)), caller_(std::move(caller)) {}

ApiClient ApiClient::As(Caller caller) const { return ApiClient(stubs_, std::move(caller)); }

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> ApiClient::Submit(
    const hosho::v1::SubmitGuaranteeRequest& request) const {
  return Unary(caller_, stubs_->intake.get(), &hosho::v1::IntakeService::Stub::SubmitGuarantee, request,
               absl::Seconds(15));
}

absl::StatusOr<hosho::v1::ImportReport> ApiClient::ImportFormCsv(const std::string& bytes,
                                                                 const std::string& filename) const {
  hosho::v1::ImportFormCsvRequest request;
  request.set_csv(bytes);
  request.set_filename(filename);
  return Unary(caller_, stubs_->intake.get(), &hosho::v1::IntakeService::Stub::ImportFormCsv, request,
               absl::Seconds(120));
}

absl::StatusOr<hosho::v1::Contract> ApiClient::UpsertContract(const hosho::v1::Contract& contract,
                                                              int64_t expected_version) const {
  hosho::v1::UpsertContractRequest request;
  *request.mutable_contract() = contract;
  request.set_expected_version(expected_version);
  return Unary(caller_, stubs_->contracts.get(), &hosho::v1::ContractRegistry::Stub::UpsertContract, request,
               absl::Seconds(15));
}

absl::StatusOr<hosho::v1::Contract> ApiClient::GetContract(const std::string& contract_id) const {
  hosho::v1::GetContractRequest request;
  request.set_contract_id(contract_id);
  return Unary(caller_, stubs_->contracts.get(), &hosho::v1::ContractRegistry::Stub::GetContract, request,
               absl::Seconds(5));
}

absl::StatusOr<hosho::v1::ImportReport> ApiClient::ImportContractsCsv(const std::string& bytes) const {
  hosho::v1::ImportContractsCsvRequest request;
  request.set_csv(bytes);
  return Unary(caller_, stubs_->contracts.get(), &hosho::v1::ContractRegistry::Stub::ImportContractsCsv, request,
               absl::Seconds(120));
}

absl::StatusOr<hosho::v1::Case> ApiClient::GetCase(const std::string& case_id) const {
  hosho::v1::GetCaseRequest request;
  request.set_case_id(case_id);
  return Unary(caller_, stubs_->cases.get(), &hosho::v1::CaseService::Stub::GetCase, request, absl::Seconds(5));
}

absl::StatusOr<hosho::v1::ListCasesResponse> ApiClient::ListCases(const hosho::v1::ListCasesRequest& request) const {
  return Unary(caller_, stubs_->cases.get(), &hosho::v1::CaseService::Stub::ListCases, request, absl::Seconds(5));
}

absl::StatusOr<hosho::v1::Case> ApiClient::WatchUntil(
    const std::string& case_id, const std::function<bool(const hosho::v1::Case&)>& done, absl::Duration deadline,
    const std::function<void(const hosho::v1::Case&)>& on_update) const {
  if (stubs_->cases == nullptr) return absl::FailedPreconditionError("no endpoint for this service");
  grpc::ClientContext context;
  Prepare(caller_, &context, deadline);
  hosho::v1::WatchCaseRequest request;
  request.set_case_id(case_id);
  auto reader = stubs_->cases->WatchCase(&context, request);
  hosho::v1::Case last;
  bool seen = false;
  while (reader->Read(&last)) {
    seen = true;
    if (on_update) on_update(last);
    if (done(last)) {
      context.TryCancel();
      reader->Finish();
      return last;
    }
  }
  grpc::Status s = reader->Finish();
  if (seen && (s.ok() || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) return last;
  return FromGrpcStatus(s.ok() ? grpc::Status(grpc::StatusCode::NOT_FOUND, "no update") : s);
}

absl::StatusOr<hosho::v1::ExportLedgerResponse> ApiClient::ExportLedger(
    const hosho::v1::ExportLedgerRequest& request) const {
  return Unary(caller_, stubs_->cases.get(), &hosho::v1::CaseService::Stub::ExportLedger, request, absl::Seconds(60));
}

absl::StatusOr<hosho::v1::ListNoticesResponse> ApiClient::ListNotices(const std::string& case_id) const {
  hosho::v1::ListNoticesRequest request;
  request.set_case_id(case_id);
  return Unary(caller_, stubs_->notifications.get(), &hosho::v1::NotificationService::Stub::ListNotices, request,
               absl::Seconds(5));
}

absl::Status ApiClient::WatchNotifications(const std::string& office, const std::string& after_cursor,
                                           const std::function<bool(const hosho::v1::OfficeNotice&)>& on_notice,
                                           absl::Duration deadline) const {
  if (stubs_->notifications == nullptr) return absl::FailedPreconditionError("no endpoint for this service");
  grpc::ClientContext context;
  Prepare(caller_, &context, deadline);
  hosho::v1::WatchNotificationsRequest request;
  request.set_office(office);
  request.set_after_cursor(after_cursor);
  auto reader = stubs_->notifications->WatchNotifications(&context, request);
  hosho::v1::OfficeNotice notice;
  while (reader->Read(&notice)) {
    if (!on_notice(notice)) {
      context.TryCancel();
      while (reader->Read(&notice)) {
      }
      (void)reader->Finish();
      return absl::OkStatus();
    }
  }
  return FromGrpcStatus(reader->Finish());
}

absl::StatusOr<hosho::v1::ListTasksResponse> ApiClient::ListTasks(const std::string& office) const {
  hosho::v1::ListTasksRequest request;
  request.set_office(office);
  request.set_page_size(200);
  return Unary(caller_, stubs_->verification.get(), &hosho::v1::VerificationService::Stub::ListTasks, request,
               absl::Seconds(10));
}

absl::StatusOr<hosho::v1::VerificationTask> ApiClient::ClaimTask(const std::string& task_id) const {
  hosho::v1::ClaimTaskRequest request;
  request.set_task_id(task_id);
  return Unary(caller_, stubs_->verification.get(), &hosho::v1::VerificationService::Stub::ClaimTask, request,
               absl::Seconds(10));
}

absl::StatusOr<hosho::v1::VerificationTask> ApiClient::ReleaseTask(const std::string& task_id) const {
  hosho::v1::ReleaseTaskRequest request;
  request.set_task_id(task_id);
  return Unary(caller_, stubs_->verification.get(), &hosho::v1::VerificationService::Stub::ReleaseTask, request,
               absl::Seconds(10));
}

absl::StatusOr<hosho::v1::RevealCredentialResponse> ApiClient::RevealCredential(const std::string& task_id,
                                                                                const std::string& reason) const {
  hosho::v1::RevealCredentialRequest request;
  request.set_task_id(task_id);
  request.set_reason(reason);
  return Unary(caller_, stubs_->verification.get(), &hosho::v1::VerificationService::Stub::RevealCredential, request,
               absl::Seconds(15));
}

absl::StatusOr<hosho::v1::VerificationTask> ApiClient::RecordCertificate(
    const hosho::v1::RecordCertificateRequest& request) const {
  return Unary(caller_, stubs_->verification.get(), &hosho::v1::VerificationService::Stub::RecordCertificate, request,
               absl::Seconds(15));
}

absl::StatusOr<hosho::v1::Case> ApiClient::Handoff(HandoffStep step, const hosho::v1::HandoffRequest& request) const {
  using Stub = hosho::v1::HandoffService::Stub;
  grpc::Status (Stub::*method)(grpc::ClientContext*, const hosho::v1::HandoffRequest&, hosho::v1::Case*) = nullptr;
  switch (step) {
    case HandoffStep::kConclude:
      method = &Stub::ConcludeContract;
      break;
    case HandoffStep::kAcknowledge:
      method = &Stub::AcknowledgeReceipt;
      break;
    case HandoffStep::kPaymentHandoff:
      method = &Stub::RecordPaymentHandoff;
      break;
    case HandoffStep::kWithdraw:
      method = &Stub::Withdraw;
      break;
  }
  if (method == nullptr) return absl::InvalidArgumentError("unknown hand-off step");
  return Unary(caller_, stubs_->handoff.get(), method, request, absl::Seconds(15));
}

absl::StatusOr<hosho::v1::Case> ApiClient::Handoff(HandoffStep step, const std::string& case_id,
                                                   const std::string& note, int64_t expected_version) const {
  hosho::v1::HandoffRequest request;
  request.set_case_id(case_id);
  request.set_note(note);
  request.set_expected_version(expected_version);
  return Handoff(step, request);
}

absl::StatusOr<hosho::v1::ListAdvancePaymentsResponse> ApiClient::ListAdvancePayments() const {
  hosho::v1::ListAdvancePaymentsRequest request;
  return Unary(caller_, stubs_->accounting.get(), &hosho::v1::AccountingService::Stub::ListAdvancePayments, request,
               absl::Seconds(10));
}

}  // namespace hosho
