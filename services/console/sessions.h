#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/auth/auth.h"
#include "services/common/runtime/clock.h"

namespace hosho {

class RedisClient;

// A signed-in browser. The session id lives only in the browser's cookie; stores keep its SHA-256.
struct ConsoleSession {
  std::string id;    // the cookie value (only in the answer to Create)
  std::string csrf;  // the token every form of this session must send back
  Principal user;
  absl::Time created_at;
};

struct SessionPolicy {
  absl::Duration idle_timeout = absl::Minutes(30);  // refreshed by every request
  absl::Duration max_age = absl::Hours(12);         // then sign in again, whatever the activity
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual absl::StatusOr<ConsoleSession> Create(const Principal& user) = 0;
  // NOT_FOUND when unknown, expired or signed out; refreshes the idle timeout.
  virtual absl::StatusOr<ConsoleSession> Find(absl::string_view id) = 0;
  virtual absl::Status Delete(absl::string_view id) = 0;
};

// Sessions in Redis (console:session:<sha256>), shared by every console replica.
class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(RedisClient* redis, Clock* clock, SessionPolicy policy);
  absl::StatusOr<ConsoleSession> Create(const Principal& user) override;
  absl::StatusOr<ConsoleSession> Find(absl::string_view id) override;
  absl::Status Delete(absl::string_view id) override;

 private:
  RedisClient* redis_;
  Clock* clock_;
  SessionPolicy policy_;
};

}  // namespace hosho
