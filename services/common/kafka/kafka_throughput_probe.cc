#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/kafka/kafka_conf.h"
#include "services/common/kafka/kafka_impl.h"
#include "services/common/runtime/config.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

// The bench's baseline: the broker alone, records produced and consumed with the services' settings.
namespace {

void CloseConsumer(rd_kafka_t* consumer) {
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
}

// A consumer of `topic` in a group of its own, returned once it holds its partitions (from the
// earliest offset: the topic holds only probe records).
absl::StatusOr<rd_kafka_t*> AssignedProbeConsumer(const KafkaOptions& options, const std::string& topic) {
  char err[512];
  KafkaOptions consumer_options = options;
  consumer_options.properties.insert(consumer_options.properties.end(), options.consumer_properties.begin(),
                                     options.consumer_properties.end());
  const std::string group = absl::StrCat("hosho-bench-probe-", absl::ToUnixNanos(absl::Now()));
  auto cconf = BaseConf(consumer_options,
                        {{"group.id", group}, {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"}});
  if (!cconf.ok()) return cconf.status();
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf->get(), err, sizeof err);
  if (consumer == nullptr) return absl::InternalError(err);
  (void)cconf->release();  // owned by the consumer now
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  const absl::Time join_deadline = absl::Now() + absl::Seconds(30);
  bool assigned = false;
  while (!assigned && absl::Now() < join_deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 50);
    if (m != nullptr) rd_kafka_message_destroy(m);
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(consumer, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      assigned = assignment->cnt > 0;
      rd_kafka_topic_partition_list_destroy(assignment);
    }
  }
  if (!assigned) {
    CloseConsumer(consumer);
    return absl::DeadlineExceededError("probe consumer was not assigned partitions");
  }
  return consumer;
}

// `messages` records of `payload`, keyed by their number; waits out a full local queue.
absl::Status ProduceAll(rd_kafka_t* producer, const std::string& topic, int messages, const std::string& payload) {
  for (int i = 0; i < messages; ++i) {
    const std::string key = std::to_string(i);
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                                                RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                                RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return absl::UnavailableError(rd_kafka_err2str(e));
      rd_kafka_poll(producer, 5);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 60000);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KafkaProbeResult> MeasureProduceConsume(const KafkaOptions& options, const std::string& topic,
                                                       int messages, int payload_bytes) {
  auto consumer = AssignedProbeConsumer(options, topic);
  if (!consumer.ok()) return consumer.status();
  char err[512];
  auto pconf = BaseConf(options, {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}});
  if (!pconf.ok()) return pconf.status();
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf->get(), err, sizeof err);
  if (producer == nullptr) return absl::InternalError(err);
  (void)pconf->release();  // owned by the producer now

  std::atomic<int64_t> consumed{0};
  std::atomic<bool> stop{false};
  std::thread reader([&, c = *consumer] {
    while (!stop.load() && consumed.load() < messages) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 50);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++consumed;
      rd_kafka_message_destroy(m);
    }
  });
  const absl::Time start = absl::Now();
  const absl::Status produced =
      ProduceAll(producer, topic, messages, std::string(static_cast<size_t>(payload_bytes), 'x'));
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (produced.ok() && consumed.load() < messages && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time end = absl::Now();
  stop = true;
  reader.join();
  rd_kafka_destroy(producer);
  CloseConsumer(*consumer);
  if (!produced.ok()) return produced;
  if (consumed.load() < messages) return absl::DeadlineExceededError("probe records were not all consumed");
  return KafkaProbeResult{consumed.load(), end - start};
}

}  // namespace hosho
