#include "services/common/host/service_host.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/process.h"

namespace hosho {

ServiceHost::ServiceHost(std::string name, Config config)
    : name_(std::move(name)),
      config_(std::move(config)),
      grpc_(std::make_unique<GrpcServerRunner>(GrpcServerOptionsFromConfig(config_))) {}

ServiceHost::~ServiceHost() { StopKafkaWatch(); }

void ServiceHost::StopKafkaWatch() {
  // Run stops it, and the destructor again for a host that never ran (Notify may be called once only).
  if (!stop_kafka_watch_.HasBeenNotified()) stop_kafka_watch_.Notify();
  if (kafka_watch_.joinable()) kafka_watch_.join();
}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Create(std::string name, absl::string_view defaults_yaml,
                                                                 int argc, char** argv) {
  // Before any library starts a thread (librdkafka, gRPC), so all inherit the mask.
  BlockTerminationSignals();
  // Debian's Abseil is built with mutex deadlock detection on; it costs every lock a graph
  // update. Services turn it off (tests keep it, where it catches lock-order bugs).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string path;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--config=")) path = std::string(arg.substr(9));
  }
  auto config = Config::Load(defaults_yaml, path);
  if (!config.ok()) return config.status();
  InitLogging(name, ParseLogLevel(config->GetString("log.level", "info")));
  return std::unique_ptr<ServiceHost>(new ServiceHost(std::move(name), *std::move(config)));
}

absl::StatusOr<RedisClient*> ServiceHost::Redis() {
  if (!redis_) {
    auto client = RedisClient::Create(RedisOptionsFromConfig(config_), &RealClock());
    if (!client.ok()) return client.status();
    redis_ = *std::move(client);
  }
  return redis_.get();
}

absl::StatusOr<EventProducer*> ServiceHost::Producer() {
  if (!producer_) {
    auto producer = KafkaProducer::Create(KafkaOptionsFromConfig(config_, name_));
    if (!producer.ok()) return producer.status();
    producer_ = *std::move(producer);
  }
  return producer_.get();
}

absl::StatusOr<EventConsumer*> ServiceHost::AddConsumer(std::vector<std::string> topics, RecordHandler handler) {
  ConsumerOptions options;
  options.group_id = config_.GetString("kafka.group_id", name_);
  options.topics = std::move(topics);
  options.max_attempts = static_cast<int>(config_.GetInt("kafka.max_attempts", 5));
  options.transient_retry = absl::Milliseconds(config_.GetInt("kafka.transient_retry_ms", 120000));
  options.initial_backoff = absl::Milliseconds(config_.GetInt("kafka.initial_backoff_ms", 100));
  options.max_backoff = absl::Milliseconds(config_.GetInt("kafka.max_backoff_ms", 5000));
  options.lanes = static_cast<int>(config_.GetInt("kafka.lanes", 6));
  return StartConsumer(KafkaOptionsFromConfig(config_, name_), std::move(options), std::move(handler));
}

absl::StatusOr<EventConsumer*> ServiceHost::AddObserver(std::vector<std::string> topics, RecordHandler handler,
                                                        const std::string& group_id, bool from_earliest) {
  ConsumerOptions options;
  options.group_id = group_id;
  options.topics = std::move(topics);
  options.max_attempts = 1;
  options.transient_retry = absl::ZeroDuration();  // a live view moves on rather than wait
  options.lanes = 1;
  KafkaOptions kafka = KafkaOptionsFromConfig(config_, name_);
  kafka.consumer_properties.emplace_back("auto.offset.reset", from_earliest ? "earliest" : "latest");
  return StartConsumer(kafka, std::move(options), std::move(handler));
}

