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

// ---------------------------------------------------------------- record outcomes

absl::string_view RecordOutcomeName(RecordOutcome outcome) {
  switch (outcome) {
    case RecordOutcome::kDone:
      return "done";
    case RecordOutcome::kSkipped:
      return "skipped";
    case RecordOutcome::kRetry:
      return "retry";
    case RecordOutcome::kDeadLetter:
      return "dead_letter";
  }
  return "unknown";
}

namespace {
// A failure outcome always says why; a handler that gave no reason is still visible in the DLQ.
absl::Status NotOk(absl::Status failure) {
  return failure.ok() ? absl::UnknownError("the handler gave no reason") : failure;
}
}  // namespace

RecordResult RecordResult::Skipped(std::string reason) {
  return {RecordOutcome::kSkipped, absl::OkStatus(), std::move(reason)};
}

RecordResult RecordResult::Retry(absl::Status failure) {
  return {RecordOutcome::kRetry, NotOk(std::move(failure)), ""};
}

RecordResult RecordResult::DeadLetter(absl::Status failure) {
  return {RecordOutcome::kDeadLetter, NotOk(std::move(failure)), ""};
}

RecordResult RecordResult::DependencyFailed(absl::Status failure) {
  return absl::IsInvalidArgument(failure) ? DeadLetter(std::move(failure)) : Retry(std::move(failure));
}

