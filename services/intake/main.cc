// hosho-intake: SubmitGuarantee, the contract registry and (until the console
// ships) the case read API.
#include "services/common/case_store_redis.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/intake/case_query_service.h"
#include "services/intake/contract_registry_service.h"
#include "services/intake/intake_service.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7101", dev_plaintext: false}
admin: {port: 9101}
kafka: {bootstrap_servers: "127.0.0.1:19092"}
redis: {host: 127.0.0.1, port: 6379}
intake: {send_timeout_ms: 10000, idempotency_ttl_hours: 720, verification_sla_hours: 72}
scope:
  ordering_offices: [contract-division, water-sewerage-policy]
  work_categories: [construction, surveying_consulting]
  insurer_route_opens: "2026-04-01"
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-intake", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  const hosho::Config& config = host.config();
  hosho::RedisClient* redis = hosho::ValueOrExit(host.Redis());
  hosho::EventProducer* producer = hosho::ValueOrExit(host.Producer());
  const hosho::Sealer* sealer = hosho::ValueOrExit(host.Sealing());
  const hosho::Authenticator* auth = hosho::ValueOrExit(host.Auth());

  hosho::RedisCaseStore cases(redis);
  hosho::RedisContractStore contracts(redis);
  hosho::IntakeOptions options;
  options.send_timeout = absl::Milliseconds(config.GetInt("intake.send_timeout_ms", 10000));
  options.idempotency_ttl = absl::Hours(config.GetInt("intake.idempotency_ttl_hours", 720));
  options.verification_sla = absl::Hours(config.GetInt("intake.verification_sla_hours", 72));
  hosho::IntakeServiceImpl intake(&cases, &contracts, producer, sealer, auth, &host.clock(),
                                  hosho::ScopePolicyFromConfig(config), options);
  hosho::ContractRegistryImpl registry(&contracts, producer, auth, &host.clock());
  hosho::CaseQueryImpl queries(&cases, auth, &host.clock());
  hosho::AddGrpcService(host, &intake);
  hosho::AddGrpcService(host, &registry);
  hosho::AddGrpcService(host, &queries);
  return host.Run();
}
