#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/runtime/config.h"
#include "services/verification/contract_recheck.h"
#include "services/verification/resilient_connector.h"
#include "services/verification/rules.h"
#include "services/verification/verification_service.h"
#include "services/verification/verification_worker.h"

namespace hosho {

// hosho-verification's defaults.yaml, embedded at build time.
extern const char kVerificationDefaults[];

// Everything hosho-verification reads from its configuration, read once.
struct VerificationConfig {
  ChannelOptions connector;  // the platforms' look-up service
  std::string connector_token;
  absl::Duration connector_deadline;
  ResilienceOptions resilience;
  VerificationOptions worker;  // connector platforms (empty with the connector off), SLAs, resume backoff
  VerificationPolicy policy;   // the rules' thresholds and the city's name (R05)
  TaskOptions tasks;
  RecheckOptions recheck;
  absl::Duration resume_every;         // the resumer of cases waiting for their platform
  absl::Duration verdict_sweep_every;  // clerks' verdicts whose event Kafka did not confirm
  absl::Duration deadline_sweep_every;

  // INVALID_ARGUMENT naming the key for a value that cannot be used.
  static absl::StatusOr<VerificationConfig> FromConfig(const Config& config);
};

}  // namespace hosho
