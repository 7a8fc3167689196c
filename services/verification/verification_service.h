#pragma once

#include "hosho/v1/verification.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_store.h"
#include "services/verification/rules.h"

namespace hosho {

struct TaskOptions {
  absl::Duration claim_ttl = absl::Minutes(30);  // a claim not renewed by then can be taken by another clerk
  absl::Duration send_timeout = absl::Seconds(10);
};

// The clerks' side of verification (D-Sure and the insurers' system have no API: a clerk opens the
// platform and reads the certificate). Every call is for a clerk of the office that must check the
// case (ordering office for 契約保証, department in charge for advances); anyone else gets NOT_FOUND
// for the case, so a case's existence is not confirmed to another office. Operators may list.
//   ListTasks         the office's queue, by due time
//   ClaimTask         one clerk at a time; a claim expires after claim_ttl, renewing it extends it
//   RevealCredential  only to the clerk holding the claim; audited before it is shown (a history
//                     entry on the case and a CredentialRevealed event), never logged
//   ReleaseTask       gives a claim back before it expires
//   RecordCertificate what the platform shows (or that the credential opens nothing): the rules
//                     decide VERIFIED or RETURNED, published like the connector's verdicts
class VerificationServiceImpl final : public hosho::v1::VerificationService::Service {
 public:
  VerificationServiceImpl(CaseStore* cases, EventProducer* producer, const Sealer* sealer, const Authenticator* auth,
                          Clock* clock, VerificationPolicy policy, TaskOptions options);
  // Verdicts are reached on the contract's current version from this registry (WithCurrentTerms).
  void UseContracts(ContractStore* contracts) { contracts_ = contracts; }

  grpc::Status ListTasks(grpc::ServerContext* context, const hosho::v1::ListTasksRequest* request,
                         hosho::v1::ListTasksResponse* response) override;
  grpc::Status ClaimTask(grpc::ServerContext* context, const hosho::v1::ClaimTaskRequest* request,
                         hosho::v1::VerificationTask* response) override;
  grpc::Status RevealCredential(grpc::ServerContext* context, const hosho::v1::RevealCredentialRequest* request,
                                hosho::v1::RevealCredentialResponse* response) override;
  grpc::Status RecordCertificate(grpc::ServerContext* context, const hosho::v1::RecordCertificateRequest* request,
                                 hosho::v1::VerificationTask* response) override;
  grpc::Status ReleaseTask(grpc::ServerContext* context, const hosho::v1::ReleaseTaskRequest* request,
                           hosho::v1::VerificationTask* response) override;

 private:
  static absl::StatusOr<const hosho::v1::CertificateRecord*> CheckRecordRequest(
      const hosho::v1::RecordCertificateRequest& request);
  absl::StatusOr<TransitionResult> ApplyClerkVerdict(const CaseRecord& record, const TransitionRequest& verdict);
  absl::Status FinishClerkVerdict(const Principal& principal, grpc::ServerContext& context, const CaseRecord& record,
                                  const hosho::events::v1::SubmissionReceived& submission,
                                  const TransitionResult& applied, hosho::v1::VerificationTask* response);
  absl::Status ListTasksFor(const Principal& principal, grpc::ServerContext& context,
                            const hosho::v1::ListTasksRequest& request, hosho::v1::ListTasksResponse* response);
  absl::Status ClaimTaskFor(const Principal& principal, grpc::ServerContext& context,
                            const hosho::v1::ClaimTaskRequest& request, hosho::v1::VerificationTask* response);
  absl::Status RevealCredentialFor(const Principal& principal, grpc::ServerContext& context,
                                   const hosho::v1::RevealCredentialRequest& request,
                                   hosho::v1::RevealCredentialResponse* response);
  absl::Status RecordCertificateFor(const Principal& principal, grpc::ServerContext& context,
                                    const hosho::v1::RecordCertificateRequest& request,
                                    hosho::v1::VerificationTask* response);
  absl::Status ReleaseTaskFor(const Principal& principal, grpc::ServerContext& context,
                              const hosho::v1::ReleaseTaskRequest& request, hosho::v1::VerificationTask* response);
  // The case behind a task, if `clerk` may work on it (NOT_FOUND otherwise).
  absl::StatusOr<CaseRecord> TaskFor(const Principal& clerk, const std::string& task_id);
  // FAILED_PRECONDITION unless `clerk` holds an unexpired claim on the case.
  absl::Status RequireClaim(const Principal& clerk, const CaseRecord& record) const;
  // A clerk's claim or release as a case event (the console's live feed shows it; the history holds
  // it already, so a failed send is logged, not returned).
  void PublishTaskEvent(const grpc::ServerContext& context, const std::string& case_id, const std::string& event_id,
                        hosho::v1::CaseState from, hosho::v1::CaseState to, const std::string& actor,
                        const std::string& reason);
  hosho::v1::VerificationTask TaskView(const CaseRecord& record) const;

  CaseStore* cases_;
  EventProducer* producer_;
  const Sealer* sealer_;
  const Authenticator* auth_;
  Clock* clock_;
  VerificationPolicy policy_;
  TaskOptions options_;
  ContractStore* contracts_ = nullptr;
};

// Checks a certificate record as a clerk typed it: the fields the rules need, each with a code.
std::vector<FieldViolation> CheckCertificateRecord(const hosho::v1::CertificateRecord& certificate);

}  // namespace hosho
