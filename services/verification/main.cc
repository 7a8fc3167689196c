// hosho-verification: consumes submissions, checks certificates (the automated connector where it
// is switched on, clerks everywhere else), publishes verdicts.
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/common/case_store_redis.h"
#include "services/common/domain_text.h"
#include "services/common/events.h"
#include "services/common/grpc_client.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/service_host.h"
#include "services/verification/contract_recheck.h"
#include "services/verification/platform_connector_grpc.h"
#include "services/verification/resilient_connector.h"
#include "services/verification/verification_service.h"
#include "services/verification/verification_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7102", dev_plaintext: false}
admin: {port: 9102}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-verification}
redis: {host: 127.0.0.1, port: 6379}
connector:
  enabled: false   # clerk-first: neither platform publishes an API, so a city's clerks check every case
  platforms: [d_sure, confirmation_system]   # with the connector on, it reads these; the rest goes to clerks
  target: "127.0.0.1:7105"
  dev_plaintext: false
  deadline_ms: 5000
  retry: {attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 2000}
  breaker: {failures: 5, open_ms: 10000}
  resume: {poll_ms: 1000, initial_ms: 1000, max_ms: 60000}   # cases waiting for their platform
city: {offices_file: deploy/city/offices.yaml}   # the city's name for R05 (city.beneficiary)
tasks: {claim_ttl_minutes: 30, sla_hours: 72, verdict_sweep_ms: 5000}   # the sweep sends clerks' unconfirmed verdicts
sla:   # verification deadline from receipt, per office; escalation before it is breached
  hours: 72
  offices: {}            # e.g. {contract-division: 48}
  escalate_before_hours: 24
  sweep_ms: 60000
