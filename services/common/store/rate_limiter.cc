#include "services/common/store/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/errors.h"

namespace hosho {
namespace {
// KEYS: counter. ARGV: window ms, count, limit. Returns the count after this admission; a batch
// (count > 1) over the limit is taken back, so that a refused import uses nothing.
constexpr char kCountLua[] = R"lua(
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[3]) and tonumber(ARGV[2]) > 1 then redis.call('DECRBY', KEYS[1], ARGV[2]) end
return n
)lua";
}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisClient* redis, Clock* clock, int64_t limit, absl::Duration window)
    : redis_(redis), clock_(clock), limit_(limit), window_(window) {}

absl::Status RedisRateLimiter::AdmitMany(absl::string_view subject, int64_t count) {
  if (limit_ <= 0 || count <= 0) return absl::OkStatus();
  if (count > limit_) {
    return ViolationStatus(
        absl::StatusCode::kResourceExhausted,
        {{"", "RATE_LIMITED",
          absl::StrCat("一度に送れるのは ", limit_, "件までです（", count, "件）。ファイルを分けて送ってください")}});
  }
  const int64_t window_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(window_));
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  const int64_t slot = now_ms / window_ms;
  auto reply = redis_->Eval(kCountLua, {absl::StrCat("rate:{", subject, "}:", slot)},
                            {std::to_string(window_ms), std::to_string(count), std::to_string(limit_)});
  if (!reply.ok()) return reply.status();
  if (reply->integer > limit_) {
    const int64_t wait_s = ((slot + 1) * window_ms - now_ms + 999) / 1000;
    return ViolationStatus(absl::StatusCode::kResourceExhausted,
                           {{"", "RATE_LIMITED",
                             absl::StrCat("送信が多すぎます。", wait_s, "秒後に再送してください（上限 ", limit_, "件/",
                                          absl::ToInt64Seconds(window_), "秒）")}});
  }
  return absl::OkStatus();
}

}  // namespace hosho
