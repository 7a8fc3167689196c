#pragma once

#include "hosho/v1/contracts.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/common/store/case_store.h"

namespace hosho {

// Validates a contract before it enters the registry.
std::vector<FieldViolation> CheckContract(const hosho::v1::Contract& contract);

// The contract registry: the city's contract system pushes contracts here (or a clerk
// imports a CSV); each change is stored as a new version and published on
// hosho.contracts.v1 (keyed by contract id). A change of price or completion date is
// recorded as an amendment (変更) in the contract's history. An upsert that changes nothing
// creates no version and no event.
// UpsertContract parses its own request (grpc_precise.h).
class ContractRegistryImpl final : public hosho::v1::ContractRegistry::Service {
 public:
  ContractRegistryImpl(ContractStore* contracts, EventProducer* producer, const Authenticator* auth, Clock* clock);

  grpc::Status UpsertContract(grpc::ServerContext* context, const hosho::v1::UpsertContractRequest* request,
                              hosho::v1::Contract* response) override;
  grpc::Status GetContract(grpc::ServerContext* context, const hosho::v1::GetContractRequest* request,
                           hosho::v1::Contract* response) override;
  grpc::Status ListContracts(grpc::ServerContext* context, const hosho::v1::ListContractsRequest* request,
                             hosho::v1::ListContractsResponse* response) override;
  grpc::Status ImportContractsCsv(grpc::ServerContext* context, const hosho::v1::ImportContractsCsvRequest* request,
                                  hosho::v1::ImportReport* response) override;

  struct UpsertResult {
    hosho::v1::Contract contract;
    bool changed = false;
  };
  // The logic behind UpsertContract; `amendment_reason` names why price or period changed.
  absl::StatusOr<UpsertResult> Upsert(const Principal& principal, hosho::v1::Contract contract,
                                      int64_t expected_version, const std::string& amendment_reason,
                                      const std::string& traceparent);
  absl::StatusOr<hosho::v1::ImportReport> ImportCsv(const Principal& principal, const std::string& bytes,
                                                    const std::string& traceparent);

 private:
  ContractStore* contracts_;
  EventProducer* producer_;
  const Authenticator* auth_;
  Clock* clock_;
};

}  // namespace hosho
