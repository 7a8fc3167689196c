#include "services/common/auth/auth.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/crypto/sealing.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {
namespace {

Counter& ExpiredTokenCounter(const std::string& principal) {
  return Metrics().GetCounter("hosho_auth_expired_tokens_total",
                              "Calls refused because the token's expires_at has passed.", {{"principal", principal}});
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSubmitter:
      return "submitter";
    case Role::kClerk:
      return "clerk";
    case Role::kOperator:
      return "operator";
    case Role::kIntegration:
      return "integration";
    case Role::kService:
      return "service";
  }
  return "submitter";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role r : {Role::kSubmitter, Role::kClerk, Role::kOperator, Role::kIntegration, Role::kService}) {
    if (RoleName(r) == name) return r;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown role '", name, "'"));
}

absl::StatusOr<Authenticator> Authenticator::FromYaml(absl::string_view yaml, const Clock* clock) {
  Authenticator auth;
  auth.clock_ = clock != nullptr ? clock : &RealClock();
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    auto read = [](const YAML::Node& item) -> absl::StatusOr<Principal> {
      Principal p;
      p.name = item["principal"].as<std::string>("");
      p.office = item["office"].as<std::string>("");
      auto role = ParseRole(item["role"].as<std::string>(""));
      if (!role.ok()) return role.status();
      p.role = *role;
      if (p.name.empty()) return absl::InvalidArgumentError("principal name is empty");
      for (const auto& r : item["acts_for"]) {
        auto acted = ParseRole(r.as<std::string>(""));
        if (!acted.ok()) return acted.status();
        if (*acted != Role::kClerk && *acted != Role::kOperator) {
          return absl::InvalidArgumentError(absl::StrCat(p.name, ": acts_for may name clerk and operator only"));
        }
        if (p.role != Role::kService) {
          return absl::InvalidArgumentError(absl::StrCat(p.name, ": only a service may act for users"));
        }
        p.may_act_for.push_back(*acted);
      }
      return p;
    };
    for (const auto& item : root["tokens"]) {
      auto p = read(item);
      if (!p.ok()) return p.status();
      const std::string hash = item["sha256"].as<std::string>("");
      if (hash.size() != 64) return absl::InvalidArgumentError("token sha256 must be 64 hex digits");
      TokenEntry entry{*p};
      if (const std::string expires = item["expires_at"].as<std::string>(""); !expires.empty()) {
        std::string error;
        if (!absl::ParseTime(absl::RFC3339_full, expires, &entry.expires_at, &error)) {
          return absl::InvalidArgumentError(absl::StrCat(p->name, ": expires_at is not an RFC 3339 time"));
        }
        // At zero from the start, so that the first refusals are a rise Prometheus can see (a series
        // born at 3 has no increase, and HoshoTokenExpired would miss the first burst).
        ExpiredTokenCounter(p->name);
      }
      auth.by_token_hash_[hash] = std::move(entry);
    }
    for (const auto& item : root["mtls"]) {
      auto p = read(item);
      if (!p.ok()) return p.status();
      auth.by_common_name_[item["common_name"].as<std::string>("")] = *p;
    }
  } catch (const YAML::Exception&) {
    return absl::InvalidArgumentError("principals file is not valid YAML");
  }
  return auth;
}

absl::StatusOr<Authenticator> Authenticator::FromFile(const std::string& path, const Clock* clock) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("principals file not readable: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromYaml(buffer.str(), clock);
}

