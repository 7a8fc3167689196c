#pragma once

#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"

namespace hosho {

// Takes hosho.routings.v1 and hosho.verifications.v1 (returns): records each
// notice once by its delivery id and publishes NoticeRecorded on
// hosho.notifications.v1. Delivery channels (mail, office clients) come with #5.
class NotificationWorker {
 public:
  NotificationWorker(CaseStore* cases, EventProducer* producer, Clock* clock,
                     absl::Duration send_timeout = absl::Seconds(10));
  absl::Status Handle(const KafkaRecord& record);

 private:
  CaseStore* cases_;
  EventProducer* producer_;
  Clock* clock_;
  absl::Duration send_timeout_;
};

}  // namespace hosho