absl::StatusOr<EventConsumer*> ServiceHost::StartConsumer(const KafkaOptions& kafka, ConsumerOptions options,
                                                          RecordHandler handler) {
  auto dlq = Producer();
  if (!dlq.ok()) return dlq.status();
  const std::vector<std::string> options_topics = options.topics;
  const bool options_dlq = options.max_attempts > 1;  // observers never dead-letter
  auto consumer = KafkaConsumer::Create(kafka, std::move(options), *dlq, &RealClock());
  if (!consumer.ok()) return consumer.status();
  auto slot = std::make_unique<ConsumerSlot>();
  slot->topics = options_topics;
  slot->dlq = options_dlq;
  slot->consumer = *std::move(consumer);
  slot->handler = std::move(handler);
  EventConsumer* raw = slot->consumer.get();
  consumers_.push_back(std::move(slot));
  return raw;
}

absl::StatusOr<const Sealer*> ServiceHost::Sealing() {
  if (!sealer_) {
    const std::string path = config_.ResolvePath(config_.GetString("sealing.keyring_file"));
    if (path.empty()) return absl::FailedPreconditionError("sealing.keyring_file is not configured");
    auto ring = KeyRing::FromFile(path);
    if (!ring.ok()) return ring.status();
    sealer_ = std::make_unique<Sealer>(*std::move(ring));
  }
  return sealer_.get();
}

absl::StatusOr<const Authenticator*> ServiceHost::Auth() {
  if (!auth_) {
    const std::string path = config_.ResolvePath(config_.GetString("auth.principals_file"));
    if (path.empty()) return absl::FailedPreconditionError("auth.principals_file is not configured");
    auto auth = Authenticator::FromFile(path);
    if (!auth.ok()) return auth.status();
    auth_ = std::make_unique<Authenticator>(*std::move(auth));
  }
  return auth_.get();
}

void ExitOnStartupError(const absl::Status& status) {
  LogError("start-up failed", {{"error", status.ToString()}});
  std::exit(2);
}

void AddGrpcService(ServiceHost& host, grpc::Service* service) { host.Grpc().AddService(service); }

void ServiceHost::DeclareTopics(std::vector<std::string> topics) {
  topics_.insert(topics_.end(), topics.begin(), topics.end());
}

absl::Status ServiceHost::Ready() {
  if (redis_) {
    if (absl::Status s = redis_->Ping(); !s.ok()) return s;
  }
  if (uses_kafka_) {
    absl::MutexLock lock(&kafka_mu_);
    return kafka_ready_;
  }
  return absl::OkStatus();
}

absl::Status ServiceHost::CheckKafka() {
  auto view = DescribeCluster(KafkaOptionsFromConfig(config_, name_ + "-readiness"), absl::Seconds(3));
  if (!view.ok()) {
    return absl::UnavailableError(
        absl::StrCat("kafka: the brokers at ", config_.GetString("kafka.bootstrap_servers", ""),
                     " did not answer (unreachable, wrong SASL credentials or an untrusted certificate; librdkafka's "
                     "line above says which): ",
                     view.status().message()));
  }
  for (const std::string& topic : topics_) {
    bool found = false;
    for (const auto& [name, partitions] : view->topics) found = found || name == topic;
    if (!found)
      return absl::FailedPreconditionError(absl::StrCat("kafka: topic ", topic, " is missing from the cluster"));
  }
  return absl::OkStatus();
}

// Readiness follows the cluster: checked every few seconds off the probe's path; each change of
// state is logged once (a broker that stays away is one line, not one per probe).
void ServiceHost::WatchKafka() {
  if (!uses_kafka_) return;
  kafka_watch_ = std::thread([this] {
    absl::Status previous = absl::OkStatus();
    bool first = true;
    do {
      const absl::Status now = CheckKafka();
      // The reason's text varies from one failed request to the next; its kind is what changes state.
      if (first || now.code() != previous.code()) {
        if (now.ok()) {
          LogInfo("kafka ready", {{"topics", static_cast<int64_t>(topics_.size())}});
        } else {
          LogError("kafka not ready", {{"error", std::string(now.message())}});
        }
      }
      {
        absl::MutexLock lock(&kafka_mu_);
        kafka_ready_ = now;
      }
      previous = now;
      first = false;
    } while (!stop_kafka_watch_.WaitForNotificationWithTimeout(absl::Seconds(previous.ok() ? 10 : 2)));
  });
}

