#include "services/common/kafka_impl.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/config.h"
#include "services/common/kafka_conf.h"
#include "services/common/log.h"
#include "services/common/metrics.h"

namespace hosho {

std::string KafkaRecord::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

namespace {


struct DeliveryWaiter {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  rd_kafka_resp_err_t err ABSL_GUARDED_BY(mu) = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* holder = static_cast<std::shared_ptr<DeliveryWaiter>*>(message->_private);
  if (holder == nullptr) return;
  {
    absl::MutexLock lock(&(*holder)->mu);
    (*holder)->err = message->err;
    (*holder)->done = true;
  }
  delete holder;
}

}  // namespace

KafkaOptions KafkaOptionsFromConfig(const Config& config, const std::string& client_id) {
  KafkaOptions o;
  o.bootstrap_servers = config.GetString("kafka.bootstrap_servers", "127.0.0.1:19092");
  o.properties = config.GetMap("kafka.properties");
  o.consumer_properties = config.GetMap("kafka.consumer_properties");
  if (auto password = config.GetSecret("kafka.sasl_password"); password.ok()) {
    o.properties.emplace_back("sasl.password", *password);
  }
  o.client_id = client_id;
  return o;
}

// ---------------------------------------------------------------- producer

struct KafkaProducer::Impl {
  rd_kafka_t* rk = nullptr;
  std::thread poller;
  std::atomic<bool> stop{false};
  Histogram* send_seconds = nullptr;
  ~Impl() {
    stop = true;
    if (poller.joinable()) poller.join();
    if (rk != nullptr) {
      rd_kafka_flush(rk, 5000);
      rd_kafka_destroy(rk);
    }
  }
};

KafkaProducer::KafkaProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaProducer::~KafkaProducer() = default;

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaOptions& options) {
  std::vector<std::pair<std::string, std::string>> fixed = {{"enable.idempotence", "true"}, {"acks", "all"}};
  KafkaOptions with_defaults = options;
  // Defaults a deployment may override.
  with_defaults.properties.insert(
      with_defaults.properties.begin(),
      {{"partitioner", "murmur2_random"}, {"linger.ms", "1"}, {"message.timeout.ms", "30000"}});
  auto conf = BaseConf(with_defaults, fixed);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), OnDelivery);
  rd_kafka_conf_set_log_cb(conf->get(), KafkaLogCallback);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), err, sizeof err);
  if (rk == nullptr) return absl::InternalError(absl::StrCat("kafka producer: ", err));
  (void)conf->release();  // owned by rk now
  auto impl = std::make_unique<Impl>();
  impl->rk = rk;
  impl->send_seconds = &Metrics().GetHistogram("hosho_kafka_send_seconds", "Time from produce to delivery report.");
  Impl* raw = impl.get();
  impl->poller = std::thread([raw] {
    while (!raw->stop.load()) rd_kafka_poll(raw->rk, 50);
  });
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(impl)));
}

absl::Status KafkaProducer::Send(const OutgoingRecord& record, absl::Duration timeout) {
  return SendAll({record}, timeout);
}

absl::Status KafkaProducer::SendAll(const std::vector<OutgoingRecord>& records, absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  std::vector<std::shared_ptr<DeliveryWaiter>> waiters;
  waiters.reserve(records.size());
  for (const OutgoingRecord& record : records) {
    auto waiter = std::make_shared<DeliveryWaiter>();
    while (true) {
      auto* holder = new std::shared_ptr<DeliveryWaiter>(waiter);
      rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
      for (const auto& [name, value] : record.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
      }
      rd_kafka_resp_err_t err =
          rd_kafka_producev(impl_->rk, RD_KAFKA_V_TOPIC(record.topic.c_str()),
                            RD_KAFKA_V_KEY(const_cast<char*>(record.key.data()), record.key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
                            RD_KAFKA_V_OPAQUE(holder), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      rd_kafka_headers_destroy(headers);
      delete holder;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(2));  // the poller thread drains delivery reports
        continue;
      }
      return absl::UnavailableError(absl::StrCat("kafka produce to ", record.topic, ": ", rd_kafka_err2str(err)));
    }
    waiters.push_back(std::move(waiter));
  }
  for (size_t i = 0; i < waiters.size(); ++i) {
    DeliveryWaiter& waiter = *waiters[i];
    absl::MutexLock lock(&waiter.mu);
    if (!waiter.mu.AwaitWithDeadline(absl::Condition(&waiter.done), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("kafka did not confirm the record on ", records[i].topic, " in time"));
    }
    if (waiter.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
        waiter.err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
      // The broker's ACLs refuse this principal the topic: a deployment fault, not one to retry.
      return absl::PermissionDeniedError(
          absl::StrCat("kafka refused the record on ", records[i].topic, ": ", rd_kafka_err2str(waiter.err)));
    }
    if (waiter.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("kafka delivery to ", records[i].topic, " failed: ", rd_kafka_err2str(waiter.err)));
    }
  }
  impl_->send_seconds->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

