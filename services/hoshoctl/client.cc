#include "services/hoshoctl/client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/http/http_server.h"
#include "services/common/mail/mail.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/errors.h"

namespace hosho {

absl::StatusOr<Endpoints> EndpointsFromStackFile(const std::string& path) {
  auto file = Config::Load("", path);
  if (!file.ok()) return file.status();
  Endpoints e;
  e.intake = file->GetString("grpc.intake");
  e.console = file->GetString("grpc.console");
  e.notification = file->GetString("grpc.notification");
  e.verification = file->GetString("grpc.verification");
  e.routing = file->GetString("grpc.routing");
  e.accounting = file->GetString("grpc.platform-sim");
  for (const auto& [name, token_file] : file->GetMap("tokens")) e.token_files[name] = token_file;
  e.webhook_port = static_cast<int>(file->GetInt("webhook.port"));
  e.webhook_secret_file = file->GetString("webhook.secret_file");
  e.dovecot_config = file->GetString("mail.dovecot_config");
  e.mail_user = file->GetString("mail.user");
  e.ca_file = file->GetString("tls.ca_file");
  e.dev_plaintext = e.ca_file.empty();
  if (e.intake.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no grpc.intake endpoint"));
  return e;
}

absl::StatusOr<std::unique_ptr<HoshoClient>> HoshoClient::Connect(const Endpoints& endpoints) {
  std::unique_ptr<HoshoClient> client(new HoshoClient());
  client->endpoints_ = endpoints;
  ChannelOptions options;
  options.target = endpoints.intake;
  options.dev_plaintext = endpoints.dev_plaintext;
  options.ca_file = endpoints.ca_file;
  auto intake = MakeChannel(options);
  if (!intake.ok()) return intake.status();
  options.target = endpoints.notification.empty() ? endpoints.intake : endpoints.notification;
  auto notification = MakeChannel(options);
  if (!notification.ok()) return notification.status();
  client->intake_ = hosho::v1::IntakeService::NewStub(*intake);
  client->contracts_ = hosho::v1::ContractRegistry::NewStub(*intake);
  options.target = endpoints.console.empty() ? endpoints.intake : endpoints.console;
  auto console = MakeChannel(options);
  if (!console.ok()) return console.status();
  client->cases_ = hosho::v1::CaseService::NewStub(*console);
  client->notifications_ = hosho::v1::NotificationService::NewStub(*notification);
  options.target = endpoints.verification.empty() ? endpoints.intake : endpoints.verification;
  auto verification = MakeChannel(options);
  if (!verification.ok()) return verification.status();
  client->verification_ = hosho::v1::VerificationService::NewStub(*verification);
  options.target = endpoints.routing.empty() ? endpoints.intake : endpoints.routing;
  auto routing = MakeChannel(options);
  if (!routing.ok()) return routing.status();
  client->handoff_ = hosho::v1::HandoffService::NewStub(*routing);
  options.target = endpoints.accounting.empty() ? endpoints.intake : endpoints.accounting;
  auto accounting = MakeChannel(options);
  if (!accounting.ok()) return accounting.status();
  client->accounting_ = hosho::v1::AccountingService::NewStub(*accounting);
  return client;
}

absl::Status HoshoClient::ActAs(const std::string& principal) {
  auto it = endpoints_.token_files.find(principal);
  if (it == endpoints_.token_files.end()) return absl::NotFoundError(absl::StrCat("no token for ", principal));
  std::ifstream in(it->second);
  if (!std::getline(in, token_)) return absl::NotFoundError(absl::StrCat("token file unreadable for ", principal));
  return absl::OkStatus();
}

void HoshoClient::Prepare(grpc::ClientContext* context, absl::Duration deadline) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  AttachBearerToken(context, token_);
}

absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> HoshoClient::Submit(
    const hosho::v1::SubmitGuaranteeRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(15));
  hosho::v1::SubmitGuaranteeResponse response;
  if (grpc::Status s = intake_->SubmitGuarantee(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::Case> HoshoClient::GetCase(const std::string& case_id) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(5));
  hosho::v1::GetCaseRequest request;
  request.set_case_id(case_id);
  hosho::v1::Case response;
  if (grpc::Status s = cases_->GetCase(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::ListCasesResponse> HoshoClient::ListCases(const hosho::v1::ListCasesRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(5));
  hosho::v1::ListCasesResponse response;
  if (grpc::Status s = cases_->ListCases(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::Case> HoshoClient::WatchUntil(const std::string& case_id,
                                                        const std::function<bool(const hosho::v1::Case&)>& done,
                                                        absl::Duration deadline,
                                                        const std::function<void(const hosho::v1::Case&)>& on_update) {
  grpc::ClientContext context;
  Prepare(&context, deadline);
  hosho::v1::WatchCaseRequest request;
  request.set_case_id(case_id);
  auto reader = cases_->WatchCase(&context, request);
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

absl::StatusOr<hosho::v1::Contract> HoshoClient::UpsertContract(const hosho::v1::Contract& contract,
                                                               int64_t expected_version) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(15));
  hosho::v1::UpsertContractRequest request;
  *request.mutable_contract() = contract;
  request.set_expected_version(expected_version);
  hosho::v1::Contract response;
  if (grpc::Status s = contracts_->UpsertContract(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::Contract> HoshoClient::GetContract(const std::string& contract_id) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(5));
  hosho::v1::GetContractRequest request;
  request.set_contract_id(contract_id);
  hosho::v1::Contract response;
  if (grpc::Status s = contracts_->GetContract(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::ListTasksResponse> HoshoClient::ListTasks(const std::string& office) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(10));
  hosho::v1::ListTasksRequest request;
  request.set_office(office);
  request.set_page_size(200);
  hosho::v1::ListTasksResponse response;
  if (grpc::Status s = verification_->ListTasks(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::VerificationTask> HoshoClient::ClaimTask(const std::string& task_id) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(10));
  hosho::v1::ClaimTaskRequest request;
  request.set_task_id(task_id);
  hosho::v1::VerificationTask response;
  if (grpc::Status s = verification_->ClaimTask(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::RevealCredentialResponse> HoshoClient::RevealCredential(const std::string& task_id,
                                                                                  const std::string& reason) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(15));
  hosho::v1::RevealCredentialRequest request;
  request.set_task_id(task_id);
  request.set_reason(reason);
  hosho::v1::RevealCredentialResponse response;
  if (grpc::Status s = verification_->RevealCredential(&context, request, &response); !s.ok()) {
    return FromGrpcStatus(s);
  }
  return response;
}

absl::StatusOr<hosho::v1::VerificationTask> HoshoClient::RecordCertificate(
    const hosho::v1::RecordCertificateRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(15));
  hosho::v1::VerificationTask response;
  if (grpc::Status s = verification_->RecordCertificate(&context, request, &response); !s.ok()) {
    return FromGrpcStatus(s);
  }
  return response;
}

absl::StatusOr<hosho::v1::VerificationTask> HoshoClient::ReleaseTask(const std::string& task_id) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(10));
  hosho::v1::ReleaseTaskRequest request;
  request.set_task_id(task_id);
  hosho::v1::VerificationTask response;
  if (grpc::Status s = verification_->ReleaseTask(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::Case> HoshoClient::Handoff(HandoffStep step, const std::string& case_id,
                                                     const std::string& note, int64_t expected_version) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(15));
  hosho::v1::HandoffRequest request;
  request.set_case_id(case_id);
  request.set_note(note);
  request.set_expected_version(expected_version);
  hosho::v1::Case response;
  grpc::Status s;
  switch (step) {
    case HandoffStep::kConclude:
      s = handoff_->ConcludeContract(&context, request, &response);
      break;
    case HandoffStep::kAcknowledge:
      s = handoff_->AcknowledgeReceipt(&context, request, &response);
      break;
    case HandoffStep::kPaymentHandoff:
      s = handoff_->RecordPaymentHandoff(&context, request, &response);
      break;
    case HandoffStep::kWithdraw:
      s = handoff_->Withdraw(&context, request, &response);
      break;
  }
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::Status HoshoClient::WatchNotifications(const std::string& office, const std::string& after_cursor,
                                             const std::function<bool(const hosho::v1::OfficeNotice&)>& on_notice,
                                             absl::Duration deadline) {
  grpc::ClientContext context;
  Prepare(&context, deadline);
  hosho::v1::WatchNotificationsRequest request;
  request.set_office(office);
  request.set_after_cursor(after_cursor);
  auto reader = notifications_->WatchNotifications(&context, request);
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

absl::StatusOr<hosho::v1::ListAdvancePaymentsResponse> HoshoClient::ListAdvancePayments() {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(10));
  hosho::v1::ListAdvancePaymentsResponse response;
  if (grpc::Status s = accounting_->ListAdvancePayments(&context, {}, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::ExportLedgerResponse> HoshoClient::ExportLedger(
    const hosho::v1::ExportLedgerRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(60));
  hosho::v1::ExportLedgerResponse response;
  if (grpc::Status s = cases_->ExportLedger(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::ImportReport> HoshoClient::ImportContractsCsv(const std::string& bytes) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(120));
  hosho::v1::ImportContractsCsvRequest request;
  request.set_csv(bytes);
  hosho::v1::ImportReport response;
  if (grpc::Status s = contracts_->ImportContractsCsv(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<hosho::v1::ImportReport> HoshoClient::ImportFormCsv(const std::string& bytes,
                                                                   const std::string& filename) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(120));
  hosho::v1::ImportFormCsvRequest request;
  request.set_csv(bytes);
  request.set_filename(filename);
  hosho::v1::ImportReport response;
  if (grpc::Status s = intake_->ImportFormCsv(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<std::pair<int, std::string>> HoshoClient::PostFormWebhook(const std::string& json) const {
  if (endpoints_.webhook_port == 0) return absl::FailedPreconditionError("no webhook in the stack file");
  std::ifstream in(endpoints_.webhook_secret_file);
  std::string secret;
  if (!std::getline(in, secret)) return absl::NotFoundError("webhook secret unreadable");
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return HttpPost(
      "127.0.0.1", endpoints_.webhook_port, "/webhooks/form",
      {{"X-Hosho-Timestamp", std::to_string(now)}, {"X-Hosho-Signature", WebhookSignature(secret, now, json)}}, json,
      "application/json");
}

absl::Status HoshoClient::DeliverMail(const std::string& raw) const {
  if (endpoints_.dovecot_config.empty()) return absl::FailedPreconditionError("no mailbox in the stack file");
  return DeliverLocally(endpoints_.dovecot_config, endpoints_.mail_user, raw);
}

absl::StatusOr<hosho::v1::ListNoticesResponse> HoshoClient::ListNotices(const std::string& case_id) {
  grpc::ClientContext context;
  Prepare(&context, absl::Seconds(5));
  hosho::v1::ListNoticesRequest request;
  request.set_case_id(case_id);
  hosho::v1::ListNoticesResponse response;
  if (grpc::Status s = notifications_->ListNotices(&context, request, &response); !s.ok()) return FromGrpcStatus(s);
  return response;
}

}  // namespace hosho
