#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/stack/child_process.h"
#include "services/stack/jvm_class_archive.h"

namespace hosho {

// A SASL_SSL listener beside the plaintext one: SASL users, a server certificate, and the
// StandardAuthorizer with deny-by-default. The plaintext listener (the
// launcher's own admin path: topics and ACLs) and the controller listener run as a super user.
struct KafkaSecurityOptions {
  std::string server_certificate_pem;                      // path: the broker's certificate (SAN 127.0.0.1)
  std::string server_key_pem;                              // path: its key, PKCS#8, unencrypted
  std::string ca_pem;                                      // path: the CA that signed it (clients trust it)
  std::vector<std::pair<std::string, std::string>> users;  // user → password
  // "PLAIN" (users in the listener's JAAS line) or "SCRAM-SHA-512" (users added when the node is
  // formatted, so their passwords are on the storage tool's command line for a moment: tests only).
  std::string mechanism = "PLAIN";
};

// Debian's Java 17 (openjdk-17-jre-headless) when installed, else the system's default java.
std::string DefaultJava();

struct KafkaClusterOptions {
  std::string dir;       // one folder per node (its log directory, configuration and log)
  std::string logs_dir;  // where each node's log goes (default: beside its log directory)
  std::string libs_dir;  // Kafka's jars (./hosho resolves them from Maven Central)
  std::string java = DefaultJava();
  int nodes = 1;              // each node is broker and controller (KRaft combined mode)
  int port_base = 0;          // ports_per_node() consecutive loopback ports per node from here
  std::string topics_file;    // the topic catalogue to create through the Admin API; empty: none
  bool fresh = true;          // format new log directories (false: keep what a formatted one holds)
  std::string heap = "512m";  // -Xmx of each node
  bool security = false;
  KafkaSecurityOptions security_options;
};

// Apache Kafka in KRaft mode on loopback, each node a `java kafka.Kafka` child: what `./hosho demo`,
// the integration tests and the benchmark run on. Records live in the nodes' log directories, so a
// node killed with SIGKILL and restarted keeps what it acknowledged.
class KafkaCluster {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaCluster>> Start(KafkaClusterOptions options);
  ~KafkaCluster();
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  int ports_per_node() const { return options_.security ? 3 : 2; }
  // Every node's plaintext listener, comma-separated.
  std::string bootstrap() const;
  // Every node's SASL_SSL listener (empty without security).
  std::string secure_bootstrap() const;
  int nodes() const { return options_.nodes; }
  std::string log_dir(int node) const;
  std::string log_file(int node) const;

  // SIGKILL of one node (1-based), no orderly shutdown.
  absl::Status Kill(int node);
  // SIGTERM and wait for the node's controlled shutdown.
  absl::Status Stop(int node);
  // Starts a node again on its log directory and waits until it serves (registered, as the node
  // itself answers) and every partition's replicas are back in sync.
  absl::Status Restart(int node);
  bool Running(int node);
  pid_t pid(int node) const { return processes_[node - 1].pid(); }
  // "Apache Kafka 4.1.1 (KRaft, 1 node)", from the jars it runs.
  std::string Description() const;
  // The node that leads the KRaft quorum (the active controller) and its epoch, from the running
  // nodes' logs: the highest epoch any of them became active at ({0, -1} if none says so).
  std::pair<int, int64_t> ActiveController();
  // Stops every node (SIGTERM, then SIGKILL after the grace period).
  void StopAll();

 private:
  explicit KafkaCluster(KafkaClusterOptions options);
  // Ends a node's process record: the status it exited with decides whether its class archive is kept.
  int Ended(int node, int exit_status);
  int broker_port(int node) const { return options_.port_base + (node - 1) * ports_per_node(); }
  int controller_port(int node) const { return broker_port(node) + 1; }
  int secure_port(int node) const { return broker_port(node) + 2; }
  std::string NodeDir(int node) const;
  absl::Status WriteNodeConfig(int node);
  absl::Status Format(int node, const std::string& cluster_id);
  absl::Status Launch(int node);
  absl::Status AwaitBrokers(absl::Duration timeout);
  absl::Status AwaitNode(int node, absl::Duration timeout);
  absl::Status AwaitInSync(absl::Duration timeout);
  int RunningNodes();
  absl::Status CreateCatalogue();

  KafkaClusterOptions options_;
  std::vector<ChildProcess> processes_;  // index node-1
  std::vector<std::string> recordings_;  // index node-1: the class archive a node is recording, if any
  // Beside Kafka's jars: one for the nodes, one for the storage tool (each loads its own classes).
  JvmClassArchive node_classes_;
  JvmClassArchive tool_classes_;
};

// Where ./hosho puts Kafka's jars: $HOSHO_KAFKA_LIBS, else <source_dir>/.cache/kafka/libs.
std::string DefaultKafkaLibs(const std::string& source_dir);

}  // namespace hosho