absl::Status KafkaProducer::Flush(absl::Duration timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::DeadlineExceededError(absl::StrCat("kafka flush: ", rd_kafka_err2str(err)));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- consumer

struct KafkaConsumer::Impl {
  rd_kafka_t* rk = nullptr;
  ConsumerOptions options;
  EventProducer* dlq = nullptr;
  Clock* clock = nullptr;
  std::atomic<bool> stop{false};
  // Set while the group takes partitions away: a record in a retry is left to the partition's next
  // owner (not stored, not dead-lettered), so that the rebalance is not held up by an outage.
  std::atomic<bool> revoking{false};
  bool closed = false;
  const RecordHandler* handler = nullptr;

  // A lane takes the records of the partitions that map to it, in order.
  struct Lane {
    absl::Mutex mu;
    std::deque<rd_kafka_message_t*> queue ABSL_GUARDED_BY(mu);
    bool busy ABSL_GUARDED_BY(mu) = false;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Lane>> lanes;

  ~Impl() {
    if (rk != nullptr) {
      if (!closed) rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }

  // Sleeps in short steps so that Stop() is honoured during a backoff.
  bool Backoff(absl::Duration d) {
    while (d > absl::ZeroDuration() && !stop.load() && !revoking.load()) {
      const absl::Duration step = std::min(d, absl::Milliseconds(50));
      clock->SleepFor(step);
      d -= step;
    }
    return !stop.load() && !revoking.load();
  }

  // Waits until every lane has finished what it was given (before a revoke).
  void DrainLanes() {
    for (auto& lane : lanes) {
      // A plain local, not an init-capture: clang does not see an init-capture's name in the
      // lambda's ABSL_EXCLUSIVE_LOCKS_REQUIRED annotation (gcc does).
      Lane* const l = lane.get();
      absl::MutexLock lock(&l->mu);
      auto idle = [l, this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(l->mu) { return (l->queue.empty() && !l->busy) || stop.load(); };
      lane->mu.Await(absl::Condition(&idle));
    }
  }

  void RunLane(Lane* lane);
  void Process(const rd_kafka_message_t* m);
};

namespace {
void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque);

KafkaRecord ToRecord(const rd_kafka_message_t* m) {
  KafkaRecord r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->key != nullptr) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(m, &type);
  r.timestamp = ts >= 0 ? absl::FromUnixMillis(ts) : absl::Now();
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      r.headers.emplace_back(name, value != nullptr ? std::string(static_cast<const char*>(value), size) : "");
    }
  }
  return r;
}
}  // namespace

