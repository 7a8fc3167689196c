#pragma once

#include "hosho/v1/intake.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/common/sealing.h"
#include "services/intake/scope_rules.h"

namespace hosho {

struct IntakeOptions {
  absl::Duration send_timeout = absl::Seconds(10);  // wait for Kafka to store the event
  absl::Duration idempotency_ttl = absl::Hours(24 * 30);
  absl::Duration verification_sla = absl::Hours(72);  // deadline riding on the new case
};

// SubmitGuarantee: checks R01–R03, seals the credential at once, creates the
// case (RECEIVED) and answers only after hosho.submissions.v1 stored the event.
class IntakeServiceImpl final : public hosho::v1::IntakeService::Service {
 public:
  IntakeServiceImpl(CaseStore* cases, ContractStore* contracts, EventProducer* producer, const Sealer* sealer,
                    const Authenticator* auth, Clock* clock, ScopePolicy policy, IntakeOptions options);

  grpc::Status SubmitGuarantee(grpc::ServerContext* context, const hosho::v1::SubmitGuaranteeRequest* request,
                               hosho::v1::SubmitGuaranteeResponse* response) override;

  // The logic behind the RPC. Wipes the request's plaintext credential. The
  // wait for Kafka is bounded by the caller's deadline as well as send_timeout.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Submit(const Principal& principal,
                                                            hosho::v1::SubmitGuaranteeRequest& request,
                                                            const std::string& traceparent,
                                                            absl::Time deadline = absl::InfiniteFuture());

 private:
  CaseStore* cases_;
  ContractStore* contracts_;
  EventProducer* producer_;
  const Sealer* sealer_;
  const Authenticator* auth_;
  Clock* clock_;
  ScopePolicy policy_;
  IntakeOptions options_;
};

// "HS-20261126-0123456789ab": date (JST) and 48 random bits.
std::string NewCaseId(absl::Time now);

}  // namespace hosho
