#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/redis_case_keys.h"
#include "services/common/text/text.h"

namespace hosho {

namespace {

// The history is a public record read as JSON: a text that is not UTF-8 would make the whole case
// unreadable, so it is refused before anything is written.
absl::Status CheckHistoryText(absl::string_view actor, absl::string_view reason) {
  if (!IsValidUtf8(actor) || !IsValidUtf8(reason)) {
    return absl::InvalidArgumentError("case store: a history text is not valid UTF-8; nothing was written");
  }
  return absl::OkStatus();
}

// KEYS: case hash, history list. ARGV: 1 clerk, 2 now_ms, 3 ttl_ms, 4 reason.
constexpr char kClaimLua[] = R"lua(
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'NOT_FOUND', '', '0', '0'} end
if redis.call('HGET', KEYS[1], 'task') ~= '1' or
   (state ~= 'AWAITING_VERIFICATION' and state ~= 'VERIFYING') then
  return {'NO_TASK', state, '0', '0'}
end
local now = tonumber(ARGV[2])
local holder = redis.call('HGET', KEYS[1], 'claimed_by') or ''
local expires = tonumber(redis.call('HGET', KEYS[1], 'claim_expires_ms') or '0')
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if holder ~= '' and holder ~= ARGV[1] and expires > now then
  return {'HELD', holder, tostring(expires), tostring(version)}
end
local until_ms = now + tonumber(ARGV[3])
if state == 'AWAITING_VERIFICATION' or holder ~= ARGV[1] then
  version = version + 1
  redis.call('HSET', KEYS[1], 'state', 'VERIFYING', 'version', version, 'updated_ms', ARGV[2])
  redis.call('RPUSH', KEYS[2], cjson.encode({v = version, from = state, to = 'VERIFYING', actor = ARGV[1],
    reason = ARGV[4], event_id = '', at_ms = now}))
end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[1], 'claim_expires_ms', until_ms)
return {'CLAIMED', ARGV[1], tostring(until_ms), tostring(version)}
)lua";

// KEYS: case hash, history. ARGV: 1 clerk, 2 now_ms.
constexpr char kReleaseLua[] = R"lua(
if redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[1] then return 0 end
local state = redis.call('HGET', KEYS[1], 'state')
redis.call('HSET', KEYS[1], 'claimed_by', '', 'claim_expires_ms', '0')
redis.call('RPUSH', KEYS[2], cjson.encode({v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0'),
  from = state, to = state, actor = ARGV[1], reason = '確認作業を手放しました', event_id = '',
  at_ms = tonumber(ARGV[2])}))
return 1
)lua";

}  // namespace

absl::StatusOr<ClaimResult> RedisCaseStore::Claim(const ClaimRequest& request) {
  if (absl::Status text = CheckHistoryText(request.clerk, request.reason); !text.ok()) return text;
  const std::string key = redis_keys::Case(request.case_id);
  auto reply = redis_->Eval(kClaimLua, {key, key + ":history"},
                            {request.clerk, std::to_string(absl::ToUnixMillis(request.at)),
                             std::to_string(absl::ToInt64Milliseconds(request.ttl)), request.reason});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 4) {
    return absl::DataLossError("case store: unexpected claim reply");
  }
  const std::string& outcome = reply->elements[0].str;
  if (outcome == "NOT_FOUND") return absl::NotFoundError(absl::StrCat("case ", request.case_id, " not found"));
  if (outcome == "NO_TASK") {
    return absl::FailedPreconditionError(
        absl::StrCat("case ", request.case_id, " is not waiting for a clerk (", reply->elements[1].str, ")"));
  }
  ClaimResult result;
  result.claimed = outcome == "CLAIMED";
  result.holder = reply->elements[1].str;
  int64_t expires_ms = 0;
  (void)absl::SimpleAtoi(reply->elements[2].str, &expires_ms);
  (void)absl::SimpleAtoi(reply->elements[3].str, &result.version);
  result.expires_at = absl::FromUnixMillis(expires_ms);
  return result;
}

absl::Status RedisCaseStore::ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) {
  const std::string key = redis_keys::Case(case_id);
  auto reply =
      redis_->Eval(kReleaseLua, {key, key + ":history"}, {std::string(clerk), std::to_string(absl::ToUnixMillis(at))});
  if (!reply.ok()) return reply.status();
  if (reply->integer != 1) return absl::FailedPreconditionError("the claim is not held by this clerk");
  return absl::OkStatus();
}

absl::Status RedisCaseStore::AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) {
  return redis_
      ->Command({"ZADD", redis_keys::Tasks(office), std::to_string(absl::ToUnixMillis(due)), std::string(case_id)})
      .status();
}

absl::Status RedisCaseStore::RemoveTask(absl::string_view office, absl::string_view case_id) {
  return redis_->Command({"ZREM", redis_keys::Tasks(office), std::string(case_id)}).status();
}

absl::StatusOr<std::vector<std::string>> RedisCaseStore::ListTasks(absl::string_view office, int limit, int offset) {
  auto reply = redis_->Command(
      {"ZRANGE", redis_keys::Tasks(office), std::to_string(offset), std::to_string(offset + std::max(limit, 1) - 1)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> out;
  for (const auto& e : reply->elements) out.push_back(e.str);
  return out;
}

}  // namespace hosho
