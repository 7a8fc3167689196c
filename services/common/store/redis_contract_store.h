#pragma once

#include "services/common/redis/redis_client.h"
#include "services/common/store/contract_store.h"

namespace hosho {

// Contracts in Redis: contract:{id} and its version, contracts:all, contracts:by-number.
class RedisContractStore final : public ContractStore {
 public:
  explicit RedisContractStore(RedisClient* redis) : redis_(redis) {}
  absl::Status PutVersion(absl::string_view contract_id, absl::string_view serialized, int64_t version) override;
  absl::StatusOr<std::string> Get(absl::string_view contract_id) override;
  absl::StatusOr<std::string> IdForNumber(absl::string_view contract_number) override;
  absl::Status IndexNumber(absl::string_view contract_number, absl::string_view contract_id) override;
  absl::StatusOr<std::vector<std::string>> ListIds() override;

 private:
  RedisClient* redis_;
};

}  // namespace hosho
