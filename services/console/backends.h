#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hosho/v1/handoff.pb.h"
#include "hosho/v1/verification.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/client/handoff_step.h"

namespace hosho {

// The services that own what the console lets people do. Every call is made under the signed-in
// user (the console's own credential plus x-hosho-acting-for), so the owning service checks and
// records that user exactly as if they had called it themselves. The console's pages see this
// role, so that their tests fake it (tests/support/fake_console_backends.h); GrpcConsoleBackends
// makes the calls with services/common/client.
class ConsoleBackends {
 public:
  virtual ~ConsoleBackends() = default;

  virtual absl::StatusOr<hosho::v1::ListTasksResponse> ListTasks(const Principal& user, const std::string& office) = 0;
  virtual absl::StatusOr<hosho::v1::VerificationTask> ClaimTask(const Principal& user, const std::string& task_id) = 0;
  virtual absl::StatusOr<hosho::v1::VerificationTask> ReleaseTask(const Principal& user,
                                                                  const std::string& task_id) = 0;
  virtual absl::StatusOr<hosho::v1::RevealCredentialResponse> RevealCredential(const Principal& user,
                                                                               const std::string& task_id,
                                                                               const std::string& reason) = 0;
  virtual absl::StatusOr<hosho::v1::VerificationTask> RecordCertificate(
      const Principal& user, const hosho::v1::RecordCertificateRequest& request) = 0;
  virtual absl::StatusOr<hosho::v1::Case> Handoff(const Principal& user, HandoffStep step,
                                                  const hosho::v1::HandoffRequest& request) = 0;

  // The platform connector's health as hosho-verification reports it ("hosho.platform.<PLATFORM>"):
  // SERVING, NOT_SERVING (breaker open) or UNKNOWN (verification not answering). Called under the
  // console's own identity.
  struct ConnectorHealth {
    std::string platform;  // "PLATFORM_D_SURE"
    std::string status;
  };
  virtual std::vector<ConnectorHealth> PlatformHealth() = 0;
};

}  // namespace hosho
