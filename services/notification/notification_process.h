#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "services/common/domain/offices.h"
#include "services/common/host/service_host.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/delivery_store_redis.h"
#include "services/notification/delivery.h"
#include "services/notification/notice_templates.h"
#include "services/notification/notification_config.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_worker.h"

namespace hosho {

// hosho-notification wired to its host: consumes submissions, verifications and routings
// (NotificationWorker), serves NotificationService, and sends the outbox (DeliveryDispatcher) on a
// background loop woken when notices are enqueued.
class NotificationProcess {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationProcess>> Create(ServiceHost& host);

 private:
  NotificationProcess(ServiceHost& host, NotificationConfig config, NoticeTemplates templates, OfficeDirectory offices);
  NotificationSetup Setup() const;
  std::map<std::string, DeliveryChannel*> Channels();

  NotificationConfig config_;
  NoticeTemplates templates_;
  OfficeDirectory offices_;
  RedisCaseStore cases_;
  RedisDeliveryStore deliveries_;
  NoticeSignal watch_signal_;   // office streams got a notice
  NoticeSignal outbox_signal_;  // deliveries wait to be sent
  NotificationWorker worker_;
  NotificationServiceImpl service_;
  MailChannel mail_;
  WebhookChannel webhooks_;
  DeliveryDispatcher dispatcher_;
  absl::Notification stop_sending_;  // notified when the service is asked to stop
};

}  // namespace hosho
