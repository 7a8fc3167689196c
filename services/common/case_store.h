#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// One step of a case's lifecycle, as the store applies it atomically.
struct TransitionRequest {
  std::string case_id;
  // Idempotency key: applying the same event id twice changes nothing and
  // returns the first result.
  std::string event_id;
  // States the case must be in; empty means the case must not exist yet (creation).
  std::vector<std::string> expected_states;
  std::optional<int64_t> expected_version;
  std::string to_state;
  std::string actor;
  std::string reason;
  absl::Time at;
  // Fields of the case record set by this step.
  std::vector<std::pair<std::string, std::string>> fields;
  // Opaque bytes kept with the event id and returned on replay (the event the
  // step produced), so that a redelivery re-sends exactly the first outcome.
  std::string payload;
  // In-flight index: the office now responsible and the deadline riding on the new state.
  std::string office;
  std::optional<absl::Time> deadline;
  bool terminal = false;
};

struct TransitionResult {
  bool replayed = false;
  int64_t version = 0;
  std::string state;
  std::string payload;
};

struct HistoryRecord {
  int64_t version = 0;
  std::string from_state;
  std::string to_state;
  std::string actor;
  std::string reason;
  std::string event_id;
  absl::Time at;
};

struct CaseRecord {
  std::string case_id;
  absl::flat_hash_map<std::string, std::string> fields;  // includes "state", "version"
  std::vector<HistoryRecord> history;
  std::string Field(absl::string_view name) const {
    auto it = fields.find(name);
    return it == fields.end() ? "" : it->second;
  }
};

// Something recorded on a case without changing its state (a duplicate arrival, R14):
// a history entry whose from and to are the current state, and a counter field raised.
struct CaseNote {
  std::string case_id;
  std::string event_id;  // idempotency key, as for transitions
  std::string actor;
  std::string reason;
  absl::Time at;
  std::string counter_field;                                // incremented once per distinct event id; may be empty
  std::string payload;                                      // kept with the event id and returned on replay
  std::vector<std::pair<std::string, std::string>> fields;  // set on the case with the note
};

// A clerk taking a verification task (issue #4): one clerk at a time, for a while.
struct ClaimRequest {
  std::string case_id;
  std::string clerk;
  absl::Time at;
  absl::Duration ttl;
  std::string reason;  // for the history when the claim moves the case to VERIFYING
};

struct ClaimResult {
  bool claimed = false;  // false: another clerk holds it
  std::string holder;    // who holds the claim now
  absl::Time expires_at;
  int64_t version = 0;
};

// What lists and counts need of a case, without its history.
struct CaseSummary {
  std::string case_id;
  std::string state;
  std::string office;
  std::string kind;
  std::optional<absl::Time> deadline;
  std::string ordering_office;
  std::string department;  // 工事担当課
};

