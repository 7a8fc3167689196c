#pragma once

#include "hosho/v1/notification.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/case_store.h"

namespace hosho {

// Reads the notices recorded for a case (scoped like the case itself).
class NotificationServiceImpl final : public hosho::v1::NotificationService::Service {
 public:
  NotificationServiceImpl(CaseStore* cases, const Authenticator* auth) : cases_(cases), auth_(auth) {}
  grpc::Status ListNotices(grpc::ServerContext* context, const hosho::v1::ListNoticesRequest* request,
                           hosho::v1::ListNoticesResponse* response) override;

 private:
  CaseStore* cases_;
  const Authenticator* auth_;
};

}  // namespace hosho