void KafkaConsumer::Impl::RunLane(Lane* lane) {
  while (true) {
    rd_kafka_message_t* m = nullptr;
    {
      absl::MutexLock lock(&lane->mu);
      auto ready = [lane, this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(lane->mu) { return !lane->queue.empty() || stop.load(); };
      lane->mu.Await(absl::Condition(&ready));
      if (stop.load()) break;
      m = lane->queue.front();
      lane->queue.pop_front();
      lane->busy = true;
    }
    Process(m);
    rd_kafka_message_destroy(m);
    absl::MutexLock lock(&lane->mu);
    lane->busy = false;
  }
  // Records not taken are left unstored: they are delivered again.
  absl::MutexLock lock(&lane->mu);
  for (rd_kafka_message_t* m : lane->queue) rd_kafka_message_destroy(m);
  lane->queue.clear();
}

void KafkaConsumer::Impl::Process(const rd_kafka_message_t* m) {
  const KafkaRecord record = ToRecord(m);
  const Labels labels{{"group", options.group_id}, {"topic", record.topic}};
  Metrics()
      .GetGauge("hosho_consumer_lag_seconds", "Age of the record last taken by the consumer.", labels)
      .Set(absl::ToDoubleSeconds(absl::Now() - record.timestamp));
  const absl::Time started = absl::Now();
  const absl::Time first_attempt = clock->Now();
  bool store = false;
  absl::Status last;
  int attempts = 0;
  absl::Duration backoff = options.initial_backoff;
  while (!stop.load()) {
    ++attempts;
    last = (*handler)(record);
    if (last.ok()) {
      store = true;
      break;
    }
    if (absl::IsCancelled(last)) {
      stop = true;  // stop without storing: the record will be redelivered
      break;
    }
    const bool outage = (absl::IsUnavailable(last) || absl::IsDeadlineExceeded(last)) &&
                        clock->Now() - first_attempt < options.transient_retry;
    // Every attempt up to max_attempts, then one line in ten while an outage lasts.
    if (attempts <= options.max_attempts || attempts % 10 == 0) {
      LogWarn("record handler failed", {{"group", options.group_id},
                                        {"topic", record.topic},
                                        {"partition", record.partition},
                                        {"offset", record.offset},
                                        {"attempt", attempts},
                                        {"waiting_for_dependency", outage},
                                        {"error", std::string(last.message())}});
    }
    if (absl::IsInvalidArgument(last) || (attempts >= options.max_attempts && !outage)) break;
    if (!Backoff(backoff)) break;
    backoff = std::min(backoff * 2, options.max_backoff);
  }
  if (!store && !stop.load() && revoking.load()) {
    LogInfo("record left to the partition's next owner (rebalance during a retry)",
            {{"group", options.group_id}, {"topic", record.topic}, {"partition", record.partition},
             {"offset", record.offset}});
  } else if (!store && !stop.load()) {
    // Exhausted: the record goes to the DLQ, and only then does the partition move on.
    OutgoingRecord dead{record.topic + options.dlq_suffix, record.key, record.value, record.headers};
    dead.headers.emplace_back("dlq-error", std::string(last.message()));
    dead.headers.emplace_back("dlq-error-code", absl::StatusCodeToString(last.code()));
    dead.headers.emplace_back("dlq-source-topic", record.topic);
    dead.headers.emplace_back("dlq-source-partition", std::to_string(record.partition));
    dead.headers.emplace_back("dlq-source-offset", std::to_string(record.offset));
    dead.headers.emplace_back("dlq-attempts", std::to_string(attempts));
    dead.headers.emplace_back("dlq-group", options.group_id);
    absl::Duration dlq_backoff = options.initial_backoff;
    while (!stop.load()) {
      absl::Status sent =
          dlq != nullptr ? dlq->Send(dead, absl::Seconds(30)) : absl::FailedPreconditionError("no DLQ producer");
      if (sent.ok()) {
        store = true;
        Metrics().GetCounter("hosho_dlq_records_total", "Records written to a DLQ.", labels).Increment();
        LogError("record sent to DLQ", {{"group", options.group_id},
                                        {"topic", record.topic},
                                        {"partition", record.partition},
                                        {"offset", record.offset},
                                        {"attempts", attempts},
                                        {"error", std::string(last.message())}});
        break;
      }
      LogError("DLQ write failed; retrying", {{"topic", dead.topic}, {"error", std::string(sent.message())}});
      if (!Backoff(dlq_backoff)) break;
      dlq_backoff = std::min(dlq_backoff * 2, options.max_backoff);
    }
  }
  if (store) {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, record.topic.c_str(), record.partition)->offset = record.offset + 1;
    rd_kafka_offsets_store(rk, offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    Metrics()
        .GetCounter("hosho_consumer_records_total", "Records taken by consumers, by outcome.",
                    {{"group", options.group_id}, {"topic", record.topic}, {"outcome", last.ok() ? "ok" : "dlq"}})
        .Increment();
    Metrics()
        .GetHistogram("hosho_consumer_handle_seconds", "Time to take one record, retries included.",
                      {{"group", options.group_id}})
        .Observe(absl::ToDoubleSeconds(absl::Now() - started));
  }
}

namespace {
void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* impl = static_cast<KafkaConsumer::Impl*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);
  } else {
    // Finish what the lanes hold, so their offsets are stored before the partitions go; a record
    // still being retried is given up to the next owner (see `revoking`).
    impl->revoking = true;
    impl->DrainLanes();
    rd_kafka_assign(rk, nullptr);
    impl->revoking = false;
  }
}
}  // namespace

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaConsumer::~KafkaConsumer() = default;

