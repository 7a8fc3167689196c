// hosho-routing: consumes verdicts, decides who acts on a case, publishes routings.
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/routing/routing_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7103", dev_plaintext: false}
admin: {port: 9103}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-routing}
redis: {host: 127.0.0.1, port: 6379}
routing: {payment_deadline_days: 14, conclusion_sla_days: 7, operator_office: operators}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-routing", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  hosho::RedisCaseStore cases(hosho::ValueOrExit(host.Redis()));
  hosho::RoutingWorker worker(&cases, hosho::ValueOrExit(host.Producer()), &host.clock(),
                              hosho::RoutingPolicyFromConfig(host.config()));
  if (host.config().GetBool("routing.bench_auto_handoff", false)) {
    hosho::LogWarn("BENCH MODE: hand-offs are acknowledged automatically; never run a city like this");
    worker.EnableBenchAutoHandoff();
  }
  hosho::ValueOrExit(host.AddConsumer({hosho::topics::kVerifications},
                                      [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); }));
  return host.Run();
}
