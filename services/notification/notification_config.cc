#include "services/notification/notification_config.h"

#include <utility>

namespace hosho {
namespace {

absl::StatusOr<std::vector<WebhookSubscriber>> WebhooksFromConfig(const Config& config) {
  std::vector<WebhookSubscriber> out;
  for (const Config& w : config.GetList("webhooks")) {
    auto secret = w.GetSecret("secret");
    if (!secret.ok()) return secret.status();
    WebhookSubscriber s{w.GetString("name"), w.GetString("url"), *std::move(secret), w.GetStringList("offices")};
    if (s.name.empty() || s.url.empty()) {
      return absl::InvalidArgumentError("webhooks: every entry needs a name and a url");
    }
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<SmtpOptions> SmtpFromConfig(const Config& config) {
  SmtpOptions smtp;
  ConfigReader r(config);
  smtp.url = r.String("smtp.url");
  smtp.require_tls = r.Bool("smtp.require_tls");
  smtp.username = r.String("smtp.username");
  const std::string password_file = r.String("smtp.password_file");
  smtp.ca_file = r.Path("smtp.ca_file");
  smtp.timeout = r.Millis("smtp.timeout_ms");
  if (!r.ok()) return r.status();
  if (!password_file.empty()) {
    auto password = config.GetSecret("smtp.password");
    if (!password.ok()) return password.status();
    smtp.password = *std::move(password);
  }
  return smtp;
}

void ReadDispatch(ConfigReader& r, DispatchOptions* dispatch) {
  dispatch->lease = r.Millis("delivery.lease_ms");
  dispatch->initial_backoff = r.Millis("delivery.initial_backoff_ms");
  dispatch->max_backoff = r.Millis("delivery.max_backoff_ms");
  dispatch->max_attempts = static_cast<int>(r.Int("delivery.max_attempts"));
  dispatch->batch = static_cast<int>(r.Int("delivery.batch"));
}

}  // namespace

absl::StatusOr<NotificationConfig> NotificationConfig::FromConfig(const Config& config) {
  NotificationConfig c;
  ConfigReader r(config);
  c.templates_file = r.Path("notification.templates_file");
  c.offices_file = r.Path("notification.offices_file");
  c.poll = r.Millis("notification.poll_ms");
  c.stream_max_len = r.Int("notification.stream_max_len");
  c.mail_enabled = r.Bool("smtp.enabled");
  c.webhook_client.timeout = r.Millis("webhook_client.timeout_ms");
  c.webhook_client.ca_file = r.Path("webhook_client.ca_file");
  ReadDispatch(r, &c.dispatch);
  if (!r.ok()) return r.status();
  auto webhooks = WebhooksFromConfig(config);
  if (!webhooks.ok()) return webhooks.status();
  c.webhooks = *std::move(webhooks);
  auto smtp = SmtpFromConfig(config);
  if (!smtp.ok()) return smtp.status();
  c.smtp = *std::move(smtp);
  return c;
}

}  // namespace hosho
