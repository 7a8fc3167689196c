// hosho-console: the operators' and clerks' web console (pages, forms, server-sent events) and the
// CaseService read API for other city systems.
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/blob_store.h"
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/grpc_client.h"
#include "services/common/http_server.h"
#include "services/common/log.h"
#include "services/common/offices.h"
#include "services/common/passwords.h"
#include "services/common/rate_limiter.h"
#include "services/common/service_host.h"
#include "services/common/topics.h"
#include "services/console/accounts.h"
#include "services/console/backends_grpc.h"
#include "services/console/case_service.h"
#include "services/console/console_app.h"
#include "services/console/live_feed.h"
#include "services/console/overview.h"
#include "services/console/sessions.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7106", dev_plaintext: false}
admin: {port: 9106}
kafka: {bootstrap_servers: "127.0.0.1:19092"}
redis: {host: 127.0.0.1, port: 6379}
console:
  listen_host: 127.0.0.1         # plain HTTP only on loopback; elsewhere set the TLS files
  port: 8106
  tls_cert_file: ""
  tls_key_file: ""
  worker_threads: 64             # each open live feed holds one
  max_feed_streams: 0            # 0: worker_threads - 16 (pages and forms keep 16 workers)
  accounts_file: ""              # required: local accounts (hoshoctl account-new)
  cookie_secure: true
  session_idle_minutes: 30
  session_max_hours: 12
  signin_attempts_per_15min: 10  # per user name from one client address, shared by every replica
  signin_attempts_per_address_per_15min: 200  # per client address, whatever the name (an office proxy shares one)
  concurrent_signins: 2          # Argon2id checks at once (64 MiB each); more wait up to 5 s, then 「混み合っています」
  trusted_proxy_addresses: []    # e.g. [10.0.0.5]: these may name the user in the header below
  proxy_user_header: x-forwarded-user
  offices_file: deploy/city/offices.yaml
  topics_file: deploy/kafka/topics.yaml
  overview_refresh_ms: 15000     # gauges: cases in flight, deadlines, DLQ depth, connectors
  feed_capacity: 2000
  feed_from_earliest: false      # true only for a fresh development stack
  token_file: ""                 # the console's own token (principal with acts_for: [clerk, operator])
  deadline_ms: 5000
blobs:
  dir: /var/lib/hosho/blobs      # intake's sealed attachments (read only here)
