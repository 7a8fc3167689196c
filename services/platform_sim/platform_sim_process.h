#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/host/service_host.h"
#include "services/platform_sim/accounting_sim_service.h"
#include "services/platform_sim/platform_sim_service.h"

namespace hosho {

// hosho-platform-sim's defaults.yaml, embedded at build time.
extern const char kPlatformSimDefaults[];

// Everything hosho-platform-sim reads from its configuration, read once.
struct PlatformSimConfig {
  std::string certificates_file;  // resolved
  PlatformSimOptions options;

  static absl::StatusOr<PlatformSimConfig> FromConfig(const Config& config);
};

// The simulated platforms (D-Sure, 保証証券等確認システム) and the city's accounting system, served
// over gRPC from one process.
class PlatformSimProcess {
 public:
  static absl::StatusOr<std::unique_ptr<PlatformSimProcess>> Create(ServiceHost& host);

 private:
  PlatformSimProcess(ServiceHost& host, CertificateBook book, const PlatformSimConfig& config);

  PlatformSimService platforms_;
  AccountingSimService accounting_;
};

}  // namespace hosho
