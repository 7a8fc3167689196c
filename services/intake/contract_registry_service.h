#pragma once

#include "hosho/v1/contracts.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/errors.h"
#include "services/common/kafka.h"

namespace hosho {

// Validates a contract before it enters the registry.
std::vector<FieldViolation> CheckContract(const hosho::v1::Contract& contract);

// The contract registry: the city's contract system pushes contracts here;
// each upsert is stored and published on hosho.contracts.v1 (keyed by contract id).
// CSV import arrives with the intake issue (#3).
class ContractRegistryImpl final : public hosho::v1::ContractRegistry::Service {
 public:
  ContractRegistryImpl(ContractStore* contracts, EventProducer* producer, const Authenticator* auth, Clock* clock);

  grpc::Status UpsertContract(grpc::ServerContext* context, const hosho::v1::UpsertContractRequest* request,
                              hosho::v1::Contract* response) override;
  grpc::Status GetContract(grpc::ServerContext* context, const hosho::v1::GetContractRequest* request,
                           hosho::v1::Contract* response) override;
  grpc::Status ListContracts(grpc::ServerContext* context, const hosho::v1::ListContractsRequest* request,
                             hosho::v1::ListContractsResponse* response) override;

 private:
  ContractStore* contracts_;
  EventProducer* producer_;
  const Authenticator* auth_;
  Clock* clock_;
};

}  // namespace hosho
