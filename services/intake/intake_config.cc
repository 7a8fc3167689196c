#include "services/intake/intake_config.h"

#include <utility>

namespace hosho {

absl::StatusOr<IntakeConfig> IntakeConfig::FromConfig(const Config& config) {
  IntakeConfig c;
  c.options.send_timeout = absl::Milliseconds(config.GetInt("intake.send_timeout_ms", 10000));
  c.options.idempotency_ttl = absl::Hours(config.GetInt("intake.idempotency_ttl_hours", 720));
  c.options.verification_sla = absl::Hours(config.GetInt("intake.verification_sla_hours", 72));
  c.scope = ScopePolicyFromConfig(config);
  c.blobs_dir = config.ResolvePath(config.GetString("blobs.dir"));
  c.submissions_per_minute = config.GetInt("limits.submissions_per_minute", 120);
  if (const std::string mapping = config.GetString("intake.form_mapping"); !mapping.empty()) {
    c.form_mapping_file = config.ResolvePath(mapping);
  }
  // The webhook is optional: without a readable secret it stays off (said once at start-up).
  if (auto secret = config.GetSecret("webhook.secret"); secret.ok()) c.webhook_secret = *std::move(secret);
  c.webhook.host = config.GetString("webhook.listen_host", "127.0.0.1");
  c.webhook.port = static_cast<int>(config.GetInt("webhook.port", 8101));
  c.webhook.max_body_bytes = static_cast<size_t>(config.GetInt("webhook.max_body_bytes", 8 << 20));
  c.webhook.tls_cert_file = config.ResolvePath(config.GetString("webhook.tls_cert_file"));
  c.webhook.tls_key_file = config.ResolvePath(config.GetString("webhook.tls_key_file"));
  c.mail.url = config.GetString("mail.url");
  if (!c.mail.url.empty()) {
    c.mail.username = config.GetString("mail.username");
    auto password = config.GetSecret("mail.password");
    if (!password.ok()) return password.status();
    c.mail.password = *std::move(password);
    c.mail.ca_file = config.ResolvePath(config.GetString("mail.ca_file"));
  }
  c.mail_poll_interval = absl::Milliseconds(config.GetInt("mail.poll_interval_ms", 30000));
  return c;
}

}  // namespace hosho
