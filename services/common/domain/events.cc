#include "services/common/domain/events.h"

#include "absl/strings/str_cat.h"

namespace hosho {

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::string EventType(const hosho::events::v1::Envelope& envelope) {
  const auto* field = envelope.GetDescriptor()->FindFieldByNumber(envelope.payload_case());
  return field != nullptr ? field->name() : "unknown";
}

OutgoingRecord ToRecord(absl::string_view topic, const hosho::events::v1::Envelope& envelope,
                        absl::string_view traceparent) {
  OutgoingRecord record;
  record.topic = std::string(topic);
  record.key = envelope.case_id();
  record.value = envelope.SerializeAsString();
  record.headers = {{"event-type", EventType(envelope)},
                    {"event-id", envelope.event_id()},
                    {"traceparent", std::string(traceparent)},
                    {"schema", "hosho.events.v1.Envelope"}};
  return record;
}

absl::StatusOr<hosho::events::v1::Envelope> ParseEnvelope(const KafkaRecord& record) {
  hosho::events::v1::Envelope envelope;
  if (!envelope.ParseFromString(record.value) || envelope.event_id().empty() || envelope.case_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("record at ", record.topic, "/", record.partition, "@",
                                                   record.offset, " is not a hosho.events.v1.Envelope"));
  }
  return envelope;
}

hosho::events::v1::Envelope NewEnvelope(absl::string_view case_id, absl::string_view event_id,
                                        absl::string_view producer, absl::Time at) {
  hosho::events::v1::Envelope e;
  e.set_event_id(std::string(event_id));
  e.set_case_id(std::string(case_id));
  *e.mutable_occurred_at() = ToProto(at);
  e.set_producer(std::string(producer));
  return e;
}

}  // namespace hosho