absl::StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(const KafkaOptions& options,
                                                                     ConsumerOptions consumer, EventProducer* dlq,
                                                                     Clock* clock) {
  if (consumer.group_id.empty() || consumer.topics.empty() || consumer.lanes < 1) {
    return absl::InvalidArgumentError("consumer needs a group id, topics and at least one lane");
  }
  KafkaOptions with_defaults = options;
  with_defaults.properties.insert(with_defaults.properties.begin(), {{"auto.offset.reset", "earliest"}});
  with_defaults.properties.insert(with_defaults.properties.end(), options.consumer_properties.begin(),
                                  options.consumer_properties.end());
  auto conf = BaseConf(with_defaults, {{"group.id", consumer.group_id},
                                       // Offsets are stored by hand after the effect; the
                                       // auto-committer commits only stored offsets.
                                       {"enable.auto.offset.store", "false"},
                                       {"enable.auto.commit", "true"}});
  if (!conf.ok()) return conf.status();
  auto impl = std::make_unique<Impl>();
  rd_kafka_conf_set_rebalance_cb(conf->get(), OnRebalance);
  rd_kafka_conf_set_opaque(conf->get(), impl.get());
  rd_kafka_conf_set_log_cb(conf->get(), KafkaLogCallback);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), err, sizeof err);
  if (rk == nullptr) return absl::InternalError(absl::StrCat("kafka consumer: ", err));
  (void)conf->release();  // owned by rk now
  rd_kafka_poll_set_consumer(rk);
  impl->rk = rk;
  impl->options = std::move(consumer);
  impl->dlq = dlq;
  impl->clock = clock;
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

void KafkaConsumer::Stop() { impl_->stop = true; }

absl::Status KafkaConsumer::Run(const RecordHandler& handler) {
  Impl& s = *impl_;
  s.handler = &handler;
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(s.options.topics.size()));
  for (const auto& t : s.options.topics) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(s.rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka subscribe: ", rd_kafka_err2str(err)));
  }
  for (int i = 0; i < s.options.lanes; ++i) {
    s.lanes.push_back(std::make_unique<Impl::Lane>());
    Impl::Lane* lane = s.lanes.back().get();
    lane->thread = std::thread([&s, lane] { s.RunLane(lane); });
  }
  constexpr size_t kLaneDepth = 64;  // backpressure: polling waits for a slow lane
  while (!s.stop.load()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(s.rk, 100);
    if (m == nullptr) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        LogWarn("kafka consumer error", {{"group", s.options.group_id}, {"error", rd_kafka_err2str(m->err)}});
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    // One partition always maps to one lane: its records keep their order.
    Impl::Lane* lane = s.lanes[static_cast<size_t>(m->partition) % s.lanes.size()].get();
    absl::MutexLock lock(&lane->mu);
    auto room = [lane, &s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lane->mu) {
      return lane->queue.size() < kLaneDepth || s.stop.load();
    };
    lane->mu.Await(absl::Condition(&room));
    if (s.stop.load()) {
      rd_kafka_message_destroy(m);
      break;
    }
    lane->queue.push_back(m);
  }
  s.stop = true;
  for (auto& lane : s.lanes) {
    { absl::MutexLock lock(&lane->mu); }  // wake the lane: its condition reads `stop`
    if (lane->thread.joinable()) lane->thread.join();
  }
  s.lanes.clear();
  // Leave the group; stored offsets are committed on close.
  rd_kafka_consumer_close(s.rk);
  s.closed = true;
  return absl::OkStatus();
}

// ---------------------------------------------------------------- baseline probe

absl::StatusOr<KafkaProbeResult> MeasureProduceConsume(const KafkaOptions& options, const std::string& topic,
                                                       int messages, int payload_bytes) {
  char err[512];
  const std::string group = absl::StrCat("hosho-bench-probe-", absl::ToUnixNanos(absl::Now()));
  KafkaOptions consumer_options = options;
  consumer_options.properties.insert(consumer_options.properties.end(), options.consumer_properties.begin(),
                                     options.consumer_properties.end());
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
  // Wait for the assignment before producing.
  const absl::Time join_deadline = absl::Now() + absl::Seconds(30);
  bool assigned = false;
  while (!assigned && absl::Now() < join_deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 50);
    if (m != nullptr) rd_kafka_message_destroy(m);
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(consumer, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      assigned = assignment->cnt > 0;  // from the earliest offset: the topic holds only probe records
      rd_kafka_topic_partition_list_destroy(assignment);
    }
  }
  if (!assigned) {
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return absl::DeadlineExceededError("probe consumer was not assigned partitions");
  }
  auto pconf = BaseConf(options, {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}});
  if (!pconf.ok()) return pconf.status();
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf->get(), err, sizeof err);
  if (producer == nullptr) return absl::InternalError(err);
  (void)pconf->release();  // owned by the producer now

  std::atomic<int64_t> consumed{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load() && consumed.load() < messages) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 50);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++consumed;
      rd_kafka_message_destroy(m);
    }
  });
  const std::string payload(static_cast<size_t>(payload_bytes), 'x');
  const absl::Time start = absl::Now();
  for (int i = 0; i < messages; ++i) {
    const std::string key = std::to_string(i);
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                                                RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                                RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        stop = true;
        reader.join();
        rd_kafka_destroy(producer);
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
        return absl::UnavailableError(rd_kafka_err2str(e));
      }
      rd_kafka_poll(producer, 5);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 60000);
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (consumed.load() < messages && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time end = absl::Now();
  stop = true;
  reader.join();
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  if (consumed.load() < messages) return absl::DeadlineExceededError("probe records were not all consumed");
  return KafkaProbeResult{consumed.load(), end - start};
}

