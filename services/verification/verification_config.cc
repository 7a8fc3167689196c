#include "services/verification/verification_config.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/domain/domain_text.h"

namespace hosho {
namespace {

void ReadResilience(ConfigReader& r, ResilienceOptions* out) {
  out->attempts = static_cast<int>(r.Int("connector.retry.attempts"));
  out->initial_backoff = r.Millis("connector.retry.initial_backoff_ms");
  out->max_backoff = r.Millis("connector.retry.max_backoff_ms");
  out->failure_threshold = static_cast<int>(r.Int("connector.breaker.failures"));
  out->open_for = r.Millis("connector.breaker.open_ms");
}

// The per-office SLAs (an open map: office code → hours) and, with the connector on, its platforms.
absl::Status ReadOfficesAndPlatforms(const Config& config, bool connector_enabled, VerificationOptions* options) {
  for (const auto& [office, hours] : config.GetMap("sla.offices")) {
    int64_t h = 0;
    if (!absl::SimpleAtoi(hours, &h) || h <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("sla.offices: hours must be a positive number (", office, ")"));
    }
    options->sla_by_office[office] = absl::Hours(h);
  }
  options->connector_platforms.clear();
  if (!connector_enabled) return absl::OkStatus();
  for (const std::string& name : config.GetStringList("connector.platforms")) {
    auto platform = ParseEnumName(hosho::v1::Platform_descriptor(), "PLATFORM_", name);
    if (!platform.ok()) return platform.status();
    options->connector_platforms.insert(*platform);
  }
  return absl::OkStatus();
}

absl::StatusOr<VerificationOptions> WorkerFromConfig(const Config& config) {
  VerificationOptions options;
  ConfigReader r(config);
  options.sla = r.Hours("sla.hours");
  options.escalate_before = r.Hours("sla.escalate_before_hours");
  options.resume_initial = r.Millis("connector.resume.initial_ms");
  options.resume_max = r.Millis("connector.resume.max_ms");
  options.clerk_sla = r.Hours("tasks.sla_hours");
  const bool connector_enabled = r.Bool("connector.enabled");
  if (!r.ok()) return r.status();
  if (absl::Status s = ReadOfficesAndPlatforms(config, connector_enabled, &options); !s.ok()) return s;
  return options;
}

// The rules' thresholds are parsed by VerificationPolicyWithCity; every one of them must be configured.
absl::Status RequireRules(ConfigReader& r) {
  for (const char* key : {"rules.contract_guarantee_ratio", "rules.low_bid_contract_guarantee_ratio",
                          "rules.advance_max_ratio", "rules.intermediate_max_ratio", "rules.advances_total_max_ratio",
                          "connector.target", "connector.dev_plaintext", "connector.token_file"}) {
    r.String(key);
  }
  return r.status();
}

}  // namespace

absl::StatusOr<VerificationConfig> VerificationConfig::FromConfig(const Config& config) {
  VerificationConfig c;
  ConfigReader r(config);
  c.connector_deadline = r.Millis("connector.deadline_ms");
  ReadResilience(r, &c.resilience);
  c.tasks.claim_ttl = r.Minutes("tasks.claim_ttl_minutes");
  c.recheck.amended_guarantee_due = absl::Hours(24 * r.Int("amendments.deadline_days"));
  c.resume_every = r.Millis("connector.resume.poll_ms");
  c.verdict_sweep_every = r.Millis("tasks.verdict_sweep_ms");
  c.deadline_sweep_every = r.Millis("sla.sweep_ms");
  if (absl::Status s = RequireRules(r); !s.ok()) return s;
  c.connector = ChannelOptionsFromConfig(config, "connector");
  // Clerk-first (the connector off) calls no platform, so the token is required only with the connector
  // on (the chart names none otherwise); one that is configured is read either way.
  if (config.GetBool("connector.enabled") || !config.GetString("connector.token_file").empty()) {
    auto token = config.GetSecret("connector.token");
    if (!token.ok()) return token.status();
    c.connector_token = *std::move(token);
  }
  auto worker = WorkerFromConfig(config);
  if (!worker.ok()) return worker.status();
  c.worker = *std::move(worker);
  auto policy = VerificationPolicyWithCity(config);
  if (!policy.ok()) return policy.status();
  c.policy = *std::move(policy);
  return c;
}

}  // namespace hosho
