#include "services/intake/intake_config.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"

namespace hosho {
namespace {

// The rules at the door (scope.*, limits.*): every key from defaults.yaml or the deployment's file.
absl::StatusOr<ScopePolicy> ReadScope(const Config& config) {
  ScopePolicy policy;
  ConfigReader r(config);
  auto opens = ParseDate(r.String("scope.insurer_route_opens"));
  policy.contract_guarantee_min_price_yen = r.Int("scope.contract_guarantee_min_price_yen");
  policy.advance_min_price_yen = r.Int("scope.advance_min_price_yen");
  policy.max_attachment_bytes = r.Int("limits.max_attachment_bytes");
  policy.max_attachments = static_cast<int>(r.Int("limits.max_attachments"));
  if (!r.ok()) return r.status();
  if (!opens.ok())
    return absl::InvalidArgumentError(absl::StrCat("scope.insurer_route_opens: ", opens.status().message()));
  policy.insurer_route_opens = *opens;
  // An empty list would refuse every submission at the door: a deployment that means it says so nowhere.
  policy.ordering_offices = config.GetStringList("scope.ordering_offices");
  const std::vector<std::string> categories = config.GetStringList("scope.work_categories");
  if (policy.ordering_offices.empty() || categories.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config key scope.", policy.ordering_offices.empty() ? "ordering_offices" : "work_categories",
                     " is missing or empty"));
  }
  policy.work_categories.clear();
  for (const std::string& name : categories) {
    auto value = ParseEnumName(hosho::v1::WorkCategory_descriptor(), "WORK_CATEGORY_", name);
    if (!value.ok())
      return absl::InvalidArgumentError(absl::StrCat("scope.work_categories: ", value.status().message()));
    policy.work_categories.push_back(static_cast<hosho::v1::WorkCategory>(*value));
  }
  return policy;
}

// The web form's webhook: optional, off without a readable secret (said once at start-up).
void ReadWebhook(const Config& config, ConfigReader& r, IntakeConfig* c) {
  if (auto secret = config.GetSecret("webhook.secret"); secret.ok()) c->webhook_secret = *std::move(secret);
  c->webhook.host = r.String("webhook.listen_host");
  c->webhook.port = static_cast<int>(r.Int("webhook.port"));
  c->webhook.max_body_bytes = static_cast<size_t>(r.Int("webhook.max_body_bytes"));
  c->webhook.tls_cert_file = r.Path("webhook.tls_cert_file");
  c->webhook.tls_key_file = r.Path("webhook.tls_key_file");
}

}  // namespace

absl::StatusOr<IntakeConfig> IntakeConfig::FromConfig(const Config& config) {
  IntakeConfig c;
  ConfigReader r(config);
  c.options.send_timeout = r.Millis("intake.send_timeout_ms");
  c.options.idempotency_ttl = r.Hours("intake.idempotency_ttl_hours");
  c.options.verification_sla = r.Hours("intake.verification_sla_hours");
  c.blobs_dir = r.Path("blobs.dir");
  c.submissions_per_minute = r.Int("limits.submissions_per_minute");
  if (const std::string mapping = r.String("intake.form_mapping"); !mapping.empty()) {
    c.form_mapping_file = config.ResolvePath(mapping);
  }
  ReadWebhook(config, r, &c);
  c.mail.url = r.String("mail.url");
  c.mail.username = r.String("mail.username");
  c.mail.ca_file = r.Path("mail.ca_file");
  c.mail_poll_interval = r.Millis("mail.poll_interval_ms");
  r.String("webhook.secret_file");  // read by GetSecret: both may be empty, neither may be missing
  r.String("mail.password_file");
  if (!r.ok()) return r.status();
  auto scope = ReadScope(config);
  if (!scope.ok()) return scope.status();
  c.scope = *std::move(scope);
  if (!c.mail.url.empty()) {
    auto password = config.GetSecret("mail.password");
    if (!password.ok()) return password.status();
    c.mail.password = *std::move(password);
  }
  return c;
}

}  // namespace hosho
