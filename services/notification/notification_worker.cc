#include "services/notification/notification_worker.h"

#include "absl/strings/str_cat.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"
#include "services/common/runtime/trace.h"
#include "services/notification/notice_builder.h"

namespace hosho {
namespace {

std::string RecordedKey(absl::string_view kind, hosho::v1::Notice::Audience audience) {
  return absl::StrCat(kind, "/", hosho::v1::Notice::Audience_Name(audience));
}

Counter& RecordedTotal(absl::string_view kind, hosho::v1::Notice::Audience audience) {
  return Metrics().GetCounter("hosho_notices_recorded_total", "Notices recorded, by kind and audience.",
                              {{"kind", std::string(kind)}, {"audience", hosho::v1::Notice::Audience_Name(audience)}});
}

}  // namespace

void NoticeSignal::Notify() {
  absl::MutexLock lock(&mu_);
  ++generation_;
  cv_.SignalAll();
}

uint64_t NoticeSignal::WaitAfter(uint64_t seen, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = absl::Now() + timeout;
  while (generation_ == seen) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return generation_;
}

uint64_t NoticeSignal::generation() {
  absl::MutexLock lock(&mu_);
  return generation_;
}

NotificationWorker::NotificationWorker(NoticeLog* notices, DeliveryStore* deliveries, EventProducer* producer,
                                       Clock* clock, NotificationSetup setup, NoticeSignal* watchers,
                                       NoticeSignal* outbox, absl::Duration send_timeout)
    : notices_(notices),
      deliveries_(deliveries),
      producer_(producer),
      clock_(clock),
      setup_(std::move(setup)),
      watchers_(watchers),
      outbox_(outbox),
      send_timeout_(send_timeout) {
  for (const std::string& kind : NoticeTemplates::Kinds()) {
    for (const auto audience : {hosho::v1::Notice::AUDIENCE_OFFICE, hosho::v1::Notice::AUDIENCE_CONTRACTOR}) {
      if (setup_.templates == nullptr || !setup_.templates->Has(kind, audience)) continue;
      recorded_[RecordedKey(kind, audience)] = &RecordedTotal(kind, audience);
    }
  }
}

Counter& NotificationWorker::RecordedCounter(const hosho::v1::Notice& notice) {
  auto it = recorded_.find(RecordedKey(notice.kind(), notice.audience()));
  return it != recorded_.end() ? *it->second : RecordedTotal(notice.kind(), notice.audience());
}

RecordResult NotificationWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return RecordResult::DeadLetter(envelope.status());  // no retry makes it readable
  std::vector<OutgoingRecord> records;
  bool streamed = false;
  bool to_send = false;
  for (hosho::v1::Notice notice : BuildNotices(*envelope, *setup_.templates, *setup_.offices)) {
    // The recorded time is the event's, so that a redelivery builds byte-identical notices.
    *notice.mutable_recorded_at() = envelope->occurred_at();
    auto recorded = notices_->RecordNotice(notice.case_id(), notice.delivery_id(), notice.SerializeAsString());
    if (!recorded.ok()) return RecordResult::DependencyFailed(recorded.status());
    // Enqueued on every delivery of the event: a crash between recording and enqueueing is
    // repaired by the redelivery, and a second enqueue of the same id changes nothing.
    const std::vector<DeliveryRecord> planned =
        PlanDeliveries(notice, *setup_.offices, setup_.webhooks, setup_.mail_enabled);
    auto added = deliveries_->Enqueue(planned, clock_->Now());
    if (!added.ok()) return RecordResult::DependencyFailed(added.status());
    for (const DeliveryRecord& d : planned) (d.channel == kStreamChannel ? streamed : to_send) = true;
    hosho::events::v1::Envelope out;
    out.set_event_id(notice.delivery_id());
    out.set_case_id(notice.case_id());
    *out.mutable_occurred_at() = notice.recorded_at();
    out.set_producer("hosho-notification");
    out.mutable_notice_recorded()->set_delivery_id(notice.delivery_id());
    out.mutable_notice_recorded()->set_recipient(notice.recipient());
    out.mutable_notice_recorded()->set_subject(notice.subject());
    // Published on a redelivery too (same event id): the topic must hold it.
    records.push_back(ToRecord(topics::kNotifications, out, ChildTraceparent(record.Header("traceparent"))));
    if (*recorded) {
      RecordedCounter(notice).Increment();
      LogInfo("notice recorded", {{"case_id", notice.case_id()},
                                  {"delivery_id", notice.delivery_id()},
                                  {"trace_id", TraceIdOf(record.Header("traceparent"))}});
    }
  }
  // Only wake who has something to do (the dispatcher costs Redis round trips per round).
  if (streamed && watchers_ != nullptr) watchers_->Notify();
  if (to_send && outbox_ != nullptr) outbox_->Notify();
  if (absl::Status s = producer_->SendAll(records, send_timeout_); !s.ok()) return RecordResult::DependencyFailed(s);
  return RecordResult::Done();
}

}  // namespace hosho
