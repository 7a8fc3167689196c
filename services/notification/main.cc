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
  auto created = hosho::ServiceHost::Create("hosho-notification", kDefaults, argc, argv);
  if (!created.ok()) {
    hosho::LogError("configuration failed", {{"error", created.status().ToString()}});
    return 2;
  }
  hosho::ServiceHost& host = **created;
  auto redis = host.Redis();
  auto producer = host.Producer();
  auto auth = host.Auth();
  if (!redis.ok() || !producer.ok() || !auth.ok()) {
    absl::Status s = !redis.ok() ? redis.status() : !producer.ok() ? producer.status() : auth.status();
    hosho::LogError("start-up failed", {{"error", s.ToString()}});
    return 2;
  }
  hosho::RedisCaseStore cases(*redis);
  hosho::NotificationWorker worker(&cases, *producer, &host.clock());
  hosho::NotificationServiceImpl service(&cases, *auth);
  hosho::AddGrpcService(host, &service);
  auto consumer = host.AddConsumer({hosho::topics::kRoutings, hosho::topics::kVerifications},
                                   [&worker](const hosho::KafkaRecord& r) { return worker.Handle(r); });
  if (!consumer.ok()) {
    hosho::LogError("start-up failed", {{"error", consumer.status().ToString()}});
    return 2;
  }
  return host.Run();
}
