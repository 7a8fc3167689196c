#pragma once
// A contract registry of one contract, for tests and fuzz targets of the intake door: in scope and
// above every threshold, so that the rules at the door judge the submission itself. Writes are refused
// (the door only reads the registry).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/store/contract_store.h"

namespace hosho::testing {

inline constexpr char kOneContractId[] = "C-2026-0001";
inline constexpr char kOneContractNumber[] = "R8-道路-0001";

inline hosho::v1::Contract OneContract() {
  hosho::v1::Contract c;
  c.set_contract_id(kOneContractId);
  c.set_contract_number(kOneContractNumber);
  c.set_project_name("緑町通り歩道整備工事");
  c.set_ordering_office("contract-division");
  c.set_department_in_charge("road-maintenance");
  c.set_work_category(hosho::v1::WORK_CATEGORY_CONSTRUCTION);
  c.set_price_yen(120'000'000);
  c.set_version(1);
  return c;
}

class OneContractStore final : public ContractStore {
 public:
  // `leads_to_it`: which 工事番号 lead to the contract (default: its own number only).
  explicit OneContractStore(std::function<bool(absl::string_view)> leads_to_it =
                                [](absl::string_view number) { return number == kOneContractNumber; })
      : leads_to_it_(std::move(leads_to_it)) {}

  absl::Status PutVersion(absl::string_view, absl::string_view, int64_t) override {
    return absl::UnimplementedError("one-contract registry: read-only");
  }
  absl::StatusOr<std::string> Get(absl::string_view contract_id) override {
    if (contract_id != kOneContractId) return absl::NotFoundError("one-contract registry: no such contract");
    return OneContract().SerializeAsString();
  }
  absl::StatusOr<std::string> IdForNumber(absl::string_view number) override {
    if (!leads_to_it_(number)) return absl::NotFoundError("one-contract registry: no such number");
    return std::string(kOneContractId);
  }
  absl::Status IndexNumber(absl::string_view, absl::string_view) override {
    return absl::UnimplementedError("one-contract registry: read-only");
  }
  absl::StatusOr<std::vector<std::string>> ListIds() override { return std::vector<std::string>{kOneContractId}; }

 private:
  std::function<bool(absl::string_view)> leads_to_it_;
};

}  // namespace hosho::testing
