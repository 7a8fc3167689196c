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

}  // namespace hosho
