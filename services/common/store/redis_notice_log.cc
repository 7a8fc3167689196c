#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_case_keys.h"

namespace hosho {

absl::StatusOr<bool> RedisCaseStore::RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                                  absl::string_view payload) {
  auto reply = redis_->Command(
      {"HSETNX", redis_keys::Case(case_id) + ":notices", std::string(delivery_id), std::string(payload)});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListNotices(absl::string_view case_id) {
  auto reply = redis_->Command({"HVALS", redis_keys::Case(case_id) + ":notices"});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

}  // namespace hosho
