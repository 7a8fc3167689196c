#include "services/console/console_config.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace hosho {

namespace {

// The pages' HTTP server, and the share of its workers the live feeds may hold (each open feed holds
// one; 0: all but 16, so that pages and forms always find a worker).
void ReadHttp(const Config& config, ConsoleConfig* c) {
  c->http.host = config.GetString("console.listen_host");
  c->http.port = static_cast<int>(config.GetInt("console.port", 8106));
  c->http.tls_cert_file = config.ResolvePath(config.GetString("console.tls_cert_file"));
  c->http.tls_key_file = config.ResolvePath(config.GetString("console.tls_key_file"));
  c->http.worker_threads = static_cast<int>(config.GetInt("console.worker_threads", 64));
  c->http.max_body_bytes = 64 << 10;
  c->app.max_feed_streams = static_cast<int>(config.GetInt("console.max_feed_streams", 0));
  if (c->app.max_feed_streams <= 0) c->app.max_feed_streams = std::max(1, c->http.worker_threads - 16);
}

// Sign-in and sessions: cookies, the trusted proxy, the budgets.
void ReadSignIn(const Config& config, ConsoleConfig* c) {
  c->concurrent_signins = static_cast<int>(config.GetInt("console.concurrent_signins", 2));
  c->sessions.idle_timeout = absl::Minutes(config.GetInt("console.session_idle_minutes", 30));
  c->sessions.max_age = absl::Hours(config.GetInt("console.session_max_hours", 12));
  c->signin_attempts_per_name = config.GetInt("console.signin_attempts_per_15min", 10);
  c->signin_attempts_per_address = config.GetInt("console.signin_attempts_per_address_per_15min", 200);
  c->app.cookie_secure = config.GetBool("console.cookie_secure", true);
  for (const std::string& address : config.GetStringList("console.trusted_proxy_addresses")) {
    c->app.trusted_proxy_addresses.insert(address);
  }
  c->app.proxy_user_header = absl::AsciiStrToLower(config.GetString("console.proxy_user_header"));
}

}  // namespace

absl::StatusOr<ConsoleConfig> ConsoleConfig::FromConfig(const Config& config) {
  ConsoleConfig c;
  c.accounts_file = config.ResolvePath(config.GetString("console.accounts_file"));
  if (c.accounts_file.empty()) return absl::FailedPreconditionError("console.accounts_file is not configured");
  c.offices_file = config.ResolvePath(config.GetString("console.offices_file"));
  c.topics_file = config.ResolvePath(config.GetString("console.topics_file"));
  c.blobs_dir = config.ResolvePath(config.GetString("blobs.dir"));
  ReadSignIn(config, &c);
  c.token = config.GetSecret("console.token");
  c.verification = ChannelOptionsFromConfig(config, "verification");
  c.routing = ChannelOptionsFromConfig(config, "routing");
  c.deadline = absl::Milliseconds(config.GetInt("console.deadline_ms", 5000));
  c.kafka = KafkaOptionsFromConfig(config, "hosho-console");
  c.feed_capacity = static_cast<size_t>(config.GetInt("console.feed_capacity", 2000));
  c.feed_from_earliest = config.GetBool("console.feed_from_earliest", false);
  c.overview_refresh = absl::Milliseconds(config.GetInt("console.overview_refresh_ms", 15000));
  ReadHttp(config, &c);
  return c;
}

}  // namespace hosho
