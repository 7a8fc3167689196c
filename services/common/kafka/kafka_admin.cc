#include "services/common/kafka/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/kafka_conf.h"

namespace hosho {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Admin calls run on a producer handle (any handle type may issue them).
absl::StatusOr<HandlePtr> AdminHandle(const KafkaOptions& options) {
  auto conf = BaseConf(options, {});
  if (!conf.ok()) return conf.status();
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), err, sizeof err);
  if (rk == nullptr) return absl::InternalError(absl::StrCat("kafka admin client: ", err));
  (void)conf->release();
  return HandlePtr(rk);
}

absl::Status FromKafkaError(rd_kafka_resp_err_t err, const char* message, absl::string_view what) {
  const std::string text = absl::StrCat(what, ": ", rd_kafka_err2name(err), " (", message ? message : "", ")");
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
      return absl::UnavailableError(text);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return absl::PermissionDeniedError(text);
    default:
      return absl::FailedPreconditionError(text);
  }
}

// Waits for the one result event of an admin call on `queue`.
absl::StatusOr<EventPtr> AwaitResult(rd_kafka_queue_t* queue, absl::Duration timeout, absl::string_view what) {
  // The request carries its own timeout; the extra second lets its TIMED_OUT result arrive.
  EventPtr event(rd_kafka_queue_poll(queue, static_cast<int>(absl::ToInt64Milliseconds(timeout) + 1000)));
  if (!event) return absl::UnavailableError(absl::StrCat(what, ": no answer from the cluster"));
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return FromKafkaError(rd_kafka_event_error(event.get()), rd_kafka_event_error_string(event.get()), what);
  }
  return event;
}

absl::StatusOr<rd_kafka_AdminOptions_t*> Options(rd_kafka_t* rk, rd_kafka_admin_op_t op, absl::Duration timeout) {
  rd_kafka_AdminOptions_t* admin = rd_kafka_AdminOptions_new(rk, op);
  char err[512];
  if (rd_kafka_AdminOptions_set_request_timeout(admin, static_cast<int>(absl::ToInt64Milliseconds(timeout)), err,
                                                sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_AdminOptions_destroy(admin);
    return absl::InvalidArgumentError(err);
  }
  return admin;
}

rd_kafka_AclOperation_t AclOperation(KafkaAcl::Operation op) {
  switch (op) {
    case KafkaAcl::Operation::kRead:
      return RD_KAFKA_ACL_OPERATION_READ;
    case KafkaAcl::Operation::kWrite:
      return RD_KAFKA_ACL_OPERATION_WRITE;
    case KafkaAcl::Operation::kDescribe:
      return RD_KAFKA_ACL_OPERATION_DESCRIBE;
  }
  return RD_KAFKA_ACL_OPERATION_UNKNOWN;
}

}  // namespace

absl::StatusOr<int> CreateTopics(const KafkaOptions& options, const std::vector<TopicToCreate>& topics,
                                 absl::Duration timeout) {
  auto rk = AdminHandle(options);
  if (!rk.ok()) return rk.status();
  std::vector<rd_kafka_NewTopic_t*> requests;
  auto release = [&requests] { rd_kafka_NewTopic_destroy_array(requests.data(), requests.size()); };
  char err[512];
  for (const TopicToCreate& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      release();
      return absl::InvalidArgumentError(absl::StrCat("topic ", t.name, ": ", err));
    }
    requests.push_back(nt);
    for (const auto& [k, v] : t.configs) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        release();
        return absl::InvalidArgumentError(absl::StrCat("topic ", t.name, ": config ", k));
      }
    }
  }
  auto admin = Options(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  if (!admin.ok()) {
    release();
    return admin.status();
  }
  // Validation happens on the controller; the call returns once it has committed the topics.
  (void)rd_kafka_AdminOptions_set_operation_timeout(*admin, static_cast<int>(absl::ToInt64Milliseconds(timeout)), err,
                                                    sizeof err);
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_CreateTopics(rk->get(), requests.data(), requests.size(), *admin, queue.get());
  rd_kafka_AdminOptions_destroy(*admin);
  release();
  auto event = AwaitResult(queue.get(), timeout, "CreateTopics");
  if (!event.ok()) return event.status();
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event->get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  int created = 0;
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return FromKafkaError(e, rd_kafka_topic_result_error_string(results[i]),
                            absl::StrCat("creating topic ", rd_kafka_topic_result_name(results[i])));
    }
    ++created;
  }
  return created;
}

