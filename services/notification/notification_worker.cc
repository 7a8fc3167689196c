#include "services/notification/notification_worker.h"

#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/trace.h"
#include "services/notification/notice_builder.h"

namespace hosho {

NotificationWorker::NotificationWorker(CaseStore* cases, EventProducer* producer, Clock* clock,
                                       absl::Duration send_timeout)
    : cases_(cases), producer_(producer), clock_(clock), send_timeout_(send_timeout) {}

absl::Status NotificationWorker::Handle(const KafkaRecord& record) {
  auto envelope = ParseEnvelope(record);
  if (!envelope.ok()) return envelope.status();
  std::vector<OutgoingRecord> records;
  for (hosho::v1::Notice notice : BuildNotices(*envelope)) {
    *notice.mutable_recorded_at() = ToProto(clock_->Now());
    auto recorded = cases_->RecordNotice(notice.case_id(), notice.delivery_id(), notice.SerializeAsString());
    if (!recorded.ok()) return recorded.status();
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
      Metrics()
          .GetCounter("hosho_notices_recorded_total", "Notices recorded, by audience.",
                      {{"audience", hosho::v1::Notice::Audience_Name(notice.audience())}})
          .Increment();
      LogInfo("notice recorded", {{"case_id", notice.case_id()},
                                  {"delivery_id", notice.delivery_id()},
                                  {"trace_id", TraceIdOf(record.Header("traceparent"))}});
    }
  }
  if (absl::Status s = producer_->SendAll(records, send_timeout_); !s.ok()) return s;
  return absl::OkStatus();
}

}  // namespace hosho
