// hosho-devbroker: the embedded Kafka for one machine (librdkafka's mock
// cluster), with the topic catalogue, a fixed bootstrap port and fault controls.
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/common/kafka_impl.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/common/topics.h"
#include "services/devbroker/tcp_forwarder.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {enabled: false}
admin: {port: 9100}
devbroker: {port: 19092, topics_file: "deploy/kafka/topics.yaml", bootstrap_file: ""}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ServiceHost::Create("hosho-devbroker", kDefaults, argc, argv);
  if (!created.ok()) {
    hosho::LogError("configuration failed", {{"error", created.status().ToString()}});
    return 2;
  }
  hosho::ServiceHost& host = **created;
  const hosho::Config& config = host.config();
  auto cluster = hosho::MockKafkaCluster::Create(1);
  auto catalogue = hosho::LoadTopicCatalogue(config.ResolvePath(config.GetString("devbroker.topics_file")));
  if (!cluster.ok() || !catalogue.ok()) {
    hosho::LogError("start-up failed", {{"error", (!cluster.ok() ? cluster.status() : catalogue.status()).ToString()}});
    return 2;
  }
  for (const hosho::TopicSpec& topic : *catalogue) {
    absl::Status s = (*cluster)->CreateTopic(topic.name, topic.partitions);
    if (s.ok() && topic.dlq) s = (*cluster)->CreateTopic(topic.name + ".dlq", topic.partitions);
    if (!s.ok()) {
      hosho::LogError("topic creation failed", {{"topic", topic.name}, {"error", s.ToString()}});
      return 2;
    }
  }
  // The mock broker listens on an ephemeral port: forward the fixed one to it.
  const std::string broker = (*cluster)->bootstrap_servers();
  std::pair<std::string, std::string> host_port = absl::StrSplit(broker, absl::MaxSplits(':', 1));
  int broker_port = 0;
  if (!absl::SimpleAtoi(host_port.second, &broker_port)) {
    hosho::LogError("unexpected mock bootstrap address", {{"bootstrap", broker}});
    return 2;
  }
  hosho::TcpForwarder forwarder;
  if (absl::Status s =
          forwarder.Start(static_cast<int>(config.GetInt("devbroker.port", 19092)), host_port.first, broker_port);
      !s.ok()) {
    hosho::LogError("bootstrap port failed", {{"error", s.ToString()}});
    return 2;
  }
  if (const std::string file = config.GetString("devbroker.bootstrap_file"); !file.empty()) {
    std::ofstream(file) << "127.0.0.1:" << forwarder.port() << "\n";
  }
  hosho::MockKafkaCluster* mock = cluster->get();
  host.Admin().AddPost("/brokers/1/down", [mock] { return mock->SetBrokerDown(1); });
  host.Admin().AddPost("/brokers/1/up", [mock] { return mock->SetBrokerUp(1); });
  hosho::LogInfo("devbroker ready", {{"bootstrap", "127.0.0.1:" + std::to_string(forwarder.port())},
                                     {"broker", broker},
                                     {"topics", static_cast<int64_t>(catalogue->size())}});
  const int code = host.Run();
  forwarder.Stop();
  return code;
}
