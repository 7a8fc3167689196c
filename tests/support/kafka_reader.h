#pragma once

#include <string>
#include <vector>

#include "services/common/kafka/kafka_impl.h"

namespace hosho::testing {

// Every record of `topic` (only those whose event-type header is `event_type`, when given), read
// from the start by a fresh consumer group until at least `expected` arrived (or the await gives up).
std::vector<KafkaRecord> ReadTopic(const KafkaOptions& kafka, KafkaProducer* dlq_producer, const std::string& topic,
                                   size_t expected, const std::string& event_type, const std::string& group);

}  // namespace hosho::testing
