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
