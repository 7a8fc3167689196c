#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/host/service_host.h"
#include "services/common/store/case_store_redis.h"
#include "services/routing/accounting_grpc.h"
#include "services/routing/handoff_service.h"
#include "services/routing/routing_config.h"
#include "services/routing/routing_worker.h"

namespace hosho {

// hosho-routing wired to its host: consumes verifications (RoutingWorker), serves HandoffService,
// and sweeps hand-off deadlines and unpublished hand-off steps in the background.
class RoutingProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RoutingProcess>> Create(ServiceHost& host);

 private:
  RoutingProcess(ServiceHost& host, RoutingConfig config, RoutingPolicy policy, std::shared_ptr<grpc::Channel> channel);

  RoutingConfig config_;
  RoutingPolicy policy_;
  RedisCaseStore cases_;
  GrpcAccountingSystem accounting_;
  RoutingWorker worker_;
  HandoffServiceImpl handoff_;
};

}  // namespace hosho
