// hosho-notification: records notices for routings and returns, and serves them.
#include "services/common/case_store_redis.h"
#include "services/common/events.h"
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_worker.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7104", dev_plaintext: false}
admin: {port: 9104}
kafka: {bootstrap_servers: "127.0.0.1:19092", group_id: hosho-notification}
redis: {host: 127.0.0.1, port: 6379}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto created = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-notification", kDefaults, argc, argv));
  hosho::ServiceHost& host = *created;
  hosho::RedisCaseStore cases(hosho::ValueOrExit(host.Redis()));
  hosho::NotificationWorker worker(&cases, hosho::ValueOrExit(host.Producer()), &host.clock());
  hosho::NotificationServiceImpl service(&cases, hosho::ValueOrExit(host.Auth()));
  hosho::AddGrpcService(host, &service);
  hosho::ValueOrExit(
      host.AddConsumer({hosho::topics::kSubmissions, hosho::topics::kRoutings, hosho::topics::kVerifications},
                       [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); }));
  return host.Run();
}
