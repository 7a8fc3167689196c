#pragma once
// A case's lifecycle: every step a case may take, in one table, and how far along a state is.
// It lives with the store (not with the domain types above it) because the ledger refuses a step
// outside the table before it writes anything.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

// One allowed step. `from` CASE_STATE_UNSPECIFIED is the creation of a case.
struct CaseTransition {
  hosho::v1::CaseState from;
  hosho::v1::CaseState to;
};

// Every allowed step of a case's lifecycle.
absl::Span<const CaseTransition> AllowedTransitions();
bool IsAllowedTransition(hosho::v1::CaseState from, hosho::v1::CaseState to);
// OK when a step from any of `expected` (empty: the case is created) to `to` is in the table;
// INTERNAL naming both states otherwise: a caller asked for a step no case may take.
absl::Status CheckTransition(absl::Span<const hosho::v1::CaseState> expected, hosho::v1::CaseState to);

// Where a case in `state` stands against `step`: before it (it may still get there), at it, past it
// (it went through it, or ended after it: a terminal state is ahead of every state on its way), or
// apart (neither leads to the other: another branch, such as RETURNED against VERIFIED).
enum class Progress { kBehind, kAt, kAhead, kApart };
Progress CompareProgress(hosho::v1::CaseState state, hosho::v1::CaseState step);

// A state no step leaves (CLOSED, WITHDRAWN, RETURNED).
bool IsTerminal(hosho::v1::CaseState state);

// "RECEIVED" for CASE_STATE_RECEIVED: the name cases are stored and shown with.
std::string StateName(hosho::v1::CaseState state);
// CASE_STATE_UNSPECIFIED when `name` names no state.
hosho::v1::CaseState ParseStateName(absl::string_view name);

}  // namespace hosho