// In-flight cases (design §4). Errors: NOT_FOUND (no case), ALREADY_EXISTS
// (creating an existing case), FAILED_PRECONDITION (wrong state), ABORTED
// (wrong version), UNAVAILABLE (store away).
class CaseStore {
 public:
  virtual ~CaseStore() = default;
  virtual absl::StatusOr<TransitionResult> Apply(const TransitionRequest& request) = 0;
  // Consecutive steps in one round trip, applied in order, one result each. A
  // step that fails leaves the later ones to fail on their expected state.
  virtual std::vector<absl::StatusOr<TransitionResult>> ApplyAll(const std::vector<TransitionRequest>& steps) {
    std::vector<absl::StatusOr<TransitionResult>> out;
    for (const auto& step : steps) out.push_back(Apply(step));
    return out;
  }
  // NOT_FOUND when there is no case. Applying the same event id twice records it once.
  virtual absl::StatusOr<TransitionResult> Note(const CaseNote& note) = 0;
  virtual absl::StatusOr<CaseRecord> Get(absl::string_view case_id) = 0;
  // Claims a case that waits for a clerk (field task = 1, state AWAITING_VERIFICATION or VERIFYING):
  // granted when nobody holds it, the claim expired, or `clerk` holds it already (renewal). The
  // first claim moves AWAITING_VERIFICATION to VERIFYING. NOT_FOUND, FAILED_PRECONDITION (no task).
  virtual absl::StatusOr<ClaimResult> Claim(const ClaimRequest& request) = 0;
  // Gives up `clerk`'s claim (FAILED_PRECONDITION when `clerk` does not hold it).
  virtual absl::Status ReleaseClaim(absl::string_view case_id, absl::string_view clerk, absl::Time at) = 0;
  // The clerk task queue of an office, by due time.
  virtual absl::Status AddTask(absl::string_view office, absl::string_view case_id, absl::Time due) = 0;
  virtual absl::Status RemoveTask(absl::string_view office, absl::string_view case_id) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListTasks(absl::string_view office, int limit, int offset) = 0;
  // Named timers over cases (retry after a platform outage, deadlines): a case is in a timer at
  // most once, with the time it is due. Safe with several replicas: a due case may be handled by
  // more than one, so what the handler does must be idempotent (transitions by event id are).
  virtual absl::Status AddTimer(absl::string_view timer, absl::string_view case_id, absl::Time due) = 0;
  virtual absl::StatusOr<std::vector<std::string>> DueTimers(absl::string_view timer, absl::Time now, int limit) = 0;
  virtual absl::Status RemoveTimer(absl::string_view timer, absl::string_view case_id) = 0;
  virtual absl::StatusOr<int64_t> CountTimers(absl::string_view timer) = 0;
  // The payload kept with an applied event id (the event a step produced); NOT_FOUND when none.
  virtual absl::StatusOr<std::string> AppliedPayload(absl::string_view case_id, absl::string_view event_id) = 0;
  // Only the state (cheaper than Get); NOT_FOUND when there is no case.
  virtual absl::StatusOr<std::string> GetState(absl::string_view case_id) = 0;
  // Most recent first; `office` empty lists every office.
  virtual absl::StatusOr<std::vector<std::string>> ListCaseIds(absl::string_view office, int limit, int offset) = 0;
  // Every office's cases received at or after `from` and before `to`, oldest first, at most `limit` from `offset`
  // (the ledger's period; the same index as ListCaseIds("")).
  virtual absl::StatusOr<std::vector<std::string>> ListReceived(absl::Time from, absl::Time to, int limit,
                                                                  int offset) = 0;
  // Cases that ended (CLOSED, WITHDRAWN, RETURNED) with `office` responsible, in `state`, at or
  // after `since` (absl::InfinitePast(): all of them). Derived like the in-flight index.
  virtual absl::StatusOr<int64_t> CountEnded(absl::string_view office, absl::string_view state, absl::Time since) = 0;
  // The ended cases of that office and final state, most recently ended first.
  virtual absl::StatusOr<std::vector<std::string>> ListEnded(absl::string_view office, absl::string_view state,
                                                             int limit, int offset) = 0;
  // Cases whose contract id or guarantee number is exactly `term`, most recent first (the search's
  // exact lookup; indexed when a case is created).
  virtual absl::StatusOr<std::vector<std::string>> LookupCaseIds(absl::string_view term, int limit) = 0;
  // Summaries of many cases in one round trip; cases that do not exist are left out.
  virtual absl::StatusOr<std::vector<CaseSummary>> Summaries(const std::vector<std::string>& case_ids) {
    std::vector<CaseSummary> out;
    for (const std::string& id : case_ids) {
      auto record = Get(id);
      if (absl::IsNotFound(record.status())) continue;
      if (!record.ok()) return record.status();
      CaseSummary summary{id,
                          record->Field("state"),
                          record->Field("office"),
                          record->Field("kind"),
                          std::nullopt,
                          record->Field("ordering_office"),
                          record->Field("department_in_charge")};
      int64_t ms = 0;
      if (absl::SimpleAtoi(record->Field("deadline_ms"), &ms)) summary.deadline = absl::FromUnixMillis(ms);
      out.push_back(std::move(summary));
    }
    return out;
  }
  // The value stored under `key`; NOT_FOUND when there is none. Reads only.
  virtual absl::StatusOr<std::string> GetValue(absl::string_view key) = 0;
  // Stores `value` under `key` unless a value is there; returns the value now stored.
  virtual absl::StatusOr<std::string> PutIfAbsent(absl::string_view key, absl::string_view value,
                                                  absl::Duration ttl) = 0;
  // Stores `value` under `key`, replacing what is there.
  virtual absl::Status Put(absl::string_view key, absl::string_view value, absl::Duration ttl) = 0;
  // Records a notice once per delivery id; false when it was already recorded.
  virtual absl::StatusOr<bool> RecordNotice(absl::string_view case_id, absl::string_view delivery_id,
                                            absl::string_view payload) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListNotices(absl::string_view case_id) = 0;
  virtual absl::Status Ping() = 0;
};

// Contracts as the registry keeps them (serialized hosho.v1.Contract).
class ContractStore {
 public:
  virtual ~ContractStore() = default;
  // Stores `serialized` as `version` only if the stored version is `version - 1` (0: none yet);
  // ABORTED with the stored version otherwise. Safe with several replicas writing.
  virtual absl::Status PutVersion(absl::string_view contract_id, absl::string_view serialized, int64_t version) = 0;
  virtual absl::StatusOr<std::string> Get(absl::string_view contract_id) = 0;  // NOT_FOUND
  // The contract id registered for a 工事番号 (normalized by the caller); NOT_FOUND when none.
  virtual absl::StatusOr<std::string> IdForNumber(absl::string_view contract_number) = 0;
  virtual absl::Status IndexNumber(absl::string_view contract_number, absl::string_view contract_id) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListIds() = 0;
};

}  // namespace hosho
