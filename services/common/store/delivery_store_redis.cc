#include "services/common/store/delivery_store_redis.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/text/text.h"

namespace hosho {
namespace {

constexpr char kPrefix[] = "dlv:{hosho-deliveries}:";

std::string DeliveryKey(absl::string_view id) { return absl::StrCat(kPrefix, "d:", id); }
std::string DueKey() { return absl::StrCat(kPrefix, "due"); }
std::string FailedKey() { return absl::StrCat(kPrefix, "failed"); }
std::string CaseKey(absl::string_view case_id) { return absl::StrCat(kPrefix, "case:", case_id); }
std::string StreamKey(absl::string_view office) { return absl::StrCat(kPrefix, "stream:", office); }
std::string Ms(absl::Time t) { return std::to_string(absl::ToUnixMillis(t)); }

// KEYS: delivery, due, case set, office stream. ARGV: id, case, channel, target, payload, now ms, max len.
constexpr char kEnqueueLua[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'case_id', ARGV[2], 'channel', ARGV[3], 'target', ARGV[4],
           'payload', ARGV[5], 'attempts', 0)
redis.call('SADD', KEYS[3], ARGV[1])
if ARGV[3] == 'stream' then
  local cursor = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'notice', ARGV[5])
  redis.call('HSET', KEYS[1], 'state', 'delivered', 'delivered_ms', ARGV[6], 'cursor', cursor, 'attempts', 1)
else
  redis.call('HSET', KEYS[1], 'state', 'pending', 'next_ms', ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
return 1
)lua";

// KEYS: due. ARGV: now ms, lease-until ms, limit.
constexpr char kLeaseLua[] = R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
)lua";

// KEYS: delivery. ARGV: at ms. Returns -1 not pending, 0 first, 1 after an unconfirmed attempt.
constexpr char kBeginLua[] = R"lua(
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return -1 end
local repeat_ = 0
if redis.call('HEXISTS', KEYS[1], 'open_ms') == 1 then
  repeat_ = 1
  redis.call('HINCRBY', KEYS[1], 'possible_repeats', 1)
end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'open_ms', ARGV[1])
return repeat_
)lua";

// KEYS: delivery, due. ARGV: id, at ms.
constexpr char kDeliveredLua[] = R"lua(
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'delivered', 'delivered_ms', ARGV[2])
redis.call('HDEL', KEYS[1], 'open_ms')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
)lua";

// KEYS: delivery, due, failed. ARGV: id, error, retry ms, give up (1/0).
constexpr char kFailedLua[] = R"lua(
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HDEL', KEYS[1], 'open_ms')
redis.call('HSET', KEYS[1], 'last_error', ARGV[2], 'next_ms', ARGV[3])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'state', 'failed')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return 1
)lua";

absl::Time FromMs(const std::string& s) {
  int64_t ms = 0;
  return absl::SimpleAtoi(s, &ms) && ms > 0 ? absl::FromUnixMillis(ms) : absl::InfinitePast();
}

}  // namespace

absl::StatusOr<int> RedisDeliveryStore::Enqueue(const std::vector<DeliveryRecord>& deliveries, absl::Time now) {
  if (deliveries.empty()) return 0;
  std::vector<RedisClient::ScriptCall> calls;
  for (const DeliveryRecord& d : deliveries) {
    calls.push_back({{DeliveryKey(d.id), DueKey(), CaseKey(d.case_id), StreamKey(d.target)},
                     {d.id, d.case_id, d.channel, d.target, d.payload, Ms(now), std::to_string(stream_max_len_)}});
  }
  auto replies = redis_->EvalMany(kEnqueueLua, calls);
  if (!replies.ok()) return replies.status();
  int added = 0;
  for (const auto& reply : *replies) {
    if (!reply.ok()) return reply.status();
    added += static_cast<int>(reply->integer);
  }
  return added;
}

