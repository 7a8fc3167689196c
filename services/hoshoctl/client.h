#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hosho/v1/accounting.grpc.pb.h"
#include "hosho/v1/cases.grpc.pb.h"
#include "hosho/v1/contracts.grpc.pb.h"
#include "hosho/v1/handoff.grpc.pb.h"
#include "hosho/v1/intake.grpc.pb.h"
#include "hosho/v1/notification.grpc.pb.h"
#include "hosho/v1/verification.grpc.pb.h"

namespace hosho {

class Config;

// Endpoints and credentials of a running hosho, usually read from the
// stack file that hosho-stack writes (.run/stack.yaml).
struct Endpoints {
  std::string intake;        // IntakeService, ContractRegistry
  std::string console;       // CaseService
  std::string notification;  // NotificationService
  std::string verification;  // VerificationService (clerk tasks)
  std::string routing;       // HandoffService
  std::string accounting;    // AccountingService (the simulator in development)
  bool dev_plaintext = true;
  std::string ca_file;  // set (stack.yaml's tls.ca_file): TLS, trusting this CA
  std::map<std::string, std::string> token_files;  // principal → file
  int webhook_port = 0;                            // intake's web form webhook (loopback)
  std::string webhook_secret_file;
  std::string dovecot_config;  // the development mailbox (local delivery)
  std::string mail_user;
};

absl::StatusOr<Endpoints> EndpointsFromStackFile(const std::string& path);

// A thin client over hosho's gRPC APIs; every call carries the principal's
// bearer token and a deadline.
class HoshoClient {
 public:
  static absl::StatusOr<std::unique_ptr<HoshoClient>> Connect(const Endpoints& endpoints);

  // Uses `principal`'s token for the calls that follow.
  absl::Status ActAs(const std::string& principal);

  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Submit(const hosho::v1::SubmitGuaranteeRequest& request);
  absl::StatusOr<hosho::v1::Case> GetCase(const std::string& case_id);
  absl::StatusOr<hosho::v1::ListCasesResponse> ListCases(const hosho::v1::ListCasesRequest& request);
  // Streams the case until `done(case)` is true or the deadline passes; returns the last case seen.
  absl::StatusOr<hosho::v1::Case> WatchUntil(const std::string& case_id,
                                             const std::function<bool(const hosho::v1::Case&)>& done,
                                             absl::Duration deadline,
                                             const std::function<void(const hosho::v1::Case&)>& on_update = {});
  // expected_version 0: create or overwrite; otherwise the registry's compare-and-set.
  absl::StatusOr<hosho::v1::Contract> UpsertContract(const hosho::v1::Contract& contract, int64_t expected_version = 0);
  absl::StatusOr<hosho::v1::Contract> GetContract(const std::string& contract_id);
  absl::StatusOr<hosho::v1::ListNoticesResponse> ListNotices(const std::string& case_id);
  absl::StatusOr<hosho::v1::ImportReport> ImportContractsCsv(const std::string& bytes);
  // Clerk tasks (VerificationService).
  absl::StatusOr<hosho::v1::ListTasksResponse> ListTasks(const std::string& office = "");
  absl::StatusOr<hosho::v1::VerificationTask> ClaimTask(const std::string& task_id);
  absl::StatusOr<hosho::v1::RevealCredentialResponse> RevealCredential(const std::string& task_id,
                                                                       const std::string& reason);
  absl::StatusOr<hosho::v1::VerificationTask> RecordCertificate(const hosho::v1::RecordCertificateRequest& request);
  absl::StatusOr<hosho::v1::VerificationTask> ReleaseTask(const std::string& task_id);
  // Hand-off (HandoffService): conclude, acknowledge, payment hand-off, withdraw.
  enum class HandoffStep { kConclude, kAcknowledge, kPaymentHandoff, kWithdraw };
  absl::StatusOr<hosho::v1::Case> Handoff(HandoffStep step, const std::string& case_id, const std::string& note = "",
                                          int64_t expected_version = 0);
  // An office's notices from `after_cursor`; `on_notice` returns false to stop. Returns when stopped,
  // when the stream ends, or at the deadline (DEADLINE_EXCEEDED).
  absl::Status WatchNotifications(const std::string& office, const std::string& after_cursor,
                                  const std::function<bool(const hosho::v1::OfficeNotice&)>& on_notice,
                                  absl::Duration deadline);
  absl::StatusOr<hosho::v1::ListAdvancePaymentsResponse> ListAdvancePayments();
  // The guarantee ledger (保証台帳) as a file (CaseService.ExportLedger).
  absl::StatusOr<hosho::v1::ExportLedgerResponse> ExportLedger(const hosho::v1::ExportLedgerRequest& request);
  absl::StatusOr<hosho::v1::ImportReport> ImportFormCsv(const std::string& bytes, const std::string& filename);
  // Posts a web form answer (JSON) to the webhook, signed with the stack's secret. Returns
  // the HTTP status and the JSON answer.
  absl::StatusOr<std::pair<int, std::string>> PostFormWebhook(const std::string& json) const;
  // Delivers a mail into the development mailbox that intake polls.
  absl::Status DeliverMail(const std::string& raw) const;

 private:
  HoshoClient() = default;
  void Prepare(grpc::ClientContext* context, absl::Duration deadline) const;

  Endpoints endpoints_;
  std::string token_;
  std::unique_ptr<hosho::v1::IntakeService::Stub> intake_;
  std::unique_ptr<hosho::v1::ContractRegistry::Stub> contracts_;
  std::unique_ptr<hosho::v1::CaseService::Stub> cases_;
  std::unique_ptr<hosho::v1::NotificationService::Stub> notifications_;
  std::unique_ptr<hosho::v1::VerificationService::Stub> verification_;
  std::unique_ptr<hosho::v1::HandoffService::Stub> handoff_;
  std::unique_ptr<hosho::v1::AccountingService::Stub> accounting_;
};

}  // namespace hosho
