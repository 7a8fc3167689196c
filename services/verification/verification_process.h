#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/host/service_host.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_contract_store.h"
#include "services/verification/contract_recheck.h"
#include "services/verification/platform_connector_grpc.h"
#include "services/verification/resilient_connector.h"
#include "services/verification/verification_config.h"
#include "services/verification/verification_service.h"
#include "services/verification/verification_worker.h"

namespace hosho {

// hosho-verification wired to its host: consumes submissions (VerificationWorker) and contract
// versions (ContractRechecker) in one group, serves VerificationService to clerks, and runs the
// resumer, the verdict and deadline sweeps and the connector's health in the background.
class VerificationProcess {
 public:
  static absl::StatusOr<std::unique_ptr<VerificationProcess>> Create(ServiceHost& host);

 private:
  VerificationProcess(ServiceHost& host, VerificationConfig config, std::shared_ptr<grpc::Channel> channel);
  void AddBackgroundLoops(ServiceHost& host);

  VerificationConfig config_;
  RedisCaseStore cases_;
  RedisContractStore contracts_;
  GrpcPlatformConnector connector_;
  ResilientConnector resilient_;
  VerificationWorker worker_;
  VerificationServiceImpl clerks_;
  ContractRechecker rechecker_;
};

// The console's connector health: grpc.health.v1 service "hosho.platform.<PLATFORM>" is NOT_SERVING
// while that platform's circuit breaker is open, and the gauge hosho_verification_connector_open says
// the same.
absl::Status PublishConnectorHealth(ResilientConnector& connector, GrpcServerRunner& grpc);

}  // namespace hosho
