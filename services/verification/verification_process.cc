#include "services/verification/verification_process.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/domain/events.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

absl::StatusOr<std::unique_ptr<VerificationProcess>> VerificationProcess::Create(ServiceHost& host) {
  auto config = VerificationConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto channel = MakeChannel(config->connector);
  if (!channel.ok()) return channel.status();
  // Fail at start-up, not at the first record: Redis, Kafka, the key ring and the principals.
  if (auto redis = host.Redis(); !redis.ok()) return redis.status();
  if (auto producer = host.Producer(); !producer.ok()) return producer.status();
  if (auto sealer = host.Sealing(); !sealer.ok()) return sealer.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  auto process =
      std::unique_ptr<VerificationProcess>(new VerificationProcess(host, *std::move(config), *std::move(channel)));
  host.DeclareTopics({topics::kVerifications});
  AddGrpcService(host, &process->clerks_);
  // One group, two topics: submissions to check, and contract versions that may re-check a guarantee.
  VerificationWorker* worker = &process->worker_;
  ContractRechecker* rechecker = &process->rechecker_;
  auto consumer =
      host.AddConsumer({topics::kSubmissions, topics::kContracts}, [worker, rechecker](const KafkaRecord& r) {
        return r.topic == topics::kContracts ? rechecker->Handle(r) : worker->Handle(r);
      });
  if (!consumer.ok()) return consumer.status();
  process->AddBackgroundLoops(host);
  return process;
}

VerificationProcess::VerificationProcess(ServiceHost& host, VerificationConfig config,
                                         std::shared_ptr<grpc::Channel> channel)
    : config_(std::move(config)),
      cases_(*host.Redis()),
      contracts_(*host.Redis()),
      connector_(channel, config_.connector_token, config_.connector_deadline),
      resilient_(&connector_, &host.clock(), config_.resilience),
      worker_(&cases_, *host.Producer(), *host.Sealing(), &resilient_, &host.clock(), config_.policy, config_.worker),
      clerks_(&cases_, *host.Producer(), *host.Sealing(), *host.Auth(), &host.clock(), config_.policy, config_.tasks),
      rechecker_(&cases_, *host.Producer(), &host.clock(), config_.policy, config_.recheck) {
  worker_.UseContracts(&contracts_);
  clerks_.UseContracts(&contracts_);
}

void VerificationProcess::AddBackgroundLoops(ServiceHost& host) {
  VerificationWorker* worker = &worker_;
  // The resumer: cases that wait for their platform are tried again when due.
  host.AddPeriodic("resuming waiting cases", config_.resume_every, [worker] { return worker->ResumeDue().status(); });
  // The verdict sweep: a clerk's verdict whose event Kafka did not confirm is sent from the store.
  host.AddPeriodic("verdict publish sweep", config_.verdict_sweep_every,
                   [worker] { return worker->RepublishVerdicts().status(); });
  host.AddPeriodic("deadline sweep", config_.deadline_sweep_every,
                   [worker] { return worker->SweepDeadlines().status(); });
  ResilientConnector* resilient = &resilient_;
  GrpcServerRunner* grpc = &host.Grpc();
  host.AddPeriodic("connector health", absl::Seconds(1),
                   [resilient, grpc] { return PublishConnectorHealth(*resilient, *grpc); });
}

absl::Status PublishConnectorHealth(ResilientConnector& connector, GrpcServerRunner& grpc) {
  for (hosho::v1::Platform p : {hosho::v1::PLATFORM_D_SURE, hosho::v1::PLATFORM_CONFIRMATION_SYSTEM}) {
    const bool open = connector.BreakerState(p) == CircuitBreaker::State::kOpen;
    grpc.SetHealth(absl::StrCat("hosho.platform.", hosho::v1::Platform_Name(p)), !open);
    Metrics()
        .GetGauge("hosho_verification_connector_open", "1 while the platform's circuit breaker is open.",
                  {{"platform", hosho::v1::Platform_Name(p)}})
        .Set(open ? 1 : 0);
  }
  return absl::OkStatus();
}

}  // namespace hosho
