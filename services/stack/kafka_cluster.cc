#include "services/stack/kafka_cluster.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/kafka/topics.h"

namespace hosho {
namespace fs = std::filesystem;

namespace {

// Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding.
// One that starts with '-' would read as an option to the storage tool's argument parser.
std::string NewClusterId() {
  std::random_device random;
  std::string id;
  do {
    std::string bytes(16, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xff);
    id = absl::WebSafeBase64Escape(bytes);
  } while (id.empty() || id[0] == '-' || id[0] == '_');
  return id;
}

absl::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  out << text;
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path.string()));
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Tail(const fs::path& path, size_t bytes) {
  const std::string all = ReadText(path);
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

// Log4j 2 to stdout (the node's log file): INFO, without the per-request chatter.
constexpr char kLog4j[] = R"(status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
)";

}  // namespace

std::string DefaultJava() {
  constexpr char kDebianJava17[] = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
  std::error_code ec;
  return fs::exists(kDebianJava17, ec) ? kDebianJava17 : "/usr/bin/java";
}

std::string DefaultKafkaLibs(const std::string& source_dir) {
  if (const char* env = std::getenv("HOSHO_KAFKA_LIBS"); env != nullptr && *env != '\0') return env;
  return (fs::path(source_dir) / ".cache" / "kafka" / "libs").string();
}

std::string KafkaCluster::NodeDir(int node) const {
  return (fs::path(options_.dir) / absl::StrCat("node-", node)).string();
}
std::string KafkaCluster::log_dir(int node) const { return NodeDir(node) + "/data"; }
std::string KafkaCluster::log_file(int node) const {
  if (options_.logs_dir.empty()) return NodeDir(node) + "/kafka.log";
  return (fs::path(options_.logs_dir) / (options_.nodes == 1 ? "kafka.log" : absl::StrCat("kafka-", node, ".log")))
      .string();
}

std::string KafkaCluster::bootstrap() const {
  std::vector<std::string> out;
  for (int n = 1; n <= options_.nodes; ++n) out.push_back(absl::StrCat("127.0.0.1:", broker_port(n)));
  return absl::StrJoin(out, ",");
}

std::string KafkaCluster::secure_bootstrap() const {
  if (!options_.security) return "";
  std::vector<std::string> out;
  for (int n = 1; n <= options_.nodes; ++n) out.push_back(absl::StrCat("127.0.0.1:", secure_port(n)));
  return absl::StrJoin(out, ",");
}

