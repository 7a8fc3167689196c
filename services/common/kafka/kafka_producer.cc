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

}  // namespace hosho
