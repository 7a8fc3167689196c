#include "services/console/sessions.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/crypto/sealing.h"
#include "services/common/redis/redis_client.h"

namespace hosho {
namespace {

std::string SessionKey(absl::string_view id) { return absl::StrCat("console:session:", Sha256Hex(id)); }

}  // namespace

RedisSessionStore::RedisSessionStore(RedisClient* redis, Clock* clock, SessionPolicy policy)
    : redis_(redis), clock_(clock), policy_(policy) {}

absl::StatusOr<ConsoleSession> RedisSessionStore::Create(const Principal& user) {
  ConsoleSession s{RandomToken(), RandomToken(), user, clock_->Now()};
  auto reply =
      redis_->Command({"HSET", SessionKey(s.id), "name", user.name, "role", std::string(RoleName(user.role)), "office",
                       user.office, "csrf", s.csrf, "created_ms", std::to_string(absl::ToUnixMillis(s.created_at))});
  if (!reply.ok()) return reply.status();
  auto expire =
      redis_->Command({"PEXPIRE", SessionKey(s.id), std::to_string(absl::ToInt64Milliseconds(policy_.idle_timeout))});
  if (!expire.ok()) return expire.status();
  return s;
}

absl::StatusOr<ConsoleSession> RedisSessionStore::Find(absl::string_view id) {
  if (id.empty()) return absl::NotFoundError("no session");
  const std::string key = SessionKey(id);
  auto replies = redis_->Pipeline({{"HMGET", key, "name", "role", "office", "csrf", "created_ms"},
                                   {"PEXPIRE", key, std::to_string(absl::ToInt64Milliseconds(policy_.idle_timeout))}});
  if (!replies.ok()) return replies.status();
  const auto& fields = (*replies)[0];
  if (!fields.ok()) return fields.status();
  if (fields->elements.size() != 5 || fields->elements[0].type == RedisReply::Type::kNil) {
    return absl::NotFoundError("session expired or signed out");
  }
  ConsoleSession s;
  s.id = std::string(id);
  s.user.name = fields->elements[0].str;
  auto role = ParseRole(fields->elements[1].str);
  if (!role.ok()) return absl::NotFoundError("session damaged");
  s.user.role = *role;
  s.user.office = fields->elements[2].str;
  s.csrf = fields->elements[3].str;
  int64_t created_ms = 0;
  if (!absl::SimpleAtoi(fields->elements[4].str, &created_ms)) return absl::NotFoundError("session damaged");
  s.created_at = absl::FromUnixMillis(created_ms);
  if (clock_->Now() - s.created_at > policy_.max_age) {
    (void)Delete(id);
    return absl::NotFoundError("session too old");
  }
  return s;
}

absl::Status RedisSessionStore::Delete(absl::string_view id) {
  auto reply = redis_->Command({"DEL", SessionKey(id)});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace hosho