absl::Status KafkaCluster::WriteNodeConfig(int node) {
  std::vector<std::string> voters;
  for (int n = 1; n <= options_.nodes; ++n) voters.push_back(absl::StrCat(n, "@127.0.0.1:", controller_port(n)));
  const int rf = std::min(3, options_.nodes);
  std::string listeners =
      absl::StrCat("PLAINTEXT://127.0.0.1:", broker_port(node), ",CONTROLLER://127.0.0.1:", controller_port(node));
  std::string advertised = absl::StrCat("PLAINTEXT://127.0.0.1:", broker_port(node));
  std::string protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
  std::string security;
  if (options_.security) {
    const KafkaSecurityOptions& s = options_.security_options;
    absl::StrAppend(&listeners, ",SASL_SSL://127.0.0.1:", secure_port(node));
    absl::StrAppend(&advertised, ",SASL_SSL://127.0.0.1:", secure_port(node));
    absl::StrAppend(&protocols, ",SASL_SSL:SASL_SSL");
    // The broker reads its key and certificate as one PEM keystore file.
    const fs::path keystore = fs::path(NodeDir(node)) / "keystore.pem";
    if (auto w = WriteText(keystore, ReadText(s.server_key_pem) + ReadText(s.server_certificate_pem)); !w.ok()) {
      return w;
    }
    chmod(keystore.c_str(), 0600);
    std::string plain_users;
    for (const auto& [user, password] : s.users) absl::StrAppend(&plain_users, " user_", user, "=\"", password, "\"");
    security = absl::StrCat(
        // PLAIN over TLS (what Confluent Cloud offers) or SCRAM-SHA-512 (Strimzi, MSK).
        "sasl.enabled.mechanisms=", s.mechanism, "\n",
        s.mechanism == "PLAIN"
            ? absl::StrCat("listener.name.sasl_ssl.plain.sasl.jaas.config=",
                           "org.apache.kafka.common.security.plain.PlainLoginModule required", plain_users, ";\n")
            : std::string("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                          "org.apache.kafka.common.security.scram.ScramLoginModule required;\n"),
        "listener.name.sasl_ssl.ssl.keystore.type=PEM\n",
        "listener.name.sasl_ssl.ssl.keystore.location=", keystore.string(), "\n",
        "listener.name.sasl_ssl.ssl.truststore.type=PEM\n", "listener.name.sasl_ssl.ssl.truststore.location=", s.ca_pem,
        "\n", "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n",
        "allow.everyone.if.no.acl.found=false\n",
        // Plaintext and controller connections carry no identity (ANONYMOUS): they are the
        // launcher's and the nodes' own, on loopback.
        "super.users=User:ANONYMOUS\n");
  }
  const std::string config = absl::StrCat(
      "# Written by hosho-stack (services/stack/kafka_cluster.cc).\n", "process.roles=broker,controller\n",
      "node.id=", node, "\n", "controller.quorum.voters=", absl::StrJoin(voters, ","), "\n", "listeners=", listeners,
      "\n", "advertised.listeners=", advertised, "\n", "listener.security.protocol.map=", protocols, "\n",
      "controller.listener.names=CONTROLLER\n", "inter.broker.listener.name=PLAINTEXT\n", "log.dirs=", log_dir(node),
      "\n",
      // Internal topics replicated like hosho's own; one node: one replica.
      "offsets.topic.replication.factor=", rf, "\n", "offsets.topic.num.partitions=12\n",
      "transaction.state.log.replication.factor=", rf, "\n", "transaction.state.log.min.isr=", std::min(2, rf), "\n",
      "share.coordinator.state.topic.replication.factor=", rf, "\n",
      "share.coordinator.state.topic.min.isr=", std::min(2, rf), "\n", "default.replication.factor=", rf, "\n",
      // hosho creates its topics itself (the Admin API, from the catalogue): a typo never makes one.
      "auto.create.topics.enable=false\n",
      // A consumer group forms at once (the default waits 3 s for more members).
      "group.initial.rebalance.delay.ms=0\n", "num.partitions=1\n", security);
  const fs::path file = fs::path(NodeDir(node)) / "server.properties";
  if (auto s = WriteText(file, config); !s.ok()) return s;
  chmod(file.c_str(), 0600);  // with security on, it holds the PLAIN users' passwords
  return absl::OkStatus();
}

namespace {
std::string ClassArchivePath(const std::string& libs_dir, absl::string_view program) {
  return (fs::path(libs_dir).parent_path() / "class-archives" / absl::StrCat(program, ".jsa")).string();
}
}  // namespace

KafkaCluster::KafkaCluster(KafkaClusterOptions options)
    : options_(std::move(options)),
      node_classes_(ClassArchivePath(options_.libs_dir, "kafka-node")),
      tool_classes_(ClassArchivePath(options_.libs_dir, "kafka-storage-tool")) {}

int KafkaCluster::Ended(int node, int exit_status) {
  node_classes_.Keep(recordings_[node - 1], exit_status);
  recordings_[node - 1].clear();
  return exit_status;
}

absl::Status KafkaCluster::Format(int node, const std::string& cluster_id) {
  std::string recording;
  // A one-shot tool: the client compiler only (the optimising one never pays off in a second's run).
  std::vector<std::string> argv = {options_.java, "-XX:TieredStopAtLevel=1"};
  for (std::string& flag : tool_classes_.Flags(&recording)) argv.push_back(std::move(flag));
  for (std::string arg : {std::string("-cp"), options_.libs_dir + "/*",
                          absl::StrCat("-Dlog4j2.configurationFile=", NodeDir(node), "/log4j2.properties"),
                          std::string("kafka.tools.StorageTool"), std::string("format"), std::string("-t"), cluster_id,
                          std::string("-c"), NodeDir(node) + "/server.properties", std::string("--ignore-formatted")}) {
    argv.push_back(std::move(arg));
  }
  if (options_.security && options_.security_options.mechanism == "SCRAM-SHA-512") {
    for (const auto& [user, password] : options_.security_options.users) {
      argv.push_back("--add-scram");
      argv.push_back(absl::StrCat("SCRAM-SHA-512=[name=\"", user, "\",password=\"", password, "\"]"));
    }
  }
  auto child = ChildProcess::Spawn(argv, NodeDir(node) + "/format.log");
  if (!child.ok()) return child.status();
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (child->Running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));  // a one-shot tool
  const int code = child->Terminate(absl::Seconds(1));
  tool_classes_.Keep(recording, code == 0 ? 0 : -1);
  if (code != 0) {
    return absl::InternalError(absl::StrCat("formatting Kafka node ", node, " failed (", code, "):\n",
                                            Tail(NodeDir(node) + "/format.log", 1500)));
  }
  return absl::OkStatus();
}

