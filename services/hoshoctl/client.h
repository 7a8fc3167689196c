#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "services/common/client/api_client.h"

namespace hosho {

class Config;

// Endpoints and credentials of a running hosho, usually read from the
// stack file that hosho-stack writes (.run/stack.yaml).
struct Endpoints {
  std::string intake;        // IntakeService, ContractRegistry
  std::string console;       // CaseService
  std::string notification;  // NotificationService
  std::string verification;  // VerificationService (clerk tasks)
  std::string routing;       // HandoffService
  std::string accounting;    // AccountingService (the simulator in development)
  bool dev_plaintext = true;
  std::string ca_file;                             // set (stack.yaml's tls.ca_file): TLS, trusting this CA
  std::map<std::string, std::string> token_files;  // principal → file
  int webhook_port = 0;                            // intake's web form webhook (loopback)
  std::string webhook_secret_file;
  std::string dovecot_config;  // the development mailbox (local delivery)
  std::string mail_user;
};

absl::StatusOr<Endpoints> EndpointsFromStackFile(const std::string& path);

// hosho's gRPC APIs (ApiClient, shared with the console) as the principal the stack file names,
// plus what only a development stack offers: its web form webhook and its mailbox.
class HoshoClient : public ApiClient {
 public:
  static absl::StatusOr<std::unique_ptr<HoshoClient>> Connect(const Endpoints& endpoints);

  // Uses `principal`'s token for the calls that follow.
  absl::Status ActAs(const std::string& principal);

  // Posts a web form answer (JSON) to the webhook, signed with the stack's secret. Returns
  // the HTTP status and the JSON answer.
  absl::StatusOr<std::pair<int, std::string>> PostFormWebhook(const std::string& json) const;
  // Delivers a mail into the development mailbox that intake polls.
  absl::Status DeliverMail(const std::string& raw) const;

 private:
  HoshoClient(Endpoints endpoints, const ApiChannels& channels);

  Endpoints endpoints_;
};

}  // namespace hosho
