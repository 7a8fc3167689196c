#include "services/routing/routing_process.h"

#include <utility>

#include "services/common/domain/events.h"
#include "services/common/runtime/log.h"

namespace hosho {

absl::StatusOr<std::unique_ptr<RoutingProcess>> RoutingProcess::Create(ServiceHost& host) {
  auto config = RoutingConfig::FromConfig(host.config());
  if (!config.ok()) return config.status();
  auto policy = LoadRoutingPolicyFiles(config->rules_file, config->offices_file);
  if (!policy.ok()) return policy.status();
  auto channel = MakeChannel(config->accounting);
  if (!channel.ok()) return channel.status();
  // Fail at start-up, not at the first record: Redis, Kafka and the principals must be there.
  if (auto redis = host.Redis(); !redis.ok()) return redis.status();
  if (auto producer = host.Producer(); !producer.ok()) return producer.status();
  if (auto auth = host.Auth(); !auth.ok()) return auth.status();
  auto process = std::unique_ptr<RoutingProcess>(
      new RoutingProcess(host, *std::move(config), *std::move(policy), *std::move(channel)));
  host.DeclareTopics({topics::kRoutings});
  AddGrpcService(host, &process->handoff_);
  RoutingWorker* worker = &process->worker_;
  auto consumer =
      host.AddConsumer({topics::kVerifications}, [worker](const KafkaRecord& r) { return worker->Handle(r); });
  if (!consumer.ok()) return consumer.status();
  host.AddPeriodic("hand-off sweep", process->config_.sweep_every, [worker]() -> absl::Status {
    if (auto republished = worker->RepublishPending(); !republished.ok()) return republished.status();
    return worker->SweepDeadlines().status();
  });
  return process;
}

RoutingProcess::RoutingProcess(ServiceHost& host, RoutingConfig config, RoutingPolicy policy,
                               std::shared_ptr<grpc::Channel> channel)
    : config_(std::move(config)),
      policy_(std::move(policy)),
      cases_(*host.Redis()),
      accounting_(std::move(channel), config_.accounting_token, config_.accounting_deadline),
      worker_(&cases_, &cases_, *host.Producer(), &host.clock(), &policy_),
      handoff_(&cases_, *host.Producer(), *host.Auth(), &host.clock(), &policy_, &accounting_) {
  if (config_.bench_auto_handoff) {
    LogWarn("BENCH MODE: hand-offs are acknowledged automatically; never run a city like this");
    worker_.EnableBenchAutoHandoff();
  }
}

}  // namespace hosho
