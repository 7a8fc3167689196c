#include "services/common/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {
namespace {

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

absl::Status ErrorReply(const redisReply* r) { return RedisErrorStatus(absl::string_view(r->str, r->len)); }

}  // namespace

absl::Status RedisErrorStatus(absl::string_view reply) {
  const std::string message = absl::StrCat("redis: ", reply);
  for (absl::string_view transient :
       {"LOADING ", "BUSY ", "TRYAGAIN ", "MASTERDOWN ", "CLUSTERDOWN ", "READONLY ", "MISCONF ", "OOM "}) {
    if (absl::StartsWith(reply, transient)) return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

RedisOptions RedisOptionsFromConfig(const Config& config) {
  RedisOptions o;
  o.host = config.GetString("redis.host", o.host);
  o.port = static_cast<int>(config.GetInt("redis.port", o.port));
  o.username = config.GetString("redis.username", "");
  if (auto password = config.GetSecret("redis.password"); password.ok()) o.password = *password;
  o.db = static_cast<int>(config.GetInt("redis.db", 0));
  o.pool_size = static_cast<int>(config.GetInt("redis.pool_size", o.pool_size));
  return o;
}

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(RedisOptions options, Clock* clock) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("redis.pool_size must be at least 1");
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(options), clock));
}

RedisClient::~RedisClient() {
  absl::MutexLock lock(&mu_);
  for (redisContext* c : idle_) redisFree(c);
}

absl::StatusOr<redisContext*> RedisClient::Connect() {
  redisContext* c =
      redisConnectWithTimeout(options_.host.c_str(), options_.port, absl::ToTimeval(options_.connect_timeout));
  if (c == nullptr || c->err != 0) {
    std::string why = c != nullptr ? c->errstr : "allocation failed";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis ", options_.host, ":", options_.port, ": ", why));
  }
  redisSetTimeout(c, absl::ToTimeval(options_.command_timeout));
  auto run = [&](const std::vector<std::string>& argv) -> absl::Status {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
    if (r == nullptr) return absl::UnavailableError("redis connection lost during set-up");
    absl::Status s = r->type == REDIS_REPLY_ERROR ? ErrorReply(r) : absl::OkStatus();
    freeReplyObject(r);
    return s;
  };
  absl::Status s = absl::OkStatus();
  if (!options_.password.empty()) {
    s = options_.username.empty() ? run({"AUTH", options_.password})
                                  : run({"AUTH", options_.username, options_.password});
    if (!s.ok()) s = absl::PermissionDeniedError("redis AUTH was refused");
  }
  if (s.ok() && options_.db != 0) s = run({"SELECT", std::to_string(options_.db)});
  if (!s.ok()) {
    redisFree(c);
    return s;
  }
  return c;
}

absl::StatusOr<redisContext*> RedisClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !idle_.empty() || open_ < options_.pool_size; };
    mu_.Await(absl::Condition(&available));
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  // Open a new connection, with backoff while the server is away.
  const absl::Time give_up = clock_->Now() + options_.reconnect_budget;
  absl::Duration backoff = absl::Milliseconds(20);
  while (true) {
    auto c = Connect();
    if (c.ok()) return c;
    if (absl::IsPermissionDenied(c.status()) || clock_->Now() + backoff > give_up) {
      absl::MutexLock lock(&mu_);
      --open_;
      return c.status();
    }
    Metrics().GetCounter("hosho_redis_reconnects_total", "Redis connection attempts that failed.").Increment();
    clock_->SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(500));
  }
}

void RedisClient::Release(redisContext* context, bool healthy) {
  absl::MutexLock lock(&mu_);
  if (healthy) {
    idle_.push_back(context);
  } else {
    redisFree(context);
    --open_;
  }
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  // One retry on a fresh connection: a pooled connection may have been closed by the server.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = Acquire();
    if (!c.ok()) return c.status();
    auto* r = static_cast<redisReply*>(redisCommandArgv(*c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
    if (r == nullptr) {
      Release(*c, false);
      continue;
    }
    absl::StatusOr<RedisReply> out =
        r->type == REDIS_REPLY_ERROR ? absl::StatusOr<RedisReply>(ErrorReply(r)) : Convert(r);
    freeReplyObject(r);
    Release(*c, true);
    return out;
  }
  return absl::UnavailableError("redis connection lost");
}

absl::StatusOr<RedisReply> RedisClient::Eval(const std::string& script, const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args) {
  auto replies = EvalMany(script, {{keys, args}});
  if (!replies.ok()) return replies.status();
  return replies->front();
}

absl::StatusOr<std::vector<absl::StatusOr<RedisReply>>> RedisClient::EvalMany(const std::string& script,
                                                                              const std::vector<ScriptCall>& calls) {
  std::string sha;
  {
    absl::MutexLock lock(&mu_);
    auto it = script_sha_.find(script);
    if (it != script_sha_.end()) sha = it->second;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      auto loaded = Command({"SCRIPT", "LOAD", script});
      if (!loaded.ok()) return loaded.status();
      sha = loaded->str;
      absl::MutexLock lock(&mu_);
      script_sha_[script] = sha;
    }
    std::vector<std::vector<std::string>> commands;
    for (const ScriptCall& call : calls) {
      std::vector<std::string> argv = {"EVALSHA", sha, std::to_string(call.keys.size())};
      argv.insert(argv.end(), call.keys.begin(), call.keys.end());
      argv.insert(argv.end(), call.args.begin(), call.args.end());
      commands.push_back(std::move(argv));
    }
    auto replies = Pipeline(commands);
    if (!replies.ok()) return replies.status();
    // NOSCRIPT (a restarted or flushed server) fails every call alike, before any ran.
    if (!replies->empty() && !replies->front().ok() &&
        absl::StrContains(replies->front().status().message(), "NOSCRIPT")) {
      sha.clear();
      continue;
    }
    return replies;
  }
  return absl::UnavailableError("redis script could not be loaded");
}

absl::StatusOr<std::vector<absl::StatusOr<RedisReply>>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<absl::StatusOr<RedisReply>>{};
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = Acquire();
    if (!c.ok()) return c.status();
    for (const auto& argv : commands) {
      std::vector<const char*> ptrs;
      std::vector<size_t> lens;
      for (const auto& a : argv) {
        ptrs.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(*c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
    }
    std::vector<absl::StatusOr<RedisReply>> out;
    bool lost = false;
    for (size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(*c, &raw) != REDIS_OK || raw == nullptr) {
        lost = true;
        break;
      }
      auto* r = static_cast<redisReply*>(raw);
      out.push_back(r->type == REDIS_REPLY_ERROR ? absl::StatusOr<RedisReply>(ErrorReply(r)) : Convert(r));
      freeReplyObject(r);
    }
    Release(*c, !lost);
    if (!lost) return out;
    if (!out.empty()) break;  // part of the pipeline ran: do not run it twice
  }
  return absl::UnavailableError("redis connection lost during a pipeline");
}

absl::Status RedisClient::Ping() {
  auto reply = Command({"PING"});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace hosho
