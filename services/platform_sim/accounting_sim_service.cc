#include "services/platform_sim/accounting_sim_service.h"

#include "absl/strings/str_format.h"
#include "services/common/grpc/rpc_frame.h"
#include "services/common/runtime/errors.h"

namespace hosho {

grpc::Status AccountingSimService::RequestAdvancePayment(grpc::ServerContext* context,
                                                         const hosho::v1::AdvancePaymentRequest* request,
                                                         hosho::v1::AdvancePaymentReceipt* response) {
  return ServeRpc("RequestAdvancePayment", *auth_, *context, {Role::kService, Role::kOperator},
                  [&](const Principal&) -> absl::Status {
                    std::vector<FieldViolation> v;
                    if (request->handoff_id().empty()) {
                      v.push_back({"handoff_id", "HANDOFF_ID_MISSING", "引継ぎ番号がありません"});
                    }
                    if (request->amount_yen() <= 0) v.push_back({"amount_yen", "AMOUNT_MISSING", "支払額がありません"});
                    if (!request->has_pay_by()) v.push_back({"pay_by", "PAY_BY_MISSING", "支払期限がありません"});
                    if (!v.empty()) return ViolationStatus(absl::StatusCode::kInvalidArgument, v);
                    absl::MutexLock lock(&mu_);
                    ++calls_;
                    auto [it, inserted] = reference_by_handoff_.try_emplace(request->handoff_id());
                    if (inserted) {
                      it->second = absl::StrFormat("ACC-%06d", static_cast<int>(received_.size()) + 1);
                      received_.push_back(*request);
                    }
                    response->set_reference(it->second);
                    response->set_replayed(!inserted);
                    return absl::OkStatus();
                  });
}

grpc::Status AccountingSimService::ListAdvancePayments(grpc::ServerContext* context,
                                                       const hosho::v1::ListAdvancePaymentsRequest*,
                                                       hosho::v1::ListAdvancePaymentsResponse* response) {
  return ServeRpc("ListAdvancePayments", *auth_, *context, {Role::kService, Role::kOperator},
                  [&](const Principal&) -> absl::Status {
                    absl::MutexLock lock(&mu_);
                    for (const auto& r : received_) {
                      *response->add_requests() = r;
                      response->add_references(reference_by_handoff_.at(r.handoff_id()));
                    }
                    response->set_calls(calls_);
                    return absl::OkStatus();
                  });
}

}  // namespace hosho
