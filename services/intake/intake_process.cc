#include "services/intake/intake_process.h"

#include <utility>

#include "absl/synchronization/notification.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"

namespace hosho {

absl::StatusOr<std::unique_ptr<IntakeProcess>> IntakeProcess::Create(ServiceHost& host) {
  // Fail at start-up, not at the first submission: Redis, Kafka, the sealing keys and the principals
  // must be there.
  if (auto redis = host.Redis(); !redis.ok()) return redis.status();
  if (auto producer = host.Producer(); !producer.ok()) return producer.status();
  host.DeclareTopics({topics::kSubmissions, topics::kContracts});
  if (auto sealer = host.Sealing(); !sealer.ok()) return sealer.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  auto config = IntakeConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto mapping =
      config->form_mapping_file.empty() ? FormMapping::Default() : FormMapping::FromFile(config->form_mapping_file);
  if (!mapping.ok()) return mapping.status();
  auto process = std::unique_ptr<IntakeProcess>(new IntakeProcess(host, *std::move(config), *std::move(mapping)));
  AddGrpcService(host, &process->intake_);
  AddGrpcService(host, &process->registry_);
  if (absl::Status started = process->StartWebhook(host); !started.ok()) return started;
  if (absl::Status started = process->StartMail(host); !started.ok()) return started;
  return process;
}

IntakeProcess::IntakeProcess(ServiceHost& host, IntakeConfig config, FormMapping mapping)
    : config_(std::move(config)),
      mapping_(std::move(mapping)),
      cases_(*host.Redis()),
      contracts_(*host.Redis()),
      blobs_(config_.blobs_dir, *host.Sealing()),
      limiter_(*host.Redis(), &host.clock(), config_.submissions_per_minute, absl::Minutes(1)),
      intake_(IntakeDeps{&cases_, &contracts_, *host.Producer(), *host.Sealing(), *host.Auth(), &host.clock(), &blobs_,
                         &limiter_},
              config_.scope, config_.options),
      form_csv_(mapping_, &intake_),
      registry_(&contracts_, *host.Producer(), *host.Auth(), &host.clock()) {
  intake_.SetFormImporter(&form_csv_);
}

absl::Status IntakeProcess::StartWebhook(ServiceHost& host) {
  if (config_.webhook_secret.empty()) {
    LogInfo("form webhook off (no webhook.secret_file)", {});
    return absl::OkStatus();
  }
  webhook_ = std::make_unique<FormWebhook>(&mapping_, &intake_, config_.webhook_secret, &host.clock());
  FormWebhook* webhook = webhook_.get();
  auto server = HttpServer::Start(
      config_.webhook, {{"/webhooks/form", [webhook](const HttpCall& call) { return webhook->Handle(call); }}});
  if (!server.ok()) return server.status();
  webhook_server_ = *std::move(server);
  LogInfo("form webhook listening", {{"port", webhook_server_->port()}});
  return absl::OkStatus();
}

absl::Status IntakeProcess::StartMail(ServiceHost& host) {
  if (config_.mail.url.empty()) return absl::OkStatus();
  auto mailbox = OpenImapMailbox(config_.mail);
  if (!mailbox.ok()) return mailbox.status();
  mail_ = std::make_unique<MailIntake>(*std::move(mailbox), &intake_, config_.mail_poll_interval);
  MailIntake* mail = mail_.get();
  host.AddLoop("mailbox poll", [mail](const absl::Notification& stop) { mail->Run(stop); });
  LogInfo("mailbox polling", {{"url", config_.mail.url}});
  return absl::OkStatus();
}

}  // namespace hosho
