#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "hosho/v1/accounting.pb.h"

namespace hosho {

// The city's accounting system as hosho-routing sees it: an advance handed off for payment.
// Implementations must be idempotent by handoff_id (a retry answers with the first reference).
class AccountingSystem {
 public:
  virtual ~AccountingSystem() = default;
  // The accounting system's reference; UNAVAILABLE/DEADLINE_EXCEEDED when it cannot be reached.
  virtual absl::StatusOr<std::string> RequestAdvancePayment(const hosho::v1::AdvancePaymentRequest& request) = 0;
};

}  // namespace hosho
