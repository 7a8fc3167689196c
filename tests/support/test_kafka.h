#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/stack/kafka_cluster.h"

namespace hosho::testing {

// A real Apache Kafka (KRaft) for one test binary: `nodes` nodes on free loopback ports, in a fresh
// temporary directory, with the topic catalogue created. One per test binary keeps the suite's
// JVM start-ups few (about 3 s each).
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
