#include "services/notification/notification_process.h"

#include <utility>

#include "services/common/domain/events.h"

namespace hosho {

absl::StatusOr<std::unique_ptr<NotificationProcess>> NotificationProcess::Create(ServiceHost& host) {
  auto config = NotificationConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto templates = NoticeTemplates::FromFile(config->templates_file);
  if (!templates.ok()) return templates.status();
  auto offices = OfficeDirectory::FromFile(config->offices_file);
  if (!offices.ok()) return offices.status();
  // Fail at start-up, not at the first record: Redis, Kafka and the principals must be there.
  if (auto redis = host.Redis(); !redis.ok()) return redis.status();
  if (auto producer = host.Producer(); !producer.ok()) return producer.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  auto process = std::unique_ptr<NotificationProcess>(
      new NotificationProcess(host, *std::move(config), *std::move(templates), *std::move(offices)));
  host.DeclareTopics({topics::kNotifications});
  AddGrpcService(host, &process->service_);
  NotificationServiceImpl* service = &process->service_;
  host.OnStopping([service] { service->Stop(); });
  NotificationWorker* worker = &process->worker_;
  auto consumer = host.AddConsumer({topics::kSubmissions, topics::kRoutings, topics::kVerifications},
                                   [worker](const KafkaRecord& r) { return worker->Handle(r); });
  if (!consumer.ok()) return consumer.status();
  NotificationProcess* self = process.get();
  // The sender stops as soon as the service is asked to stop, before gRPC and the consumers drain: a
  // mail begun during a long drain is one a SIGKILL at the end of the grace period could cut, and
  // another replica would then send it again once its lease runs out.
  host.OnStopping([self] {
    self->stop_sending_.Notify();
    self->outbox_signal_.Notify();
  });
  host.AddLoop("delivery round", [self](const absl::Notification&) {
    self->dispatcher_.RunUntil(self->stop_sending_, &self->outbox_signal_, self->config_.poll);
  });
  return process;
}

NotificationProcess::NotificationProcess(ServiceHost& host, NotificationConfig config, NoticeTemplates templates,
                                         OfficeDirectory offices)
    : config_(std::move(config)),
      templates_(std::move(templates)),
      offices_(std::move(offices)),
      cases_(*host.Redis()),
      deliveries_(*host.Redis(), config_.stream_max_len),
      worker_(&cases_, &deliveries_, *host.Producer(), &host.clock(), Setup(), &watch_signal_, &outbox_signal_),
      service_(&cases_, &deliveries_, *host.Auth(), &watch_signal_, config_.poll),
      mail_(config_.smtp, templates_.from(), templates_.message_id_domain(), &host.clock()),
      webhooks_(config_.webhooks, config_.webhook_client, &host.clock()),
      dispatcher_(&deliveries_, &host.clock(), Channels(), config_.dispatch) {}

NotificationSetup NotificationProcess::Setup() const {
  NotificationSetup setup;
  setup.templates = &templates_;
  setup.offices = &offices_;
  setup.webhooks = config_.webhooks;
  setup.mail_enabled = config_.mail_enabled;
  return setup;
}

std::map<std::string, DeliveryChannel*> NotificationProcess::Channels() {
  std::map<std::string, DeliveryChannel*> channels = {{"webhook", &webhooks_}};
  if (config_.mail_enabled) channels["email"] = &mail_;
  return channels;
}

}  // namespace hosho
