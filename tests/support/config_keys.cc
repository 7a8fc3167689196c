#include "tests/support/config_keys.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hosho::testing {
namespace {

void Leaves(const YAML::Node& node, const std::string& prefix, std::vector<std::string>* out) {
  if (!node.IsMap() || node.size() == 0) {
    out->push_back(prefix);
    return;
  }
  for (const auto& kv : node) Leaves(kv.second, absl::StrCat(prefix, ".", kv.first.as<std::string>()), out);
}

}  // namespace

std::string YamlWithout(absl::string_view yaml, absl::string_view path) {
  YAML::Node root = YAML::Load(std::string(yaml));
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  YAML::Node node = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node.IsMap() || !node[parts[i]].IsDefined()) return std::string(yaml);
    node.reset(node[parts[i]]);  // rebinds; `node = ...` would overwrite the parent's content
  }
  if (node.IsMap()) node.remove(parts.back());
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

std::vector<std::string> YamlLeaves(absl::string_view yaml, const std::vector<std::string>& sections) {
  YAML::Node root = YAML::Load(std::string(yaml));
  std::vector<std::string> out;
  for (const std::string& section : sections) {
    if (root[section].IsDefined()) Leaves(root[section], section, &out);
  }
  return out;
}

}  // namespace hosho::testing
