#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// The ids of a case's events, in one place. They are deterministic, so that a redelivery, a retry or
// a second replica finds the first outcome under the same id (the case ledger applies an id once),
// and they are a contract between services: verification reads intake's submission by its id, the
// hand-off reads routing's decision, notification derives each notice's delivery id from the event's
// (`<event id>:office`, `:contractor`). docs/events.md lists them for integrators.
namespace hosho::event_ids {

// The suffixes, for code that walks several of them.
inline constexpr char kSubmitted[] = ":submitted";  // intake: the case is created (SubmissionReceived)
inline constexpr char kReceipt[] = ":receipt";      // intake: the 到達確認 (ReceiptAcknowledged)
inline constexpr char kQueued[] = ":queued";        // verification: AWAITING_VERIFICATION
inline constexpr char kVerifying[] = ":verifying";  // verification: the connector took it
inline constexpr char kVerified[] = ":verified";    // verification: the verdict (VERIFIED or RETURNED)
inline constexpr char kToClerks[] = ":to-clerks";   // verification: the connector gave it to clerks
inline constexpr char kEscalatedVerification[] = ":escalated:verification";
inline constexpr char kRouted[] = ":routed";  // routing: the decision (RoutingDecided)
inline constexpr char kEscalatedHandoffWarn[] = ":escalated:handoff-warn";
inline constexpr char kEscalatedHandoffBreach[] = ":escalated:handoff-breach";
inline constexpr char kConcluded[] = ":concluded";   // hand-off: 契約締結
inline constexpr char kForwarded[] = ":forwarded";   // hand-off: to the department in charge
inline constexpr char kHandedOff[] = ":handed-off";  // hand-off: the payment to accounting
inline constexpr char kClosed[] = ":closed";
inline constexpr char kWithdrawn[] = ":withdrawn";

inline std::string Submitted(absl::string_view case_id) { return absl::StrCat(case_id, kSubmitted); }
inline std::string Receipt(absl::string_view case_id) { return absl::StrCat(case_id, kReceipt); }
inline std::string Queued(absl::string_view case_id) { return absl::StrCat(case_id, kQueued); }
inline std::string Verifying(absl::string_view case_id) { return absl::StrCat(case_id, kVerifying); }
inline std::string Verified(absl::string_view case_id) { return absl::StrCat(case_id, kVerified); }
inline std::string ToClerks(absl::string_view case_id) { return absl::StrCat(case_id, kToClerks); }
inline std::string EscalatedVerification(absl::string_view case_id) {
  return absl::StrCat(case_id, kEscalatedVerification);
}
inline std::string Routed(absl::string_view case_id) { return absl::StrCat(case_id, kRouted); }
inline std::string EscalatedHandoff(absl::string_view case_id, bool breached) {
  return absl::StrCat(case_id, breached ? kEscalatedHandoffBreach : kEscalatedHandoffWarn);
}
inline std::string Concluded(absl::string_view case_id) { return absl::StrCat(case_id, kConcluded); }
inline std::string Forwarded(absl::string_view case_id) { return absl::StrCat(case_id, kForwarded); }
inline std::string HandedOff(absl::string_view case_id) { return absl::StrCat(case_id, kHandedOff); }
inline std::string Closed(absl::string_view case_id) { return absl::StrCat(case_id, kClosed); }
inline std::string Withdrawn(absl::string_view case_id) { return absl::StrCat(case_id, kWithdrawn); }
// The n-th wait for a platform that is away (1, 2, ...).
inline std::string Waiting(absl::string_view case_id, int64_t n) { return absl::StrCat(case_id, ":waiting:", n); }
// The re-check of a checked guarantee against a contract's new version.
inline std::string Rechecked(absl::string_view case_id, int64_t contract_version) {
  return absl::StrCat(case_id, ":rechecked:v", contract_version);
}
// On the replaced case: the amended guarantee `by` replaced it.
inline std::string SupersededBy(absl::string_view case_id, absl::string_view by) {
  return absl::StrCat(case_id, ":superseded-by:", by);
}
// A clerk's claim that moved the case to VERIFYING, at the case's version.
inline std::string Claimed(absl::string_view case_id, int64_t version) {
  return absl::StrCat(case_id, ":claimed:", version);
}

}  // namespace hosho::event_ids
