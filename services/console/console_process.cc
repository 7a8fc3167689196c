#include "services/console/console_process.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/passwords.h"
#include "services/common/domain/events.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/kafka/topics.h"
#include "services/common/runtime/log.h"

namespace hosho {

absl::StatusOr<std::unique_ptr<ConsoleProcess>> ConsoleProcess::Create(ServiceHost& host) {
  // Fail at start-up, not at the first page: Redis and the principals must be there.
  if (auto redis = host.Redis(); !redis.ok()) return redis.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  auto loaded = Load(host);
  if (!loaded.ok()) return loaded.status();
  const std::vector<std::string> case_topics = std::move(loaded->case_topics);
  auto process = std::unique_ptr<ConsoleProcess>(new ConsoleProcess(host, *std::move(loaded)));
  if (absl::Status started = process->Start(host, case_topics); !started.ok()) return started;
  return process;
}

absl::StatusOr<ConsoleProcess::Loaded> ConsoleProcess::Load(ServiceHost& host) {
  auto config = ConsoleConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto accounts = AccountBook::FromFile(config->accounts_file);
  if (!accounts.ok()) return accounts.status();
  accounts->SetVerifier(std::make_shared<PasswordVerifier>(config->concurrent_signins, absl::Seconds(5)));
  auto offices = OfficeDirectory::FromFile(config->offices_file);
  if (!offices.ok()) return offices.status();
  auto catalogue = LoadTopicCatalogue(config->topics_file);
  if (!catalogue.ok()) return catalogue.status();
  auto sealer = host.Sealing();
  if (!sealer.ok()) return sealer.status();
  if (!config->token.ok()) return config->token.status();  // after the files: the first fault is named first
  auto verification = MakeChannel(config->verification);
  if (!verification.ok()) return verification.status();
  auto routing = MakeChannel(config->routing);
  if (!routing.ok()) return routing.status();
  // DLQ depth: what `hoshoctl dlq replay` has not yet sent back.
  auto probe = KafkaBacklogProbe::Create(config->kafka, kDlqReplayGroup);
  if (!probe.ok()) return probe.status();
  Loaded loaded{*std::move(config),  *std::move(accounts), *std::move(offices), *sealer, *std::move(verification),
                *std::move(routing), *std::move(probe),    OverviewOptions{},   {}};
  for (const Office& o : loaded.offices.offices()) loaded.overview.offices.push_back(o.code);
  loaded.overview.offices.push_back("operators");
  for (const TopicSpec& topic : *catalogue) {
    if (topic.dlq) loaded.overview.dlq_topics.push_back(topic.name + ".dlq");
    if (topic.name != topics::kContracts) loaded.case_topics.push_back(topic.name);
  }
  return loaded;
}

ConsoleProcess::ConsoleProcess(ServiceHost& host, Loaded loaded)
    : config_(std::move(loaded.config)),
      accounts_(std::move(loaded.accounts)),
      offices_(std::move(loaded.offices)),
      cases_(*host.Redis()),
      blobs_(config_.blobs_dir, loaded.sealer),
      sessions_(*host.Redis(), &host.clock(), config_.sessions),
      signin_limiter_(*host.Redis(), &host.clock(), config_.signin_attempts_per_name, absl::Minutes(15)),
      signin_address_limiter_(*host.Redis(), &host.clock(), config_.signin_attempts_per_address, absl::Minutes(15)),
      backends_(loaded.verification, loaded.routing, *config_.token, config_.deadline),
      probe_(std::move(loaded.probe)),
      overview_(
          &cases_,
          [this](const std::string& topic) {
            absl::MutexLock lock(&probe_mu_);
            return probe_->Backlog(topic, absl::Seconds(3));
          },
          &backends_, &host.clock(), std::move(loaded.overview)),
      feed_(config_.feed_capacity),
      ingester_(&feed_, &cases_),
      case_service_(&cases_, *host.Auth(), &host.clock(), absl::Milliseconds(50), &offices_),
      app_(Deps(host), config_.app) {}

ConsoleProcess::~ConsoleProcess() {
  feed_.Close();
  if (server_ != nullptr) server_->Stop();
}

ConsoleDeps ConsoleProcess::Deps(ServiceHost& host) {
  ConsoleDeps deps;
  deps.cases = &cases_;
  deps.sessions = &sessions_;
  deps.accounts = &accounts_;
  deps.backends = &backends_;
  deps.feed = &feed_;
  deps.overview = &overview_;
  deps.blobs = &blobs_;
  deps.offices = &offices_;
  deps.clock = &host.clock();
  deps.signin_limiter = &signin_limiter_;
  deps.signin_address_limiter = &signin_address_limiter_;
  return deps;
}

absl::Status ConsoleProcess::Start(ServiceHost& host, const std::vector<std::string>& case_topics) {
  if (absl::Status observed = ObserveCaseTopics(host, case_topics); !observed.ok()) return observed;
  AddGrpcService(host, &case_service_);
  auto server = HttpServer::Start(config_.http, app_.Routes());
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  LogInfo(
      "console listening",
      {{"host", config_.http.host}, {"port", server_->port()}, {"accounts", static_cast<int64_t>(accounts_.size())}});
  // Open event streams end first, so that the HTTP server can stop without waiting for them.
  host.OnStopping([this] {
    feed_.Close();
    server_->Stop();
  });
  host.AddPeriodic("overview refresh", config_.overview_refresh, [this] { return overview_.Refresh(); });
  return absl::OkStatus();
}

// The live feed's observer: a group of its own per process, so that every replica sees every event.
absl::Status ConsoleProcess::ObserveCaseTopics(ServiceHost& host, const std::vector<std::string>& topics) {
  char hostname[256] = {0};
  // Safe to ignore a failure: the name stays empty, and the pid and a random token keep the group unique.
  (void)gethostname(hostname, sizeof hostname - 1);
  auto observer = host.AddObserver(
      topics,
      [this](const KafkaRecord& record) {
        // The feed only shows: a failure is logged and skipped, never retried into a DLQ.
        RecordResult result = ingester_.Handle(record);
        if (result.outcome == RecordOutcome::kRetry || result.outcome == RecordOutcome::kDeadLetter) {
          LogWarn("live feed skipped a record", {{"topic", record.topic}, {"error", result.error.ToString()}});
          return RecordResult::Skipped(result.error.ToString());
        }
        return result;
      },
      absl::StrCat("hosho-console-feed-", hostname, "-", getpid(), "-", RandomToken(6)), config_.feed_from_earliest);
  return observer.status();
}

}  // namespace hosho
