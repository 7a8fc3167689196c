#include "services/stack/stack.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "services/common/admin_server.h"
#include "services/common/clock.h"
#include "services/common/mail.h"
#include "services/common/passwords.h"
#include "services/common/redis_client.h"
#include "services/common/sealing.h"
#include "services/stack/development_tls.h"
#include "services/stack/kafka_cluster.h"

namespace hosho {
namespace fs = std::filesystem;

namespace {

struct DevPrincipal {
  const char* name;
  const char* role;
  const char* office;
};

// Development principals; tokens are random per start and stored only hashed
// in the principals file.
constexpr DevPrincipal kPrincipals[] = {
    {"demo-submitter", "submitter", ""},
    {"city-contract-system", "integration", ""},
    {"operator", "operator", ""},
    {"contract-division-clerk", "clerk", "contract-division"},
    {"contract-division-clerk-2", "clerk", "contract-division"},
    {"road-maintenance-clerk", "clerk", "road-maintenance"},
    {"water-sewerage-policy-clerk", "clerk", "water-sewerage-policy"},
    {"sewerage-works-clerk", "clerk", "sewerage-works"},
    {"bridges-clerk", "clerk", "bridges"},
    {"parks-clerk", "clerk", "parks"},
    {"hosho-verification", "service", ""},
    {"hosho-routing", "service", ""},
    {"hosho-console", "service", ""},
};

// Development console accounts (sign-in with a password; Argon2id in the accounts file).
struct DevAccount {
  const char* username;
  const char* display_name;
  const char* office;
  const char* role;
};
constexpr DevAccount kConsoleAccounts[] = {
    {"keiyaku", "契約 花子", "contract-division", "clerk"}, {"keiyaku2", "契約 次郎", "contract-division", "clerk"},
    {"doro", "道路 太郎", "road-maintenance", "clerk"},     {"suido", "水道 一郎", "water-sewerage-policy", "clerk"},
    {"gesui", "下水 三郎", "sewerage-works", "clerk"},      {"unyo", "運用 担当", "", "operator"},
};

absl::Status WriteFile(const fs::path& path, const std::string& content, bool secret) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  out << content;
  out.close();
  if (secret) chmod(path.c_str(), 0600);
  return absl::OkStatus();
}

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

struct MailboxFiles {
  std::string config;
  std::string user;
  std::string password_file;
};

// A dovecot serving one IMAP user on loopback. As root, the mail belongs to nobody (dovecot
// refuses uid 0); otherwise everything runs as the calling user.
absl::StatusOr<MailboxFiles> WriteDovecotConfig(const fs::path& dir, int port) {
  std::error_code ec;
  for (const char* sub : {"run", "state", "home/Maildir/new", "home/Maildir/cur", "home/Maildir/tmp"}) {
    fs::create_directories(dir / sub, ec);
  }
  MailboxFiles files;
  files.user = "intake@city.example";
  files.config = (dir / "dovecot.conf").string();
  files.password_file = (dir / "password").string();
  const std::string password = RandomHex(16);
  if (auto s = WriteFile(files.password_file, password + "\n", true); !s.ok()) return s;
  if (auto s = WriteFile(dir / "passwd", absl::StrCat(files.user, ":{PLAIN}", password, "\n"), true); !s.ok()) {
    return s;
  }
  const bool root = getuid() == 0;
  const uid_t uid = root ? 65534 : getuid();
  const gid_t gid = root ? 65534 : getgid();
  if (root) {
    // dovecot's auth process (user dovecot) reads the passwd file and the mail process
    // (nobody) the mailbox: both must get through the run directory.
    chmod(dir.parent_path().c_str(), 0711);
    chmod(dir.c_str(), 0711);
    if (const struct passwd* pw = getpwnam("dovecot"); pw != nullptr) {
      if (chown((dir / "passwd").c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return absl::InternalError("cannot hand the passwd file to dovecot");
      }
    }
    for (const auto& entry : fs::recursive_directory_iterator(dir / "home")) {
      if (chown(entry.path().c_str(), uid, gid) != 0) return absl::InternalError("cannot chown the mailbox");
    }
    if (chown((dir / "home").c_str(), uid, gid) != 0) return absl::InternalError("cannot chown the mailbox");
  }
  std::string users;
  if (!root) {
    // Not root: dovecot's own processes run as the calling user too.
    const char* name = getenv("USER");
    users = absl::StrCat("default_login_user = ", name != nullptr ? name : "nobody",
                         "\ndefault_internal_user = ", name != nullptr ? name : "nobody", "\n");
  }
  const std::string d = dir.string();
  const std::string conf = absl::StrCat(
      "# Written by hosho-stack: the development mailbox intake polls.\n", "base_dir = ", d, "/run\n",
      "state_dir = ", d, "/state\n", "log_path = /dev/stderr\n", "protocols = imap\n", "listen = 127.0.0.1\n",
      "ssl = no\n", "disable_plaintext_auth = no\n", "auth_mechanisms = plain login\n", "first_valid_uid = 1\n", users,
      "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ", d, "/passwd\n}\n",
      "userdb {\n  driver = static\n  args = uid=", uid, " gid=", gid, " home=", d, "/home\n}\n",
      "mail_location = maildir:~/Maildir\n",
      "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ", port,
      "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n  chroot =\n}\n", "service anvil {\n  chroot =\n}\n",
      "service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}\n");
  if (auto s = WriteFile(files.config, conf, false); !s.ok()) return s;
  return files;
}

absl::Status AwaitMailbox(const fs::path& dir, int port) {
  std::ifstream in(dir / "password");
  std::string password;
  std::getline(in, password);
  ImapOptions imap;
  imap.url = absl::StrCat("imap://127.0.0.1:", port, "/INBOX");
  imap.username = "intake@city.example";
  imap.password = password;
  imap.timeout_ms = 2000;
  auto mailbox = OpenImapMailbox(imap);
  if (!mailbox.ok()) return mailbox.status();
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  absl::Status last;
  while (absl::Now() < give_up) {
    auto listed = (*mailbox)->ListWithout("$HoshoDone");
    if (listed.ok()) return absl::OkStatus();
    last = listed.status();
    absl::SleepFor(absl::Milliseconds(50));  // awaiting the IMAP listener
  }
  return last;
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
  const fs::path run = fs::absolute(options.run_dir);
  const fs::path source = fs::absolute(options.source_dir);
  const fs::path bin = fs::absolute(options.bin_dir);
  std::error_code ec;
  // Only the launcher's own entries are wiped: the run directory may hold other files (the caller's output).
  for (const char* sub : {"logs", "config", "secrets", "tokens", "redis", "blobs", "mail"}) {
    if (options.fresh) fs::remove_all(run / sub, ec);
    fs::create_directories(run / sub, ec);
  }
  if (options.fresh) fs::remove(run / "stack.yaml", ec);
  chmod((run / "secrets").c_str(), 0700);
  chmod((run / "tokens").c_str(), 0700);
  StackEndpoints& e = stack->endpoints_;
  e.logs_dir = (run / "logs").string();
  const int b = options.port_base;
  e.redis_port = b;
  const int kafka_nodes = std::clamp(options.kafka_nodes, 1, kMaxKafkaNodes);
  for (int n = 0; n < kafka_nodes; ++n) {
    absl::StrAppend(&e.kafka_bootstrap, n == 0 ? "" : ",", "127.0.0.1:", b + 1 + 2 * n);
  }
  // b + 1 … b + 2 × kMaxKafkaNodes: each Kafka node's broker and controller (KRaft) listeners.
  int next = b + 1 + 2 * kMaxKafkaNodes;
  for (const std::string& name : ServiceNames()) {
    e.grpc[name] = absl::StrCat("127.0.0.1:", next++);
    e.admin[name] = next++;
  }
  e.webhook_port = next++;
  const int imap_port = next++;
  const int smtp_port = next++;
  e.console_port = next++;
  // Second replicas' ports (they listen, though clients call the first).
  std::map<std::string, std::pair<std::string, int>> replica_ports;
  for (const std::string& name : ReplicatedServiceNames()) {
    replica_ports[name].first = absl::StrCat("127.0.0.1:", next++);
    replica_ports[name].second = next++;
  }
  e.console_url = absl::StrCat("http://localhost:", e.console_port, "/");

  // Secrets: a key ring, tokens, principals.
  const fs::path keyring = run / "secrets" / "keyring.yaml";
  if (auto s = WriteFile(keyring, KeyRing::GenerateYaml("dev-1"), true); !s.ok()) return s;
  std::string principals = "tokens:\n";
  for (const DevPrincipal& p : kPrincipals) {
    const std::string token = RandomHex(24);
    const fs::path file = run / "tokens" / (std::string(p.name) + ".token");
    if (auto s = WriteFile(file, token + "\n", true); !s.ok()) return s;
    e.token_files[p.name] = file.string();
    absl::StrAppend(&principals, "  - {sha256: ", Sha256Hex(token), ", principal: ", p.name, ", role: ", p.role,
                    ", office: \"", p.office, "\"",
                    std::string(p.name) == "hosho-console" ? ", acts_for: [clerk, operator]" : "", "}\n");
  }
  if (!options.extra_tokens.empty()) absl::StrAppend(&principals, options.extra_tokens, "\n");
  const fs::path principals_file = run / "secrets" / "principals.yaml";
  if (auto s = WriteFile(principals_file, principals, true); !s.ok()) return s;
  // Console accounts: random passwords, kept in a 0600 file for the person running the stack.
  std::string accounts = "accounts:\n";
  std::string passwords = "# hosho-console development accounts (user  password  office  role)\n";
  for (const DevAccount& a : kConsoleAccounts) {
    const std::string password = RandomHex(8);
    auto hash = HashPassword(password);
    if (!hash.ok()) return hash.status();
    e.console_passwords[a.username] = password;
    absl::StrAppend(&accounts, "  - {username: ", a.username, ", display_name: \"", a.display_name, "\", office: \"",
                    a.office, "\", role: ", a.role, ", password_hash: \"", *hash, "\"}\n");
    absl::StrAppend(&passwords, a.username, "  ", password, "  ", a.office, "  ", a.role, "\n");
  }
  const fs::path accounts_file = run / "secrets" / "console-accounts.yaml";
  if (auto s = WriteFile(accounts_file, accounts, true); !s.ok()) return s;
  if (auto s = WriteFile(run / "secrets" / "console-accounts.txt", passwords, true); !s.ok()) return s;
  e.webhook_secret_file = (run / "secrets" / "webhook.secret").string();
  if (auto s = WriteFile(e.webhook_secret_file, RandomHex(32) + "\n", true); !s.ok()) return s;

  // The mailbox: dovecot on loopback with one user, mail kept under the run directory.
  std::string mail_config;
  if (!options.dovecot.empty() && fs::exists(options.dovecot)) {
    auto mailbox = WriteDovecotConfig(run / "mail", imap_port);
    if (!mailbox.ok()) return mailbox.status();
    e.imap_port = imap_port;
    e.mail_user = mailbox->user;
    e.dovecot_config = mailbox->config;
    mail_config = absl::StrCat("mail: {url: \"imap://127.0.0.1:", imap_port, "/INBOX\", username: \"", mailbox->user,
                               "\", password_file: \"", mailbox->password_file, "\", poll_interval_ms: 200}\n");
  }

  // The development mail server that receives what notification sends.
  const bool mail_out = !options.python3.empty() && fs::exists(options.python3);
  if (mail_out) {
    e.smtp_port = smtp_port;
    e.smtp_outbox = (run / "mail-out").string();
    fs::create_directories(e.smtp_outbox);
  }

  // gRPC: plaintext on loopback, or TLS from a development CA.
  std::string serve_transport = "dev_plaintext: true";
  std::string call_transport = "dev_plaintext: true";
  if (options.grpc_tls) {
    std::error_code ec;
    fs::remove_all(run / "secrets" / "tls", ec);  // a new CA per run, like every other development secret
    auto tls = MakeDevelopmentTls((run / "secrets" / "tls").string());
    if (!tls.ok()) return tls.status();
    e.tls_ca_file = tls->ca_file;
    serve_transport = absl::StrCat("tls: {cert_file: \"", tls->cert_file, "\", key_file: \"", tls->key_file, "\"}");
    call_transport = absl::StrCat("tls: {ca_file: \"", tls->ca_file, "\"}");
  }
  // Configuration shared by the services.
  auto common = [&](const std::string& name) {
    return absl::StrCat("log: {level: ", options.log_level, "}\n", "grpc: {listen: \"", e.grpc[name],
                        "\", ", serve_transport, "}\n", "admin: {host: 127.0.0.1, port: ", e.admin[name], "}\n",
                        "kafka:\n  bootstrap_servers: \"", e.kafka_bootstrap, "\"\n  group_id: hosho-", name,
                        "\n  initial_backoff_ms: 50\n  max_backoff_ms: 1000\n  max_attempts: 5\n",
                        "  properties: {reconnect.backoff.max.ms: \"1000\"}\n",
                        // A real broker answers a fetch as soon as data arrives: the default long poll
                        // (fetch.wait.max.ms 500) costs nothing while idle.
                        "  consumer_properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n",
                        "redis: {host: 127.0.0.1, port: ", e.redis_port, "}\n", "sealing: {keyring_file: \"",
                        keyring.string(), "\"}\n", "auth: {principals_file: \"", principals_file.string(), "\"}\n");
  };
  const std::string certificates = options.certificates_file.empty()
                                       ? (source / "deploy/demo/certificates.yaml").string()
                                       : options.certificates_file;
  std::map<std::string, std::string> extra = {
      {"platform-sim", absl::StrCat("platform_sim: {certificates_file: \"", certificates,
                                    "\", latency_ms: ", options.platform_latency_ms,
                                    ", failure_rate: ", options.platform_failure_rate, "}\n")},
      {"intake", absl::StrCat("blobs: {dir: \"", (run / "blobs").string(), "\"}\n",
                              "limits: {submissions_per_minute: ", options.submissions_per_minute, "}\n",
                              "webhook: {listen_host: 127.0.0.1, port: ", e.webhook_port, ", secret_file: \"",
                              e.webhook_secret_file, "\"}\n", mail_config)},
      {"verification",
       absl::StrCat("connector: {enabled: ", options.connector_enabled ? "true" : "false", ", target: \"",
                    e.grpc["platform-sim"], "\", ", call_transport, ", deadline_ms: 2000, token_file: \"",
                    e.token_files["hosho-verification"], "\",\n",
                    "  retry: {attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 200},\n",
                    "  breaker: {failures: 3, open_ms: 500},\n",
                    "  resume: {poll_ms: 200, initial_ms: 200, max_ms: 1000}}\n", "city: {offices_file: \"",
                    (source / "deploy/city/offices.yaml").string(), "\"}\n")},
      {"routing",
       absl::StrCat("routing: {rules_file: \"", (source / "deploy/routing/rules.yaml").string(), "\", offices_file: \"",
                    (source / "deploy/city/offices.yaml").string(), "\", sweep_ms: 500}\n", "accounting: {target: \"",
                    e.grpc["platform-sim"], "\", ", call_transport, ", deadline_ms: 2000, token_file: \"",
                    e.token_files["hosho-routing"], "\"}\n")},
      {"console",
       absl::StrCat("console: {port: ", e.console_port, ", accounts_file: \"", accounts_file.string(),
                    "\", offices_file: \"", (source / "deploy/city/offices.yaml").string(), "\", topics_file: \"",
                    (source / "deploy/kafka/topics.yaml").string(), "\", token_file: \"",
                    e.token_files["hosho-console"], "\", feed_from_earliest: true, overview_refresh_ms: 1000}\n",
                    "blobs: {dir: \"", (run / "blobs").string(), "\"}\n", "verification: {target: \"",
                    e.grpc["verification"], "\", ", call_transport, "}\n", "routing: {target: \"",
                    e.grpc["routing"], "\", ", call_transport, "}\n")},
      {"notification",
       absl::StrCat("notification: {templates_file: \"", (source / "deploy/notification/templates.yaml").string(),
                    "\", offices_file: \"", (source / "deploy/city/offices.yaml").string(), "\", poll_ms: 200}\n",
                    "smtp: {enabled: ", mail_out ? "true" : "false", ", url: \"smtp://127.0.0.1:", smtp_port,
                    "\", timeout_ms: 5000}\n",
                    "delivery: {lease_ms: 5000, initial_backoff_ms: 200, max_backoff_ms: 2000, max_attempts: ",
                    options.delivery_max_attempts, "}\n",
                    options.notification_webhooks.empty() ? "" : "webhooks:\n" + options.notification_webhooks + "\n")},
  };
  for (const std::string& name : ServiceNames()) {
    const auto more = options.extra_config.find(name);
    const std::string config =
        common(name) + extra[name] + (more != options.extra_config.end() ? more->second + "\n" : "");
    if (auto s = WriteFile(run / "config" / (name + ".yaml"), config, false); !s.ok()) return s;
    if (options.worker_replicas < 2 || !replica_ports.contains(name)) continue;
    // The second replica: the same configuration on ports of its own.
    std::string second = config;
    absl::StrReplaceAll({{absl::StrCat("listen: \"", e.grpc[name], "\""),
                          absl::StrCat("listen: \"", replica_ports[name].first, "\"")},
                         {absl::StrCat("port: ", e.admin[name], "}"), absl::StrCat("port: ", replica_ports[name].second, "}")}},
                        &second);
    if (auto s = WriteFile(run / "config" / (name + "-2.yaml"), second, false); !s.ok()) return s;
  }
  // 1. redis-server (AOF on, as in production).
  if (auto s = stack->Launch("redis", {options.redis_server, "--port", std::to_string(e.redis_port), "--bind",
                                       "127.0.0.1", "--dir", (run / "redis").string(), "--appendonly", "yes", "--save",
                                       "", "--daemonize", "no", "--protected-mode", "yes"});
      !s.ok()) {
    return s;
  }
  {
    RedisOptions ro;
    ro.port = e.redis_port;
    ro.pool_size = 1;
    ro.reconnect_budget = absl::Seconds(20);
    auto client = RedisClient::Create(ro, &RealClock());
    if (!client.ok()) return client.status();
    if (auto s = (*client)->Ping(); !s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("redis-server did not come up: ", s.message(), "\n", Tail(e.logs_dir + "/redis.log", 1500)));
    }
  }
  // The mailbox, when there is one.
  if (e.imap_port != 0) {
    if (auto s = stack->Launch("dovecot", {options.dovecot, "-F", "-c", e.dovecot_config}); !s.ok()) return s;
    if (auto s = AwaitMailbox(run / "mail", e.imap_port); !s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("dovecot did not come up: ", s.message(), "\n", Tail(e.logs_dir + "/dovecot.log", 1500)));
    }
  }
  if (mail_out) {
    if (auto s = stack->Launch("smtp", {options.python3, (source / "services/stack/smtp_sink.py").string(), "--port",
                                        std::to_string(smtp_port), "--dir", e.smtp_outbox, "--delay-ms",
                                        std::to_string(options.smtp_delay_ms)});
        !s.ok()) {
      return s;
    }
    if (auto s = AwaitLogLine(e.logs_dir + "/smtp.log", "smtp sink listening", stack.get(), "smtp"); !s.ok()) return s;
  }
  // 2. Apache Kafka (KRaft; its log directories under <run>/kafka), 3. every service.
  {
    KafkaClusterOptions kafka;
    kafka.dir = (run / "kafka").string();
    kafka.logs_dir = e.logs_dir;
    kafka.libs_dir = options.kafka_libs.empty() ? DefaultKafkaLibs(source.string()) : options.kafka_libs;
    kafka.java = options.java;
    kafka.heap = options.kafka_heap;
    kafka.nodes = kafka_nodes;
    kafka.port_base = b + 1;
    kafka.topics_file = (source / "deploy/kafka/topics.yaml").string();
    kafka.fresh = options.fresh;
    auto cluster = KafkaCluster::Start(kafka);
    if (!cluster.ok()) return cluster.status();
    stack->kafka_ = *std::move(cluster);
    stack->kafka_position_ = stack->processes_.size();
    e.kafka_log_dir = stack->kafka_->log_dir(1);
  }
  for (const std::string& name : ServiceNames()) {
    if (auto s = stack->Launch(
            name, {(bin / ("hosho-" + name)).string(), "--config=" + (run / "config" / (name + ".yaml")).string()});
        !s.ok()) {
      return s;
    }
  }
  if (options.worker_replicas >= 2) {
    for (const std::string& name : ReplicatedServiceNames()) {
      if (auto s = stack->Launch(name + "-2", {(bin / ("hosho-" + name)).string(),
                                               "--config=" + (run / "config" / (name + "-2.yaml")).string()});
          !s.ok()) {
        return s;
      }
    }
  }
  for (const std::string& name : ServiceNames()) {
    if (auto s = stack->AwaitReady(name, e.admin[name]); !s.ok()) return s;
  }
  if (options.worker_replicas >= 2) {
    for (const std::string& name : ReplicatedServiceNames()) {
      if (auto s = stack->AwaitReady(name + "-2", replica_ports[name].second); !s.ok()) return s;
    }
  }
  if (auto s = stack->WriteStackFile(); !s.ok()) return s;
  return stack;
}

