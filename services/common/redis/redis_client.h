#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/runtime/clock.h"

struct redisContext;

namespace hosho {

class Config;

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // ACL user; empty: default user
  std::string password;  // from redis.password_file
  int db = 0;
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration command_timeout = absl::Seconds(5);
  int pool_size = 8;
  // How long a command keeps reconnecting (with backoff) before UNAVAILABLE.
  absl::Duration reconnect_budget = absl::Seconds(5);
};

// redis.host, redis.port, redis.username, redis.password_file, redis.db, redis.pool_size.
RedisOptions RedisOptionsFromConfig(const Config& config);

// The status of an error reply. A server that cannot do it for now (LOADING its data after a restart,
// BUSY with a script, TRYAGAIN, MASTERDOWN, CLUSTERDOWN, READONLY after a failover, MISCONF when it
// cannot write its AOF, OOM at maxmemory) is UNAVAILABLE, so that callers retry and workers wait;
// every other error reply (a wrong command, WRONGTYPE, NOSCRIPT) is INTERNAL, a defect. Never
// FAILED_PRECONDITION: the workers read that as "the case moved on" and skip the step, and hosho's
// scripts refuse with array replies, not error replies. Replies carry command names at most, never
// arguments, so never secrets.
absl::Status RedisErrorStatus(absl::string_view reply);

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;
  int64_t integer = 0;
  std::vector<RedisReply> elements;
};

// A pool of hiredis connections that reconnects with backoff.
class RedisClient {
 public:
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(RedisOptions options, Clock* clock);
  ~RedisClient();

  // A Redis error reply becomes FAILED_PRECONDITION; a lost server UNAVAILABLE.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);
  // EVALSHA with SCRIPT LOAD on NOSCRIPT.
  absl::StatusOr<RedisReply> Eval(const std::string& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);
  // The same script several times in one round trip (EVALSHA, SCRIPT LOAD on NOSCRIPT).
  struct ScriptCall {
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };
  absl::StatusOr<std::vector<absl::StatusOr<RedisReply>>> EvalMany(const std::string& script,
                                                                   const std::vector<ScriptCall>& calls);
  // Several commands in one round trip; one reply (or error) per command.
  absl::StatusOr<std::vector<absl::StatusOr<RedisReply>>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::Status Ping();

 private:
  RedisClient(RedisOptions options, Clock* clock) : options_(std::move(options)), clock_(clock) {}
  absl::StatusOr<redisContext*> Acquire();
  void Release(redisContext* context, bool healthy);
  absl::StatusOr<redisContext*> Connect();

  RedisOptions options_;
  Clock* clock_;
  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::string> script_sha_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
