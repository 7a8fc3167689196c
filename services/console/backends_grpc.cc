#include "services/console/backends_grpc.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/trace.h"

namespace hosho {

GrpcConsoleBackends::GrpcConsoleBackends(const std::shared_ptr<grpc::Channel>& verification,
                                         const std::shared_ptr<grpc::Channel>& routing, std::string service_token,
                                         absl::Duration deadline)
    : verification_channel_(verification),
      verification_(hosho::v1::VerificationService::NewStub(verification)),
      routing_(hosho::v1::HandoffService::NewStub(routing)),
      token_(std::move(service_token)),
      deadline_(deadline) {}

void GrpcConsoleBackends::Prepare(grpc::ClientContext* context, const Principal& user) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachActingFor(context, token_, user);
  const std::string traceparent = NewTraceparent();
  context->AddMetadata("traceparent", traceparent);
  LogDebug("console call", {{"user", user.name}, {"trace_id", TraceIdOf(traceparent)}});
}

absl::StatusOr<hosho::v1::ListTasksResponse> GrpcConsoleBackends::ListTasks(const Principal& user,
                                                                            const std::string& office) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::ListTasksRequest request;
  request.set_office(office);
  request.set_page_size(200);
  hosho::v1::ListTasksResponse response;
  grpc::Status status = verification_->ListTasks(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::ClaimTask(const Principal& user,
                                                                           const std::string& task_id) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::ClaimTaskRequest request;
  request.set_task_id(task_id);
  hosho::v1::VerificationTask task;
  grpc::Status status = verification_->ClaimTask(&context, request, &task);
  if (!status.ok()) return FromGrpcStatus(status);
  return task;
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::ReleaseTask(const Principal& user,
                                                                             const std::string& task_id) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::ReleaseTaskRequest request;
  request.set_task_id(task_id);
  hosho::v1::VerificationTask task;
  grpc::Status status = verification_->ReleaseTask(&context, request, &task);
  if (!status.ok()) return FromGrpcStatus(status);
  return task;
}

absl::StatusOr<hosho::v1::RevealCredentialResponse> GrpcConsoleBackends::RevealCredential(const Principal& user,
                                                                                          const std::string& task_id,
                                                                                          const std::string& reason) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::RevealCredentialRequest request;
  request.set_task_id(task_id);
  request.set_reason(reason);
  hosho::v1::RevealCredentialResponse response;
  grpc::Status status = verification_->RevealCredential(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<hosho::v1::VerificationTask> GrpcConsoleBackends::RecordCertificate(
    const Principal& user, const hosho::v1::RecordCertificateRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::VerificationTask task;
  grpc::Status status = verification_->RecordCertificate(&context, request, &task);
  if (!status.ok()) return FromGrpcStatus(status);
  return task;
}

absl::StatusOr<hosho::v1::Case> GrpcConsoleBackends::Handoff(const Principal& user, HandoffStep step,
                                                             const hosho::v1::HandoffRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, user);
  hosho::v1::Case response;
  grpc::Status status;
  switch (step) {
    case HandoffStep::kConclude:
      status = routing_->ConcludeContract(&context, request, &response);
      break;
    case HandoffStep::kAcknowledge:
      status = routing_->AcknowledgeReceipt(&context, request, &response);
      break;
    case HandoffStep::kPaymentHandoff:
      status = routing_->RecordPaymentHandoff(&context, request, &response);
      break;
    case HandoffStep::kWithdraw:
      status = routing_->Withdraw(&context, request, &response);
      break;
  }
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
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
