#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

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

// The indexes over cases that lists, counts and searches read; the ledger keeps them as it applies steps.
class CaseIndex {
 public:
  virtual ~CaseIndex() = default;
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
  virtual absl::StatusOr<std::vector<CaseSummary>> Summaries(const std::vector<std::string>& case_ids) = 0;
};

}  // namespace hosho
