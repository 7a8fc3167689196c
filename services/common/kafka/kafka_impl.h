#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"

namespace hosho {

class Config;

struct KafkaOptions {
  std::string bootstrap_servers;
  // Passed to librdkafka as is (security.protocol, sasl.*, ssl.*, tuning).
  std::vector<std::pair<std::string, std::string>> properties;
  // Applied to consumers only (fetch.wait.max.ms, session.timeout.ms, ...).
  std::vector<std::pair<std::string, std::string>> consumer_properties;
  std::string client_id = "hosho";
};

// kafka.bootstrap_servers, kafka.properties.*, kafka.consumer_properties.*,
// kafka.sasl_password_file.
KafkaOptions KafkaOptionsFromConfig(const Config& config, const std::string& client_id);

struct ConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  int max_attempts = 5;
  // A failure that says a dependency is away for now (UNAVAILABLE or DEADLINE_EXCEEDED: Redis
  // restarting or loading, the broker not confirming a send) is retried for this long from the
  // record's first attempt, however many attempts that takes, before the record is dead-lettered: an
  // outage is not a poison record. Kept well under the consumer's max.poll.interval.ms (300 s).
  // Zero: such failures count like any other.
  absl::Duration transient_retry = absl::Minutes(2);
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  std::string dlq_suffix = ".dlq";
  // Records of one partition are handled in order by one lane; lanes run in
  // parallel. Offsets are still stored only after each record's effect.
  int lanes = 1;
};

// Idempotent producer (enable.idempotence, acks=all), murmur2 partitioning.
class KafkaProducer final : public EventProducer {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaOptions& options);
  ~KafkaProducer() override;
  absl::Status Send(const OutgoingRecord& record, absl::Duration timeout) override;
  absl::Status SendAll(const std::vector<OutgoingRecord>& records, absl::Duration timeout) override;
  absl::Status Flush(absl::Duration timeout) override;

 private:
  struct Impl;
  explicit KafkaProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class KafkaConsumer final : public EventConsumer {
 public:
  struct Impl;
  // `dlq` receives records that exhausted their attempts; `clock` paces backoff.
  static absl::StatusOr<std::unique_ptr<KafkaConsumer>> Create(const KafkaOptions& options, ConsumerOptions consumer,
                                                               EventProducer* dlq, Clock* clock);
  ~KafkaConsumer() override;
  absl::Status Run(const RecordHandler& handler) override;
  void Stop() override;

 private:
  explicit KafkaConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Raw produce→consume throughput through a broker with the same delivery
// settings (idempotent, acks=all) but none of hosho's per-record work: the
// benchmark's Kafka baseline. Counts from the first produce to the last record
// consumed by a fresh group.
struct KafkaProbeResult {
  int64_t messages = 0;
  absl::Duration elapsed;
};
absl::StatusOr<KafkaProbeResult> MeasureProduceConsume(const KafkaOptions& options, const std::string& topic,
                                                       int messages, int payload_bytes);

// The group `hoshoctl dlq replay` commits to: what it has sent back is no longer a backlog.
inline constexpr char kDlqReplayGroup[] = "hoshoctl-dlq-replay";

// Records of a topic that a group has not yet consumed (high watermark minus the group's committed
// offset, or the low watermark when nothing was committed), summed over partitions. Used for DLQ
// depth on the console and in metrics. Holds one librdkafka handle; thread-compatible.
class KafkaBacklogProbe {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaBacklogProbe>> Create(const KafkaOptions& options,
                                                                   const std::string& group);
  ~KafkaBacklogProbe();
  // NOT_FOUND when the topic does not exist; UNAVAILABLE when the brokers do not answer in time.
  absl::StatusOr<int64_t> Backlog(const std::string& topic, absl::Duration timeout);

 private:
  struct Impl;
  explicit KafkaBacklogProbe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// librdkafka's in-process mock cluster: real Kafka protocol on loopback.
class MockKafkaCluster {
 public:
  static absl::StatusOr<std::unique_ptr<MockKafkaCluster>> Create(int brokers);
  ~MockKafkaCluster();
  std::string bootstrap_servers() const;
  absl::Status CreateTopic(const std::string& name, int partitions);
  absl::Status SetBrokerDown(int broker_id);
  absl::Status SetBrokerUp(int broker_id);

 private:
  struct Impl;
  explicit MockKafkaCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hosho
