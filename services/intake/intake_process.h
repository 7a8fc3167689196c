#pragma once

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/host/service_host.h"
#include "services/common/http/http_server.h"
#include "services/common/store/blob_store.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/rate_limiter.h"
#include "services/common/store/redis_contract_store.h"
#include "services/intake/contract_registry_service.h"
#include "services/intake/form_import.h"
#include "services/intake/intake_config.h"
#include "services/intake/intake_service.h"
#include "services/intake/mail_intake.h"
#include "services/intake/webhook.h"

namespace hosho {

// hosho-intake wired to its host: serves IntakeService and ContractRegistry, the web form's webhook on
// its own port (when webhook.secret_file is set), and polls the intake mailbox in the background (when
// mail.url is set).
class IntakeProcess {
 public:
  static absl::StatusOr<std::unique_ptr<IntakeProcess>> Create(ServiceHost& host);

 private:
  IntakeProcess(ServiceHost& host, IntakeConfig config, FormMapping mapping);
  // The web form's webhook, on its own port (it faces the form service, not city systems).
  absl::Status StartWebhook(ServiceHost& host);
  // The mailbox (flow B arrives by mail), polled by a loop of the host.
  absl::Status StartMail(ServiceHost& host);

  IntakeConfig config_;
  FormMapping mapping_;
  RedisCaseStore cases_;
  RedisContractStore contracts_;
  SealedFileBlobStore blobs_;
  RedisRateLimiter limiter_;
  IntakeServiceImpl intake_;
  FormCsvImporter form_csv_;
  ContractRegistryImpl registry_;
  std::unique_ptr<FormWebhook> webhook_;
  std::unique_ptr<HttpServer> webhook_server_;  // stops before the webhook it calls goes
  std::unique_ptr<MailIntake> mail_;
};

}  // namespace hosho
