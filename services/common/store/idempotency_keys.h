#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// Keys that bind something to the first case that claimed it (a client's request id, a receipt
// number, a guarantee's fingerprint), for a while or for good (ttl zero).
class IdempotencyKeys {
 public:
  virtual ~IdempotencyKeys() = default;
  // The value stored under `key`; NOT_FOUND when there is none. Reads only.
  virtual absl::StatusOr<std::string> GetValue(absl::string_view key) = 0;
  // Stores `value` under `key` unless a value is there; returns the value now stored.
  virtual absl::StatusOr<std::string> PutIfAbsent(absl::string_view key, absl::string_view value,
                                                  absl::Duration ttl) = 0;
  // Stores `value` under `key`, replacing what is there.
  virtual absl::Status Put(absl::string_view key, absl::string_view value, absl::Duration ttl) = 0;
};

}  // namespace hosho
