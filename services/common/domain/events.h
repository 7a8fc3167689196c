#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/kafka/kafka.h"
#include "services/common/store/case_states.h"  // StateName, ParseStateName, IsTerminal

namespace hosho {

// Topic names; deploy/kafka/topics.yaml is the catalogue they must appear in.
namespace topics {
inline constexpr char kSubmissions[] = "hosho.submissions.v1";
inline constexpr char kContracts[] = "hosho.contracts.v1";
inline constexpr char kVerifications[] = "hosho.verifications.v1";
inline constexpr char kRoutings[] = "hosho.routings.v1";
inline constexpr char kNotifications[] = "hosho.notifications.v1";
}  // namespace topics

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// A case's event with its header filled: id, case, when it happened and which service produced it.
hosho::events::v1::Envelope NewEnvelope(absl::string_view case_id, absl::string_view event_id,
                                        absl::string_view producer, absl::Time at);

// "submission_received" etc.: the event-type header.
std::string EventType(const hosho::events::v1::Envelope& envelope);

// A Kafka record for an envelope: keyed by case id, with the event-type,
// event-id, traceparent and schema headers.
OutgoingRecord ToRecord(absl::string_view topic, const hosho::events::v1::Envelope& envelope,
                        absl::string_view traceparent);
// INVALID_ARGUMENT when the value is not an Envelope (it can never succeed).
absl::StatusOr<hosho::events::v1::Envelope> ParseEnvelope(const KafkaRecord& record);

}  // namespace hosho
