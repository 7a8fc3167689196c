#pragma once

#include <initializer_list>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "services/common/auth/auth.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/errors.h"

namespace hosho {

// The frame of every unary RPC, in one place: the caller is authenticated for `roles` (any role
// when the list is empty; what a principal may see is then the handler's decision) before
// anything of the request is used, the call is counted and timed (hosho_grpc_server_handled_total,
// hosho_grpc_server_handling_seconds) whatever its end, and the handler's absl::Status becomes the
// gRPC status with its google.rpc details. `handler(const Principal&)` returns absl::Status and
// fills the response itself; it holds only the method's logic.
template <class Handler>
grpc::Status ServeRpc(const char* method, const Authenticator& auth, const grpc::ServerContextBase& context,
                      std::initializer_list<Role> roles, Handler&& handler) {
  const absl::Time started = absl::Now();
  auto principal = roles.size() == 0 ? auth.Authenticate(context) : auth.Require(context, roles);
  if (!principal.ok()) return ObserveRpc(method, started, ToGrpcStatus(principal.status()));
  return ObserveRpc(method, started, ToGrpcStatus(handler(*principal)));
}

}  // namespace hosho
