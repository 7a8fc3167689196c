#pragma once

#include <atomic>

#include "hosho/v1/notification.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/grpc/grpc_precise.h"
#include "services/common/store/case_store.h"
#include "services/common/store/delivery_store.h"
#include "services/notification/notification_worker.h"

namespace hosho {

// Reads the notices recorded for a case with their deliveries (scoped like the case itself) and
// streams an office's notices to its clients, resumable from a cursor.
class NotificationServiceImpl final : public hosho::v1::NotificationService::Service {
 public:
  NotificationServiceImpl(CaseStore* cases, DeliveryStore* deliveries, const Authenticator* auth, NoticeSignal* signal,
                          absl::Duration poll = absl::Milliseconds(250))
      : cases_(cases), deliveries_(deliveries), auth_(auth), signal_(signal), poll_(poll) {
    // Both methods parse their own request (grpc_precise.h): 0 ListNotices, 1 the WatchNotifications stream.
    MarkMethodStreamed(0, PreciseMethod("ListNotices", auth_, this, &NotificationServiceImpl::ListNotices));
    MarkMethodStreamed(1, PreciseStreamingMethod("WatchNotifications", auth_, this, &NotificationServiceImpl::Watch));
  }
  grpc::Status ListNotices(grpc::ServerContext* context, const hosho::v1::ListNoticesRequest* request,
                           hosho::v1::ListNoticesResponse* response) override;
  grpc::Status WatchNotifications(grpc::ServerContext* context, const hosho::v1::WatchNotificationsRequest* request,
                                  grpc::ServerWriter<hosho::v1::OfficeNotice>* writer) override;
  // Ends open watch streams (before the server drains).
  void Stop() {
    stopping_ = true;
    signal_->Notify();
  }

 private:
  absl::Status ListNoticesFor(const Principal& principal, const hosho::v1::ListNoticesRequest& request,
                              hosho::v1::ListNoticesResponse* response);
  // WatchNotifications' body, served over a precise handler.
  grpc::Status Watch(grpc::ServerContext* context, const hosho::v1::WatchNotificationsRequest* request,
                     ResponseWriter<hosho::v1::OfficeNotice>* writer);

  CaseStore* cases_;
  DeliveryStore* deliveries_;
  const Authenticator* auth_;
  NoticeSignal* signal_;
  absl::Duration poll_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> watchers_{0};
};

}  // namespace hosho
