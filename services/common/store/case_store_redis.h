#pragma once

#include <memory>

#include "services/common/redis/redis_client.h"
#include "services/common/store/case_store.h"

namespace hosho {

// Every role of the case store in Redis, one file per role (redis_case_ledger.cc, redis_clerk_tasks.cc,
// redis_case_timers.cc, redis_case_index.cc, redis_idempotency_keys.cc, redis_notice_log.cc); the key
// names are in redis_case_keys.h, and every key of one case carries the hash tag {case_id}:
//   case:{id}              hash: state, version, updated_ms and the case's fields (case_fields.h)
//   case:{id}:history      list of JSON history entries
//   case:{id}:applied      hash event_id → "version\nstate\npayload" (idempotency)
//   case:{id}:notices      hash delivery_id → notice
//   inflight:{office}      sorted set of open cases by deadline (ms)
//   ended:{office}:STATE   sorted set of ended cases by when they ended (ms)
//   cases:recent           sorted set of every case by creation time (ms)
//   lookup:{term}          sorted set of the cases of a contract id or guarantee number
//   tasks:{office}         sorted set of the cases waiting for a clerk, by due time
//   timer:{name}           sorted set of the cases in a named timer, by due time
//   idem:{principal}:…     an API caller's request id → "case_id|request fingerprint"
//   receipt:{CHANNEL}:…    a channel's receipt number → the same
//   dup:{contract}:kind:…  a guarantee per contract and purpose (R14) → its case id
class RedisCaseStore final : public CaseStore {
 public:
  explicit RedisCaseStore(RedisClient* redis) : redis_(redis) {}
  absl::StatusOr<TransitionResult> Apply(const TransitionRequest& request) override;
  std::vector<absl::StatusOr<TransitionResult>> ApplyAll(const std::vector<TransitionRequest>& steps) override;
  absl::StatusOr<TransitionResult> Note(const CaseNote& note) override;
  absl::StatusOr<ClaimResult> Claim(const ClaimRequest& request) override;
  absl::Status ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) override;
  absl::Status AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) override;
  absl::Status RemoveTask(absl::string_view office, absl::string_view case_id) override;
  absl::StatusOr<std::vector<std::string>> ListTasks(absl::string_view office, int limit, int offset) override;
  absl::Status AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) override;
  absl::StatusOr<std::vector<std::string>> DueTimers(absl::string_view timer, absl::Time now, int limit) override;
  absl::Status RemoveTimer(absl::string_view timer, absl::string_view case_id) override;
  absl::StatusOr<int64_t> CountTimers(absl::string_view timer) override;
  absl::StatusOr<std::string> AppliedPayload(absl::string_view case_id, absl::string_view event_id) override;
  absl::StatusOr<CaseRecord> Get(absl::string_view case_id) override;
  absl::StatusOr<std::string> GetState(absl::string_view case_id) override;
  absl::StatusOr<std::vector<std::string>> ListCaseIds(absl::string_view office, int limit, int offset) override;
  absl::StatusOr<std::vector<std::string>> ListReceived(absl::Time from, absl::Time to, int limit, int offset) override;
  absl::StatusOr<int64_t> CountEnded(absl::string_view office, absl::string_view state, absl::Time since) override;
  absl::StatusOr<std::vector<std::string>> ListEnded(absl::string_view office, absl::string_view state, int limit,
                                                     int offset) override;
  absl::StatusOr<std::vector<std::string>> LookupCaseIds(absl::string_view term, int limit) override;
  absl::StatusOr<std::vector<CaseSummary>> Summaries(const std::vector<std::string>& case_ids) override;
  absl::StatusOr<std::string> PutIfAbsent(const IdempotencyKey& key, absl::string_view value,
                                          absl::Duration ttl) override;
  absl::Status Put(const IdempotencyKey& key, absl::string_view value, absl::Duration ttl) override;
  absl::StatusOr<std::string> GetValue(const IdempotencyKey& key) override;
  absl::StatusOr<bool> RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                    absl::string_view payload) override;
  absl::StatusOr<std::vector<std::string>> ListNotices(absl::string_view case_id) override;

  // The transition script, exposed for its tests.
  static const std::string& TransitionScript();

 private:
  // Members of a sorted-set index, highest score (newest) first.
  absl::StatusOr<std::vector<std::string>> NewestFirst(const std::string& index, int limit, int offset);
  RedisClient* redis_;
};

}  // namespace hosho