absl::Status KafkaCluster::Launch(int node) {
  std::vector<std::string> argv = {options_.java,
                                   absl::StrCat("-Xmx", options_.heap),
                                   "-Xms128m",
                                   "-XX:+UseG1GC",
                                   "-XX:MaxGCPauseMillis=20",
                                   "-XX:+ExitOnOutOfMemoryError",
                                   "-Djava.awt.headless=true"};
  for (std::string& flag : node_classes_.Flags(&recordings_[node - 1])) argv.push_back(std::move(flag));
  for (std::string arg :
       {absl::StrCat("-Dlog4j2.configurationFile=", NodeDir(node), "/log4j2.properties"), std::string("-cp"),
        options_.libs_dir + "/*", std::string("kafka.Kafka"), NodeDir(node) + "/server.properties"}) {
    argv.push_back(std::move(arg));
  }
  auto child = ChildProcess::Spawn(argv, log_file(node));
  if (!child.ok()) {
    Ended(node, -1);
    return child.status();
  }
  processes_[node - 1] = *child;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KafkaCluster>> KafkaCluster::Start(KafkaClusterOptions options) {
  if (options.nodes < 1) return absl::InvalidArgumentError("a Kafka cluster needs at least one node");
  std::error_code probe;
  if (!fs::is_directory(options.libs_dir, probe) || fs::is_empty(options.libs_dir, probe)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Kafka's jars are not in ", options.libs_dir,
                     " (./hosho fetches them from Maven Central: deploy/kafka/pom.xml)"));
  }
  if (!fs::exists(options.java)) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.java, " not found (Debian: openjdk-17-jre-headless; ./hosho installs it)"));
  }
  std::unique_ptr<KafkaCluster> cluster(new KafkaCluster(std::move(options)));
  KafkaClusterOptions& o = cluster->options_;
  cluster->processes_.resize(o.nodes);
  cluster->recordings_.resize(o.nodes);
  std::error_code ec;
  if (o.fresh) fs::remove_all(o.dir, ec);
  // A kept cluster reuses its id (each node's meta.properties holds it); a new one gets a new id.
  std::string cluster_id = NewClusterId();
  const fs::path id_file = fs::path(o.dir) / "cluster.id";
  if (!o.fresh && fs::exists(id_file)) {
    cluster_id = ReadText(id_file);
    while (!cluster_id.empty() && (cluster_id.back() == '\n' || cluster_id.back() == ' ')) cluster_id.pop_back();
  }
  for (int n = 1; n <= o.nodes; ++n) {
    fs::create_directories(cluster->NodeDir(n), ec);
    if (auto s = WriteText(fs::path(cluster->NodeDir(n)) / "log4j2.properties", kLog4j); !s.ok()) return s;
    if (auto s = cluster->WriteNodeConfig(n); !s.ok()) return s;
  }
  if (auto s = WriteText(id_file, cluster_id + "\n"); !s.ok()) return s;
  for (int n = 1; n <= o.nodes; ++n) {
    if (auto s = cluster->Format(n, cluster_id); !s.ok()) return s;
  }
  for (int n = 1; n <= o.nodes; ++n) {
    if (auto s = cluster->Launch(n); !s.ok()) return s;
  }
  if (auto s = cluster->AwaitBrokers(absl::Seconds(90)); !s.ok()) return s;
  if (!o.topics_file.empty()) {
    if (auto s = cluster->CreateCatalogue(); !s.ok()) return s;
  }
  return cluster;
}

