// hosho-notification: turns events into notices, delivers them (SMTP, signed webhooks, office
// watch streams) from a durable outbox, and serves NotificationService.
#include "services/common/case_store_redis.h"
#include "services/common/delivery_store_redis.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/notification/delivery.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7104", dev_plaintext: false}
admin: {port: 9104}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-notification}
redis: {host: 127.0.0.1, port: 6379}
notification:
  templates_file: deploy/notification/templates.yaml
  offices_file: deploy/city/offices.yaml
  poll_ms: 500            # how often the outbox and the watch streams look for other replicas' work
  stream_max_len: 100000  # notices kept per office stream
smtp:
  enabled: true
  url: "smtp://127.0.0.1:25"   # smtps://host:465, or smtp:// with require_tls for STARTTLS
  require_tls: false
  username: ""
  password_file: ""
  ca_file: ""
  timeout_ms: 20000
delivery: {lease_ms: 60000, initial_backoff_ms: 5000, max_backoff_ms: 1800000, max_attempts: 12, batch: 50}
webhooks: []                   # [{name, url, secret_file, offices: [...]}]; empty offices: all
webhook_client: {timeout_ms: 10000, ca_file: ""}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-notification", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  const hosho::NoticeTemplates templates = hosho::ValueOrExit(
      hosho::NoticeTemplates::FromFile(config.ResolvePath(config.GetString("notification.templates_file"))));
  const hosho::OfficeDirectory offices = hosho::ValueOrExit(
      hosho::OfficeDirectory::FromFile(config.ResolvePath(config.GetString("notification.offices_file"))));
  hosho::NotificationSetup setup;
  setup.templates = &templates;
  setup.offices = &offices;
  setup.mail_enabled = config.GetBool("smtp.enabled", true);
  for (const hosho::Config& w : config.GetList("webhooks")) {
    hosho::WebhookSubscriber s{w.GetString("name"), w.GetString("url"), hosho::ValueOrExit(w.GetSecret("secret")),
                               w.GetStringList("offices")};
    if (s.name.empty() || s.url.empty()) {
      hosho::ExitOnStartupError(absl::InvalidArgumentError("webhooks: every entry needs a name and a url"));
    }
    setup.webhooks.push_back(std::move(s));
  }

  hosho::RedisClient* redis = hosho::ValueOrExit(host.Redis());
  hosho::RedisCaseStore cases(redis);
  hosho::RedisDeliveryStore deliveries(redis, config.GetInt("notification.stream_max_len", 100000));
  hosho::NoticeSignal watch_signal;   // office streams got a notice
  hosho::NoticeSignal outbox_signal;  // deliveries wait to be sent
  const absl::Duration poll = absl::Milliseconds(config.GetInt("notification.poll_ms", 500));
  host.DeclareTopics({hosho::topics::kNotifications});
  hosho::NotificationWorker worker(&cases, &deliveries, hosho::ValueOrExit(host.Producer()), &host.clock(), setup,
                                   &watch_signal, &outbox_signal);
  hosho::NotificationServiceImpl service(&cases, &deliveries, hosho::ValueOrExit(host.Auth()), &watch_signal, poll);
  hosho::AddGrpcService(host, &service);
  host.OnStopping([&service] { service.Stop(); });

  hosho::SmtpOptions smtp;
  smtp.url = config.GetString("smtp.url");
  smtp.require_tls = config.GetBool("smtp.require_tls", false);
  smtp.username = config.GetString("smtp.username");
  if (!config.GetString("smtp.password_file").empty())
    smtp.password = hosho::ValueOrExit(config.GetSecret("smtp.password"));
  smtp.ca_file = config.ResolvePath(config.GetString("smtp.ca_file"));
  smtp.timeout = absl::Milliseconds(config.GetInt("smtp.timeout_ms", 20000));
  hosho::MailChannel mail(smtp, templates.from(), templates.message_id_domain(), &host.clock());
  hosho::WebhookOptions webhook_options;
  webhook_options.timeout = absl::Milliseconds(config.GetInt("webhook_client.timeout_ms", 10000));
  webhook_options.ca_file = config.ResolvePath(config.GetString("webhook_client.ca_file"));
  hosho::WebhookChannel webhooks(setup.webhooks, webhook_options, &host.clock());
  hosho::DispatchOptions dispatch;
  dispatch.lease = absl::Milliseconds(config.GetInt("delivery.lease_ms", 60000));
  dispatch.initial_backoff = absl::Milliseconds(config.GetInt("delivery.initial_backoff_ms", 5000));
  dispatch.max_backoff = absl::Milliseconds(config.GetInt("delivery.max_backoff_ms", 1800000));
  dispatch.max_attempts = static_cast<int>(config.GetInt("delivery.max_attempts", 12));
  dispatch.batch = static_cast<int>(config.GetInt("delivery.batch", 50));
  std::map<std::string, hosho::DeliveryChannel*> channels = {{"webhook", &webhooks}};
  if (setup.mail_enabled) channels["email"] = &mail;
  hosho::DeliveryDispatcher dispatcher(&deliveries, &host.clock(), channels, dispatch);

  hosho::ValueOrExit(
      host.AddConsumer({hosho::topics::kSubmissions, hosho::topics::kRoutings, hosho::topics::kVerifications},
                       [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); }));
  std::atomic<bool> stop{false};
  host.OnStopping([&] {
    stop = true;
    outbox_signal.Notify();
  });
  std::thread sender([&] {
    uint64_t seen = outbox_signal.generation();
    while (!stop) {
      auto attempted = dispatcher.RunOnce();
      if (!attempted.ok()) {
        hosho::LogWarn("delivery round failed", {{"error", std::string(attempted.status().message())}});
      }
      if (!attempted.ok() || *attempted < dispatch.batch) seen = outbox_signal.WaitAfter(seen, poll);
    }
  });
  const int rc = host.Run();
  stop = true;
  outbox_signal.Notify();
  sender.join();
  return rc;
}
