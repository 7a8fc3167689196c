#pragma once
// The console's sessions in memory, for tests without Redis: the same idle timeout and maximum age
// as RedisSessionStore (services/console/sessions.h), the ids kept only as their SHA-256.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/common/crypto/passwords.h"
#include "services/common/crypto/sealing.h"
#include "services/console/sessions.h"

namespace hosho {

class FakeSessionStore final : public SessionStore {
 public:
  FakeSessionStore(Clock* clock, SessionPolicy policy) : clock_(clock), policy_(policy) {}

  absl::StatusOr<ConsoleSession> Create(const Principal& user) override {
    ConsoleSession s{RandomToken(), RandomToken(), user, clock_->Now()};
    absl::MutexLock lock(&mu_);
    by_hash_[Sha256Hex(s.id)] = Entry{s, s.created_at};
    return s;
  }

  absl::StatusOr<ConsoleSession> Find(absl::string_view id) override {
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    auto it = by_hash_.find(Sha256Hex(id));
    if (it == by_hash_.end()) return absl::NotFoundError("no session");
    if (now - it->second.last_seen > policy_.idle_timeout || now - it->second.session.created_at > policy_.max_age) {
      by_hash_.erase(it);
      return absl::NotFoundError("session expired");
    }
    it->second.last_seen = now;
    ConsoleSession s = it->second.session;
    s.id = std::string(id);
    return s;
  }

  absl::Status Delete(absl::string_view id) override {
    absl::MutexLock lock(&mu_);
    by_hash_.erase(Sha256Hex(id));
    return absl::OkStatus();
  }

 private:
  struct Entry {
    ConsoleSession session;
    absl::Time last_seen;
  };
  Clock* clock_;
  SessionPolicy policy_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> by_hash_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