absl::Status CreateAcls(const KafkaOptions& options, const std::vector<KafkaAcl>& acls, absl::Duration timeout) {
  auto rk = AdminHandle(options);
  if (!rk.ok()) return rk.status();
  std::vector<rd_kafka_AclBinding_t*> bindings;
  auto release = [&bindings] { rd_kafka_AclBinding_destroy_array(bindings.data(), bindings.size()); };
  char err[512];
  for (const KafkaAcl& acl : acls) {
    rd_kafka_AclBinding_t* b = rd_kafka_AclBinding_new(
        acl.resource == KafkaAcl::Resource::kTopic ? RD_KAFKA_RESOURCE_TOPIC : RD_KAFKA_RESOURCE_GROUP,
        acl.name.c_str(), acl.prefixed ? RD_KAFKA_RESOURCE_PATTERN_PREFIXED : RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        acl.principal.c_str(), "*", AclOperation(acl.operation), RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, err, sizeof err);
    if (b == nullptr) {
      release();
      return absl::InvalidArgumentError(absl::StrCat("ACL for ", acl.principal, " on ", acl.name, ": ", err));
    }
    bindings.push_back(b);
  }
  auto admin = Options(rk->get(), RD_KAFKA_ADMIN_OP_CREATEACLS, timeout);
  if (!admin.ok()) {
    release();
    return admin.status();
  }
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_CreateAcls(rk->get(), bindings.data(), bindings.size(), *admin, queue.get());
  rd_kafka_AdminOptions_destroy(*admin);
  release();
  auto event = AwaitResult(queue.get(), timeout, "CreateAcls");
  if (!event.ok()) return event.status();
  const rd_kafka_CreateAcls_result_t* result = rd_kafka_event_CreateAcls_result(event->get());
  size_t count = 0;
  const rd_kafka_acl_result_t** results = rd_kafka_CreateAcls_result_acls(result, &count);
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i]); e != nullptr) {
      return FromKafkaError(rd_kafka_error_code(e), rd_kafka_error_string(e), "CreateAcls");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> CountAcls(const KafkaOptions& options, absl::Duration timeout) {
  auto rk = AdminHandle(options);
  if (!rk.ok()) return rk.status();
  char err[512];
  rd_kafka_AclBindingFilter_t* filter =
      rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_ANY, nullptr, RD_KAFKA_RESOURCE_PATTERN_ANY, nullptr, nullptr,
                                    RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, err, sizeof err);
  if (filter == nullptr) return absl::InternalError(err);
  auto admin = Options(rk->get(), RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout);
  if (!admin.ok()) {
    rd_kafka_AclBinding_destroy(filter);
    return admin.status();
  }
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_DescribeAcls(rk->get(), filter, *admin, queue.get());
  rd_kafka_AdminOptions_destroy(*admin);
  rd_kafka_AclBinding_destroy(filter);
  auto event = AwaitResult(queue.get(), timeout, "DescribeAcls");
  if (!event.ok()) return event.status();
  size_t count = 0;
  (void)rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event->get()), &count);
  return static_cast<int>(count);
}

absl::StatusOr<ClusterView> DescribeCluster(const KafkaOptions& options, absl::Duration timeout) {
  auto rk = AdminHandle(options);
  if (!rk.ok()) return rk.status();
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk->get(), 1, nullptr, &metadata, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromKafkaError(err, "", "metadata");
  ClusterView view;
  for (int i = 0; i < metadata->broker_cnt; ++i) view.broker_ids.push_back(metadata->brokers[i].id);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    int led = 0;
    for (int p = 0; p < t.partition_cnt; ++p) {
      if (t.partitions[p].leader >= 0 && t.partitions[p].err == RD_KAFKA_RESP_ERR_NO_ERROR) ++led;
      if (t.partitions[p].isr_cnt < t.partitions[p].replica_cnt) ++view.under_replicated;
    }
    view.topics.push_back({t.topic, {led, t.partition_cnt}});
  }
  rd_kafka_metadata_destroy(metadata);
  return view;
}

absl::StatusOr<int64_t> CountRecords(const KafkaOptions& options, const std::string& topic, absl::Duration timeout) {
  auto rk = AdminHandle(options);
  if (!rk.ok()) return rk.status();
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk->get(), 1, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromKafkaError(err, "", "metadata");
  int partitions = -1;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic) partitions = metadata->topics[i].partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  if (partitions < 0) return absl::NotFoundError(absl::StrCat("kafka: no topic ", topic));
  int64_t records = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t w =
        rd_kafka_query_watermark_offsets(rk->get(), topic.c_str(), p, &low, &high, timeout_ms);
    if (w != RD_KAFKA_RESP_ERR_NO_ERROR) return FromKafkaError(w, topic.c_str(), "watermarks");
    records += high - low;
  }
  return records;
}

}  // namespace hosho
