#pragma once

#include <memory>

#include "hosho/v1/platform_sim.grpc.pb.h"
#include "services/verification/platform_connector.h"

namespace hosho {

// The automated connector over gRPC (hosho-platform-sim today; a platform API
// if one is ever published).
class GrpcPlatformConnector final : public PlatformConnector {
 public:
  GrpcPlatformConnector(const std::shared_ptr<grpc::Channel>& channel, std::string token, absl::Duration deadline);
  absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform platform,
                                                      const std::string& credential) override;

 private:
  std::unique_ptr<hosho::v1::PlatformLookup::Stub> stub_;
  std::string token_;
  absl::Duration deadline_;
};

}  // namespace hosho
