#include "services/console/backends_grpc.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/trace.h"

namespace hosho {

GrpcConsoleBackends::GrpcConsoleBackends(const std::shared_ptr<grpc::Channel>& verification,
                                         const std::shared_ptr<grpc::Channel>& routing, std::string service_token,
                                         absl::Duration deadline)
    : verification_channel_(verification),
      api_(ApiChannels{.verification = verification, .routing = routing},
           Caller{.token = std::move(service_token), .deadline = deadline}) {}

ApiClient GrpcConsoleBackends::For(const Principal& user) const {
  Caller caller = api_.caller();
  caller.acting_for = user;
  caller.traceparent = NewTraceparent();
  LogDebug("console call", {{"user", user.name}, {"trace_id", TraceIdOf(caller.traceparent)}});
  return api_.As(std::move(caller));
}

absl::StatusOr<hosho::v1::ListTasksResponse> GrpcConsoleBackends::ListTasks(const Principal& user,
                                                                            const std::string& office) {
  return For(user).ListTasks(office);
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::ClaimTask(const Principal& user,
                                                                           const std::string& task_id) {
  return For(user).ClaimTask(task_id);
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::ReleaseTask(const Principal& user,
                                                                             const std::string& task_id) {
  return For(user).ReleaseTask(task_id);
}

absl::StatusOr<hosho::v1::RevealCredentialResponse> GrpcConsoleBackends::RevealCredential(const Principal& user,
                                                                                          const std::string& task_id,
                                                                                          const std::string& reason) {
  return For(user).RevealCredential(task_id, reason);
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::RecordCertificate(
    const Principal& user, const hosho::v1::RecordCertificateRequest& request) {
  return For(user).RecordCertificate(request);
}

absl::StatusOr<hosho::v1::Case> GrpcConsoleBackends::Handoff(const Principal& user, HandoffStep step,
                                                             const hosho::v1::HandoffRequest& request) {
  return For(user).Handoff(step, request);
}

std::vector<ConsoleBackends::ConnectorHealth> GrpcConsoleBackends::PlatformHealth() {
  auto health = grpc::health::v1::Health::NewStub(verification_channel_);
  std::vector<ConnectorHealth> out;
  for (const char* platform : {"PLATFORM_D_SURE", "PLATFORM_CONFIRMATION_SYSTEM"}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(absl::StrCat("hosho.platform.", platform));
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    std::string state = "UNKNOWN";
    if (status.ok()) state = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
    out.push_back({platform, state});
  }
  return out;
}

}  // namespace hosho
