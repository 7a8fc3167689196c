#include "services/stack/stack.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/http/admin_server.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/clock.h"
#include "services/stack/development_mailbox.h"
#include "services/stack/development_secrets.h"
#include "services/stack/development_tls.h"
#include "services/stack/kafka_cluster.h"
#include "services/stack/run_files.h"
#include "services/stack/service_configs.h"

namespace hosho {
namespace fs = std::filesystem;

namespace {

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// Claims a range for this process until it exits: one lock file per range start, held with flock
// (released by the kernel when the process ends, so nothing goes stale). Two test processes that
// probe the same free range before either binds it cannot both take it.
bool ClaimRange(int base) {
  const fs::path dir = fs::temp_directory_path() / "hosho-ports";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const int fd = ::open((dir / std::to_string(base / 100)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return true;  // no locking available: fall back to probing alone
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  return true;  // the descriptor stays open (and locked) for the life of the process
}

// Awaits a line in a child's log (its "listening" line), failing early if the child died.
absl::Status AwaitLogLine(const std::string& log, absl::string_view line, Stack* stack, const std::string& name) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    if (absl::StrContains(Tail(log, 4096), line)) return absl::OkStatus();
    for (const std::string& exited : stack->Exited()) {
      if (exited == name) {
        return absl::UnavailableError(absl::StrCat(name, " exited while starting:\n", Tail(log, 1500)));
      }
    }
    absl::SleepFor(absl::Milliseconds(20));  // awaiting the child's own line; nothing else signals readiness
  }
  return absl::DeadlineExceededError(absl::StrCat(name, " did not start:\n", Tail(log, 1500)));
}

int KafkaNodes(const StackOptions& options) { return std::clamp(options.kafka_nodes, 1, kMaxKafkaNodes); }

// How a service process starts: its binary and its configuration under <run>/config.
std::vector<std::string> ServiceArgv(const fs::path& bin, const fs::path& run, const std::string& service,
                                     const std::string& config) {
  return {(bin / ("hosho-" + service)).string(), "--config=" + (run / "config" / config).string()};
}

// Only the launcher's own entries are wiped: the run directory may hold other files (the caller's output).
void PrepareRunDirectory(const fs::path& run, bool fresh) {
  std::error_code ec;
  for (const char* sub : {"logs", "config", "secrets", "tokens", "redis", "blobs", "mail"}) {
    if (fresh) fs::remove_all(run / sub, ec);
    fs::create_directories(run / sub, ec);
  }
  if (fresh) fs::remove(run / "stack.yaml", ec);
  chmod((run / "secrets").c_str(), 0700);
  chmod((run / "tokens").c_str(), 0700);
}

// The ports handed out before it is known whether a server will listen on them.
struct PortPlan {
  int imap = 0;
  int smtp = 0;
  std::map<std::string, ReplicaPorts> replicas;  // second replicas listen, though clients call the first
};

// Consecutive ports from port_base: redis, each Kafka node's broker and controller (KRaft) listeners
// (room for kMaxKafkaNodes), each service's gRPC and admin ports, the webhook, IMAP, SMTP, the console,
// then the second replicas' gRPC and admin ports.
PortPlan AssignPorts(const StackOptions& options, StackEndpoints& e) {
  const int b = options.port_base;
  e.redis_port = b;
  for (int n = 0; n < KafkaNodes(options); ++n) {
    absl::StrAppend(&e.kafka_bootstrap, n == 0 ? "" : ",", "127.0.0.1:", b + 1 + 2 * n);
  }
  int next = b + 1 + 2 * kMaxKafkaNodes;
  for (const std::string& name : Stack::ServiceNames()) {
    e.grpc[name] = absl::StrCat("127.0.0.1:", next++);
    e.admin[name] = next++;
  }
  e.webhook_port = next++;
  PortPlan plan;
  plan.imap = next++;
  plan.smtp = next++;
  e.console_port = next++;
  for (const std::string& name : Stack::ReplicatedServiceNames()) {
    plan.replicas[name].grpc = absl::StrCat("127.0.0.1:", next++);
    plan.replicas[name].admin = next++;
  }
  e.console_url = absl::StrCat("http://localhost:", e.console_port, "/");
  return plan;
}

// The mailbox: dovecot on loopback with one user, mail kept under the run directory. Returns intake's
// mail: section, empty when dovecot is not installed.
absl::StatusOr<std::string> PrepareMailbox(const StackOptions& options, const fs::path& run, int imap_port,
                                           StackEndpoints& e) {
  if (options.dovecot.empty() || !fs::exists(options.dovecot)) return std::string();
  auto mailbox = WriteDovecotConfig(run / "mail", imap_port);
  if (!mailbox.ok()) return mailbox.status();
  e.imap_port = imap_port;
  e.mail_user = mailbox->user;
  e.dovecot_config = mailbox->config;
  return absl::StrCat("mail: {url: \"imap://127.0.0.1:", imap_port, "/INBOX\", username: \"", mailbox->user,
                      "\", password_file: \"", mailbox->password_file, "\"}\n");
}

// The development mail server that receives what notification sends, when python3 is installed.
bool PrepareMailOut(const StackOptions& options, const fs::path& run, int smtp_port, StackEndpoints& e) {
  if (options.python3.empty() || !fs::exists(options.python3)) return false;
  e.smtp_port = smtp_port;
  e.smtp_outbox = (run / "mail-out").string();
  fs::create_directories(e.smtp_outbox);
  return true;
}

// gRPC: plaintext on loopback, or TLS from a development CA.
absl::Status PrepareTransports(const StackOptions& options, const fs::path& run, StackEndpoints& e,
                               ServiceConfigInputs& inputs) {
  inputs.serve_transport = "dev_plaintext: true";
  inputs.call_transport = "dev_plaintext: true";
  if (!options.grpc_tls) return absl::OkStatus();
  std::error_code ec;
  fs::remove_all(run / "secrets" / "tls", ec);  // a new CA per run, like every other development secret
  auto tls = MakeDevelopmentTls((run / "secrets" / "tls").string());
  if (!tls.ok()) return tls.status();
  e.tls_ca_file = tls->ca_file;
  inputs.serve_transport =
      absl::StrCat("tls: {cert_file: \"", tls->cert_file, "\", key_file: \"", tls->key_file, "\"}");
  inputs.call_transport = absl::StrCat("tls: {ca_file: \"", tls->ca_file, "\"}");
  return absl::OkStatus();
}

// Everything the services' configurations point at, made in this order: secrets, the mailbox, the
// mail server's outbox, TLS.
absl::StatusOr<ServiceConfigInputs> PrepareServiceInputs(const StackOptions& options, const fs::path& run,
                                                         const PortPlan& ports, StackEndpoints& e) {
  ServiceConfigInputs inputs;
  inputs.run = run;
  inputs.source = fs::absolute(options.source_dir);
  inputs.smtp_port = ports.smtp;
  inputs.replica_ports = ports.replicas;
  absl::StatusOr<DevelopmentSecrets> secrets = WriteDevelopmentSecrets(run, options.extra_tokens, e);
  if (!secrets.ok()) return secrets.status();
  inputs.keyring_file = secrets->keyring_file;
  inputs.principals_file = secrets->principals_file;
  inputs.accounts_file = secrets->accounts_file;
  absl::StatusOr<std::string> mail_config = PrepareMailbox(options, run, ports.imap, e);
  if (!mail_config.ok()) return mail_config.status();
  inputs.mail_config = *mail_config;
  inputs.mail_out = PrepareMailOut(options, run, ports.smtp, e);
  if (auto s = PrepareTransports(options, run, e, inputs); !s.ok()) return s;
  return inputs;
}

absl::Status WriteServiceConfigs(const fs::path& run, const std::vector<ServiceConfigFile>& files) {
  for (const ServiceConfigFile& file : files) {
    if (auto s = WriteRunFile(run / "config" / file.name, file.content, false); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> FindFreePortRange(int count) {
  std::mt19937 random(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(absl::ToUnixNanos(absl::Now())));
  // Below Linux's ephemeral range (32768–60999), so no outgoing connection holds one of them; in
  // blocks of 100 claimed per process, so concurrent test processes never share a block.
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int block = 200 + static_cast<int>(random() % 120);  // ports 20000–31999
    const int base = block * 100;
    if (count > 100) return absl::InvalidArgumentError("at most 100 ports per range");
    bool all = true;
    for (int i = 0; i < count && all; ++i) all = PortFree(base + i);
    if (all && ClaimRange(base)) return base;
  }
  return absl::UnavailableError("no free range of loopback ports");
}

const std::vector<std::string>& Stack::ServiceNames() {
  static const auto* names =
      new std::vector<std::string>{"platform-sim", "intake", "verification", "routing", "notification", "console"};
  return *names;
}

const std::vector<std::string>& Stack::ReplicatedServiceNames() {
  static const auto* names = new std::vector<std::string>{"verification", "routing", "notification"};
  return *names;
}

std::vector<std::string> Stack::ServiceProcessNames() const {
  std::vector<std::string> out = ServiceNames();
  if (options_.worker_replicas >= 2) {
    for (const std::string& name : ReplicatedServiceNames()) out.push_back(name + "-2");
  }
  return out;
}

Stack::~Stack() { Stop(); }

absl::Status Stack::Launch(const std::string& name, const std::vector<std::string>& argv) {
  auto child = ChildProcess::Spawn(argv, (fs::path(endpoints_.logs_dir) / (name + ".log")).string());
  if (!child.ok()) return child.status();
  processes_.emplace_back(name, *child);
  argv_[name] = argv;
  return absl::OkStatus();
}

absl::Status Stack::AwaitReady(const std::string& name, int admin_port) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  ChildProcess* child = nullptr;
  for (auto& [n, p] : processes_) {
    if (n == name) child = &p;
  }
  while (absl::Now() < give_up) {
    if (child != nullptr && !child->Running()) {
      return absl::UnavailableError(
          absl::StrCat(name, " exited during start-up:\n", Tail(endpoints_.logs_dir + "/" + name + ".log", 2000)));
    }
    auto reply = HttpRequest("127.0.0.1", admin_port, "GET", "/readyz");
    if (reply.ok() && reply->first == 200) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));  // awaiting readiness
  }
  return absl::DeadlineExceededError(absl::StrCat(name, " not ready within 60 s"));
}

absl::StatusOr<std::unique_ptr<Stack>> Stack::Start(StackOptions options) {
  std::unique_ptr<Stack> stack(new Stack(options));
  StackEndpoints& e = stack->endpoints_;
  const fs::path run = fs::absolute(options.run_dir);
  PrepareRunDirectory(run, options.fresh);
  e.logs_dir = (run / "logs").string();
  const PortPlan ports = AssignPorts(options, e);
  stack->replica_ports_ = ports.replicas;
  absl::StatusOr<ServiceConfigInputs> inputs = PrepareServiceInputs(options, run, ports, e);
  if (!inputs.ok()) return inputs.status();
  auto configs = ServiceConfigFiles(options, e, *inputs);
  if (!configs.ok()) return configs.status();
  if (auto s = WriteServiceConfigs(run, *configs); !s.ok()) return s;
  for (absl::Status (Stack::*step)() : {&Stack::LaunchRedis, &Stack::LaunchMailServers, &Stack::LaunchKafka,
                                        &Stack::LaunchServices, &Stack::AwaitServices}) {
    if (absl::Status s = (stack.get()->*step)(); !s.ok()) return s;
  }
  if (auto s = stack->WriteStackFile(); !s.ok()) return s;
  return stack;
}

// 1. redis-server (AOF on, as in production), answering before anything that uses it starts.
absl::Status Stack::LaunchRedis() {
  const fs::path run = fs::absolute(options_.run_dir);
  if (auto s = Launch("redis", {options_.redis_server, "--port", std::to_string(endpoints_.redis_port), "--bind",
                                "127.0.0.1", "--dir", (run / "redis").string(), "--appendonly", "yes", "--save", "",
                                "--daemonize", "no", "--protected-mode", "yes"});
      !s.ok()) {
    return s;
  }
  RedisOptions ro;
  ro.port = endpoints_.redis_port;
  ro.pool_size = 1;
  ro.reconnect_budget = absl::Seconds(20);
  auto client = RedisClient::Create(ro, &RealClock());
  if (!client.ok()) return client.status();
  if (auto s = (*client)->Ping(); !s.ok()) {
    return absl::UnavailableError(absl::StrCat("redis-server did not come up: ", s.message(), "\n",
                                               Tail(endpoints_.logs_dir + "/redis.log", 1500)));
  }
  return absl::OkStatus();
}

// The mailbox and the development mail server, when there are (their ports are 0 otherwise).
absl::Status Stack::LaunchMailServers() {
  const StackEndpoints& e = endpoints_;
  if (e.imap_port != 0) {
    if (auto s = Launch("dovecot", {options_.dovecot, "-F", "-c", e.dovecot_config}); !s.ok()) return s;
    if (auto s = AwaitMailbox(fs::absolute(options_.run_dir) / "mail", e.imap_port); !s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("dovecot did not come up: ", s.message(), "\n", Tail(e.logs_dir + "/dovecot.log", 1500)));
    }
  }
  if (e.smtp_port != 0) {
    const fs::path source = fs::absolute(options_.source_dir);
    if (auto s = Launch("smtp", {options_.python3, (source / "services/stack/smtp_sink.py").string(), "--port",
                                 std::to_string(e.smtp_port), "--dir", e.smtp_outbox, "--delay-ms",
                                 std::to_string(options_.smtp_delay_ms)});
        !s.ok()) {
      return s;
    }
    if (auto s = AwaitLogLine(e.logs_dir + "/smtp.log", "smtp sink listening", this, "smtp"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// 2. Apache Kafka (KRaft; its log directories under <run>/kafka).
absl::Status Stack::LaunchKafka() {
  const fs::path source = fs::absolute(options_.source_dir);
  KafkaClusterOptions kafka;
  kafka.dir = (fs::absolute(options_.run_dir) / "kafka").string();
  kafka.logs_dir = endpoints_.logs_dir;
  kafka.libs_dir = options_.kafka_libs.empty() ? DefaultKafkaLibs(source.string()) : options_.kafka_libs;
  kafka.java = options_.java;
  kafka.heap = options_.kafka_heap;
  kafka.nodes = KafkaNodes(options_);
  kafka.port_base = options_.port_base + 1;
  kafka.topics_file = (source / "deploy/kafka/topics.yaml").string();
  kafka.fresh = options_.fresh;
  auto cluster = KafkaCluster::Start(kafka);
  if (!cluster.ok()) return cluster.status();
  kafka_ = *std::move(cluster);
  kafka_position_ = processes_.size();
  endpoints_.kafka_log_dir = kafka_->log_dir(1);
  return absl::OkStatus();
}

// 3. Every service, then the second replicas.
absl::Status Stack::LaunchServices() {
  const fs::path run = fs::absolute(options_.run_dir);
  const fs::path bin = fs::absolute(options_.bin_dir);
  for (const std::string& name : ServiceNames()) {
    if (auto s = Launch(name, ServiceArgv(bin, run, name, name + ".yaml")); !s.ok()) return s;
  }
  if (options_.worker_replicas < 2) return absl::OkStatus();
  for (const std::string& name : ReplicatedServiceNames()) {
    if (auto s = Launch(name + "-2", ServiceArgv(bin, run, name, name + "-2.yaml")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Stack::AwaitServices() {
  for (const std::string& name : ServiceNames()) {
    if (auto s = AwaitReady(name, endpoints_.admin[name]); !s.ok()) return s;
  }
  if (options_.worker_replicas < 2) return absl::OkStatus();
  for (const std::string& name : ReplicatedServiceNames()) {
    if (auto s = AwaitReady(name + "-2", replica_ports_[name].admin); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Stack::WriteStackFile() const {
  const fs::path run = fs::absolute(options_.run_dir);
  std::string out =
      absl::StrCat("# Written by hosho-stack: where the running stack listens.\nkafka: \"", endpoints_.kafka_bootstrap,
                   "\"\nredis_port: ", endpoints_.redis_port, "\nkafka_log_dir: \"", endpoints_.kafka_log_dir, "\"",
                   "\nlogs: \"", endpoints_.logs_dir, "\"\nwebhook: {port: ", endpoints_.webhook_port,
                   ", secret_file: \"", endpoints_.webhook_secret_file, "\"}\nmail: {imap_port: ", endpoints_.imap_port,
                   ", user: \"", endpoints_.mail_user, "\", dovecot_config: \"", endpoints_.dovecot_config,
                   "\"}\nsmtp: {port: ", endpoints_.smtp_port, ", outbox: \"", endpoints_.smtp_outbox,
                   "\"}\nconsole: {url: \"", endpoints_.console_url, "\", port: ", endpoints_.console_port,
                   ", accounts: \"", (run / "secrets" / "console-accounts.txt").string(), "\"}\ngrpc:\n");
  for (const auto& [name, addr] : endpoints_.grpc) absl::StrAppend(&out, "  ", name, ": \"", addr, "\"\n");
  out += "admin:\n";
  for (const auto& [name, port] : endpoints_.admin) absl::StrAppend(&out, "  ", name, ": ", port, "\n");
  if (!endpoints_.tls_ca_file.empty()) absl::StrAppend(&out, "tls: {ca_file: \"", endpoints_.tls_ca_file, "\"}\n");
  out += "tokens:\n";
  for (const auto& [name, file] : endpoints_.token_files) absl::StrAppend(&out, "  ", name, ": \"", file, "\"\n");
  return WriteRunFile(run / "stack.yaml", out, false);
}

std::vector<std::pair<std::string, pid_t>> Stack::Pids() {
  absl::MutexLock lock(&watch_mu_);  // the supervisor reaps and replaces children
  std::vector<std::pair<std::string, pid_t>> out;
  for (auto& [name, p] : processes_) {
    if (p.Running()) out.emplace_back(name, p.pid());
  }
  if (kafka_) {
    for (int n = 1; n <= kafka_->nodes(); ++n) {
      if (kafka_->Running(n)) out.emplace_back(n == 1 ? "kafka" : absl::StrCat("kafka-", n), kafka_->pid(n));
    }
  }
  return out;
}

std::vector<std::string> Stack::Exited() {
  absl::MutexLock lock(&watch_mu_);  // the supervisor reaps and replaces children
  std::vector<std::string> out;
  for (auto& [name, p] : processes_) {
    if (!p.Running()) out.push_back(name);
  }
  if (kafka_) {
    for (int n = 1; n <= kafka_->nodes(); ++n) {
      if (!kafka_->Running(n)) out.push_back(n == 1 ? "kafka" : absl::StrCat("kafka-", n));
    }
  }
  return out;
}

absl::StatusOr<int> Stack::StopService(const std::string& name) {
  if (supervisor_.joinable()) return absl::FailedPreconditionError("the stack is supervising its children");
  for (auto it = processes_.begin(); it != processes_.end(); ++it) {
    if (it->first == name) {
      const int code = it->second.Terminate(absl::Seconds(20));
      processes_.erase(it);
      return code;
    }
  }
  return absl::NotFoundError(absl::StrCat("no running process ", name));
}

absl::Status Stack::KillService(const std::string& name) {
  if (supervisor_.joinable()) return absl::FailedPreconditionError("the stack is supervising its children");
  for (auto it = processes_.begin(); it != processes_.end(); ++it) {
    if (it->first == name) {
      it->second.Kill();
      processes_.erase(it);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("no running process ", name));
}

absl::Status Stack::RestartService(const std::string& name) {
  if (supervisor_.joinable()) return absl::FailedPreconditionError("the stack is supervising its children");
  const fs::path run = fs::absolute(options_.run_dir);
  const fs::path bin = fs::absolute(options_.bin_dir);
  if (auto s = Launch(name, ServiceArgv(bin, run, name, name + ".yaml")); !s.ok()) return s;
  return AwaitReady(name, endpoints_.admin.at(name));
}

int Stack::Stop() {
  // What Stop() ends is not a crash: nothing is restarted from here on. The supervisor thread is
  // joined only after every child is stopped, since the children it forked get SIGTERM from the
  // kernel when it ends (PR_SET_PDEATHSIG follows the forking thread), which would skip the order.
  {
    absl::MutexLock lock(&watch_mu_);
    stopping_ = true;
  }
  int first_failure = 0;
  for (size_t i = processes_.size(); i-- > 0;) {
    // The broker stops after every service that uses it and before what it was started after.
    if (i + 1 == kafka_position_ && kafka_) kafka_->StopAll();
    const int code = processes_[i].second.Terminate(absl::Seconds(20));
    if (code != 0 && first_failure == 0) first_failure = code;
  }
  if (kafka_) kafka_->StopAll();
  StopSupervising();
  kafka_.reset();
  processes_.clear();
  return first_failure;
}

}  // namespace hosho