KafkaCluster::~KafkaCluster() { StopAll(); }

absl::Status KafkaCluster::AwaitBrokers(absl::Duration timeout) {
  KafkaOptions admin;
  admin.bootstrap_servers = bootstrap();
  admin.client_id = "hosho-stack";
  admin.properties = {{"log_level", "0"}};
  const absl::Time give_up = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < give_up) {
    for (int n = 1; n <= options_.nodes; ++n) {
      if (!processes_[n - 1].Running()) {
        return absl::UnavailableError(
            absl::StrCat("Kafka node ", n, " exited while starting:\n", Tail(log_file(n), 2500)));
      }
    }
    auto view = DescribeCluster(admin, absl::Seconds(2));
    if (view.ok() && static_cast<int>(view->broker_ids.size()) >= RunningNodes()) return absl::OkStatus();
    last = view.ok() ? absl::StrCat(view->broker_ids.size(), " of ", options_.nodes, " brokers registered")
                     : std::string(view.status().message());
    absl::SleepFor(absl::Milliseconds(100));  // awaiting the brokers' registration with the quorum
  }
  return absl::DeadlineExceededError(absl::StrCat("Kafka did not start: ", last, "\n", Tail(log_file(1), 2500)));
}

int KafkaCluster::RunningNodes() {
  int running = 0;
  for (auto& p : processes_) running += p.Running() ? 1 : 0;
  return running;
}

absl::Status KafkaCluster::CreateCatalogue() {
  auto catalogue = LoadTopicCatalogue(options_.topics_file);
  if (!catalogue.ok()) return catalogue.status();
  KafkaOptions admin;
  admin.bootstrap_servers = bootstrap();
  admin.client_id = "hosho-stack";
  const std::vector<TopicToCreate> topics = TopicsToCreate(*catalogue, options_.nodes);
  auto created = CreateTopics(admin, topics, absl::Seconds(30));
  if (!created.ok()) return created.status();
  if (options_.security) {
    const std::vector<KafkaAcl> acls = CatalogueAcls(*catalogue);
    if (auto s = CreateAcls(admin, acls, absl::Seconds(30)); !s.ok()) return s;
    // Ready only once every node's authorizer holds them (each applies the metadata log on its own).
    for (int n = 1; n <= options_.nodes; ++n) {
      KafkaOptions node = admin;
      node.bootstrap_servers = absl::StrCat("127.0.0.1:", broker_port(n));
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (true) {
        auto held = CountAcls(node, absl::Seconds(5));
        if (held.ok() && *held >= static_cast<int>(acls.size())) break;
        if (absl::Now() > give_up) return absl::DeadlineExceededError("the brokers did not apply the ACLs");
        absl::SleepFor(absl::Milliseconds(50));  // awaiting the node's metadata
      }
    }
  }
  // Every partition has a leader before anyone is told the cluster is ready.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up) {
    auto view = DescribeCluster(admin, absl::Seconds(5));
    if (view.ok()) {
      size_t ready = 0;
      for (const TopicToCreate& t : topics) {
        for (const auto& [name, led] : view->topics) {
          if (name == t.name && led.first == t.partitions) ++ready;
        }
      }
      if (ready == topics.size()) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(100));  // awaiting partition leaders
  }
  return absl::DeadlineExceededError("the catalogue's partitions got no leaders within 60 s");
}

absl::Status KafkaCluster::Kill(int node) {
  if (node < 1 || node > options_.nodes) return absl::InvalidArgumentError("no such node");
  Ended(node, processes_[node - 1].Kill());
  return absl::OkStatus();
}

