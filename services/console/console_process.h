#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/domain/offices.h"
#include "services/common/host/service_host.h"
#include "services/common/http/http_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/store/blob_store.h"
#include "services/common/store/case_store_redis.h"
#include "services/common/store/rate_limiter.h"
#include "services/console/accounts.h"
#include "services/console/backends_grpc.h"
#include "services/console/case_service.h"
#include "services/console/console_app.h"
#include "services/console/console_config.h"
#include "services/console/live_feed.h"
#include "services/console/overview.h"
#include "services/console/sessions.h"

namespace hosho {

// hosho-console wired to its host: the pages on their own HTTP server, CaseService on the host's gRPC
// server, the live feed fed by an observer of every case topic, and the overview's gauges refreshed in
// the background.
class ConsoleProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ConsoleProcess>> Create(ServiceHost& host);
  // Ends the open event streams and stops the pages' server, if the host's stop did not already.
  ~ConsoleProcess();

 private:
  // What Create reads and opens before anything is built on it.
  struct Loaded {
    ConsoleConfig config;
    AccountBook accounts;
    OfficeDirectory offices;
    const Sealer* sealer = nullptr;
    std::shared_ptr<grpc::Channel> verification;
    std::shared_ptr<grpc::Channel> routing;
    std::unique_ptr<KafkaBacklogProbe> probe;
    OverviewOptions overview;
    std::vector<std::string> case_topics;  // what the live feed shows
  };
  static absl::StatusOr<Loaded> Load(ServiceHost& host);

  ConsoleProcess(ServiceHost& host, Loaded loaded);
  ConsoleDeps Deps(ServiceHost& host);
  // Starts the live feed's observer of `case_topics`, CaseService, the pages and the overview refresh.
  absl::Status Start(ServiceHost& host, const std::vector<std::string>& case_topics);
  absl::Status ObserveCaseTopics(ServiceHost& host, const std::vector<std::string>& topics);

  ConsoleConfig config_;
  AccountBook accounts_;
  OfficeDirectory offices_;
  RedisCaseStore cases_;
  SealedFileBlobStore blobs_;
  RedisSessionStore sessions_;
  RedisRateLimiter signin_limiter_;
  RedisRateLimiter signin_address_limiter_;
  GrpcConsoleBackends backends_;
  absl::Mutex probe_mu_;
  std::unique_ptr<KafkaBacklogProbe> probe_ ABSL_GUARDED_BY(probe_mu_);
  OverviewSource overview_;
  LiveFeed feed_;
  FeedIngester ingester_;
  CaseServiceImpl case_service_;
  ConsoleApp app_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace hosho
