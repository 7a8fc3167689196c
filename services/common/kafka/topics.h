#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/kafka_admin.h"

namespace hosho {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  std::string key;
  std::string payload;
  std::string writer;
  std::vector<std::string> readers;  // consumer groups (service principals) that read it
  int64_t retention_ms = 604800000;
  std::string cleanup_policy = "delete";
  int replication_factor = 3;
  int min_insync_replicas = 2;
  bool dlq = true;
};

// deploy/kafka/topics.yaml, the one topic catalogue.
absl::StatusOr<std::vector<TopicSpec>> LoadTopicCatalogue(const std::string& path);

// The catalogue as a cluster of `brokers` nodes holds it: every topic and its DLQ twin, with the
// catalogue's partitions, retention and cleanup policy, and its replication capped by the cluster.
std::vector<TopicToCreate> TopicsToCreate(const std::vector<TopicSpec>& catalogue, int brokers);

// The single-writer rule as broker ACLs for principals "User:<service>": the writer may write its
// topic; each reader may read it, write its DLQ twin and use its own group (the console's feed
// groups by prefix); everyone may describe what they touch.
std::vector<KafkaAcl> CatalogueAcls(const std::vector<TopicSpec>& catalogue);

}  // namespace hosho
