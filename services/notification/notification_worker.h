#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/common/domain/offices.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/delivery_store.h"
#include "services/common/store/notice_log.h"
#include "services/notification/delivery.h"
#include "services/notification/notice_templates.h"

namespace hosho {

// Wakes watchers and the dispatcher of this process when notices were enqueued (other replicas'
// notices are found by polling).
class NoticeSignal {
 public:
  void Notify();
  // Waits until a Notify after `seen` or `timeout`; returns the current generation.
  uint64_t WaitAfter(uint64_t seen, absl::Duration timeout);
  uint64_t generation();

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

struct NotificationSetup {
  const NoticeTemplates* templates = nullptr;
  const OfficeDirectory* offices = nullptr;
  std::vector<WebhookSubscriber> webhooks;
  bool mail_enabled = true;
};

// Takes submissions, verifications and routings: records each notice once by its delivery id
// (the case's notice list), enqueues its deliveries in the outbox (idempotent by delivery id) and
// publishes NoticeRecorded on hosho.notifications.v1. Sending is the dispatcher's job.
class NotificationWorker {
 public:
  // `watchers` is told when an office stream got a notice; `outbox` when something waits to be sent.
  NotificationWorker(NoticeLog* notices, DeliveryStore* deliveries, EventProducer* producer, Clock* clock,
                     NotificationSetup setup, NoticeSignal* watchers = nullptr, NoticeSignal* outbox = nullptr,
                     absl::Duration send_timeout = absl::Seconds(10));
  // Dead letter for a record that is not an event envelope; retry while the store or the broker fails.
  RecordResult Handle(const KafkaRecord& record);

 private:
  Counter& RecordedCounter(const hosho::v1::Notice& notice);

  NoticeLog* notices_;
  DeliveryStore* deliveries_;
  EventProducer* producer_;
  Clock* clock_;
  NotificationSetup setup_;
  NoticeSignal* watchers_;
  NoticeSignal* outbox_;
  absl::Duration send_timeout_;
  // hosho_notices_recorded_total by "kind/audience", created once for every template there is.
  absl::flat_hash_map<std::string, Counter*> recorded_;
};

}  // namespace hosho
