#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/stack/child_process.h"
#include "services/stack/kafka_cluster.h"

namespace hosho {

// Ports a stack uses from port_base: redis, two per Kafka node (broker, controller; room for
// kMaxKafkaNodes), two per service, the web form webhook, IMAP and SMTP.
inline constexpr int kMaxKafkaNodes = 3;
inline constexpr int kStackPorts = 29;  // room for a second replica of the three workers

struct StackOptions {
  std::string run_dir;     // state, configs, secrets, logs
  std::string bin_dir;     // where hosho-* binaries are
  std::string source_dir;  // repository root (deploy/ files)
  int port_base = 17100;   // kStackPorts consecutive ports from here
  std::string redis_server = "/usr/bin/redis-server";
  std::string java = DefaultJava();  // Debian's Java 17 when installed
  std::string kafka_libs;            // Kafka's jars; default DefaultKafkaLibs(source_dir)
  std::string kafka_heap = "512m";
  int kafka_nodes = 1;  // 3: a KRaft cluster with the catalogue's replication (RF 3, min.insync 2)
  // Debian's dovecot: the mailbox that intake polls over IMAP. Empty: no mail intake.
  std::string dovecot = "/usr/sbin/dovecot";
  // The development mail server (services/stack/smtp_sink.py on Debian's python3-aiosmtpd) that
  // receives what hosho-notification sends. Empty: mail delivery is switched off.
  std::string python3 = "/usr/bin/python3";
  int smtp_delay_ms = 0;          // the mail server waits this long before accepting each recipient
  std::string certificates_file;  // default: <source_dir>/deploy/demo/certificates.yaml
  int platform_latency_ms = 0;
  double platform_failure_rate = 0;
  std::string log_level = "info";
  bool fresh = true;                  // wipe the run directory's state first
  int submissions_per_minute = 6000;  // intake's per-principal rate limit (0: none, for the benchmark)
  bool connector_enabled = true;      // false: every case waits for a clerk (VerificationService)
  // hosho-notification's signed webhooks: YAML list items [{name, url, secret_file, offices}].
  std::string notification_webhooks;
  // gRPC over TLS on every business port, as the chart runs it: a development CA and a server
  // certificate for localhost and 127.0.0.1 are made under <run_dir>/secrets/tls with Debian's
  // openssl, the services' own clients trust that CA, and stack.yaml names it for hoshoctl.
  bool grpc_tls = false;
  // More entries for the principals file (YAML list items under tokens:), e.g. a vendor's token
  // with an expires_at.
  std::string extra_tokens;
  // YAML merged over a service's generated configuration, last (service name → YAML): a map merges
  // key by key, a scalar or a list replaces what was there.
  std::map<std::string, std::string> extra_config;
  // Processes of each of verification, routing and notification (1 or 2). A second replica,
  // "<service>-2", has the same configuration, its own gRPC and admin ports, and joins the same
  // consumer groups; clients keep calling the first (stack.yaml names it).
  int worker_replicas = 1;
  // hosho-notification's delivery attempts (backoff 0.2 s doubling to 2 s): 6 gives up after about
  // 8 s of a mail server that is away; a harness that kills the mail server asks for more.
  int delivery_max_attempts = 6;
};

// hosho-stack's supervision: what a process manager does on a cluster, on one machine.
struct SupervisionOptions {
  absl::Duration poll = absl::Milliseconds(200);    // how often children are looked at
  absl::Duration first_backoff = absl::Seconds(1);  // the wait before the first restart, doubled per
  absl::Duration max_backoff = absl::Seconds(30);   // crash in a row up to this
  // Running this long, a child's next crash waits first_backoff again.
  absl::Duration healthy_after = absl::Seconds(60);
  // Restarts per child as Prometheus text (a node exporter's textfile collector reads it); default
  // <run_dir>/stack-metrics.prom.
  std::string metrics_file;
};

// Where everything listens once a stack is up.
struct StackEndpoints {
  int redis_port = 0;
  std::string kafka_bootstrap;
  std::string kafka_log_dir;                       // the broker's records on disk
  std::map<std::string, std::string> grpc;         // service name → host:port
  std::map<std::string, int> admin;                // service name → admin port
  std::map<std::string, std::string> token_files;  // principal → token file
  std::string tls_ca_file;                         // the CA a client trusts (empty: plaintext gRPC)
  std::string logs_dir;
  int webhook_port = 0;             // intake's web form webhook (HTTP on loopback)
  std::string webhook_secret_file;  // its HMAC key
  int imap_port = 0;                // 0 when no dovecot runs
  std::string mail_user;            // the mailbox intake polls
  std::string dovecot_config;       // for local delivery with doveadm
  int smtp_port = 0;                // 0 when no development mail server runs
  std::string smtp_outbox;          // where it keeps each message it accepted (one .eml file each)
  int console_port = 0;             // hosho-console's web pages (HTTP on loopback)
  std::string console_url;          // http://localhost:<port>/
  // Development console accounts: user name → password (random per start; also in
  // <run>/secrets/console-accounts.txt). Only their Argon2id hashes are in the accounts file.
  std::map<std::string, std::string> console_passwords;
};

// A second replica's own ports (StackOptions::worker_replicas).
struct ReplicaPorts {
  std::string grpc;  // host:port
  int admin = 0;
};

// Starts and stops the whole system on one machine: redis-server, the Apache Kafka broker (KRaft,
// services/stack/kafka_cluster.h) and every hosho service, each with a generated configuration
// (service_configs.h), development tokens and a fresh sealing key ring (development_secrets.h).
// `./hosho demo`, the end-to-end tests and the benchmark all start it this way.
class Stack {
 public:
  static absl::StatusOr<std::unique_ptr<Stack>> Start(StackOptions options);
  ~Stack();