namespace {

// Refusals of who is calling carry a stable code like every other refusal (field: the header that
// carries the credential), never the credential itself.
absl::Status Unauthenticated(absl::string_view code, absl::string_view message_ja) {
  return ViolationStatus(absl::StatusCode::kUnauthenticated,
                         {{"authorization", std::string(code), std::string(message_ja)}});
}
absl::Status NotAllowed(absl::string_view field, absl::string_view code, absl::string_view message_ja) {
  return ViolationStatus(absl::StatusCode::kPermissionDenied,
                         {{std::string(field), std::string(code), std::string(message_ja)}});
}

// The user a trusted service acts for, or the caller itself when no acting-for header came.
absl::StatusOr<Principal> ApplyActingFor(const grpc::ServerContextBase& context, const Principal& caller) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kActingForHeader);
  if (it == metadata.end()) return caller;
  if (caller.may_act_for.empty()) {
    return NotAllowed(kActingForHeader, "ACTING_FOR_NOT_ALLOWED", "この呼出し元は利用者の代理で呼び出せません");
  }
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(it->second.data(), it->second.size()), ';');
  if (parts.size() != 3 || parts[0].empty()) {
    return Unauthenticated("ACTING_FOR_INVALID", "x-hosho-acting-for は「名前;役割;課」で指定してください");
  }
  auto role = ParseRole(parts[1]);
  if (!role.ok() ||
      std::find(caller.may_act_for.begin(), caller.may_act_for.end(), *role) == caller.may_act_for.end()) {
    return NotAllowed(kActingForHeader, "ACTING_FOR_NOT_ALLOWED", "この役割の利用者の代理では呼び出せません");
  }
  if (*role == Role::kClerk && parts[2].empty()) {
    return Unauthenticated("ACTING_FOR_INVALID", "職員の代理には課の指定が必要です");
  }
  Principal user;
  user.name = parts[0];
  user.role = *role;
  user.office = parts[2];
  user.via = caller.name;
  return user;
}

}  // namespace

std::string ActingForValue(const Principal& user) {
  return absl::StrCat(user.name, ";", RoleName(user.role), ";", user.office);
}

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContextBase& context) const {
  auto caller = AuthenticateCaller(context);
  if (!caller.ok()) return caller.status();
  return ApplyActingFor(context, *caller);
}

void Authenticator::RecordExpiredToken(const TokenEntry& entry) const {
  ExpiredTokenCounter(entry.principal.name).Increment();
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&expiry_log_->mu);
    auto [last, first] = expiry_log_->last_logged.try_emplace(entry.principal.name, now);
    if (!first && now - last->second < absl::Minutes(1)) return;
    last->second = now;
  }
  LogWarn("expired token refused",
          {{"principal", entry.principal.name},
           {"expired_at", absl::FormatTime(absl::RFC3339_sec, entry.expires_at, absl::UTCTimeZone())}});
}

absl::StatusOr<Principal> Authenticator::AuthenticateCaller(const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    absl::string_view value(it->second.data(), it->second.size());
    if (absl::StartsWithIgnoreCase(value, "Bearer ")) {
      value.remove_prefix(7);
      auto found = by_token_hash_.find(Sha256Hex(value));
      if (found != by_token_hash_.end()) {
        if (clock_->Now() >= found->second.expires_at) {
          RecordExpiredToken(found->second);
          return Unauthenticated("TOKEN_EXPIRED",
                                 "アクセストークンの有効期限が切れています。新しいトークンを発行してください");
        }
        return found->second.principal;
      }
    }
    return Unauthenticated("TOKEN_UNKNOWN", "アクセストークンが正しくありません");
  }
  auto auth_context = context.auth_context();
  if (auth_context && auth_context->IsPeerAuthenticated()) {
    for (const auto& cn : auth_context->FindPropertyValues("x509_common_name")) {
      auto found = by_common_name_.find(std::string(cn.data(), cn.size()));
      if (found != by_common_name_.end()) return found->second;
    }
    return Unauthenticated("CLIENT_CERTIFICATE_UNKNOWN", "クライアント証明書が登録されていません");
  }
  return Unauthenticated("CREDENTIAL_MISSING",
                         "認証情報がありません（authorization: Bearer <トークン> または mTLS のクライアント証明書）");
}

absl::StatusOr<Principal> Authenticator::Require(const grpc::ServerContextBase& context,
                                                 std::initializer_list<Role> roles) const {
  auto principal = Authenticate(context);
  if (!principal.ok()) return principal.status();
  for (Role r : roles) {
    if (principal->role == r) return principal;
  }
  return NotAllowed("authorization", "ROLE_NOT_ALLOWED",
                    absl::StrCat("この操作は役割「", RoleName(principal->role), "」では行えません"));
}

void AttachBearerToken(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

void AttachActingFor(grpc::ClientContext* context, const std::string& service_token, const Principal& user) {
  AttachBearerToken(context, service_token);
  context->AddMetadata(kActingForHeader, ActingForValue(user));
}

}  // namespace hosho
