#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hosho/v1/accounting.grpc.pb.h"
#include "hosho/v1/cases.grpc.pb.h"
#include "hosho/v1/contracts.grpc.pb.h"
#include "hosho/v1/handoff.grpc.pb.h"
#include "hosho/v1/intake.grpc.pb.h"
#include "hosho/v1/notification.grpc.pb.h"
#include "hosho/v1/verification.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/client/handoff_step.h"

namespace grpc {
class Channel;
}

namespace hosho {

// The channels to hosho's services (grpc/grpc_client.h makes them). A null channel: that service's
// calls answer FAILED_PRECONDITION (the console, for one, talks only to verification and routing).
struct ApiChannels {
  std::shared_ptr<grpc::Channel> intake = nullptr;        // IntakeService, ContractRegistry
  std::shared_ptr<grpc::Channel> cases = nullptr;         // CaseService (hosho-console)
  std::shared_ptr<grpc::Channel> notification = nullptr;  // NotificationService
  std::shared_ptr<grpc::Channel> verification = nullptr;  // VerificationService (clerk tasks)
  std::shared_ptr<grpc::Channel> routing = nullptr;       // HandoffService
  std::shared_ptr<grpc::Channel> accounting = nullptr;    // AccountingService (the simulator in development)
};

// Whom a call is made as, and how long it may take.
struct Caller {
  std::string token = {};  // the bearer token every call carries
  // Set: `token` is a service's own and the call is made for this signed-in user (x-hosho-acting-for),
  // so the owning service checks and records that user.
  std::optional<Principal> acting_for = std::nullopt;
  // Every unary call's deadline; zero: each call's own (seconds for a read, minutes for an import).
  absl::Duration deadline = absl::ZeroDuration();
  std::string traceparent = {};  // set: the calls continue this trace
};

// Typed calls to hosho's gRPC APIs, shared by hoshoctl and the console: each carries the caller's
// credential and a deadline, and a gRPC error comes back as the absl::Status with its details
// (runtime/errors.h). Copies share the channels and are safe to use from several threads at once.
class ApiClient {
 public:
  explicit ApiClient(const ApiChannels& channels, Caller caller = {});

  // The same channels, the calls made as `caller`.
  ApiClient As(Caller caller) const;
  const Caller& caller() const { return caller_; }

  // IntakeService and ContractRegistry.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Submit(const hosho::v1::SubmitGuaranteeRequest& request) const;
  absl::StatusOr<hosho::v1::ImportReport> ImportFormCsv(const std::string& bytes, const std::string& filename) const;
  // expected_version 0: create or overwrite; otherwise the registry's compare-and-set.
  absl::StatusOr<hosho::v1::Contract> UpsertContract(const hosho::v1::Contract& contract,
                                                     int64_t expected_version = 0) const;
  absl::StatusOr<hosho::v1::Contract> GetContract(const std::string& contract_id) const;
  absl::StatusOr<hosho::v1::ImportReport> ImportContractsCsv(const std::string& bytes) const;

  // CaseService.
  absl::StatusOr<hosho::v1::Case> GetCase(const std::string& case_id) const;
  absl::StatusOr<hosho::v1::ListCasesResponse> ListCases(const hosho::v1::ListCasesRequest& request) const;
  // Streams the case until `done(case)` is true or `deadline` passes; returns the last case seen.
  absl::StatusOr<hosho::v1::Case> WatchUntil(const std::string& case_id,
                                             const std::function<bool(const hosho::v1::Case&)>& done,
                                             absl::Duration deadline,
                                             const std::function<void(const hosho::v1::Case&)>& on_update = {}) const;
  // The guarantee ledger (保証台帳) as a file.
  absl::StatusOr<hosho::v1::ExportLedgerResponse> ExportLedger(const hosho::v1::ExportLedgerRequest& request) const;

  // NotificationService.
  absl::StatusOr<hosho::v1::ListNoticesResponse> ListNotices(const std::string& case_id) const;
  // An office's notices from `after_cursor`; `on_notice` returns false to stop. Returns when stopped,
  // when the stream ends, or at the deadline (DEADLINE_EXCEEDED).
  absl::Status WatchNotifications(const std::string& office, const std::string& after_cursor,
                                  const std::function<bool(const hosho::v1::OfficeNotice&)>& on_notice,
                                  absl::Duration deadline) const;

  // VerificationService (clerk tasks). ListTasks: the first 200 of `office`'s queue ("": the caller's).
  absl::StatusOr<hosho::v1::ListTasksResponse> ListTasks(const std::string& office = "") const;
  absl::StatusOr<hosho::v1::VerificationTask> ClaimTask(const std::string& task_id) const;
  absl::StatusOr<hosho::v1::VerificationTask> ReleaseTask(const std::string& task_id) const;
  absl::StatusOr<hosho::v1::RevealCredentialResponse> RevealCredential(const std::string& task_id,
                                                                       const std::string& reason) const;
  absl::StatusOr<hosho::v1::VerificationTask> RecordCertificate(
      const hosho::v1::RecordCertificateRequest& request) const;

  // HandoffService: the RPC of `step`.
  absl::StatusOr<hosho::v1::Case> Handoff(HandoffStep step, const hosho::v1::HandoffRequest& request) const;
  absl::StatusOr<hosho::v1::Case> Handoff(HandoffStep step, const std::string& case_id, const std::string& note = "",
                                          int64_t expected_version = 0) const;

  // AccountingService: what the city's accounting system received.
  absl::StatusOr<hosho::v1::ListAdvancePaymentsResponse> ListAdvancePayments() const;

 protected:
  void set_caller(Caller caller) { caller_ = std::move(caller); }

 private:
  struct Stubs;
  ApiClient(std::shared_ptr<const Stubs> stubs, Caller caller);

  std::shared_ptr<const Stubs> stubs_;
  Caller caller_;
};

}  // namespace hosho
