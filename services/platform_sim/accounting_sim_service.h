#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "hosho/v1/accounting.grpc.pb.h"
#include "services/common/auth/auth.h"

namespace hosho {

// The city's accounting system (財務会計システム) as far as hosho meets it: advance payments handed
// off by hosho-routing, kept in memory, one reference per handoff id (a repeat answers with the
// first reference). Only the `service` and `operator` roles may call it.
class AccountingSimService final : public hosho::v1::AccountingService::Service {
 public:
  explicit AccountingSimService(const Authenticator* auth) : auth_(auth) {}

  grpc::Status RequestAdvancePayment(grpc::ServerContext* context, const hosho::v1::AdvancePaymentRequest* request,
                                     hosho::v1::AdvancePaymentReceipt* response) override;
  grpc::Status ListAdvancePayments(grpc::ServerContext* context, const hosho::v1::ListAdvancePaymentsRequest* request,
                                   hosho::v1::ListAdvancePaymentsResponse* response) override;

 private:
  const Authenticator* auth_;
  absl::Mutex mu_;
  std::vector<hosho::v1::AdvancePaymentRequest> received_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> reference_by_handoff_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hosho