amendments: {deadline_days: 14}   # after a contract change, the amended guarantee (変更保証) is due in this many days
rules:   # fractions of the contract price, exact ("1/10" or "0.1"); minimums round up, maximums down
  contract_guarantee_ratio: "1/10"
  low_bid_contract_guarantee_ratio: "3/10"
  advance_max_ratio: "4/10"
  intermediate_max_ratio: "2/10"
  advances_total_max_ratio: "6/10"
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-verification", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  hosho::RedisCaseStore cases(hosho::ValueOrExit(host.Redis()));
  auto channel = hosho::ValueOrExit(hosho::MakeChannel(hosho::ChannelOptionsFromConfig(config, "connector")));
  hosho::GrpcPlatformConnector connector(channel, hosho::ValueOrExit(config.GetSecret("connector.token")),
                                         absl::Milliseconds(config.GetInt("connector.deadline_ms", 5000)));
  hosho::ResilienceOptions resilience;
  resilience.attempts = static_cast<int>(config.GetInt("connector.retry.attempts", 3));
  resilience.initial_backoff = absl::Milliseconds(config.GetInt("connector.retry.initial_backoff_ms", 100));
  resilience.max_backoff = absl::Milliseconds(config.GetInt("connector.retry.max_backoff_ms", 2000));
  resilience.failure_threshold = static_cast<int>(config.GetInt("connector.breaker.failures", 5));
  resilience.open_for = absl::Milliseconds(config.GetInt("connector.breaker.open_ms", 10000));
  hosho::ResilientConnector resilient(&connector, &host.clock(), resilience);
  hosho::VerificationOptions options;
  options.sla = absl::Hours(config.GetInt("sla.hours", 72));
  for (const auto& [office, hours] : config.GetMap("sla.offices")) {
    int64_t h = 0;
    if (!absl::SimpleAtoi(hours, &h) || h <= 0) {
      hosho::LogError("sla.offices: hours must be a positive number", {{"office", office}});
      return 2;
    }
    options.sla_by_office[office] = absl::Hours(h);
  }
  options.escalate_before = absl::Hours(config.GetInt("sla.escalate_before_hours", 24));
  options.resume_initial = absl::Milliseconds(config.GetInt("connector.resume.initial_ms", 1000));
  options.resume_max = absl::Milliseconds(config.GetInt("connector.resume.max_ms", 60000));
  options.connector_platforms.clear();
  if (config.GetBool("connector.enabled", false)) {
    for (const std::string& name : config.GetStringList("connector.platforms")) {
      auto platform = hosho::ValueOrExit(hosho::ParseEnumName(hosho::v1::Platform_descriptor(), "PLATFORM_", name));
      options.connector_platforms.insert(platform);
    }
  }
  options.clerk_sla = absl::Hours(config.GetInt("tasks.sla_hours", 72));
  const hosho::VerificationPolicy policy = hosho::ValueOrExit(hosho::VerificationPolicyWithCity(config));
  host.DeclareTopics({hosho::topics::kVerifications});
  hosho::VerificationWorker worker(&cases, hosho::ValueOrExit(host.Producer()), hosho::ValueOrExit(host.Sealing()),
                                   &resilient, &host.clock(), policy, options);
  hosho::TaskOptions task_options;
  task_options.claim_ttl = absl::Minutes(config.GetInt("tasks.claim_ttl_minutes", 30));
  hosho::VerificationServiceImpl clerks(&cases, hosho::ValueOrExit(host.Producer()), hosho::ValueOrExit(host.Sealing()),
                                        hosho::ValueOrExit(host.Auth()), &host.clock(), policy, task_options);
  hosho::RedisContractStore contracts(hosho::ValueOrExit(host.Redis()));
  worker.UseContracts(&contracts);
  clerks.UseContracts(&contracts);
  hosho::AddGrpcService(host, &clerks);
  hosho::RecheckOptions recheck_options;
  recheck_options.amended_guarantee_due = absl::Hours(24 * config.GetInt("amendments.deadline_days", 14));
  hosho::ContractRechecker rechecker(&cases, hosho::ValueOrExit(host.Producer()), &host.clock(), policy,
                                     recheck_options);
  // One group, two topics: submissions to check, and contract versions that may re-check a guarantee.
  hosho::ValueOrExit(host.AddConsumer({hosho::topics::kSubmissions, hosho::topics::kContracts},
                                      [&worker, &rechecker](const hosho::KafkaRecord& r) {
                                        return r.topic == hosho::topics::kContracts ? rechecker.Handle(r)
                                                                                    : worker.Handle(r);
                                      }));
  // The resumer: cases that wait for their platform are tried again when due.
  absl::Notification stop;
  std::thread resumer = hosho::StartPeriodic(
      stop, absl::Milliseconds(config.GetInt("connector.resume.poll_ms", 1000)),
      [&worker] { return worker.ResumeDue().status(); }, "resuming waiting cases");
  // The verdict sweep: a clerk's verdict whose event Kafka did not confirm is sent from the store.
  std::thread verdict_sweep = hosho::StartPeriodic(
      stop, absl::Milliseconds(config.GetInt("tasks.verdict_sweep_ms", 5000)),
      [&worker] { return worker.RepublishVerdicts().status(); }, "verdict publish sweep");
  std::thread sweeper = hosho::StartPeriodic(
      stop, absl::Milliseconds(config.GetInt("sla.sweep_ms", 60000)),
      [&worker] { return worker.SweepDeadlines().status(); }, "deadline sweep");
  // The console's connector health: grpc.health.v1 service "hosho.platform.<PLATFORM>" is
  // NOT_SERVING while that platform's breaker is open, and a gauge says the same.
  std::thread breaker_watch = hosho::StartPeriodic(
      stop, absl::Seconds(1),
      [&host, &resilient] {
        for (hosho::v1::Platform p : {hosho::v1::PLATFORM_D_SURE, hosho::v1::PLATFORM_CONFIRMATION_SYSTEM}) {
          const bool open = resilient.BreakerState(p) == hosho::CircuitBreaker::State::kOpen;
          host.Grpc().SetHealth(absl::StrCat("hosho.platform.", hosho::v1::Platform_Name(p)), !open);
          hosho::Metrics()
              .GetGauge("hosho_verification_connector_open", "1 while the platform's circuit breaker is open.",
                        {{"platform", hosho::v1::Platform_Name(p)}})
              .Set(open ? 1 : 0);
        }
        return absl::OkStatus();
      },
      "connector health");
  const int rc = host.Run();
  stop.Notify();
  resumer.join();
  verdict_sweep.join();
  sweeper.join();
  breaker_watch.join();
  return rc;
}