absl::Status KafkaCluster::Stop(int node) {
  if (node < 1 || node > options_.nodes) return absl::InvalidArgumentError("no such node");
  Ended(node, processes_[node - 1].Terminate(absl::Seconds(30)));
  return absl::OkStatus();
}

bool KafkaCluster::Running(int node) { return node >= 1 && node <= options_.nodes && processes_[node - 1].Running(); }

absl::Status KafkaCluster::Restart(int node) {
  if (node < 1 || node > options_.nodes) return absl::InvalidArgumentError("no such node");
  if (processes_[node - 1].Running()) return absl::FailedPreconditionError("the node is running");
  Ended(node, processes_[node - 1].exit_status());  // the run that ended: keep or drop its recording
  if (auto s = Launch(node); !s.ok()) return s;
  if (auto s = AwaitNode(node, absl::Seconds(90)); !s.ok()) return s;
  return AwaitInSync(absl::Seconds(90));
}

// The node answers on its own listener and the metadata it serves counts it among the brokers (a
// killed node stays registered elsewhere until its session times out, so others' answers prove nothing).
absl::Status KafkaCluster::AwaitNode(int node, absl::Duration timeout) {
  KafkaOptions own;
  own.bootstrap_servers = absl::StrCat("127.0.0.1:", broker_port(node));
  own.client_id = "hosho-stack";
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (!processes_[node - 1].Running()) {
      return absl::UnavailableError(absl::StrCat("Kafka node ", node, " exited:\n", Tail(log_file(node), 2500)));
    }
    auto view = DescribeCluster(own, absl::Seconds(2));
    if (view.ok() && std::find(view->broker_ids.begin(), view->broker_ids.end(), node) != view->broker_ids.end()) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(100));  // awaiting the node's registration
  }
  return absl::DeadlineExceededError(absl::StrCat("Kafka node ", node, " did not come back"));
}

// Every partition's replicas are in sync again (a restarted follower has caught up).
absl::Status KafkaCluster::AwaitInSync(absl::Duration timeout) {
  KafkaOptions admin;
  admin.bootstrap_servers = bootstrap();
  admin.client_id = "hosho-stack";
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    auto view = DescribeCluster(admin, absl::Seconds(2));
    if (view.ok() && view->under_replicated == 0) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(200));  // awaiting the followers
  }
  return absl::DeadlineExceededError("the partitions' replicas did not get back in sync");
}

std::string KafkaCluster::Description() const {
  std::string version = "unknown version";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.libs_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("kafka_2.13-", 0) == 0 && name.size() > 15) version = name.substr(11, name.size() - 15);
  }
  return absl::StrCat("Apache Kafka ", version, " (KRaft, ", options_.nodes,
                      options_.nodes == 1 ? " node)" : " nodes)");
}

std::pair<int, int64_t> KafkaCluster::ActiveController() {
  // The quorum's leader logs "[QuorumController id=N] Becoming the active controller at epoch E".
  static const std::regex leader(R"(\[QuorumController id=(\d+)\] Becoming the active controller at epoch (\d+))");
  int best_node = 0;
  int64_t best_epoch = -1;
  for (int n = 1; n <= options_.nodes; ++n) {
    if (!Running(n)) continue;
    const std::string log = ReadText(log_file(n));
    for (auto it = std::sregex_iterator(log.begin(), log.end(), leader); it != std::sregex_iterator(); ++it) {
      int64_t epoch = 0;
      int id = 0;
      if (absl::SimpleAtoi((*it)[2].str(), &epoch) && absl::SimpleAtoi((*it)[1].str(), &id) && epoch > best_epoch) {
        best_epoch = epoch;
        best_node = id;
      }
    }
  }
  return {best_node, best_epoch};
}

void KafkaCluster::StopAll() {
  // Controlled shutdown of every node at once: one by one, the last would wait for a quorum.
  for (auto& p : processes_) {
    if (p.Running()) kill(p.pid(), SIGTERM);
  }
  for (int n = 1; n <= static_cast<int>(processes_.size()); ++n)
    Ended(n, processes_[n - 1].Terminate(absl::Seconds(30)));
}

}  // namespace hosho