// ---------------------------------------------------------------- backlog probe

struct KafkaBacklogProbe::Impl {
  rd_kafka_t* rk = nullptr;
  ~Impl() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

KafkaBacklogProbe::KafkaBacklogProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaBacklogProbe::~KafkaBacklogProbe() = default;

absl::StatusOr<std::unique_ptr<KafkaBacklogProbe>> KafkaBacklogProbe::Create(const KafkaOptions& options,
                                                                             const std::string& group) {
  // A consumer handle that never subscribes: it only asks for watermarks and committed offsets.
  auto conf = BaseConf(options, {{"group.id", group}, {"enable.auto.commit", "false"}});
  if (!conf.ok()) return conf.status();
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), err, sizeof err);
  if (rk == nullptr) return absl::InternalError(err);
  (void)conf->release();  // owned by the handle now
  auto impl = std::make_unique<Impl>();
  impl->rk = rk;
  return std::unique_ptr<KafkaBacklogProbe>(new KafkaBacklogProbe(std::move(impl)));
}

absl::StatusOr<int64_t> KafkaBacklogProbe::Backlog(const std::string& topic, absl::Duration timeout) {
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  rd_kafka_topic_t* handle = rd_kafka_topic_new(impl_->rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(impl_->rk, 0, handle, &metadata, timeout_ms);
  rd_kafka_topic_destroy(handle);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(e));
  std::vector<int32_t> partitions;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (metadata->topic_cnt == 1) {
    topic_err = metadata->topics[0].err;
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
      partitions.push_back(metadata->topics[0].partitions[i].id);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR || partitions.empty()) {
    return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  e = rd_kafka_committed(impl_->rk, list, timeout_ms);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_destroy(list);
    return absl::UnavailableError(rd_kafka_err2str(e));
  }
  int64_t backlog = 0;
  for (int i = 0; i < list->cnt; ++i) {
    int64_t low = 0;
    int64_t high = 0;
    e = rd_kafka_query_watermark_offsets(impl_->rk, topic.c_str(), list->elems[i].partition, &low, &high, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_destroy(list);
      return absl::UnavailableError(rd_kafka_err2str(e));
    }
    const int64_t committed = list->elems[i].offset;
    backlog += high - std::max(low, committed >= 0 ? committed : low);
  }
  rd_kafka_topic_partition_list_destroy(list);
  return backlog;
}

// ---------------------------------------------------------------- mock cluster

struct MockKafkaCluster::Impl {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

MockKafkaCluster::MockKafkaCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MockKafkaCluster::~MockKafkaCluster() = default;

absl::StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Create(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, KafkaLogCallback);
  char err[512];
  auto impl = std::make_unique<Impl>();
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (impl->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(absl::StrCat("mock cluster handle: ", err));
  }
  impl->cluster = rd_kafka_mock_cluster_new(impl->rk, brokers);
  if (impl->cluster == nullptr) return absl::InternalError("rd_kafka_mock_cluster_new failed");
  return std::unique_ptr<MockKafkaCluster>(new MockKafkaCluster(std::move(impl)));
}

std::string MockKafkaCluster::bootstrap_servers() const { return rd_kafka_mock_cluster_bootstraps(impl_->cluster); }

absl::Status MockKafkaCluster::CreateTopic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(impl_->cluster, name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("create topic ", name, ": ", rd_kafka_err2str(err)));
  }
  return absl::OkStatus();
}

absl::Status MockKafkaCluster::SetBrokerDown(int broker_id) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(impl_->cluster, broker_id);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? absl::OkStatus() : absl::InternalError(rd_kafka_err2str(err));
}

absl::Status MockKafkaCluster::SetBrokerUp(int broker_id) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(impl_->cluster, broker_id);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? absl::OkStatus() : absl::InternalError(rd_kafka_err2str(err));
}

}  // namespace hosho
