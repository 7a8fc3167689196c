#include "services/notification/notification_service.h"

#include <algorithm>

#include "services/common/case_view.h"
#include "services/common/errors.h"
#include "services/common/grpc_server.h"

namespace hosho {

grpc::Status NotificationServiceImpl::ListNotices(grpc::ServerContext* context,
                                                  const hosho::v1::ListNoticesRequest* request,
                                                  hosho::v1::ListNoticesResponse* response) {
  const absl::Time started = absl::Now();
  auto principal = auth_->Authenticate(*context);
  if (!principal.ok()) return ObserveRpc("ListNotices", started, ToGrpcStatus(principal.status()));
  auto record = cases_->Get(request->case_id());
  if (!record.ok()) return ObserveRpc("ListNotices", started, ToGrpcStatus(record.status()));
  if (!MaySee(*principal, *record)) {
    return ObserveRpc("ListNotices", started,
                      ToGrpcStatus(absl::NotFoundError("case " + request->case_id() + " not found")));
  }
  auto notices = cases_->ListNotices(request->case_id());
  if (!notices.ok()) return ObserveRpc("ListNotices", started, ToGrpcStatus(notices.status()));
  for (const std::string& stored : *notices) {
    if (!response->add_notices()->ParseFromString(stored)) {
      return ObserveRpc("ListNotices", started, ToGrpcStatus(absl::DataLossError("stored notice is unreadable")));
    }
  }
  std::sort(response->mutable_notices()->begin(), response->mutable_notices()->end(),
            [](const auto& a, const auto& b) { return a.delivery_id() < b.delivery_id(); });
  return ObserveRpc("ListNotices", started, grpc::Status::OK);
}

}  // namespace hosho