int ServiceHost::Run() {
  // What readiness follows is fixed before the admin port (and its probe thread) starts.
  for (auto& slot : consumers_) {
    for (const std::string& topic : slot->topics) {
      topics_.push_back(topic);
      if (slot->dlq) topics_.push_back(topic + ".dlq");
    }
  }
  uses_kafka_ = producer_ != nullptr || !consumers_.empty() || !topics_.empty();
  if (absl::Status s = admin_.Start(config_.GetString("admin.host", "127.0.0.1"),
                                    static_cast<int>(config_.GetInt("admin.port", 0)), [this] { return Ready(); });
      !s.ok()) {
    LogError("admin server failed", {{"error", s.ToString()}});
    return 1;
  }
  const bool serve_grpc = config_.GetBool("grpc.enabled", true);
  if (serve_grpc) {
    if (absl::Status s = grpc_->Start(); !s.ok()) {
      LogError("grpc server failed", {{"error", s.ToString()}});
      return 1;
    }
  }
  WatchKafka();
  for (auto& slot : consumers_) {
    ConsumerSlot* raw = slot.get();
    raw->thread = std::thread([this, raw] {
      if (absl::Status s = raw->consumer->Run(raw->handler); !s.ok()) {
        // A service that cannot consume must not look healthy: stop, exit non-zero, be restarted.
        LogError("consumer stopped with an error; stopping the service", {{"error", s.ToString()}});
        consumer_failed_ = true;
        kill(getpid(), SIGTERM);
      }
    });
  }
  std::vector<std::thread> loop_threads;
  for (const Loop& loop : loops_) loop_threads.emplace_back([this, &loop] { loop.run(loops_stop_); });
  LogInfo("service started", {{"admin_port", admin_.port()}, {"grpc_port", grpc_->port()}});
  const int sig = WaitForTerminationSignal();
  LogInfo("stopping", {{"signal", sig}});
  for (const auto& hook : on_stopping_) hook();  // e.g. end long-lived streams so the drain is short
  // 1. gRPC: NOT_SERVING, drain in-flight calls.
  if (serve_grpc) grpc_->Shutdown();
  // 2. Consumers: finish the record in hand, store offsets, leave the group.
  for (auto& slot : consumers_) slot->consumer->Stop();
  for (auto& slot : consumers_) {
    if (slot->thread.joinable()) slot->thread.join();
  }
  consumers_.clear();
  // 3. Background loops: the round in hand ends, nothing new starts.
  loops_stop_.Notify();
  for (std::thread& thread : loop_threads) thread.join();
  // 4. Producer: flush within a bound.
  if (producer_) {
    if (absl::Status s = producer_->Flush(absl::Seconds(10)); !s.ok()) {
      LogWarn("producer flush incomplete", {{"error", s.ToString()}});
    }
  }
  StopKafkaWatch();
  admin_.Stop();
  LogInfo("stopped");
  return consumer_failed_ ? 1 : 0;
}

void ServiceHost::AddPeriodic(std::string what, absl::Duration every, std::function<absl::Status()> task) {
  loops_.push_back({what, [every, task = std::move(task), what](const absl::Notification& stop) {
                      while (!stop.WaitForNotificationWithTimeout(every)) {
                        if (absl::Status s = task(); !s.ok()) {
                          LogWarn(what + " failed", {{"error", std::string(s.message())}});
                        }
                      }
                    }});
}

void ServiceHost::AddLoop(std::string what, std::function<void(const absl::Notification& stop)> loop) {
  loops_.push_back({std::move(what), std::move(loop)});
}

std::thread StartPeriodic(const absl::Notification& stop, absl::Duration every, std::function<absl::Status()> task,
                          std::string what) {
  return std::thread([&stop, every, task = std::move(task), what = std::move(what)] {
    while (!stop.WaitForNotificationWithTimeout(every)) {
      if (absl::Status s = task(); !s.ok()) LogWarn(what + " failed", {{"error", std::string(s.message())}});
    }
  });
}

}  // namespace hosho
