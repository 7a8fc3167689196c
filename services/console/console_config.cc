#include "services/console/console_config.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace hosho {

namespace {

// The pages' HTTP server, and the share of its workers the live feeds may hold (each open feed holds
// one; 0: all but 16, so that pages and forms always find a worker).
void ReadHttp(ConfigReader& r, ConsoleConfig* c) {
  c->http.host = r.String("console.listen_host");
  c->http.port = static_cast<int>(r.Int("console.port"));
  c->http.tls_cert_file = r.Path("console.tls_cert_file");
  c->http.tls_key_file = r.Path("console.tls_key_file");
  c->http.worker_threads = static_cast<int>(r.Int("console.worker_threads"));
  c->http.max_body_bytes = 64 << 10;  // the console's forms are small: not a setting
  c->app.max_feed_streams = static_cast<int>(r.Int("console.max_feed_streams"));
  if (c->app.max_feed_streams <= 0) c->app.max_feed_streams = std::max(1, c->http.worker_threads - 16);
}

// Sign-in and sessions: cookies, the trusted proxy, the budgets.
void ReadSignIn(const Config& config, ConfigReader& r, ConsoleConfig* c) {
  c->concurrent_signins = static_cast<int>(r.Int("console.concurrent_signins"));
  c->sessions.idle_timeout = r.Minutes("console.session_idle_minutes");
  c->sessions.max_age = r.Hours("console.session_max_hours");
  c->signin_attempts_per_name = r.Int("console.signin_attempts_per_15min");
  c->signin_attempts_per_address = r.Int("console.signin_attempts_per_address_per_15min");
  c->app.cookie_secure = r.Bool("console.cookie_secure");
  for (const std::string& address : config.GetStringList("console.trusted_proxy_addresses")) {
    c->app.trusted_proxy_addresses.insert(address);
  }
  c->app.proxy_user_header = absl::AsciiStrToLower(r.String("console.proxy_user_header"));
}

}  // namespace

absl::StatusOr<ConsoleConfig> ConsoleConfig::FromConfig(const Config& config) {
  ConsoleConfig c;
  ConfigReader r(config);
  c.accounts_file = r.Path("console.accounts_file");
  c.offices_file = r.Path("console.offices_file");
  c.topics_file = r.Path("console.topics_file");
  c.blobs_dir = r.Path("blobs.dir");
  ReadSignIn(config, r, &c);
  c.deadline = r.Millis("console.deadline_ms");
  c.feed_capacity = static_cast<size_t>(r.Int("console.feed_capacity"));
  c.feed_from_earliest = r.Bool("console.feed_from_earliest");
  c.overview_refresh = r.Millis("console.overview_refresh_ms");
  ReadHttp(r, &c);
  r.String("console.token_file");  // read by GetSecret below
  // The channels are read by ChannelOptionsFromConfig; their keys must be there all the same.
  for (const char* key :
       {"verification.target", "verification.dev_plaintext", "routing.target", "routing.dev_plaintext"}) {
    r.String(key);
  }
  if (!r.ok()) return r.status();
  if (c.accounts_file.empty()) return absl::FailedPreconditionError("console.accounts_file is not configured");
  c.token = config.GetSecret("console.token");
  c.verification = ChannelOptionsFromConfig(config, "verification");
  c.routing = ChannelOptionsFromConfig(config, "routing");
  c.kafka = KafkaOptionsFromConfig(config, "hosho-console");
  return c;
}

}  // namespace hosho
