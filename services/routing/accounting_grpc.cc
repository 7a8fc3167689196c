#include "services/routing/accounting_grpc.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "services/common/auth/auth.h"
#include "services/common/runtime/errors.h"

namespace hosho {

GrpcAccountingSystem::GrpcAccountingSystem(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                                           absl::Duration deadline)
    : stub_(hosho::v1::AccountingService::NewStub(channel)), token_(std::move(token)), deadline_(deadline) {}

absl::StatusOr<std::string> GrpcAccountingSystem::RequestAdvancePayment(
    const hosho::v1::AdvancePaymentRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachBearerToken(&context, token_);
  hosho::v1::AdvancePaymentReceipt receipt;
  grpc::Status status = stub_->RequestAdvancePayment(&context, request, &receipt);
  if (!status.ok()) return FromGrpcStatus(status);
  return receipt.reference();
}

}  // namespace hosho
