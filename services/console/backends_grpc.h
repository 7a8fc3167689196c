#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/common/client/api_client.h"
#include "services/console/backends.h"

namespace grpc {
class Channel;
}

namespace hosho {

// ConsoleBackends over gRPC: hosho-verification and hosho-routing through ApiClient, each call with
// the console's token, x-hosho-acting-for and a fresh traceparent.
class GrpcConsoleBackends final : public ConsoleBackends {
 public:
  GrpcConsoleBackends(const std::shared_ptr<grpc::Channel>& verification, const std::shared_ptr<grpc::Channel>& routing,
                      std::string service_token, absl::Duration deadline);

  absl::StatusOr<hosho::v1::ListTasksResponse> ListTasks(const Principal& user, const std::string& office) override;
  absl::StatusOr<hosho::v1::VerificationTask> ClaimTask(const Principal& user, const std::string& task_id) override;
  absl::StatusOr<hosho::v1::VerificationTask> ReleaseTask(const Principal& user, const std::string& task_id) override;
  absl::StatusOr<hosho::v1::RevealCredentialResponse> RevealCredential(const Principal& user,
                                                                       const std::string& task_id,
                                                                       const std::string& reason) override;
  absl::StatusOr<hosho::v1::VerificationTask> RecordCertificate(
      const Principal& user, const hosho::v1::RecordCertificateRequest& request) override;
  absl::StatusOr<hosho::v1::Case> Handoff(const Principal& user, HandoffStep step,
                                          const hosho::v1::HandoffRequest& request) override;
  std::vector<ConnectorHealth> PlatformHealth() override;

 private:
  // The calls of one request, made for `user` in a new trace.
  ApiClient For(const Principal& user) const;

  std::shared_ptr<grpc::Channel> verification_channel_;
  ApiClient api_;
};

}  // namespace hosho
