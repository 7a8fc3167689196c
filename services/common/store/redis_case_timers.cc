#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_case_keys.h"

namespace hosho {

absl::Status RedisCaseStore::AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) {
  return redis_
      ->Command({"ZADD", redis_keys::Timer(timer), std::to_string(absl::ToUnixMillis(due)), std::string(case_id)})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::DueTimers(absl::string_view timer, absl::Time now, int limit) {
  auto reply = redis_->Command({"ZRANGEBYSCORE", redis_keys::Timer(timer), "-inf",
                                std::to_string(absl::ToUnixMillis(now)), "LIMIT", "0", std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

absl::Status RedisCaseStore::RemoveTimer(absl::string_view timer, absl::string_view case_id) {
  return redis_->Command({"ZREM", redis_keys::Timer(timer), std::string(case_id)}).status();
}

absl::StatusOr<int64_t> RedisCaseStore::CountTimers(absl::string_view timer) {
  auto reply = redis_->Command({"ZCARD", redis_keys::Timer(timer)});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

}  // namespace hosho
