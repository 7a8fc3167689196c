#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

// What an idempotency key binds, typed: callers say which thing they claim, and only the store
// (redis_case_keys.h) decides how the key is named.
class IdempotencyKey {
 public:
  // An API caller's retry: its principal and the request id it chose.
  static IdempotencyKey ClientRequest(absl::string_view principal, absl::string_view client_request_id);
  // A channel's own receipt (受付番号, Message-ID). `submitter` keeps a submitter's receipts its own;
  // empty for the city's channels, whose receipts are shared by whoever relays them.
  static IdempotencyKey ReceiptNumber(hosho::v1::Channel channel, absl::string_view submitter,
                                      absl::string_view number);
  // One guarantee per contract and purpose (R14): `fingerprint` is the keyed fingerprint (raw bytes)
  // of what locates the credential, never the credential itself.
  static IdempotencyKey Guarantee(absl::string_view contract_id, hosho::v1::GuaranteeKind kind,
                                  absl::string_view fingerprint);

  // The name the key is stored under. It never changes for the same parts, so a caller may also use
  // it as the stable identity of what it claims (intake derives a duplicate's event id from it).
  const std::string& name() const { return name_; }

 private:
  explicit IdempotencyKey(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// Keys that bind something to the first case that claimed it (a client's request id, a receipt
// number, a guarantee's fingerprint), for a while or for good (ttl zero).
class IdempotencyKeys {
 public:
  virtual ~IdempotencyKeys() = default;
  // The value stored under `key`; NOT_FOUND when there is none. Reads only.
  virtual absl::StatusOr<std::string> GetValue(const IdempotencyKey& key) = 0;
  // Stores `value` under `key` unless a value is there; returns the value now stored.
  virtual absl::StatusOr<std::string> PutIfAbsent(const IdempotencyKey& key, absl::string_view value,
                                                  absl::Duration ttl) = 0;
  // Stores `value` under `key`, replacing what is there.
  virtual absl::Status Put(const IdempotencyKey& key, absl::string_view value, absl::Duration ttl) = 0;
};

}  // namespace hosho
