#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// Contracts as the registry keeps them (serialized hosho.v1.Contract).
class ContractStore {
 public:
  virtual ~ContractStore() = default;
  // Stores `serialized` as `version` only if the stored version is `version - 1` (0: none yet);
  // ABORTED with the stored version otherwise. Safe with several replicas writing.
  virtual absl::Status PutVersion(absl::string_view contract_id, absl::string_view serialized, int64_t version) = 0;
  virtual absl::StatusOr<std::string> Get(absl::string_view contract_id) = 0;  // NOT_FOUND
  // The contract id registered for a 工事番号 (normalized by the caller); NOT_FOUND when none.
  virtual absl::StatusOr<std::string> IdForNumber(absl::string_view contract_number) = 0;
  virtual absl::Status IndexNumber(absl::string_view contract_number, absl::string_view contract_id) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListIds() = 0;
};

}  // namespace hosho
