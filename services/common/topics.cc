#include "services/common/topics.h"

#include <yaml-cpp/yaml.h>

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
      if (t.name.empty() || t.partitions < 1) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": every topic needs a name and partitions >= 1"));
      }
      out.push_back(std::move(t));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no topics"));
  return out;
}

}  // namespace hosho
