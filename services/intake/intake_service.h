#pragma once

#include "hosho/v1/intake.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/store/blob_store.h"
#include "services/common/store/case_store.h"
#include "services/common/store/rate_limiter.h"
#include "services/intake/scope_rules.h"

namespace hosho {

struct IntakeOptions {
  absl::Duration send_timeout = absl::Seconds(10);  // wait for Kafka to store the event
  absl::Duration idempotency_ttl = absl::Hours(24 * 30);
  absl::Duration verification_sla = absl::Hours(72);  // deadline riding on the new case
};

class FormCsvImporter;

// What intake needs from the rest of the process.
struct IntakeDeps {
  CaseStore* cases = nullptr;
  ContractStore* contracts = nullptr;
  EventProducer* producer = nullptr;
  const Sealer* sealer = nullptr;
  const Authenticator* auth = nullptr;
  Clock* clock = nullptr;
  BlobStore* blobs = nullptr;
  RateLimiter* limiter = nullptr;  // per principal; null admits everything
};

// SubmitGuarantee: normalizes, checks the rules at the door (R01–R04, R15), seals the
// credential and the attachments at once, creates the case (RECEIVED) and answers only
// after hosho.submissions.v1 stored the submission and its 到達確認 (receipt) event. The same
// request id, 受付番号, Message-ID or guarantee twice is one case (R14).
// SubmitGuarantee parses its own request (grpc_precise.h), so that invalid UTF-8 in a field gets a
// precise refusal.
class IntakeServiceImpl final : public hosho::v1::IntakeService::Service {
 public:
  IntakeServiceImpl(IntakeDeps deps, ScopePolicy policy, IntakeOptions options);

  // The web form's CSV export; set once at start-up (the importer calls back into Submit).
  void SetFormImporter(FormCsvImporter* importer) { form_importer_ = importer; }

  // SubmitGuarantee as served (PreciseOwningMethod): `request` is the call's own parse of the bytes
  // it was sent, so its plaintext credential is wiped here, whatever the answer.
  grpc::Status ServeSubmitGuarantee(grpc::ServerContext* context, hosho::v1::SubmitGuaranteeRequest* request,
                                    hosho::v1::SubmitGuaranteeResponse* response);
  grpc::Status ImportFormCsv(grpc::ServerContext* context, const hosho::v1::ImportFormCsvRequest* request,
                             hosho::v1::ImportReport* response) override;

  // The logic behind the RPC. Wipes the request's plaintext credential. The
  // wait for Kafka is bounded by the caller's deadline as well as send_timeout.
  // `rate_limited` false for the rows of an import, which is admitted once as a whole.
  absl::StatusOr<hosho::v1::SubmitGuaranteeResponse> Submit(const Principal& principal,
                                                            hosho::v1::SubmitGuaranteeRequest& request,
                                                            const std::string& traceparent,
                                                            absl::Time deadline = absl::InfiniteFuture(),
                                                            bool rate_limited = true);

  // The contract registered under a 工事番号 (NFKC-normalized), for channels that know only the number.
  absl::StatusOr<std::string> ContractIdForNumber(absl::string_view contract_number);
  // Admits an import of `rows` submissions from `principal` as a whole (RATE_LIMITED otherwise).
  absl::Status AdmitRows(const Principal& principal, int64_t rows);
  // A keyed fingerprint (hex) of what identifies an arrival that carries no id of its own (a mail
  // without Message-ID): never a plain hash of a secret.
  std::string ArrivalFingerprint(absl::string_view content) const;

 private:
  // ImportFormCsv's logic, once the caller is known.
  absl::Status ImportFormFor(const Principal& principal, const hosho::v1::ImportFormCsvRequest& request,
                             const grpc::ServerContext& context, hosho::v1::ImportReport* response);

  IntakeDeps deps_;
  ScopePolicy policy_;
  IntakeOptions options_;
  FormCsvImporter* form_importer_ = nullptr;
};

// "HS-20261126-0123456789ab": date (JST) and 48 random bits.
std::string NewCaseId(absl::Time now);

}  // namespace hosho
