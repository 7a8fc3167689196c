#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/store/case_ledger.h"

// The Redis key names of the case store, shared by its files (RedisCaseStore's layout, in one place).
namespace hosho::redis_keys {

inline std::string Case(absl::string_view id) { return absl::StrCat("case:{", id, "}"); }
inline std::string Inflight(absl::string_view office) { return absl::StrCat("inflight:{", office, "}"); }
inline std::string Ended(absl::string_view office, absl::string_view state) {
  return absl::StrCat("ended:{", office, "}:", state);
}
// Contract ids and guarantee numbers → cases (both are identifiers people type, not secrets).
inline std::string Lookup(absl::string_view term) { return absl::StrCat("lookup:{", term, "}"); }
inline std::string Tasks(absl::string_view office) { return absl::StrCat("tasks:{", office, "}"); }
inline std::string Timer(absl::string_view timer) { return absl::StrCat("timer:{", timer, "}"); }
inline constexpr char kRecent[] = "cases:recent";

// Idempotency keys, one name per kind of IdempotencyKey (idempotency_keys.h). Stored data and the
// duplicate events derived from these names depend on them: they never change.
inline std::string ClientRequest(absl::string_view principal, absl::string_view client_request_id) {
  return absl::StrCat("idem:{", principal, "}:", client_request_id);
}
inline std::string ReceiptNumber(hosho::v1::Channel channel, absl::string_view submitter, absl::string_view number) {
  return absl::StrCat("receipt:{", hosho::v1::Channel_Name(channel), "}:", submitter, submitter.empty() ? "" : ":",
                      number);
}
inline std::string Guarantee(absl::string_view contract_id, hosho::v1::GuaranteeKind kind,
                             absl::string_view fingerprint) {
  return absl::StrCat("dup:{", contract_id, "}:", static_cast<int>(kind), ":", absl::BytesToHexString(fingerprint));
}

// An applied event's record ("version\nstate\npayload") as a result.
absl::StatusOr<TransitionResult> ParseAppliedRecord(absl::string_view record, bool replayed);

}  // namespace hosho::redis_keys
