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
  smtp.url = config.GetString("smtp.url");
  smtp.require_tls = config.GetBool("smtp.require_tls", false);
  smtp.username = config.GetString("smtp.username");
  if (!config.GetString("smtp.password_file").empty()) {
    auto password = config.GetSecret("smtp.password");
    if (!password.ok()) return password.status();
    smtp.password = *std::move(password);
  }
  smtp.ca_file = config.ResolvePath(config.GetString("smtp.ca_file"));
  smtp.timeout = absl::Milliseconds(config.GetInt("smtp.timeout_ms", 20000));
  return smtp;
}

DispatchOptions DispatchFromConfig(const Config& config) {
  DispatchOptions dispatch;
  dispatch.lease = absl::Milliseconds(config.GetInt("delivery.lease_ms", 60000));
  dispatch.initial_backoff = absl::Milliseconds(config.GetInt("delivery.initial_backoff_ms", 5000));
  dispatch.max_backoff = absl::Milliseconds(config.GetInt("delivery.max_backoff_ms", 1800000));
  dispatch.max_attempts = static_cast<int>(config.GetInt("delivery.max_attempts", 12));
  dispatch.batch = static_cast<int>(config.GetInt("delivery.batch", 50));
  return dispatch;
}

}  // namespace

absl::StatusOr<NotificationConfig> NotificationConfig::FromConfig(const Config& config) {
  NotificationConfig c;
  c.templates_file = config.ResolvePath(config.GetString("notification.templates_file"));
  c.offices_file = config.ResolvePath(config.GetString("notification.offices_file"));
  c.poll = absl::Milliseconds(config.GetInt("notification.poll_ms", 500));
  c.stream_max_len = config.GetInt("notification.stream_max_len", 100000);
  c.mail_enabled = config.GetBool("smtp.enabled", true);
  auto webhooks = WebhooksFromConfig(config);
  if (!webhooks.ok()) return webhooks.status();
  c.webhooks = *std::move(webhooks);
  auto smtp = SmtpFromConfig(config);
  if (!smtp.ok()) return smtp.status();
  c.smtp = *std::move(smtp);
  c.webhook_client.timeout = absl::Milliseconds(config.GetInt("webhook_client.timeout_ms", 10000));
  c.webhook_client.ca_file = config.ResolvePath(config.GetString("webhook_client.ca_file"));
  c.dispatch = DispatchFromConfig(config);
  return c;
}

}  // namespace hosho
