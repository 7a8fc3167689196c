#include "services/common/kafka/topics.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace hosho {

absl::StatusOr<std::vector<TopicSpec>> LoadTopicCatalogue(const std::string& path) {
  std::vector<TopicSpec> out;
  try {
    YAML::Node root = YAML::LoadFile(path);
    for (const auto& item : root["topics"]) {
      TopicSpec t;
      t.name = item["name"].as<std::string>("");
      t.partitions = item["partitions"].as<int>(1);
      t.key = item["key"].as<std::string>("");
      t.payload = item["payload"].as<std::string>("");
      t.writer = item["writer"].as<std::string>("");
      t.dlq = item["dlq"].as<bool>(true);
      if (item["readers"]) t.readers = item["readers"].as<std::vector<std::string>>();
      t.retention_ms = item["retention_ms"].as<int64_t>(t.retention_ms);
      t.cleanup_policy = item["cleanup_policy"].as<std::string>(t.cleanup_policy);
      t.replication_factor = item["replication_factor"].as<int>(t.replication_factor);
      t.min_insync_replicas = item["min_insync_replicas"].as<int>(t.min_insync_replicas);
      if (t.name.empty() || t.partitions < 1) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": every topic needs a name and partitions >= 1"));
      }
      if (t.replication_factor < 1 || t.min_insync_replicas < 1 || t.min_insync_replicas > t.replication_factor) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": ", t.name, ": needs 1 <= min_insync_replicas <= replication_factor"));
      }
      if (t.cleanup_policy != "delete" && t.cleanup_policy != "compact" && t.cleanup_policy != "compact,delete") {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", t.name, ": unknown cleanup_policy"));
      }
      out.push_back(std::move(t));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no topics"));
  return out;
}

std::vector<TopicToCreate> TopicsToCreate(const std::vector<TopicSpec>& catalogue, int brokers) {
  std::vector<TopicToCreate> out;
  for (const TopicSpec& spec : catalogue) {
    TopicToCreate t;
    t.name = spec.name;
    t.partitions = spec.partitions;
    t.replication_factor = std::max(1, std::min(spec.replication_factor, brokers));
    t.configs = {{"retention.ms", std::to_string(spec.retention_ms)},
                 {"cleanup.policy", spec.cleanup_policy},
                 {"min.insync.replicas", std::to_string(std::min(spec.min_insync_replicas, t.replication_factor))}};
    out.push_back(t);
    if (spec.dlq) {
      // A dead letter waits for an operator: its twin keeps what the topic keeps, never compacted away.
      t.name = spec.name + ".dlq";
      t.configs[1].second = "delete";
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::vector<KafkaAcl> CatalogueAcls(const std::vector<TopicSpec>& catalogue) {
  using Op = KafkaAcl::Operation;
  using Res = KafkaAcl::Resource;
  std::vector<KafkaAcl> acls;
  absl::flat_hash_set<std::string> seen;  // a writer that also reads its topic gets each grant once
  auto grant = [&acls, &seen](Res resource, const std::string& name, bool prefixed, const std::string& service, Op op) {
    if (!seen.insert(absl::StrCat(static_cast<int>(resource), "|", name, "|", prefixed, "|", service, "|",
                                  static_cast<int>(op)))
             .second) {
      return;
    }
    acls.push_back(KafkaAcl{resource, name, prefixed, "User:" + service, op});
  };
  for (const TopicSpec& t : catalogue) {
    grant(Res::kTopic, t.name, false, t.writer, Op::kWrite);
    grant(Res::kTopic, t.name, false, t.writer, Op::kDescribe);
    for (const std::string& reader : t.readers) {
      grant(Res::kTopic, t.name, false, reader, Op::kRead);
      grant(Res::kTopic, t.name, false, reader, Op::kDescribe);
      if (t.dlq) {
        grant(Res::kTopic, t.name + ".dlq", false, reader, Op::kWrite);
        grant(Res::kTopic, t.name + ".dlq", false, reader, Op::kDescribe);
      }
    }
  }
  // Consumer groups: each service its own (group id = service name), the console's live-feed groups
  // by prefix (one per replica and start).
  absl::flat_hash_set<std::string> readers;
  for (const TopicSpec& t : catalogue) readers.insert(t.readers.begin(), t.readers.end());
  for (const std::string& reader : readers) {
    const bool console = reader == "hosho-console";
    grant(Res::kGroup, console ? "hosho-console-feed-" : reader, console, reader, Op::kRead);
  }
  return acls;
}

}  // namespace hosho
