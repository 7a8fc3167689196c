// hosho-config-check: reads service configurations through each service's own FromConfig, over its
// embedded defaults.yaml, as the service would at start-up. It checks the files hosho-stack writes
// (always) and the chart's rendered ConfigMaps (--chart-dir, one <service>.yaml each; check_deploy.py
// renders them with helm template). A file fails when FromConfig refuses it or when it holds a key that
// neither the defaults nor the shared sections know (a typo would otherwise leave a default in force).
// Secret files are not read (they belong to another machine); that each is named is checked.
//
//   hosho-config-check --source DIR [--chart-dir DIR]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/console/console_config.h"
#include "services/intake/intake_config.h"
#include "services/notification/notification_config.h"
#include "services/platform_sim/platform_sim_process.h"
#include "services/routing/routing_config.h"
#include "services/stack/service_configs.h"
#include "services/verification/verification_config.h"

namespace hosho {
namespace {

const char* Defaults(const std::string& service) {
  if (service == "intake") return kIntakeDefaults;
  if (service == "verification") return kVerificationDefaults;
  if (service == "routing") return kRoutingDefaults;
  if (service == "notification") return kNotificationDefaults;
  if (service == "console") return kConsoleDefaults;
  return kPlatformSimDefaults;
}

absl::Status ReadWithFromConfig(const std::string& service, const Config& config) {
  if (service == "intake") return IntakeConfig::FromConfig(config).status();
  if (service == "verification") return VerificationConfig::FromConfig(config).status();
  if (service == "routing") return RoutingConfig::FromConfig(config).status();
  if (service == "notification") return NotificationConfig::FromConfig(config).status();
  if (service == "console") {
    auto console = ConsoleConfig::FromConfig(config);
    if (!console.ok()) return console.status();
    return console->token.status();  // kept for start-up to report; a configuration must name it
  }
  return PlatformSimConfig::FromConfig(config).status();
}

// The service's defaults with `yaml` over them, through its FromConfig and the unknown-key check.
absl::Status Check(const std::string& service, const std::string& yaml, const std::string& base_dir) {
  auto config = Config::LoadText(Defaults(service), yaml, base_dir);
  if (!config.ok()) return config.status();
  if (auto unknown = config->UnknownKeys(); !unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown keys: ", absl::StrJoin(unknown, ", ")));
  }
  return ReadWithFromConfig(service, config->WithSecretsUnread());
}

// What hosho-stack writes for a run on ports from 20000, with TLS and a second replica of the workers.
std::vector<ServiceConfigFile> StackFiles(const std::filesystem::path& source) {
  StackOptions options;
  options.worker_replicas = 2;
  options.notification_webhooks = "  - {name: hook, url: \"http://127.0.0.1:1/\", secret_file: /run/hook}";
  StackEndpoints e;
  int port = 20000;
  for (const std::string& name : Stack::ServiceNames()) {
    e.grpc[name] = absl::StrCat("127.0.0.1:", port++);
    e.admin[name] = port++;
  }
  for (const char* who : {"hosho-verification", "hosho-routing", "hosho-console"}) {
    e.token_files[who] = absl::StrCat("/run/tokens/", who);
  }
  e.kafka_bootstrap = "127.0.0.1:20090";
  e.webhook_port = 20091;
  e.webhook_secret_file = "/run/secrets/webhook";
  ServiceConfigInputs in;
  in.run = "/run";
  in.source = source;
  in.keyring_file = "/run/secrets/keyring.yaml";
  in.principals_file = "/run/secrets/principals.yaml";
  in.accounts_file = "/run/secrets/accounts.yaml";
  in.mail_config = "mail: {url: \"imap://127.0.0.1:20092/INBOX\", username: u, password_file: /run/mail}\n";
  in.smtp_port = 20093;
  in.serve_transport = "tls: {cert_file: /run/tls/server.crt, key_file: /run/tls/server.key}";
  in.call_transport = "tls: {ca_file: /run/tls/ca.crt}";
  for (const std::string& name : Stack::ReplicatedServiceNames()) {
    in.replica_ports[name] = {absl::StrCat("127.0.0.1:", port), port + 1};
    port += 2;
  }
  auto files = ServiceConfigFiles(options, e, in);
  return files.ok() ? *std::move(files) : std::vector<ServiceConfigFile>{};
}

std::string ServiceOf(const std::string& file_name) {
  std::string service = file_name.substr(0, file_name.size() - 5);  // ".yaml"
  if (absl::EndsWith(service, "-2")) service.resize(service.size() - 2);
  return service;
}

int Report(const std::string& where, const absl::Status& status) {
  std::printf("%s %s%s%s\n", status.ok() ? "ok  " : "FAIL", where.c_str(), status.ok() ? "" : ": ",
              status.ok() ? "" : std::string(status.message()).c_str());
  return status.ok() ? 0 : 1;
}

int Run(const std::filesystem::path& source, const std::string& chart_dir) {
  int failures = 0;
  const std::vector<ServiceConfigFile> stack = StackFiles(source);
  if (stack.size() != 9) failures += Report("hosho-stack's files", absl::InternalError("not generated"));
  for (const ServiceConfigFile& file : stack) {
    failures += Report("hosho-stack " + file.name, Check(ServiceOf(file.name), file.content, "/run/config"));
  }
  if (chart_dir.empty()) return failures;
  int read = 0;
  for (const std::string& service : Stack::ServiceNames()) {
    const std::filesystem::path path = std::filesystem::path(chart_dir) / (service + ".yaml");
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    failures += Report("chart " + service + ".yaml", Check(service, text.str(), chart_dir));
    ++read;
  }
  if (read == 0) failures += Report("chart", absl::NotFoundError("no <service>.yaml in " + chart_dir));
  return failures;
}

}  // namespace
}  // namespace hosho

int main(int argc, char** argv) {
  std::string source;
  std::string chart_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--source") source = argv[i + 1];
    if (flag == "--chart-dir") chart_dir = argv[i + 1];
  }
  if (source.empty()) {
    std::fprintf(stderr, "usage: hosho-config-check --source DIR [--chart-dir DIR]\n");
    return 2;
  }
  const int failures = hosho::Run(std::filesystem::absolute(source), chart_dir);
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
