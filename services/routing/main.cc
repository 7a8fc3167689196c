// hosho-routing: decides who acts on a verified case, serves HandoffService (conclude, forward,
// acknowledge, payment hand-off, withdraw) and sweeps hand-off deadlines.
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/grpc_client.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/routing/accounting_grpc.h"
#include "services/routing/handoff_service.h"
#include "services/routing/routing_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7103", dev_plaintext: false}
admin: {port: 9103}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-routing}
redis: {host: 127.0.0.1, port: 6379}
routing:
  rules_file: deploy/routing/rules.yaml    # who acts on what (see the file)
  offices_file: deploy/city/offices.yaml   # the city's offices
  sweep_ms: 60000                          # deadline sweeper period
accounting:                                # the city's accounting system (hosho.v1.AccountingService)
  target: "127.0.0.1:7105"
  dev_plaintext: false
  deadline_ms: 5000
  token_file: ""
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-routing", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  const hosho::RoutingPolicy policy =
      hosho::ValueOrExit(hosho::LoadRoutingPolicyFiles(config.ResolvePath(config.GetString("routing.rules_file")),
                                                       config.ResolvePath(config.GetString("routing.offices_file"))));
  hosho::RedisCaseStore cases(hosho::ValueOrExit(host.Redis()));
  hosho::EventProducer* producer = hosho::ValueOrExit(host.Producer());
  host.DeclareTopics({hosho::topics::kRoutings});
  hosho::RoutingWorker worker(&cases, producer, &host.clock(), &policy);
  if (config.GetBool("bench.auto_handoff", false)) {
    hosho::LogWarn("BENCH MODE: hand-offs are acknowledged automatically; never run a city like this");
    worker.EnableBenchAutoHandoff();
  }
  auto channel = hosho::ValueOrExit(hosho::MakeChannel(hosho::ChannelOptionsFromConfig(config, "accounting")));
  hosho::GrpcAccountingSystem accounting(channel, hosho::ValueOrExit(config.GetSecret("accounting.token")),
                                         absl::Milliseconds(config.GetInt("accounting.deadline_ms", 5000)));
  hosho::HandoffServiceImpl handoff(&cases, producer, hosho::ValueOrExit(host.Auth()), &host.clock(), &policy,
                                    &accounting);
  hosho::AddGrpcService(host, &handoff);
  hosho::ValueOrExit(host.AddConsumer({hosho::topics::kVerifications},
                                      [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); }));
  absl::Notification stop;
  std::thread sweeper = hosho::StartPeriodic(
      stop, absl::Milliseconds(config.GetInt("routing.sweep_ms", 60000)),
      [&worker]() -> absl::Status {
        if (auto republished = worker.RepublishPending(); !republished.ok()) return republished.status();
        return worker.SweepDeadlines().status();
      },
      "hand-off sweep");
  const int rc = host.Run();
  stop.Notify();
  sweeper.join();
  return rc;
}
