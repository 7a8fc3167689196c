#include "tests/support/test_kafka.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "services/stack/stack.h"
#include "tests/support/redis_server.h"

namespace hosho::testing {

std::unique_ptr<TestKafka> TestKafka::Start(int nodes, bool with_catalogue) {
  auto kafka = std::make_unique<TestKafka>();
  auto base = FindFreePortRange(2 * nodes);
  if (!base.ok()) {
    ADD_FAILURE() << base.status();
    return kafka;
  }
  kafka->dir_ = MakeTempDir("hosho-kafka");
  KafkaClusterOptions options;
  options.dir = kafka->dir_;
  options.libs_dir = DefaultKafkaLibs(HOSHO_SOURCE_DIR);
  options.nodes = nodes;
  options.port_base = *base;
  if (with_catalogue) options.topics_file = std::string(HOSHO_SOURCE_DIR) + "/deploy/kafka/topics.yaml";
  options.heap = "384m";
  auto cluster = KafkaCluster::Start(options);
  if (!cluster.ok()) {
    ADD_FAILURE() << "Kafka did not start: " << cluster.status();
    return kafka;
  }
  kafka->cluster_ = *std::move(cluster);
  kafka->bootstrap_ = kafka->cluster_->bootstrap();
  return kafka;
}

TestKafka::~TestKafka() {
  cluster_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

absl::Status TestKafka::SetBrokerDown() {
  if (!cluster_) return absl::FailedPreconditionError("no cluster");
  return cluster_->Kill(1);
}

absl::Status TestKafka::SetBrokerUp() {
  if (!cluster_) return absl::FailedPreconditionError("no cluster");
  return cluster_->Restart(1);
}

}  // namespace hosho::testing
