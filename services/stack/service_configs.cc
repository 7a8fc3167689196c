#include "services/stack/service_configs.h"

#include "absl/strings/str_cat.h"
#include "services/common/runtime/config.h"
#include "services/stack/one_machine.h"

namespace hosho {
namespace {

// The value under `key`, or the value type's default when there is none.
template <class Value>
Value Find(const std::map<std::string, Value>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? Value() : it->second;
}

// Where one process of a service listens: the first replica's ports or a second replica's.
struct Listen {
  std::string grpc;
  int admin = 0;
};

// What every service is told about this run: its ports, the broker, Redis, the generated key ring and
// principals, the log level of the stack's flag.
std::string CommonSections(const StackOptions& options, const StackEndpoints& e, const ServiceConfigInputs& in,
                           const Listen& listen) {
  return absl::StrCat("log: {level: ", options.log_level, "}\n", "grpc: {listen: \"", listen.grpc, "\", ",
                      in.serve_transport, "}\n", "admin: {port: ", listen.admin, "}\n", "kafka: {bootstrap_servers: \"",
                      e.kafka_bootstrap, "\"}\n", "redis: {port: ", e.redis_port, "}\n", "sealing: {keyring_file: \"",
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
                      "webhook: {port: ", e.webhook_port, ", secret_file: \"", e.webhook_secret_file, "\"}\n",
                      in.mail_config);
}

std::string VerificationSection(const StackOptions& options, const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("connector: {enabled: ", options.connector_enabled ? "true" : "false", ", target: \"",
                      Find(e.grpc, "platform-sim"), "\", ", in.call_transport, ", token_file: \"",
                      Find(e.token_files, "hosho-verification"), "\"}\n", "city: {offices_file: \"",
                      (in.source / "deploy/city/offices.yaml").string(), "\"}\n");
}

std::string RoutingSection(const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("routing: {rules_file: \"", (in.source / "deploy/routing/rules.yaml").string(),
                      "\", offices_file: \"", (in.source / "deploy/city/offices.yaml").string(), "\"}\n",
                      "accounting: {target: \"", Find(e.grpc, "platform-sim"), "\", ", in.call_transport,
                      ", token_file: \"", Find(e.token_files, "hosho-routing"), "\"}\n");
}

std::string ConsoleSection(const StackEndpoints& e, const ServiceConfigInputs& in) {
  return absl::StrCat("console: {port: ", e.console_port, ", accounts_file: \"", in.accounts_file,
                      "\", offices_file: \"", (in.source / "deploy/city/offices.yaml").string(), "\", topics_file: \"",
                      (in.source / "deploy/kafka/topics.yaml").string(), "\", token_file: \"",
                      Find(e.token_files, "hosho-console"), "\"}\n", "blobs: {dir: \"", (in.run / "blobs").string(),
                      "\"}\n", "verification: {target: \"", Find(e.grpc, "verification"), "\", ", in.call_transport,
                      "}\n", "routing: {target: \"", Find(e.grpc, "routing"), "\", ", in.call_transport, "}\n");
}

// smtp.enabled says whether a development mail server runs; the url names its port either way.
std::string NotificationSection(const StackOptions& options, const ServiceConfigInputs& in) {
  return absl::StrCat(
      "notification: {templates_file: \"", (in.source / "deploy/notification/templates.yaml").string(),
      "\", offices_file: \"", (in.source / "deploy/city/offices.yaml").string(), "\"}\n",
      "smtp: {enabled: ", in.mail_out ? "true" : "false", ", url: \"smtp://127.0.0.1:", in.smtp_port, "\"}\n",
      "delivery: {max_attempts: ", options.delivery_max_attempts, "}\n",
      options.notification_webhooks.empty() ? "" : "webhooks:\n" + options.notification_webhooks + "\n");
}

// The service's own sections: paths, the addresses of the stack's other children, the files it generated,
// and the values of the stack's own flags.
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

// This run's sections, then the one-machine overlay, then the caller's extra_config, each merged over the
// one before (Config::Load's merge); every other key keeps the service's defaults.yaml.
absl::StatusOr<std::string> ServiceConfig(const std::string& name, const StackOptions& options, const StackEndpoints& e,
                                          const ServiceConfigInputs& in, const Listen& listen) {
  auto config = MergeYaml(CommonSections(options, e, in, listen) + ServiceSections(name, options, e, in),
                          OneMachineOverlay(name));
  if (!config.ok()) return config.status();
  const auto extra = options.extra_config.find(name);
  if (extra == options.extra_config.end()) return config;
  auto merged = MergeYaml(*config, extra->second);
  if (!merged.ok())
    return absl::InvalidArgumentError(absl::StrCat("extra_config for ", name, ": ", merged.status().message()));
  return merged;
}

}  // namespace

absl::StatusOr<std::vector<ServiceConfigFile>> ServiceConfigFiles(const StackOptions& options,
                                                                  const StackEndpoints& endpoints,
                                                                  const ServiceConfigInputs& inputs) {
  std::vector<ServiceConfigFile> files;
  for (const std::string& name : Stack::ServiceNames()) {
    auto config =
        ServiceConfig(name, options, endpoints, inputs, {Find(endpoints.grpc, name), Find(endpoints.admin, name)});
    if (!config.ok()) return config.status();
    files.push_back({name + ".yaml", *std::move(config)});
    const auto replica = inputs.replica_ports.find(name);
    if (options.worker_replicas < 2 || replica == inputs.replica_ports.end()) continue;
    auto second = ServiceConfig(name, options, endpoints, inputs, {replica->second.grpc, replica->second.admin});
    if (!second.ok()) return second.status();
    files.push_back({name + "-2.yaml", *std::move(second)});
  }
  return files;
}

}  // namespace hosho
