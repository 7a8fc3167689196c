#include "services/platform_sim/platform_sim_process.h"

#include <utility>

#include "services/common/runtime/log.h"

namespace hosho {

absl::StatusOr<PlatformSimConfig> PlatformSimConfig::FromConfig(const Config& config) {
  PlatformSimConfig c;
  ConfigReader r(config);
  c.certificates_file = r.Path("platform_sim.certificates_file");
  c.options.latency = r.Millis("platform_sim.latency_ms");
  c.options.failure_rate = r.Double("platform_sim.failure_rate");
  if (!r.ok()) return r.status();
  return c;
}

absl::StatusOr<std::unique_ptr<PlatformSimProcess>> PlatformSimProcess::Create(ServiceHost& host) {
  auto config = PlatformSimConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto book = CertificateBook::FromFile(config->certificates_file);
  if (!book.ok()) return book.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  LogInfo("certificates loaded", {{"count", static_cast<int64_t>(book->size())}});
  auto process = std::unique_ptr<PlatformSimProcess>(new PlatformSimProcess(host, *std::move(book), *config));
  AddGrpcService(host, &process->platforms_);
  AddGrpcService(host, &process->accounting_);
  return process;
}

PlatformSimProcess::PlatformSimProcess(ServiceHost& host, CertificateBook book, const PlatformSimConfig& config)
    : platforms_(std::move(book), *host.Auth(), &host.clock(), config.options), accounting_(*host.Auth()) {}

}  // namespace hosho
