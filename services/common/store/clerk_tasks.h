#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// A clerk taking a verification task: one clerk at a time, for a while.
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

// Cases that wait for a clerk: each office's queue by due time, and one clerk's claim at a time.
class ClerkTasks {
 public:
  virtual ~ClerkTasks() = default;
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
};

}  // namespace hosho
