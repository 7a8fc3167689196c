#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/runtime/config.h"

namespace hosho {

// hosho-routing's defaults.yaml, embedded at build time.
extern const char kRoutingDefaults[];

// Everything hosho-routing reads from its configuration, read once.
struct RoutingConfig {
  std::string rules_file;    // routing.rules_file, resolved
  std::string offices_file;  // routing.offices_file, resolved
  absl::Duration sweep_every;
  ChannelOptions accounting;
  std::string accounting_token;
  absl::Duration accounting_deadline;
  bool bench_auto_handoff = false;

  static absl::StatusOr<RoutingConfig> FromConfig(const Config& config);
};

}  // namespace hosho
