#include "services/common/store/case_store_redis.h"

namespace hosho {

absl::StatusOr<std::string> RedisCaseStore::GetValue(const IdempotencyKey& key) {
  auto reply = redis_->Command({"GET", key.name()});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return absl::NotFoundError("no value");
  return reply->str;
}

absl::Status RedisCaseStore::Put(const IdempotencyKey& key, absl::string_view value, absl::Duration ttl) {
  std::vector<std::string> argv = {"SET", key.name(), std::string(value)};
  if (ttl > absl::ZeroDuration()) {
    argv.push_back("PX");
    argv.push_back(std::to_string(absl::ToInt64Milliseconds(ttl)));
  }
  return redis_->Command(argv).status();
}

absl::StatusOr<std::string> RedisCaseStore::PutIfAbsent(const IdempotencyKey& key, absl::string_view value,
                                                        absl::Duration ttl) {
  std::vector<std::string> argv = {"SET", key.name(), std::string(value), "NX", "GET"};
  if (ttl > absl::ZeroDuration()) {
    argv.push_back("PX");
    argv.push_back(std::to_string(absl::ToInt64Milliseconds(ttl)));
  }
  auto reply = redis_->Command(argv);
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return std::string(value);
  return reply->str;
}

}  // namespace hosho
