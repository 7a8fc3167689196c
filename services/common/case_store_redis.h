#pragma once

#include <memory>

#include "services/common/case_store.h"
#include "services/common/redis_client.h"

namespace hosho {

// Redis layout (design §4); every key of one case carries the hash tag {case_id}:
//   case:{id}          hash: state, version, updated_ms and the case's fields
//   case:{id}:history  list of JSON history entries
//   case:{id}:applied  hash event_id → "version\nstate\npayload" (idempotency)
//   case:{id}:notices  hash delivery_id → notice
//   inflight:{office}  sorted set of open cases by deadline (ms)
//   cases:recent       sorted set of every case by creation time (ms)
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
  absl::StatusOr<std::vector<std::string>> ListReceived(absl::Time from, absl::Time to, int limit,
                                                          int offset) override;
  absl::StatusOr<int64_t> CountEnded(absl::string_view office, absl::string_view state, absl::Time since) override;
  absl::StatusOr<std::vector<std::string>> ListEnded(absl::string_view office, absl::string_view state, int limit,
                                                     int offset) override;
  absl::StatusOr<std::vector<std::string>> LookupCaseIds(absl::string_view term, int limit) override;
  absl::StatusOr<std::vector<CaseSummary>> Summaries(const std::vector<std::string>& case_ids) override;
  absl::StatusOr<std::string> PutIfAbsent(absl::string_view key, absl::string_view value, absl::Duration ttl) override;
  absl::Status Put(absl::string_view key, absl::string_view value, absl::Duration ttl) override;
  absl::StatusOr<std::string> GetValue(absl::string_view key) override;
  absl::StatusOr<bool> RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                    absl::string_view payload) override;
  absl::StatusOr<std::vector<std::string>> ListNotices(absl::string_view case_id) override;
  absl::Status Ping() override { return redis_->Ping(); }

  // The transition script, exposed for its tests.
  static const std::string& TransitionScript();

 private:
  // Members of a sorted-set index, highest score (newest) first.
  absl::StatusOr<std::vector<std::string>> NewestFirst(const std::string& index, int limit, int offset);
  RedisClient* redis_;
};

class RedisContractStore final : public ContractStore {
 public:
  explicit RedisContractStore(RedisClient* redis) : redis_(redis) {}
  absl::Status PutVersion(absl::string_view contract_id, absl::string_view serialized, int64_t version) override;
  absl::StatusOr<std::string> Get(absl::string_view contract_id) override;
  absl::StatusOr<std::string> IdForNumber(absl::string_view contract_number) override;
  absl::Status IndexNumber(absl::string_view contract_number, absl::string_view contract_id) override;
  absl::StatusOr<std::vector<std::string>> ListIds() override;

 private:
  RedisClient* redis_;
};

}  // namespace hosho
