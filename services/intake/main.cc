// hosho-intake: SubmitGuarantee, the contract registry, the web form's webhook and CSV
// import, and the mailbox poller.
#include "services/common/blob_store.h"
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/http_server.h"
#include "services/common/log.h"
#include "services/common/mail.h"
#include "services/common/rate_limiter.h"
#include "services/common/service_host.h"
#include "services/intake/contract_registry_service.h"
#include "services/intake/form_import.h"
#include "services/intake/intake_service.h"
#include "services/intake/mail_intake.h"
#include "services/intake/webhook.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7101", dev_plaintext: false, max_message_bytes: 16777216}
admin: {port: 9101}
kafka: {bootstrap_servers: "127.0.0.1:19092"}
redis: {host: 127.0.0.1, port: 6379}
intake:
  send_timeout_ms: 10000
  idempotency_ttl_hours: 720
  verification_sla_hours: 72
  form_mapping: ""          # empty: the compiled-in copy of deploy/intake/form-mapping.yaml
blobs:
  dir: /var/lib/hosho/blobs     # sealed attachments, by SHA-256 (share it between replicas)
scope:
  ordering_offices: [contract-division, water-sewerage-policy]
  work_categories: [construction, surveying_consulting]
  insurer_route_opens: "2026-04-01"
  contract_guarantee_min_price_yen: 5000000
  advance_min_price_yen: 1000000
limits:
  submissions_per_minute: 120   # per principal, shared by every replica through Redis
  max_attachment_bytes: 5242880   # per PDF; an invoice or an insurer's format is far smaller
  max_attachments: 5
webhook:
  listen_host: 127.0.0.1
  port: 8101
  max_body_bytes: 8388608       # attachments arrive base64 inside the JSON; larger bodies get 413
  secret_file: ""               # HMAC key; the webhook stays off without one
  tls_cert_file: ""
  tls_key_file: ""
mail:
  url: ""                       # imaps://host:993/INBOX; polling stays off when empty
  username: ""
  password_file: ""
  ca_file: ""
  poll_interval_ms: 30000
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-intake", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  hosho::RedisClient* redis = hosho::ValueOrExit(host.Redis());
  hosho::EventProducer* producer = hosho::ValueOrExit(host.Producer());
  host.DeclareTopics({hosho::topics::kSubmissions, hosho::topics::kContracts});
  const hosho::Sealer* sealer = hosho::ValueOrExit(host.Sealing());
  const hosho::Authenticator* auth = hosho::ValueOrExit(host.Auth());

  hosho::RedisCaseStore cases(redis);
  hosho::RedisContractStore contracts(redis);
  hosho::SealedFileBlobStore blobs(config.ResolvePath(config.GetString("blobs.dir")), sealer);
  hosho::RedisRateLimiter limiter(redis, &host.clock(), config.GetInt("limits.submissions_per_minute", 120),
                                  absl::Minutes(1));
  hosho::IntakeOptions options;
  options.send_timeout = absl::Milliseconds(config.GetInt("intake.send_timeout_ms", 10000));
  options.idempotency_ttl = absl::Hours(config.GetInt("intake.idempotency_ttl_hours", 720));
  options.verification_sla = absl::Hours(config.GetInt("intake.verification_sla_hours", 72));
  hosho::IntakeDeps deps{&cases, &contracts, producer, sealer, auth, &host.clock(), &blobs, &limiter};
  hosho::IntakeServiceImpl intake(deps, hosho::ScopePolicyFromConfig(config), options);

  const std::string mapping_path = config.GetString("intake.form_mapping");
  const hosho::FormMapping mapping =
      mapping_path.empty() ? hosho::FormMapping::Default()
                           : hosho::ValueOrExit(hosho::FormMapping::FromFile(config.ResolvePath(mapping_path)));
  hosho::FormCsvImporter form_csv(mapping, &intake);
  intake.SetFormImporter(&form_csv);

  hosho::ContractRegistryImpl registry(&contracts, producer, auth, &host.clock());
  hosho::AddGrpcService(host, &intake);
  hosho::AddGrpcService(host, &registry);

  // The web form's webhook, on its own port (it faces the form service, not city systems).
  std::unique_ptr<hosho::FormWebhook> webhook;
  std::unique_ptr<hosho::HttpServer> webhook_server;
  if (auto secret = config.GetSecret("webhook.secret"); secret.ok() && !secret->empty()) {
    webhook = std::make_unique<hosho::FormWebhook>(&mapping, &intake, *secret, &host.clock());
    hosho::HttpServerOptions http;
    http.host = config.GetString("webhook.listen_host", "127.0.0.1");
    http.port = static_cast<int>(config.GetInt("webhook.port", 8101));
    http.max_body_bytes = static_cast<size_t>(config.GetInt("webhook.max_body_bytes", 8 << 20));
    http.tls_cert_file = config.ResolvePath(config.GetString("webhook.tls_cert_file"));
    http.tls_key_file = config.ResolvePath(config.GetString("webhook.tls_key_file"));
    webhook_server = hosho::ValueOrExit(hosho::HttpServer::Start(
        http, {{"/webhooks/form", [&webhook](const hosho::HttpCall& call) { return webhook->Handle(call); }}}));
    hosho::LogInfo("form webhook listening", {{"port", webhook_server->port()}});
  } else {
    hosho::LogInfo("form webhook off (no webhook.secret_file)", {});
  }

  // The mailbox (flow B arrives by mail).
  std::unique_ptr<hosho::MailIntake> mail;
  if (const std::string url = config.GetString("mail.url"); !url.empty()) {
    hosho::ImapOptions imap;
    imap.url = url;
    imap.username = config.GetString("mail.username");
    imap.password = hosho::ValueOrExit(config.GetSecret("mail.password"));
    imap.ca_file = config.ResolvePath(config.GetString("mail.ca_file"));
    mail = std::make_unique<hosho::MailIntake>(hosho::ValueOrExit(hosho::OpenImapMailbox(imap)), &intake,
                                               absl::Milliseconds(config.GetInt("mail.poll_interval_ms", 30000)));
    mail->Start();
    hosho::LogInfo("mailbox polling", {{"url", url}});
  }
  const int rc = host.Run();
  if (mail) mail->Stop();
  if (webhook_server) webhook_server->Stop();
  return rc;
}
