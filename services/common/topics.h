#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hosho {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  std::string key;
  std::string payload;
  std::string writer;
  bool dlq = true;
};

// deploy/kafka/topics.yaml, the one topic catalogue.
absl::StatusOr<std::vector<TopicSpec>> LoadTopicCatalogue(const std::string& path);

}  // namespace hosho
