#include "services/platform_sim/platform_sim_process.h"

#include <utility>

#include "services/common/runtime/log.h"

namespace hosho {

absl::StatusOr<PlatformSimConfig> PlatformSimConfig::FromConfig(const Config& config) {
  PlatformSimConfig c;
  c.certificates_file = config.ResolvePath(config.GetString("platform_sim.certificates_file"));
  c.options.latency = absl::Milliseconds(config.GetInt("platform_sim.latency_ms", 0));
  c.options.failure_rate = config.GetDouble("platform_sim.failure_rate", 0);
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
