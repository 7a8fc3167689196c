#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class ServerContext;
class ServerContextBase;
class ClientContext;
}  // namespace grpc

namespace hosho {

class Clock;

enum class Role { kSubmitter, kClerk, kOperator, kIntegration, kService };
absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// Who is calling: a name, a role, and the office the principal belongs to
// (empty for roles that are not tied to an office).
struct Principal {
  std::string name;
  Role role = Role::kSubmitter;
  std::string office;
  // The service that presented this principal on its behalf (the console for a signed-in
  // clerk); empty when the principal called in person.
  std::string via = {};
  // Roles this principal may act for (see kActingForHeader); only services are given any.
  std::vector<Role> may_act_for = {};
};

// A service trusted to act for its users (the console) sends its own credential plus this
// header, "name;role;office", and the call is authorised and audited as that user. Anyone else
// sending it is refused.
inline constexpr char kActingForHeader[] = "x-hosho-acting-for";
std::string ActingForValue(const Principal& user);

// Maps every RPC to a principal: a bearer token ("authorization: Bearer …",
// stored only as SHA-256) or, on mTLS, the client certificate's common name.
class Authenticator {
 public:
  // YAML: tokens: [{sha256, principal, role, office, expires_at}], mtls: [{common_name, principal, role,
  // office}]. expires_at (RFC 3339, optional): from that instant the token is refused as
  // TOKEN_EXPIRED, so a vendor's token can be issued for a term and rotated before it ends.
  static absl::StatusOr<Authenticator> FromYaml(absl::string_view yaml, const Clock* clock = nullptr);
  static absl::StatusOr<Authenticator> FromFile(const std::string& path, const Clock* clock = nullptr);

  // UNAUTHENTICATED when no known credential is presented.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;
  // As Authenticate, then PERMISSION_DENIED unless the role is one of `roles`.
  absl::StatusOr<Principal> Require(const grpc::ServerContextBase& context, std::initializer_list<Role> roles) const;

 private:
  absl::StatusOr<Principal> AuthenticateCaller(const grpc::ServerContextBase& context) const;
  struct TokenEntry {
    Principal principal;
    absl::Time expires_at = absl::InfiniteFuture();
  };
  // An expired token is refused at every call; it is said once a minute per principal in the log
  // (the metric counts every refusal), so a client retrying in a loop cannot flood the log.
  struct ExpiryLog {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, absl::Time> last_logged ABSL_GUARDED_BY(mu);
  };
  void RecordExpiredToken(const TokenEntry& entry) const;
  const Clock* clock_ = nullptr;  // the process's clock unless a test gives one
  std::shared_ptr<ExpiryLog> expiry_log_ = std::make_shared<ExpiryLog>();
  absl::flat_hash_map<std::string, TokenEntry> by_token_hash_;
  absl::flat_hash_map<std::string, Principal> by_common_name_;
};

// Client side: adds "authorization: Bearer <token>" to a call.
void AttachBearerToken(grpc::ClientContext* context, const std::string& token);
// Client side: the bearer token of the acting service and the user it acts for.
void AttachActingFor(grpc::ClientContext* context, const std::string& service_token, const Principal& user);

}  // namespace hosho