std::string ToString(const RecordResult& result) {
  switch (result.outcome) {
    case RecordOutcome::kDone:
      return "done";
    case RecordOutcome::kSkipped:
      return absl::StrCat("skipped: ", result.reason);
    case RecordOutcome::kRetry:
    case RecordOutcome::kDeadLetter:
      break;
  }
  return absl::StrCat(RecordOutcomeName(result.outcome), ": ", result.error.ToString());
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

  // A topic's metric handles, created once (Create) rather than looked up per record.
  struct TopicMetrics {
    Gauge* lag = nullptr;
    Counter* done = nullptr;
    Counter* skipped = nullptr;
    Counter* dead_lettered = nullptr;  // outcome "dlq" of hosho_consumer_records_total
    Counter* dlq_records = nullptr;    // hosho_dlq_records_total
  };
  absl::flat_hash_map<std::string, TopicMetrics> topic_metrics;  // written only before Run
  Histogram* handle_seconds = nullptr;
  TopicMetrics MakeTopicMetrics(const std::string& topic) const;
  // The subscribed topic's handles; a topic not named at Create (a pattern subscription) gets
  // handles looked up now.
  TopicMetrics MetricsFor(const std::string& topic) const;

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
  // One record: its attempts, then (dead letter, or retries exhausted) the DLQ, then its offset
  // stored, unless it is left to the partition's next owner or the consumer stops.
  void Process(const rd_kafka_message_t* m);
  // Calls the handler until it answers done, skipped or dead letter, the retries are exhausted
  // (the last kRetry is returned) or the consumer stops or gives the partition up (kRetry).
  RecordResult RunAttempts(const KafkaRecord& record, int* attempts);
  // True once the record is on the DLQ.
  bool DeadLetter(const KafkaRecord& record, const absl::Status& last, int attempts, const TopicMetrics& metrics);
  void StoreOffset(const KafkaRecord& record, Counter* outcome, absl::Time started);
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

KafkaConsumer::Impl::TopicMetrics KafkaConsumer::Impl::MakeTopicMetrics(const std::string& topic) const {
  const Labels labels{{"group", options.group_id}, {"topic", topic}};
  auto records = [&](const char* outcome) {
    return &Metrics().GetCounter("hosho_consumer_records_total",
                                 "Records taken by consumers, by outcome (ok, skipped, dlq).",
                                 {{"group", options.group_id}, {"topic", topic}, {"outcome", outcome}});
  };
  TopicMetrics m;
  m.lag = &Metrics().GetGauge("hosho_consumer_lag_seconds", "Age of the record last taken by the consumer.", labels);
  m.done = records("ok");
  m.skipped = records("skipped");
  m.dead_lettered = records("dlq");
  m.dlq_records = &Metrics().GetCounter("hosho_dlq_records_total", "Records written to a DLQ.", labels);
  return m;
}

KafkaConsumer::Impl::TopicMetrics KafkaConsumer::Impl::MetricsFor(const std::string& topic) const {
  auto it = topic_metrics.find(topic);
  return it != topic_metrics.end() ? it->second : MakeTopicMetrics(topic);
}

void KafkaConsumer::Impl::Process(const rd_kafka_message_t* m) {
  const KafkaRecord record = ToRecord(m);
  const TopicMetrics metrics = MetricsFor(record.topic);
  metrics.lag->Set(absl::ToDoubleSeconds(absl::Now() - record.timestamp));
  const absl::Time started = absl::Now();
  int attempts = 0;
  const RecordResult result = RunAttempts(record, &attempts);
  switch (result.outcome) {
    case RecordOutcome::kDone:
      StoreOffset(record, metrics.done, started);
      return;
    case RecordOutcome::kSkipped:
      LogDebug("record skipped", {{"group", options.group_id},
                                  {"topic", record.topic},
                                  {"partition", record.partition},
                                  {"offset", record.offset},
                                  {"reason", result.reason}});
      StoreOffset(record, metrics.skipped, started);
      return;
    case RecordOutcome::kRetry:
    case RecordOutcome::kDeadLetter:
      break;
  }
  if (stop.load()) return;  // not stored: the record is delivered again
  if (revoking.load()) {
    LogInfo("record left to the partition's next owner (rebalance during a retry)", {{"group", options.group_id},
                                                                                     {"topic", record.topic},
                                                                                     {"partition", record.partition},
                                                                                     {"offset", record.offset}});
    return;
  }
  // Dead-lettered or exhausted: the record goes to the DLQ, and only then does the partition move on.
  if (DeadLetter(record, result.error, attempts, metrics)) StoreOffset(record, metrics.dead_lettered, started);
}

RecordResult KafkaConsumer::Impl::RunAttempts(const KafkaRecord& record, int* attempts) {
  const absl::Time first_attempt = clock->Now();
  absl::Duration backoff = options.initial_backoff;
  RecordResult last = RecordResult::Retry(absl::CancelledError("the consumer is stopping"));
  while (!stop.load()) {
    ++*attempts;
    last = (*handler)(record);
    if (last.outcome != RecordOutcome::kRetry && last.outcome != RecordOutcome::kDeadLetter) return last;
    // The dependency's own word for "away for now" (ConsumerOptions::transient_retry).
    const bool outage = last.outcome == RecordOutcome::kRetry &&
                        (absl::IsUnavailable(last.error) || absl::IsDeadlineExceeded(last.error)) &&
                        clock->Now() - first_attempt < options.transient_retry;
    // Every attempt up to max_attempts, then one line in ten while an outage lasts.
    if (*attempts <= options.max_attempts || *attempts % 10 == 0) {
      LogWarn("record handler failed", {{"group", options.group_id},
                                        {"topic", record.topic},
                                        {"partition", record.partition},
                                        {"offset", record.offset},
                                        {"attempt", *attempts},
                                        {"outcome", RecordOutcomeName(last.outcome)},
                                        {"waiting_for_dependency", outage},
                                        {"error", std::string(last.error.message())}});
    }
    if (last.outcome == RecordOutcome::kDeadLetter || (*attempts >= options.max_attempts && !outage)) return last;
    if (!Backoff(backoff)) return last;
    backoff = std::min(backoff * 2, options.max_backoff);
  }
  return last;
}

bool KafkaConsumer::Impl::DeadLetter(const KafkaRecord& record, const absl::Status& last, int attempts,
                                     const TopicMetrics& metrics) {
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
      metrics.dlq_records->Increment();
      LogError("record sent to DLQ", {{"group", options.group_id},
                                      {"topic", record.topic},
                                      {"partition", record.partition},
                                      {"offset", record.offset},
                                      {"attempts", attempts},
                                      {"error", std::string(last.message())}});
      return true;
    }
    LogError("DLQ write failed; retrying", {{"topic", dead.topic}, {"error", std::string(sent.message())}});
    if (!Backoff(dlq_backoff)) return false;
    dlq_backoff = std::min(dlq_backoff * 2, options.max_backoff);
  }
  return false;
}

void KafkaConsumer::Impl::StoreOffset(const KafkaRecord& record, Counter* outcome, absl::Time started) {
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, record.topic.c_str(), record.partition)->offset = record.offset + 1;
  rd_kafka_offsets_store(rk, offsets);
  rd_kafka_topic_partition_list_destroy(offsets);
  outcome->Increment();
  handle_seconds->Observe(absl::ToDoubleSeconds(absl::Now() - started));
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
  for (const std::string& topic : impl->options.topics) {
    impl->topic_metrics.emplace(topic, impl->MakeTopicMetrics(topic));
  }
  impl->handle_seconds =
      &Metrics().GetHistogram("hosho_consumer_handle_seconds", "Time to take one record, retries included.",
                              {{"group", impl->options.group_id}});
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

}  // namespace hosho
