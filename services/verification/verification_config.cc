#include "services/verification/verification_config.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"

namespace hosho {
namespace {

ResilienceOptions ResilienceFromConfig(const Config& config) {
  ResilienceOptions r;
  r.attempts = static_cast<int>(config.GetInt("connector.retry.attempts", 3));
  r.initial_backoff = absl::Milliseconds(config.GetInt("connector.retry.initial_backoff_ms", 100));
  r.max_backoff = absl::Milliseconds(config.GetInt("connector.retry.max_backoff_ms", 2000));
  r.failure_threshold = static_cast<int>(config.GetInt("connector.breaker.failures", 5));
  r.open_for = absl::Milliseconds(config.GetInt("connector.breaker.open_ms", 10000));
  return r;
}

absl::StatusOr<VerificationOptions> WorkerFromConfig(const Config& config) {
  VerificationOptions options;
  options.sla = absl::Hours(config.GetInt("sla.hours", 72));
  for (const auto& [office, hours] : config.GetMap("sla.offices")) {
    int64_t h = 0;
    if (!absl::SimpleAtoi(hours, &h) || h <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("sla.offices: hours must be a positive number (", office, ")"));
    }
    options.sla_by_office[office] = absl::Hours(h);
  }
  options.escalate_before = absl::Hours(config.GetInt("sla.escalate_before_hours", 24));
  options.resume_initial = absl::Milliseconds(config.GetInt("connector.resume.initial_ms", 1000));
  options.resume_max = absl::Milliseconds(config.GetInt("connector.resume.max_ms", 60000));
  options.connector_platforms.clear();
  if (config.GetBool("connector.enabled", false)) {
    for (const std::string& name : config.GetStringList("connector.platforms")) {
      auto platform = ParseEnumName(hosho::v1::Platform_descriptor(), "PLATFORM_", name);
      if (!platform.ok()) return platform.status();
      options.connector_platforms.insert(*platform);
    }
  }
  options.clerk_sla = absl::Hours(config.GetInt("tasks.sla_hours", 72));
  return options;
}

}  // namespace

absl::StatusOr<VerificationConfig> VerificationConfig::FromConfig(const Config& config) {
  VerificationConfig c;
  c.connector = ChannelOptionsFromConfig(config, "connector");
  auto token = config.GetSecret("connector.token");
  if (!token.ok()) return token.status();
  c.connector_token = *std::move(token);
  c.connector_deadline = absl::Milliseconds(config.GetInt("connector.deadline_ms", 5000));
  c.resilience = ResilienceFromConfig(config);
  auto worker = WorkerFromConfig(config);
  if (!worker.ok()) return worker.status();
  c.worker = *std::move(worker);
  auto policy = VerificationPolicyWithCity(config);
  if (!policy.ok()) return policy.status();
  c.policy = *std::move(policy);
  c.tasks.claim_ttl = absl::Minutes(config.GetInt("tasks.claim_ttl_minutes", 30));
  c.recheck.amended_guarantee_due = absl::Hours(24 * config.GetInt("amendments.deadline_days", 14));
  c.resume_every = absl::Milliseconds(config.GetInt("connector.resume.poll_ms", 1000));
  c.verdict_sweep_every = absl::Milliseconds(config.GetInt("tasks.verdict_sweep_ms", 5000));
  c.deadline_sweep_every = absl::Milliseconds(config.GetInt("sla.sweep_ms", 60000));
  return c;
}

}  // namespace hosho
