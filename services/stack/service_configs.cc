#include "services/stack/service_configs.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hosho {
namespace {

// The value under `key`, or the value type's default when there is none.
template <class Value>
Value Find(const std::map<std::string, Value>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? Value() : it->second;
}

// Configuration shared by the services.
std::string CommonSections(const std::string& name, const StackOptions& options, const StackEndpoints& e,
                           const ServiceConfigInputs& in) {
  return absl::StrCat("log: {level: ", options.log_level, "}\n", "grpc: {listen: \"", Find(e.grpc, name), "\", ",
                      in.serve_transport, "}\n", "admin: {host: 127.0.0.1, port: ", Find(e.admin, name), "}\n",
                      "kafka:\n  bootstrap_servers: \"", e.kafka_bootstrap, "\"\n  group_id: hosho-", name,
                      "\n  initial_backoff_ms: 50\n  max_backoff_ms: 1000\n  max_attempts: 5\n",
                      "  properties: {reconnect.backoff.max.ms: \"1000\"}\n",
                      // A real broker answers a fetch as soon as data arrives: the default long poll
                      // (fetch.wait.max.ms 500) costs nothing while idle.
                      "  consumer_properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"500\"}\n",
                      "redis: {host: 127.0.0.1, port: ", e.redis_port, "}\n", "sealing: {keyring_file: \"",
                      in.keyring_file, "\"}\n", "auth: {principals_file: \"", in.principals_file, "\"}\n");
}

std::string PlatformSimSection(const StackOptions& options, const ServiceConfigInputs& in) {
  const std::string certificates = options.certificates_file.empty()
                                       ? (in.source / "deploy/demo/certificates.yaml").string()
                                       : options.certificates_file;
  return absl::StrCat("platform_sim: {certificates_file: \"", certificates,
                      "\", latency_ms: ", options.platform_latency_ms,
                      ", failure_rate: ", options.platform_failure_rate, "}\n");
}

std::string IntakeSection(const StackOptions& options, const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("blobs: {dir: \"", (in.run / "blobs").string(), "\"}\n",
                      "limits: {submissions_per_minute: ", options.submissions_per_minute, "}\n",
                      "webhook: {listen_host: 127.0.0.1, port: ", e.webhook_port, ", secret_file: \"",
                      e.webhook_secret_file, "\"}\n", in.mail_config);
}

std::string VerificationSection(const StackOptions& options, const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("connector: {enabled: ", options.connector_enabled ? "true" : "false", ", target: \"",
                      Find(e.grpc, "platform-sim"), "\", ", in.call_transport, ", deadline_ms: 2000, token_file: \"",
                      Find(e.token_files, "hosho-verification"), "\",\n",
                      "  retry: {attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 200},\n",
                      "  breaker: {failures: 3, open_ms: 500},\n",
                      "  resume: {poll_ms: 200, initial_ms: 200, max_ms: 1000}}\n", "city: {offices_file: \"",
                      (in.source / "deploy/city/offices.yaml").string(), "\"}\n");
}

std::string RoutingSection(const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("routing: {rules_file: \"", (in.source / "deploy/routing/rules.yaml").string(),
                      "\", offices_file: \"", (in.source / "deploy/city/offices.yaml").string(),
                      "\", sweep_ms: 500}\n", "accounting: {target: \"", Find(e.grpc, "platform-sim"), "\", ",
                      in.call_transport, ", deadline_ms: 2000, token_file: \"", Find(e.token_files, "hosho-routing"),
                      "\"}\n");
}

std::string ConsoleSection(const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat(
      "console: {port: ", e.console_port, ", accounts_file: \"", in.accounts_file, "\", offices_file: \"",
      (in.source / "deploy/city/offices.yaml").string(), "\", topics_file: \"",
      (in.source / "deploy/kafka/topics.yaml").string(), "\", token_file: \"", Find(e.token_files, "hosho-console"),
      "\", feed_from_earliest: true, overview_refresh_ms: 1000}\n", "blobs: {dir: \"", (in.run / "blobs").string(),
      "\"}\n", "verification: {target: \"", Find(e.grpc, "verification"), "\", ", in.call_transport, "}\n",
      "routing: {target: \"", Find(e.grpc, "routing"), "\", ", in.call_transport, "}\n");
}

std::string NotificationSection(const StackOptions& options, const ServiceConfigInputs& in) {
  return absl::StrCat(
      "notification: {templates_file: \"", (in.source / "deploy/notification/templates.yaml").string(),
      "\", offices_file: \"", (in.source / "deploy/city/offices.yaml").string(), "\", poll_ms: 200}\n",
      "smtp: {enabled: ", in.mail_out ? "true" : "false", ", url: \"smtp://127.0.0.1:", in.smtp_port,
      "\", timeout_ms: 5000}\n",
      "delivery: {lease_ms: 5000, initial_backoff_ms: 200, max_backoff_ms: 2000, max_attempts: ",
      options.delivery_max_attempts, "}\n",
      options.notification_webhooks.empty() ? "" : "webhooks:\n" + options.notification_webhooks + "\n");
}

// The service's own sections.
std::string ServiceSections(const std::string& name, const StackOptions& options, const StackEndpoints& e,
                            const ServiceConfigInputs& in) {
  if (name == "platform-sim") return PlatformSimSection(options, in);
  if (name == "intake") return IntakeSection(options, e, in);
  if (name == "verification") return VerificationSection(options, e, in);
  if (name == "routing") return RoutingSection(e, in);
  if (name == "console") return ConsoleSection(e, in);
  if (name == "notification") return NotificationSection(options, in);
  return "";
}

// The second replica: the same configuration on ports of its own.
std::string SecondReplica(const std::string& config, const std::string& name, const StackEndpoints& e,
                          const ReplicaPorts& ports) {
  std::string second = config;
  absl::StrReplaceAll(
      {{absl::StrCat("listen: \"", Find(e.grpc, name), "\""), absl::StrCat("listen: \"", ports.grpc, "\"")},
       {absl::StrCat("port: ", Find(e.admin, name), "}"), absl::StrCat("port: ", ports.admin, "}")}},
      &second);
  return second;
}

}  // namespace

std::vector<ServiceConfigFile> ServiceConfigFiles(const StackOptions& options, const StackEndpoints& endpoints,
                                                  const ServiceConfigInputs& inputs) {
  std::vector<ServiceConfigFile> files;
  for (const std::string& name : Stack::ServiceNames()) {
    const auto more = options.extra_config.find(name);
    const std::string config = CommonSections(name, options, endpoints, inputs) +
                               ServiceSections(name, options, endpoints, inputs) +
                               (more != options.extra_config.end() ? more->second + "\n" : "");
    files.push_back({name + ".yaml", config});
    const auto replica = inputs.replica_ports.find(name);
    if (options.worker_replicas < 2 || replica == inputs.replica_ports.end()) continue;
    files.push_back({name + "-2.yaml", SecondReplica(config, name, endpoints, replica->second)});
  }
  return files;
}

}  // namespace hosho