verification: {target: "127.0.0.1:7102", dev_plaintext: false}
routing: {target: "127.0.0.1:7103", dev_plaintext: false}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-console", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  hosho::RedisClient* redis = hosho::ValueOrExit(host.Redis());
  const hosho::Authenticator* auth = hosho::ValueOrExit(host.Auth());
  const std::string accounts_file = config.ResolvePath(config.GetString("console.accounts_file"));
  if (accounts_file.empty()) {
    hosho::ExitOnStartupError(absl::FailedPreconditionError("console.accounts_file is not configured"));
  }
  hosho::AccountBook accounts = hosho::ValueOrExit(hosho::AccountBook::FromFile(accounts_file));
  accounts.SetVerifier(std::make_shared<hosho::PasswordVerifier>(
      static_cast<int>(config.GetInt("console.concurrent_signins", 2)), absl::Seconds(5)));
  const hosho::OfficeDirectory offices = hosho::ValueOrExit(
      hosho::OfficeDirectory::FromFile(config.ResolvePath(config.GetString("console.offices_file"))));
  const auto catalogue =
      hosho::ValueOrExit(hosho::LoadTopicCatalogue(config.ResolvePath(config.GetString("console.topics_file"))));

  hosho::RedisCaseStore cases(redis);
  hosho::SealedFileBlobStore blobs(config.ResolvePath(config.GetString("blobs.dir")),
                                   hosho::ValueOrExit(host.Sealing()));
  hosho::SessionPolicy policy;
  policy.idle_timeout = absl::Minutes(config.GetInt("console.session_idle_minutes", 30));
  policy.max_age = absl::Hours(config.GetInt("console.session_max_hours", 12));
  hosho::RedisSessionStore sessions(redis, &host.clock(), policy);
  hosho::RedisRateLimiter signin_limiter(redis, &host.clock(), config.GetInt("console.signin_attempts_per_15min", 10),
                                         absl::Minutes(15));
  hosho::RedisRateLimiter signin_address_limiter(
      redis, &host.clock(), config.GetInt("console.signin_attempts_per_address_per_15min", 200), absl::Minutes(15));
  const std::string token = hosho::ValueOrExit(config.GetSecret("console.token"));
  hosho::GrpcConsoleBackends backends(
      hosho::ValueOrExit(hosho::MakeChannel(hosho::ChannelOptionsFromConfig(config, "verification"))),
      hosho::ValueOrExit(hosho::MakeChannel(hosho::ChannelOptionsFromConfig(config, "routing"))), token,
      absl::Milliseconds(config.GetInt("console.deadline_ms", 5000)));

  // DLQ depth: what `hoshoctl dlq replay` has not yet sent back.
  auto probe = hosho::ValueOrExit(
      hosho::KafkaBacklogProbe::Create(hosho::KafkaOptionsFromConfig(config, "hosho-console"), hosho::kDlqReplayGroup));
  absl::Mutex probe_mu;
  hosho::OverviewOptions overview_options;
  for (const hosho::Office& o : offices.offices()) overview_options.offices.push_back(o.code);
  overview_options.offices.push_back("operators");
  std::vector<std::string> case_topics;
  for (const auto& topic : catalogue) {
    if (topic.dlq) overview_options.dlq_topics.push_back(topic.name + ".dlq");
    if (topic.name != hosho::topics::kContracts) case_topics.push_back(topic.name);
  }
  hosho::OverviewSource overview(
      &cases,
      [&probe, &probe_mu](const std::string& topic) {
        absl::MutexLock lock(&probe_mu);
        return probe->Backlog(topic, absl::Seconds(3));
      },
      &backends, &host.clock(), overview_options);

  hosho::LiveFeed feed(static_cast<size_t>(config.GetInt("console.feed_capacity", 2000)));
  hosho::FeedIngester ingester(&feed, &cases);
  char hostname[256] = {0};
  (void)gethostname(hostname, sizeof hostname - 1);
  hosho::ValueOrExit(host.AddObserver(
      case_topics,
      [&ingester](const hosho::KafkaRecord& record) {
        // The feed only shows: a failure is logged, never retried into a DLQ.
        if (absl::Status s = ingester.Handle(record); !s.ok()) {
          hosho::LogWarn("live feed skipped a record", {{"topic", record.topic}, {"error", s.ToString()}});
        }
        return absl::OkStatus();
      },
      absl::StrCat("hosho-console-feed-", hostname, "-", getpid(), "-", hosho::RandomToken(6)),
      config.GetBool("console.feed_from_earliest", false)));

  hosho::CaseServiceImpl case_service(&cases, auth, &host.clock(), absl::Milliseconds(50), &offices);
  hosho::AddGrpcService(host, &case_service);

  hosho::ConsoleDeps deps;
  deps.cases = &cases;
  deps.sessions = &sessions;
  deps.accounts = &accounts;
  deps.backends = &backends;
  deps.feed = &feed;
  deps.overview = &overview;
  deps.blobs = &blobs;
  deps.offices = &offices;
  deps.clock = &host.clock();
  deps.signin_limiter = &signin_limiter;
  deps.signin_address_limiter = &signin_address_limiter;
  hosho::ConsoleOptions options;
  options.cookie_secure = config.GetBool("console.cookie_secure", true);
  for (const std::string& address : config.GetStringList("console.trusted_proxy_addresses")) {
    options.trusted_proxy_addresses.insert(address);
  }
  options.proxy_user_header = absl::AsciiStrToLower(config.GetString("console.proxy_user_header"));
  const int workers = static_cast<int>(config.GetInt("console.worker_threads", 64));
  options.max_feed_streams = static_cast<int>(config.GetInt("console.max_feed_streams", 0));
  if (options.max_feed_streams <= 0) options.max_feed_streams = std::max(1, workers - 16);
  hosho::ConsoleApp app(deps, options);

  hosho::HttpServerOptions http;
  http.host = config.GetString("console.listen_host");
  http.port = static_cast<int>(config.GetInt("console.port", 8106));
  http.tls_cert_file = config.ResolvePath(config.GetString("console.tls_cert_file"));
  http.tls_key_file = config.ResolvePath(config.GetString("console.tls_key_file"));
  http.worker_threads = workers;
  http.max_body_bytes = 64 << 10;
  auto server = hosho::ValueOrExit(hosho::HttpServer::Start(http, app.Routes()));
  hosho::LogInfo("console listening",
                 {{"host", http.host}, {"port", server->port()}, {"accounts", static_cast<int64_t>(accounts.size())}});
  // Open event streams end first, so that the HTTP server can stop without waiting for them.
  host.OnStopping([&feed, &server] {
    feed.Close();
    server->Stop();
  });
  absl::Notification stop;
  std::thread exporter = hosho::StartPeriodic(
      stop, absl::Milliseconds(config.GetInt("console.overview_refresh_ms", 15000)),
      [&overview] { return overview.Refresh(); }, "overview refresh");
  const int rc = host.Run();
  stop.Notify();
  exporter.join();
  feed.Close();
  server->Stop();
  return rc;
}
