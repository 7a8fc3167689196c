#pragma once

#include "services/common/redis/redis_client.h"
#include "services/common/store/delivery_store.h"

namespace hosho {

// Keys share the hash tag {hosho-deliveries}, so the outbox works on Redis Cluster (one slot):
//   dlv:{hosho-deliveries}:d:<id>        hash (case_id, channel, target, payload, state, attempts,
//                                        open_ms while an attempt has no outcome, possible_repeats, ...)
//   dlv:{hosho-deliveries}:due           sorted set: pending id → due time (ms); a lease pushes it on
//   dlv:{hosho-deliveries}:case:<case>   set of the case's delivery ids
//   dlv:{hosho-deliveries}:failed        sorted set of given-up ids
//   dlv:{hosho-deliveries}:stream:<office>  stream of the office's notices (MAXLEN ~ stream_max_len)
class RedisDeliveryStore final : public DeliveryStore {
 public:
  explicit RedisDeliveryStore(RedisClient* redis, int64_t stream_max_len = 100000)
      : redis_(redis), stream_max_len_(stream_max_len) {}
  absl::StatusOr<int> Enqueue(const std::vector<DeliveryRecord>& deliveries, absl::Time now) override;
  absl::StatusOr<std::vector<DeliveryRecord>> LeaseDue(absl::Time now, absl::Duration lease, int limit) override;
  absl::StatusOr<AttemptStart> BeginAttempt(absl::string_view id, absl::Time at) override;
  absl::Status MarkDelivered(absl::string_view id, absl::Time at) override;
  absl::Status MarkFailed(absl::string_view id, absl::string_view error, absl::Time retry_at, bool give_up) override;
  absl::StatusOr<std::vector<DeliveryRecord>> ForCase(absl::string_view case_id) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadStream(absl::string_view office,
                                                                              absl::string_view after_cursor,
                                                                              int limit) override;
  absl::StatusOr<std::pair<int64_t, int64_t>> Depths() override;

 private:
  absl::StatusOr<std::vector<DeliveryRecord>> Load(const std::vector<std::string>& ids);
  RedisClient* redis_;
  int64_t stream_max_len_;
};

}  // namespace hosho
