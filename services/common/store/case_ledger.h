#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

// One step of a case's lifecycle, as the store applies it atomically.
struct TransitionRequest {
  std::string case_id;
  // Idempotency key: applying the same event id twice changes nothing and
  // returns the first result.
  std::string event_id;
  // States the case must be in; empty means the case must not exist yet (creation). Each step from
  // one of them to `to_state` must be in the lifecycle table (case_states.h).
  std::vector<hosho::v1::CaseState> expected_states;
  std::optional<int64_t> expected_version;
  hosho::v1::CaseState to_state = hosho::v1::CASE_STATE_UNSPECIFIED;
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
  hosho::v1::CaseState state = hosho::v1::CASE_STATE_UNSPECIFIED;
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

// The record of each case: its fields, state, version and history, changed one step at a time.
// Errors: NOT_FOUND (no case), ALREADY_EXISTS (creating an existing case), FAILED_PRECONDITION (wrong
// state), ABORTED (wrong version), UNAVAILABLE (store away), INTERNAL (the store refused the command, or
// a step not in the lifecycle table, refused before anything is written).
class CaseLedger {
 public:
  virtual ~CaseLedger() = default;
  virtual absl::StatusOr<TransitionResult> Apply(const TransitionRequest& request) = 0;
  // Consecutive steps in one round trip, applied in order, one result each. A step that fails leaves
  // the later ones to fail on their expected state.
  virtual std::vector<absl::StatusOr<TransitionResult>> ApplyAll(const std::vector<TransitionRequest>& steps) = 0;
  // NOT_FOUND when there is no case. Applying the same event id twice records it once.
  virtual absl::StatusOr<TransitionResult> Note(const CaseNote& note) = 0;
  virtual absl::StatusOr<CaseRecord> Get(absl::string_view case_id) = 0;
  // Only the state (cheaper than Get); NOT_FOUND when there is no case.
  virtual absl::StatusOr<std::string> GetState(absl::string_view case_id) = 0;
  // The payload kept with an applied event id (the event a step produced); NOT_FOUND when none.
  virtual absl::StatusOr<std::string> AppliedPayload(absl::string_view case_id, absl::string_view event_id) = 0;
};

}  // namespace hosho
