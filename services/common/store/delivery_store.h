#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// One way one notice goes out: e-mail to a mailbox, a signed webhook to a city system,
// or an office's watch stream. The id is deterministic (notice delivery id + channel + target),
// so a redelivered event never enqueues a second send.
struct DeliveryRecord {
  enum class State { kPending, kDelivered, kFailed };
  std::string id;
  std::string case_id;
  std::string channel;  // "email", "webhook", "stream"
  std::string target;   // mailbox, webhook name, office
  std::string payload;  // serialized hosho.v1.Notice (never holds a secret)
  State state = State::kPending;
  int attempts = 0;  // attempts begun (BeginAttempt), whether or not their outcome was recorded
  // Attempts that began after an earlier one was left without an outcome (the sender died between
  // the send and its record): the recipient may hold this message twice, with the same Message-ID.
  int possible_repeats = 0;
  bool attempt_open = false;  // an attempt began and has no recorded outcome yet
  std::string last_error;
  absl::Time delivered_at = absl::InfinitePast();
  absl::Time next_attempt_at = absl::InfinitePast();
  std::string cursor;  // stream deliveries: the entry id in the office's stream
};

// Stream channel name: a delivery on it is done by appending to the office's stream.
inline constexpr char kStreamChannel[] = "stream";

// The durable outbox of deliveries (Redis): enqueue once, lease due ones to a sender, record the
// outcome. Safe with several notification replicas: a leased delivery is invisible to the others
// until its lease runs out (a sender killed mid-send is retried after the lease).
class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;
  // Records each delivery unless its id is known (then it is left as it is). Stream deliveries are
  // appended to their office's stream in the same step and are delivered at once. Returns how
  // many were new.
  virtual absl::StatusOr<int> Enqueue(const std::vector<DeliveryRecord>& deliveries, absl::Time now) = 0;
  // Up to `limit` pending deliveries due at `now`, each leased until now + lease.
  virtual absl::StatusOr<std::vector<DeliveryRecord>> LeaseDue(absl::Time now, absl::Duration lease, int limit) = 0;
  // Records, before the send, that an attempt begins (counting it). kRepeat when the previous
  // attempt has no outcome (a sender died after sending, perhaps): the send goes out again and is
  // counted as a possible repeat. kNotPending when the delivery is no longer pending (another
  // replica finished it after this lease ran out): nothing is sent.
  enum class AttemptStart { kFirst, kRepeat, kNotPending };
  virtual absl::StatusOr<AttemptStart> BeginAttempt(absl::string_view id, absl::Time at) = 0;
  // The open attempt succeeded.
  virtual absl::Status MarkDelivered(absl::string_view id, absl::Time at) = 0;
  // An attempt failed: retry at `retry_at`, or give up (FAILED) when `give_up`.
  virtual absl::Status MarkFailed(absl::string_view id, absl::string_view error, absl::Time retry_at, bool give_up) = 0;
  virtual absl::StatusOr<std::vector<DeliveryRecord>> ForCase(absl::string_view case_id) = 0;
  // Entries of an office's stream after `after_cursor` ("" = from the oldest kept), as
  // (cursor, serialized notice), oldest first.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadStream(absl::string_view office,
                                                                                      absl::string_view after_cursor,
                                                                                      int limit) = 0;
  // Pending (including leased) and failed deliveries, for metrics.
  virtual absl::StatusOr<std::pair<int64_t, int64_t>> Depths() = 0;
};

}  // namespace hosho
