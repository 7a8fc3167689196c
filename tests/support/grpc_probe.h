#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace grpc {
class Channel;
}

namespace hosho::testing {

// Lists the services a server exposes, through gRPC server reflection.
absl::StatusOr<std::vector<std::string>> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel);
// grpc.health.v1 Check for `service` ("" = the server): true when SERVING.
absl::StatusOr<bool> IsServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "");

}  // namespace hosho::testing
