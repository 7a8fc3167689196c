#pragma once
// An in-memory CaseStore for unit tests of the workers and services: the same rules as the Redis
// one (transitions idempotent by event id, only the lifecycle's steps, expected states and versions,
// notes, claims, indexes), without a redis-server, and with one thing Redis cannot be told to do:
// refuse the next calls, so that a test can put a store outage at one exact step.
// tests/unit/services/common/store/case_store_redis_test.cc runs the same contract against both.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/common/store/case_store.h"

namespace hosho::testing {

class FakeCaseStore final : public CaseStore {
 public:
  // CaseLedger
  absl::StatusOr<TransitionResult> Apply(const TransitionRequest& request) override;
  std::vector<absl::StatusOr<TransitionResult>> ApplyAll(const std::vector<TransitionRequest>& steps) override;
  absl::StatusOr<TransitionResult> Note(const CaseNote& note) override;
  absl::StatusOr<CaseRecord> Get(absl::string_view case_id) override;
  absl::StatusOr<std::string> GetState(absl::string_view case_id) override;
  absl::StatusOr<std::string> AppliedPayload(absl::string_view case_id, absl::string_view event_id) override;
  // ClerkTasks
  absl::StatusOr<ClaimResult> Claim(const ClaimRequest& request) override;
  absl::Status ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) override;
  absl::Status AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) override;
  absl::Status RemoveTask(absl::string_view office, absl::string_view case_id) override;
  absl::StatusOr<std::vector<std::string>> ListTasks(absl::string_view office, int limit, int offset) override;
  // CaseTimers
  absl::Status AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) override;
  absl::StatusOr<std::vector<std::string>> DueTimers(absl::string_view timer, absl::Time now, int limit) override;
  absl::Status RemoveTimer(absl::string_view timer, absl::string_view case_id) override;
  absl::StatusOr<int64_t> CountTimers(absl::string_view timer) override;
  // CaseIndex
  absl::StatusOr<std::vector<std::string>> ListCaseIds(absl::string_view office, int limit, int offset) override;
  absl::StatusOr<std::vector<std::string>> ListReceived(absl::Time from, absl::Time to, int limit, int offset) override;
  absl::StatusOr<int64_t> CountEnded(absl::string_view office, absl::string_view state, absl::Time since) override;
  absl::StatusOr<std::vector<std::string>> ListEnded(absl::string_view office, absl::string_view state, int limit,
                                                     int offset) override;
  absl::StatusOr<std::vector<std::string>> LookupCaseIds(absl::string_view term, int limit) override;
  absl::StatusOr<std::vector<CaseSummary>> Summaries(const std::vector<std::string>& case_ids) override;
  // IdempotencyKeys (the time to live is not modelled: a test that needs expiry uses Redis)
  absl::StatusOr<std::string> GetValue(const IdempotencyKey& key) override;
  absl::StatusOr<std::string> PutIfAbsent(const IdempotencyKey& key, absl::string_view value,
                                          absl::Duration ttl) override;
  absl::Status Put(const IdempotencyKey& key, absl::string_view value, absl::Duration ttl) override;
  // NoticeLog
  absl::StatusOr<bool> RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                    absl::string_view payload) override;
  absl::StatusOr<std::vector<std::string>> ListNotices(absl::string_view case_id) override;

  // After `after` more calls answered as usual, the next `calls` calls of any method answer `status`
  // and change nothing (an outage at one exact step).
  void Refuse(int calls, int after = 0, absl::Status status = absl::UnavailableError("fake store: Redis is away"));
  // How many calls were refused so far.
  int refused() const;
  // The members of a timer, with their due times.
  std::map<std::string, absl::Time> Timer(absl::string_view timer) const;

 private:
  struct StoredCase {
    absl::flat_hash_map<std::string, std::string> fields;
    std::vector<HistoryRecord> history;
    absl::flat_hash_map<std::string, TransitionResult> applied;
    absl::Time created;
  };
  // Score-ordered sets, as Redis's sorted sets (ties by member).
  using SortedSet = std::map<std::string, absl::Time>;

  absl::Status RefusedCall() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<TransitionResult> ApplyLocked(const TransitionRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateIndexes(const TransitionRequest& request, const std::string& prev_office)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::vector<std::string> ByScore(const SortedSet& set, bool newest_first, int limit, int offset);

  mutable absl::Mutex mu_;
  int refuse_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int answer_first_ ABSL_GUARDED_BY(mu_) = 0;
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status refusal_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, StoredCase> cases_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, SortedSet> sets_ ABSL_GUARDED_BY(mu_);      // same names as the Redis keys
  absl::flat_hash_map<std::string, std::string> values_ ABSL_GUARDED_BY(mu_);  // by IdempotencyKey::name()
  // Notices live apart from the case, as in Redis (a notice may be recorded for a case not yet seen).
  absl::flat_hash_map<std::string, std::map<std::string, std::string>> notices_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho::testing
