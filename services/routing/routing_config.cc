#include "services/routing/routing_config.h"

namespace hosho {

absl::StatusOr<RoutingConfig> RoutingConfig::FromConfig(const Config& config) {
  RoutingConfig c;
  c.rules_file = config.ResolvePath(config.GetString("routing.rules_file"));
  c.offices_file = config.ResolvePath(config.GetString("routing.offices_file"));
  c.sweep_every = absl::Milliseconds(config.GetInt("routing.sweep_ms", 60000));
  c.accounting = ChannelOptionsFromConfig(config, "accounting");
  auto token = config.GetSecret("accounting.token");
  if (!token.ok()) return token.status();
  c.accounting_token = *std::move(token);
  c.accounting_deadline = absl::Milliseconds(config.GetInt("accounting.deadline_ms", 5000));
  c.bench_auto_handoff = config.GetBool("bench.auto_handoff", false);
  return c;
}

}  // namespace hosho
