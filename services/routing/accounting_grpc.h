#pragma once

#include <memory>

#include "absl/time/time.h"
#include "hosho/v1/accounting.grpc.pb.h"
#include "services/routing/accounting.h"

namespace hosho {

// hosho.v1.AccountingService over gRPC (the city's adapter; hosho-platform-sim in development).
class GrpcAccountingSystem final : public AccountingSystem {
 public:
  GrpcAccountingSystem(const std::shared_ptr<grpc::Channel>& channel, std::string token, absl::Duration deadline);
  absl::StatusOr<std::string> RequestAdvancePayment(const hosho::v1::AdvancePaymentRequest& request) override;

 private:
  std::unique_ptr<hosho::v1::AccountingService::Stub> stub_;
  std::string token_;
  absl::Duration deadline_;
};

}  // namespace hosho
