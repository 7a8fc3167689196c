#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_case_keys.h"

namespace hosho {

absl::StatusOr<int64_t> RedisCaseStore::CountEnded(absl::string_view office, absl::string_view state,
                                                   absl::Time since) {
  const std::string min = since == absl::InfinitePast() ? "-inf" : std::to_string(absl::ToUnixMillis(since));
  auto reply = redis_->Command({"ZCOUNT", redis_keys::Ended(office, state), min, "+inf"});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::NewestFirst(const std::string& index, int limit, int offset) {
  auto reply = redis_->Command({"ZREVRANGE", index, std::to_string(offset), std::to_string(offset + limit - 1)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListEnded(absl::string_view office, absl::string_view state,
                                                                   int limit, int offset) {
  return NewestFirst(redis_keys::Ended(office, state), limit, offset);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::LookupCaseIds(absl::string_view term, int limit) {
  if (term.empty()) return std::vector<std::string>{};
  return NewestFirst(redis_keys::Lookup(term), limit, 0);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListCaseIds(absl::string_view office, int limit, int offset) {
  return NewestFirst(office.empty() ? redis_keys::kRecent : redis_keys::Inflight(office), limit, offset);
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListReceived(absl::Time from, absl::Time to, int limit,
                                                                      int offset) {
  auto reply = redis_->Command({"ZRANGEBYSCORE", redis_keys::kRecent, std::to_string(absl::ToUnixMillis(from)),
                                absl::StrCat("(", absl::ToUnixMillis(to)), "LIMIT", std::to_string(offset),
                                std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  ids.reserve(reply->elements.size());
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::vector<CaseSummary>> RedisCaseStore::Summaries(const std::vector<std::string>& case_ids) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(case_ids.size());
  for (const std::string& id : case_ids)
    commands.push_back({"HMGET", redis_keys::Case(id), "state", "office", "kind", "deadline_ms", "ordering_office",
                        "department_in_charge"});
  auto replies = redis_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<CaseSummary> out;
  for (size_t i = 0; i < case_ids.size(); ++i) {
    const auto& reply = (*replies)[i];
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 6 || reply->elements[0].type == RedisReply::Type::kNil) continue;
    CaseSummary summary{case_ids[i],  reply->elements[0].str, reply->elements[1].str, reply->elements[2].str,
                        std::nullopt, reply->elements[4].str, reply->elements[5].str};
    int64_t ms = 0;
    if (absl::SimpleAtoi(reply->elements[3].str, &ms)) summary.deadline = absl::FromUnixMillis(ms);
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace hosho