absl::Status Stack::WriteStackFile() const {
  const fs::path run = fs::absolute(options_.run_dir);
  std::string out = absl::StrCat(
      "# Written by hosho-stack: where the running stack listens.\nkafka: \"", endpoints_.kafka_bootstrap,
      "\"\nredis_port: ", endpoints_.redis_port, "\nkafka_log_dir: \"", endpoints_.kafka_log_dir, "\"",
      "\nlogs: \"", endpoints_.logs_dir, "\"\nwebhook: {port: ", endpoints_.webhook_port, ", secret_file: \"",
      endpoints_.webhook_secret_file, "\"}\nmail: {imap_port: ", endpoints_.imap_port, ", user: \"",
      endpoints_.mail_user, "\", dovecot_config: \"", endpoints_.dovecot_config,
      "\"}\nsmtp: {port: ", endpoints_.smtp_port, ", outbox: \"", endpoints_.smtp_outbox, "\"}\nconsole: {url: \"",
      endpoints_.console_url, "\", port: ", endpoints_.console_port, ", accounts: \"",
      (run / "secrets" / "console-accounts.txt").string(), "\"}\ngrpc:\n");
  for (const auto& [name, addr] : endpoints_.grpc) absl::StrAppend(&out, "  ", name, ": \"", addr, "\"\n");
  out += "admin:\n";
  for (const auto& [name, port] : endpoints_.admin) absl::StrAppend(&out, "  ", name, ": ", port, "\n");
  if (!endpoints_.tls_ca_file.empty()) absl::StrAppend(&out, "tls: {ca_file: \"", endpoints_.tls_ca_file, "\"}\n");
  out += "tokens:\n";
  for (const auto& [name, file] : endpoints_.token_files) absl::StrAppend(&out, "  ", name, ": \"", file, "\"\n");
  return WriteFile(run / "stack.yaml", out, false);
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
  if (auto s = Launch(name,
                      {(bin / ("hosho-" + name)).string(), "--config=" + (run / "config" / (name + ".yaml")).string()});
      !s.ok()) {
    return s;
  }
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
