#pragma once

#include "absl/status/statusor.h"
#include "hosho/v1/domain.pb.h"
#include "hosho/v1/intake.pb.h"

namespace hosho {

class Config;

// A contract as written in YAML (deploy/demo/scenario.yaml shows every field).
absl::StatusOr<hosho::v1::Contract> ContractFromYaml(const Config& item);

// A submission as written in YAML; the credential is read from the item.
absl::StatusOr<hosho::v1::SubmitGuaranteeRequest> SubmissionFromYaml(const Config& item);

}  // namespace hosho
