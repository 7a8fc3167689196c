#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/stack/kafka_cluster.h"

namespace hosho::testing {

// A real Apache Kafka (KRaft): `nodes` nodes on free loopback ports, in a fresh temporary directory,
// with the topic catalogue created. A start costs about 3 s and 5 s of CPU: share one per test suite
// where the tests do not count records from the start of a topic.
class TestKafka {
 public:
  // `with_catalogue` false: a cluster that holds none of hosho's topics.
  static std::unique_ptr<TestKafka> Start(int nodes = 1, bool with_catalogue = true);
  ~TestKafka();
  const std::string& bootstrap() const { return bootstrap_; }
  KafkaCluster& cluster() { return *cluster_; }
  // The broker gone (SIGKILL, as a crash) and back on the same log directory.
  absl::Status SetBrokerDown();
  absl::Status SetBrokerUp();

 private:
  std::string dir_;
  std::string bootstrap_;
  std::unique_ptr<KafkaCluster> cluster_;
};

}  // namespace hosho::testing
