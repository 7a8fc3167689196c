#include "services/hoshoctl/client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/http/http_server.h"
#include "services/common/mail/mail.h"
#include "services/common/runtime/config.h"

namespace hosho {

absl::StatusOr<Endpoints> EndpointsFromStackFile(const std::string& path) {
  auto file = Config::Load("", path);
  if (!file.ok()) return file.status();
  Endpoints e;
  e.intake = file->GetString("grpc.intake");
  e.console = file->GetString("grpc.console");
  e.notification = file->GetString("grpc.notification");
  e.verification = file->GetString("grpc.verification");
  e.routing = file->GetString("grpc.routing");
  e.accounting = file->GetString("grpc.platform-sim");
  for (const auto& [name, token_file] : file->GetMap("tokens")) e.token_files[name] = token_file;
  e.webhook_port = static_cast<int>(file->GetInt("webhook.port"));
  e.webhook_secret_file = file->GetString("webhook.secret_file");
  e.dovecot_config = file->GetString("mail.dovecot_config");
  e.mail_user = file->GetString("mail.user");
  e.ca_file = file->GetString("tls.ca_file");
  e.dev_plaintext = e.ca_file.empty();
  if (e.intake.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no grpc.intake endpoint"));
  return e;
}

namespace {

// A channel to `target`, or to intake's address when the stack file names none for that service.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& target, const Endpoints& endpoints) {
  ChannelOptions options;
  options.target = target.empty() ? endpoints.intake : target;
  options.dev_plaintext = endpoints.dev_plaintext;
  options.ca_file = endpoints.ca_file;
  return MakeChannel(options);
}

}  // namespace

HoshoClient::HoshoClient(Endpoints endpoints, const ApiChannels& channels)
    : ApiClient(channels), endpoints_(std::move(endpoints)) {}

absl::StatusOr<std::unique_ptr<HoshoClient>> HoshoClient::Connect(const Endpoints& endpoints) {
  ApiChannels channels;
  std::pair<const std::string*, std::shared_ptr<grpc::Channel>*> wanted[] = {
      {&endpoints.intake, &channels.intake},   {&endpoints.notification, &channels.notification},
      {&endpoints.console, &channels.cases},   {&endpoints.verification, &channels.verification},
      {&endpoints.routing, &channels.routing}, {&endpoints.accounting, &channels.accounting}};
  for (auto& [target, channel] : wanted) {
    auto made = ChannelTo(*target, endpoints);
    if (!made.ok()) return made.status();
    *channel = *std::move(made);
  }
  return std::unique_ptr<HoshoClient>(new HoshoClient(endpoints, channels));
}

absl::Status HoshoClient::ActAs(const std::string& principal) {
  auto it = endpoints_.token_files.find(principal);
  if (it == endpoints_.token_files.end()) return absl::NotFoundError(absl::StrCat("no token for ", principal));
  std::ifstream in(it->second);
  std::string token;
  if (!std::getline(in, token)) return absl::NotFoundError(absl::StrCat("token file unreadable for ", principal));
  set_caller(Caller{.token = std::move(token)});
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int, std::string>> HoshoClient::PostFormWebhook(const std::string& json) const {
  if (endpoints_.webhook_port == 0) return absl::FailedPreconditionError("no webhook in the stack file");
  std::ifstream in(endpoints_.webhook_secret_file);
  std::string secret;
  if (!std::getline(in, secret)) return absl::NotFoundError("webhook secret unreadable");
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return HttpPost(
      "127.0.0.1", endpoints_.webhook_port, "/webhooks/form",
      {{"X-Hosho-Timestamp", std::to_string(now)}, {"X-Hosho-Signature", WebhookSignature(secret, now, json)}}, json,
      "application/json");
}

absl::Status HoshoClient::DeliverMail(const std::string& raw) const {
  if (endpoints_.dovecot_config.empty()) return absl::FailedPreconditionError("no mailbox in the stack file");
  return DeliverLocally(endpoints_.dovecot_config, endpoints_.mail_user, raw);
}

}  // namespace hosho