  const StackEndpoints& endpoints() const { return endpoints_; }
  // Writes <run_dir>/stack.yaml (read by hoshoctl).
  absl::Status WriteStackFile() const;
  // Stops every process, last started first. Returns the first non-zero exit.
  int Stop();
  // Names of processes that exited on their own (a Kafka node that is down counts: "kafka", "kafka-N").
  std::vector<std::string> Exited();
  // Stops one service (SIGTERM, orderly) and returns its exit status; Restart starts it
  // again with the same configuration and waits until it is ready.
  absl::StatusOr<int> StopService(const std::string& name);
  absl::Status RestartService(const std::string& name);
  // SIGKILL, no orderly stop (what a crashed node looks like); RestartService brings it back.
  absl::Status KillService(const std::string& name);

  // Process ids of everything the stack started (the broker's nodes included), for CPU accounting.
  std::vector<std::pair<std::string, pid_t>> Pids();
  // The broker, for tests that kill and restart it.
  KafkaCluster* kafka() { return kafka_.get(); }

  // Restarts a child that exits unexpectedly (a non-zero status or a signal: a crash, an OOM kill,
  // a kill -9) after a backoff that doubles per crash in a row, and says so: a line on stdout, a
  // line in the child's log, and hosho_stack_restarts_total{child} in the metrics file. A child that
  // exits with status 0 (an orderly stop: SIGTERM) is left stopped, as an operator asked; so is
  // everything Stop() stops. While supervising, StopService, KillService and RestartService refuse
  // (only Stop() changes the processes). Kafka nodes, whose exit status the cluster does not keep,
  // are restarted whatever it was, on their log directories; while one is restarting (until it
  // serves, up to minutes) Pids(), Exited() and Stop() wait for it.
  void Supervise(SupervisionOptions options = {});
  // Restarts made by supervision so far, per child name.
  std::map<std::string, int> Restarts();

  // The service names, in start order.
  static const std::vector<std::string>& ServiceNames();
  // The services that may run a second replica (StackOptions::worker_replicas).
  static const std::vector<std::string>& ReplicatedServiceNames();
  // The name of every service process this stack runs ("verification", "verification-2", ...).
  std::vector<std::string> ServiceProcessNames() const;

 private:
  explicit Stack(StackOptions options) : options_(std::move(options)) {}
  // Start's steps once the run directory, the secrets and the configurations are written, in order.
  absl::Status LaunchRedis();
  absl::Status LaunchMailServers();
  absl::Status LaunchKafka();
  absl::Status LaunchServices();
  absl::Status AwaitServices();
  absl::Status Launch(const std::string& name, const std::vector<std::string>& argv);
  absl::Status AwaitReady(const std::string& name, int admin_port);
  struct Watch {
    int restarts = 0;
    int in_a_row = 0;
    absl::Time started = absl::InfinitePast();
    absl::Time restart_at = absl::InfiniteFuture();  // set while a restart waits for its backoff
    bool left_stopped = false;                       // exited cleanly: not restarted
  };
  void SuperviseLoop();
  // One look at a child / a Kafka node; true when it was restarted.
  bool SuperviseChild(size_t index, absl::Time now);
  bool SuperviseKafkaNode(int node, absl::Time now);
  absl::Duration Backoff(int in_a_row) const;  // the wait before restart `in_a_row` of a crash series
  void WriteSupervisionMetrics();
  void StopSupervising();

  StackOptions options_;
  StackEndpoints endpoints_;
  std::vector<std::pair<std::string, ChildProcess>> processes_;
  std::unique_ptr<KafkaCluster> kafka_;
  size_t kafka_position_ = 0;                             // processes_ started before the broker
  std::map<std::string, std::vector<std::string>> argv_;  // how each child was started
  std::map<std::string, ReplicaPorts> replica_ports_;     // per replicated service
  SupervisionOptions supervision_;
  // Guards watches_ and, while supervising, every look at a child (Pids, Exited, the supervisor's
  // reaping and restarting).
  absl::Mutex watch_mu_;
  std::map<std::string, Watch> watches_ ABSL_GUARDED_BY(watch_mu_);
  absl::Notification stop_supervising_;
  bool stopping_ ABSL_GUARDED_BY(watch_mu_) = false;  // set by Stop(): nothing is restarted any more
  std::thread supervisor_;
};

// Picks a base port with `count` (≤ 100) free consecutive loopback ports below the ephemeral range,
// claimed for this process until it exits so that concurrent test processes never share them.
absl::StatusOr<int> FindFreePortRange(int count);

}  // namespace hosho
