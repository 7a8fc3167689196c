#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_impl.h"

namespace hosho {

// One topic as the cluster should hold it.
struct TopicToCreate {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  // Topic configs (retention.ms, min.insync.replicas, cleanup.policy, ...).
  std::vector<std::pair<std::string, std::string>> configs;
};

// Creates, through the Admin API, every topic that the cluster does not hold yet; a topic that already
// exists is left as it is. Returns the number created. UNAVAILABLE when the cluster does not answer in
// time, the broker's error otherwise (TOPIC_AUTHORIZATION_FAILED, INVALID_REPLICATION_FACTOR, ...).
absl::StatusOr<int> CreateTopics(const KafkaOptions& options, const std::vector<TopicToCreate>& topics,
                                 absl::Duration timeout);

// A broker-side permission (Kafka's ACLs): `principal` (for example "User:hosho-intake") may do
// `operation` on the resource, a topic or a consumer group, named exactly or by prefix.
struct KafkaAcl {
  enum class Resource { kTopic, kGroup };
  enum class Operation { kRead, kWrite, kDescribe };
  Resource resource = Resource::kTopic;
  std::string name;
  bool prefixed = false;
  std::string principal;
  Operation operation = Operation::kRead;
};

// Creates the ACLs (an ACL that exists already is kept as it is).
absl::Status CreateAcls(const KafkaOptions& options, const std::vector<KafkaAcl>& acls, absl::Duration timeout);

// How many ACLs the broker answering holds (DescribeAcls, any resource): a broker applies ACLs from
// the metadata log a moment after the controller committed them.
absl::StatusOr<int> CountAcls(const KafkaOptions& options, absl::Duration timeout);

struct ClusterView {
  std::vector<int32_t> broker_ids;
  // Topic name → partitions that have a leader / partitions in all.
  std::vector<std::pair<std::string, std::pair<int, int>>> topics;
  // Partitions (of every topic) whose in-sync replicas are fewer than their replicas.
  int under_replicated = 0;
};

// What the cluster's metadata says: brokers, and for every topic how many partitions have a leader.
absl::StatusOr<ClusterView> DescribeCluster(const KafkaOptions& options, absl::Duration timeout);

// How many records `topic` holds now (per partition, its high watermark less its low one, summed):
// for example the dead letters waiting in a DLQ, counted without joining a consumer group. NOT_FOUND
// when the cluster has no such topic.
absl::StatusOr<int64_t> CountRecords(const KafkaOptions& options, const std::string& topic, absl::Duration timeout);

}  // namespace hosho
