// hosho-verification: consumes submissions, checks certificates, publishes verdicts.
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/grpc_client.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/verification/platform_connector_grpc.h"
#include "services/verification/verification_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7102", dev_plaintext: false}
admin: {port: 9102}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-verification}
redis: {host: 127.0.0.1, port: 6379}
connector: {target: "127.0.0.1:7105", dev_plaintext: false, deadline_ms: 5000}
rules: {contract_guarantee_ratio: 0.1, low_bid_contract_guarantee_ratio: 0.3, advance_max_ratio: 0.4}
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
  hosho::VerificationWorker worker(&cases, hosho::ValueOrExit(host.Producer()), hosho::ValueOrExit(host.Sealing()),
                                   &connector, &host.clock(), hosho::VerificationPolicyFromConfig(config), {});
  hosho::ValueOrExit(host.AddConsumer({hosho::topics::kSubmissions},
                                      [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); }));
  return host.Run();
}
