#include "services/routing/routing_config.h"

#include <utility>

namespace hosho {

absl::StatusOr<RoutingConfig> RoutingConfig::FromConfig(const Config& config) {
  RoutingConfig c;
  ConfigReader r(config);
  c.rules_file = r.Path("routing.rules_file");
  c.offices_file = r.Path("routing.offices_file");
  c.sweep_every = r.Millis("routing.sweep_ms");
  // The channel itself is read by ChannelOptionsFromConfig below; its keys must be there all the same.
  r.String("accounting.target");
  r.Bool("accounting.dev_plaintext");
  r.String("accounting.token_file");
  c.accounting_deadline = r.Millis("accounting.deadline_ms");
  c.bench_auto_handoff = r.Bool("bench.auto_handoff");
  if (!r.ok()) return r.status();
  c.accounting = ChannelOptionsFromConfig(config, "accounting");
  auto token = config.GetSecret("accounting.token");
  if (!token.ok()) return token.status();
  c.accounting_token = *std::move(token);
  return c;
}

}  // namespace hosho
