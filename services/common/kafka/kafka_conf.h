#pragma once
// Internal to services/common: building librdkafka handles from KafkaOptions (the producer, the
// consumers, the backlog probe and the Admin API calls share it).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/kafka_impl.h"

namespace hosho {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// librdkafka's warnings and errors as hosho log lines, each distinct line once a minute at most.
void KafkaLogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message);

absl::Status SetConf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// bootstrap.servers, client.id and the deployment's properties, then `fixed` (which configuration
// cannot override).
absl::StatusOr<ConfPtr> BaseConf(const KafkaOptions& options,
                                 const std::vector<std::pair<std::string, std::string>>& fixed);

}  // namespace hosho
