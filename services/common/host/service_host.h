#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/http/admin_server.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/redis/redis_client.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/config.h"

namespace hosho {

// What every hosho service process shares: configuration, logs, the admin
// port, the gRPC runner, Redis, Kafka, sealing and authentication, and the
// orderly stop on SIGTERM (NOT_SERVING, drain, leave the group, flush).
class ServiceHost {
 public:
  // Reads --config=PATH; the YAML overrides `defaults_yaml`, HOSHO_* overrides both.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Create(std::string name, absl::string_view defaults_yaml,
                                                             int argc, char** argv);
  ~ServiceHost();

  const std::string& name() const { return name_; }
  const Config& config() const { return config_; }
  Clock& clock() { return RealClock(); }

  absl::StatusOr<RedisClient*> Redis();
  absl::StatusOr<EventProducer*> Producer();
  // A consumer in this service's group (kafka.group_id, default the service name).
  absl::StatusOr<EventConsumer*> AddConsumer(std::vector<std::string> topics, RecordHandler handler);
  // An observer that is not part of the service's group: its own group id per process, starting
  // at the newest records, one lane (the console's live feed). Its handler should not fail.
  absl::StatusOr<EventConsumer*> AddObserver(std::vector<std::string> topics, RecordHandler handler,
                                             const std::string& group_id, bool from_earliest = false);
  absl::StatusOr<const Sealer*> Sealing();      // sealing.keyring_file
  absl::StatusOr<const Authenticator*> Auth();  // auth.principals_file
  GrpcServerRunner& Grpc() { return *grpc_; }
  // Extra admin routes (call before Run).
  AdminServer& Admin() { return admin_; }

  // Topics this service writes: /readyz stays not ready while the cluster does not hold them
  // (the topics it consumes and their DLQ twins are checked without being declared).
  void DeclareTopics(std::vector<std::string> topics);

  // Called first when the service is asked to stop (before gRPC drains): long-lived streams end
  // here with a status that tells clients to resume elsewhere.
  void OnStopping(std::function<void()> hook) { on_stopping_.push_back(std::move(hook)); }

  // A background loop of this service (sweeper, resumer, publisher): `task` every `every`, from Run's
  // start until it stops (after the consumers, before the producer's flush); a failed round is
  // logged as `what` and the next round tries again.
  void AddPeriodic(std::string what, absl::Duration every, std::function<absl::Status()> task);
  // A background thread for a loop that waits on its own signal (the outbox dispatcher): `loop` runs
  // from Run's start and returns once `stop` is notified, at the same point as the periodic tasks.
  void AddLoop(std::string what, std::function<void(const absl::Notification& stop)> loop);

  // Starts the admin port, the gRPC server, the consumers and the background loops, then waits
  // for SIGTERM/SIGINT and stops in order. Returns the process exit code.
  int Run();

 private:
  ServiceHost(std::string name, Config config);
  // Creates a consumer (its DLQ is this host's producer) and keeps it for Run.
  absl::StatusOr<EventConsumer*> StartConsumer(const KafkaOptions& kafka, ConsumerOptions options,
                                               RecordHandler handler);
  absl::Status Ready();
  // One look at the brokers and this service's topics (metadata): the reason it is not ready, or OK.
  absl::Status CheckKafka();
  void WatchKafka();
  void StopKafkaWatch();

  std::string name_;
  Config config_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<Sealer> sealer_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<GrpcServerRunner> grpc_;
  AdminServer admin_;
  struct ConsumerSlot {
    std::unique_ptr<KafkaConsumer> consumer;
    RecordHandler handler;
    std::thread thread;
    std::vector<std::string> topics;
    bool dlq = true;
  };
  std::vector<std::unique_ptr<ConsumerSlot>> consumers_;
  std::atomic<bool> consumer_failed_{false};
  std::vector<std::function<void()>> on_stopping_;
  struct Loop {
    std::string what;
    std::function<void(const absl::Notification& stop)> run;
  };
  std::vector<Loop> loops_;
  absl::Notification loops_stop_;
  std::vector<std::string> topics_;  // written or consumed (with the DLQ twins); fixed once Run starts
  bool uses_kafka_ = false;          // set before the admin port starts, read by its probe
  absl::Mutex kafka_mu_;
  absl::Status kafka_ready_ ABSL_GUARDED_BY(kafka_mu_) = absl::UnavailableError("kafka: not checked yet");
  absl::Notification stop_kafka_watch_;
  std::thread kafka_watch_;
};

// For main(): the value, or a logged start-up error and exit status 2.
[[noreturn]] void ExitOnStartupError(const absl::Status& status);
template <typename T>
T ValueOrExit(absl::StatusOr<T> value) {
  if (!value.ok()) ExitOnStartupError(value.status());
  return *std::move(value);
}

// A background loop of a service (sweepers, resumers, dispatchers): runs `task` every `every` until
// `stop` is notified; a failed round is logged as `what` and the next round tries again.
std::thread StartPeriodic(const absl::Notification& stop, absl::Duration every, std::function<absl::Status()> task,
                          std::string what);

// Registers `service` on the host's gRPC server (the server starts only when
// at least one service was added).
void AddGrpcService(ServiceHost& host, grpc::Service* service);

}  // namespace hosho