absl::StatusOr<std::vector<DeliveryRecord>> RedisDeliveryStore::LeaseDue(absl::Time now, absl::Duration lease,
                                                                         int limit) {
  auto reply = redis_->Eval(kLeaseLua, {DueKey()}, {Ms(now), Ms(now + lease), std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return Load(ids);
}

absl::StatusOr<std::vector<DeliveryRecord>> RedisDeliveryStore::Load(const std::vector<std::string>& ids) {
  std::vector<DeliveryRecord> out;
  if (ids.empty()) return out;
  std::vector<std::vector<std::string>> commands;
  for (const std::string& id : ids) commands.push_back({"HGETALL", DeliveryKey(id)});
  auto replies = redis_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (!reply.ok()) return reply.status();
    if (reply->elements.empty()) continue;  // vanished (expired by hand); nothing to send
    DeliveryRecord d;
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      const std::string& k = reply->elements[i].str;
      const std::string& v = reply->elements[i + 1].str;
      if (k == "id")
        d.id = v;
      else if (k == "case_id")
        d.case_id = v;
      else if (k == "channel")
        d.channel = v;
      else if (k == "target")
        d.target = v;
      else if (k == "payload")
        d.payload = v;
      else if (k == "attempts")
        (void)absl::SimpleAtoi(v, &d.attempts);
      else if (k == "possible_repeats")
        (void)absl::SimpleAtoi(v, &d.possible_repeats);
      else if (k == "open_ms")
        d.attempt_open = true;
      else if (k == "last_error")
        d.last_error = v;
      else if (k == "delivered_ms")
        d.delivered_at = FromMs(v);
      else if (k == "next_ms")
        d.next_attempt_at = FromMs(v);
      else if (k == "cursor")
        d.cursor = v;
      else if (k == "state") {
        d.state = v == "delivered" ? DeliveryRecord::State::kDelivered
                  : v == "failed"  ? DeliveryRecord::State::kFailed
                                   : DeliveryRecord::State::kPending;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<DeliveryStore::AttemptStart> RedisDeliveryStore::BeginAttempt(absl::string_view id, absl::Time at) {
  auto reply = redis_->Eval(kBeginLua, {DeliveryKey(id)}, {Ms(at)});
  if (!reply.ok()) return reply.status();
  if (reply->integer < 0) return AttemptStart::kNotPending;
  return reply->integer == 1 ? AttemptStart::kRepeat : AttemptStart::kFirst;
}

absl::Status RedisDeliveryStore::MarkDelivered(absl::string_view id, absl::Time at) {
  return redis_->Eval(kDeliveredLua, {DeliveryKey(id), DueKey()}, {std::string(id), Ms(at)}).status();
}

absl::Status RedisDeliveryStore::MarkFailed(absl::string_view id, absl::string_view error, absl::Time retry_at,
                                            bool give_up) {
  return redis_
      ->Eval(kFailedLua, {DeliveryKey(id), DueKey(), FailedKey()},
             {std::string(id), TruncateText(error, 500), Ms(retry_at), give_up ? "1" : "0"})
      .status();
}

absl::StatusOr<std::vector<DeliveryRecord>> RedisDeliveryStore::ForCase(absl::string_view case_id) {
  auto reply = redis_->Command({"SMEMBERS", CaseKey(case_id)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> ids;
  for (const auto& e : reply->elements) ids.push_back(e.str);
  return Load(ids);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RedisDeliveryStore::ReadStream(
    absl::string_view office, absl::string_view after_cursor, int limit) {
  const std::string start = after_cursor.empty() ? "-" : absl::StrCat("(", after_cursor);
  auto reply = redis_->Command({"XRANGE", StreamKey(office), start, "+", "COUNT", std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : reply->elements) {
    if (entry.elements.size() < 2) continue;
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "notice") out.emplace_back(entry.elements[0].str, fields[i + 1].str);
    }
  }
  return out;
}

absl::StatusOr<std::pair<int64_t, int64_t>> RedisDeliveryStore::Depths() {
  auto replies = redis_->Pipeline({{"ZCARD", DueKey()}, {"ZCARD", FailedKey()}});
  if (!replies.ok()) return replies.status();
  if (!(*replies)[0].ok()) return (*replies)[0].status();
  if (!(*replies)[1].ok()) return (*replies)[1].status();
  return std::make_pair((*replies)[0]->integer, (*replies)[1]->integer);
}

}  // namespace hosho
