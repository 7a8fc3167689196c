#include "services/verification/platform_connector_grpc.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/errors.h"

namespace hosho {

GrpcPlatformConnector::GrpcPlatformConnector(const std::shared_ptr<grpc::Channel>& channel, std::string token,
                                             absl::Duration deadline)
    : stub_(hosho::v1::PlatformLookup::NewStub(channel)), token_(std::move(token)), deadline_(deadline) {}

absl::StatusOr<hosho::v1::CertificateRecord> GrpcPlatformConnector::Lookup(hosho::v1::Platform platform,
                                                                           const std::string& credential) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  AttachBearerToken(&context, token_);
  hosho::v1::CertificateRecord record;
  grpc::Status status;
  if (platform == hosho::v1::PLATFORM_D_SURE) {
    hosho::v1::LookupDSureRequest request;
    if (!request.mutable_credential()->ParseFromString(credential)) {
      return absl::DataLossError("sealed D-Sure credential is unreadable");
    }
    status = stub_->LookupDSure(&context, request, &record);
    WipeString(request.mutable_credential()->mutable_authentication_key());
  } else if (platform == hosho::v1::PLATFORM_CONFIRMATION_SYSTEM) {
    hosho::v1::LookupConfirmationSystemRequest request;
    if (!request.mutable_credential()->ParseFromString(credential)) {
      return absl::DataLossError("sealed confirmation-system credential is unreadable");
    }
    status = stub_->LookupConfirmationSystem(&context, request, &record);
    WipeString(request.mutable_credential()->mutable_viewing_password());
  } else {
    return absl::InvalidArgumentError("no platform to look the certificate up on");
  }
  if (!status.ok()) return FromGrpcStatus(status);
  return record;
}

}  // namespace hosho
