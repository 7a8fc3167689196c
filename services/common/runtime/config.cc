#include "services/common/runtime/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hosho {

struct Config::Impl {
  YAML::Node root;
  std::string base_dir;
  bool env_overrides = true;
};

namespace {

YAML::Node Find(const YAML::Node& root, absl::string_view path) {
  YAML::Node node = YAML::Clone(root);
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node child = node[std::string(part)];
    if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    node = child;
  }
  return node;
}

void Merge(YAML::Node base, const YAML::Node& over) {
  if (!over.IsMap()) return;
  for (const auto& kv : over) {
    const std::string key = kv.first.as<std::string>();
    if (kv.second.IsMap() && base[key].IsMap()) {
      Merge(base[key], kv.second);
    } else {
      base[key] = YAML::Clone(kv.second);
    }
  }
}

std::string EnvName(absl::string_view path) {
  std::string name = absl::StrCat("HOSHO_", absl::StrReplaceAll(path, {{".", "_"}, {"-", "_"}}));
  absl::AsciiStrToUpper(&name);
  return name;
}

}  // namespace

Config::Config() : impl_(std::make_shared<Impl>()) {}
Config::~Config() = default;
Config::Config(const Config&) = default;
Config& Config::operator=(const Config&) = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

absl::StatusOr<Config> Config::FromYaml(absl::string_view yaml) {
  Config config;
  auto impl = std::make_shared<Impl>();
  try {
    impl->root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.what()));
  }
  if (!impl->root.IsDefined() || impl->root.IsNull()) impl->root = YAML::Node(YAML::NodeType::Map);
  config.impl_ = std::move(impl);
  return config;
}

absl::StatusOr<Config> Config::Load(absl::string_view defaults_yaml, const std::string& path) {
  auto impl = std::make_shared<Impl>();
  try {
    impl->root = YAML::Load(std::string(defaults_yaml));
    if (!impl->root.IsMap()) impl->root = YAML::Node(YAML::NodeType::Map);
    if (!path.empty()) {
      std::ifstream in(path);
      if (!in) return absl::NotFoundError(absl::StrCat("config file not readable: ", path));
      std::stringstream buffer;
      buffer << in.rdbuf();
      Merge(impl->root, YAML::Load(buffer.str()));
      impl->base_dir = std::filesystem::absolute(path).parent_path().string();
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", e.what()));
  }
  Config config;
  config.impl_ = std::move(impl);
  return config;
}

bool Config::Has(absl::string_view path) const {
  return std::getenv(EnvName(path).c_str()) != nullptr || Find(impl_->root, path).IsDefined();
}

std::string Config::GetString(absl::string_view path, absl::string_view fallback) const {
  if (impl_->env_overrides) {
    if (const char* env = std::getenv(EnvName(path).c_str()); env != nullptr) return env;
  }
  YAML::Node node = Find(impl_->root, path);
  if (!node.IsDefined() || node.IsNull() || !node.IsScalar()) return std::string(fallback);
  return node.as<std::string>();
}

int64_t Config::GetInt(absl::string_view path, int64_t fallback) const {
  int64_t value = 0;
  std::string text = GetString(path, "");
  return absl::SimpleAtoi(text, &value) ? value : fallback;
}

double Config::GetDouble(absl::string_view path, double fallback) const {
  double value = 0;
  std::string text = GetString(path, "");
  return absl::SimpleAtod(text, &value) ? value : fallback;
}

bool Config::GetBool(absl::string_view path, bool fallback) const {
  bool value = false;
  std::string text = GetString(path, "");
  return absl::SimpleAtob(text, &value) ? value : fallback;
}

std::vector<std::string> Config::GetStringList(absl::string_view path) const {
  std::vector<std::string> out;
  if (const char* env = std::getenv(EnvName(path).c_str()); env != nullptr) {
    for (absl::string_view part : absl::StrSplit(env, ',', absl::SkipEmpty())) {
      out.emplace_back(absl::StripAsciiWhitespace(part));
    }
    return out;
  }
  YAML::Node node = Find(impl_->root, path);
  if (node.IsSequence()) {
    // Only scalars are strings: yaml-cpp throws on anything else, and no exception leaves here.
    for (const auto& item : node) {
      if (item.IsScalar()) out.push_back(item.as<std::string>());
    }
  }
  return out;
}

std::vector<Config> Config::GetList(absl::string_view path) const {
  std::vector<Config> out;
  YAML::Node node = Find(impl_->root, path);
  if (!node.IsSequence()) return out;
  for (const auto& item : node) {
    Config child;
    auto impl = std::make_shared<Impl>();
    impl->root = YAML::Clone(item);
    impl->base_dir = impl_->base_dir;
    impl->env_overrides = false;  // list items have no stable env names
    child.impl_ = std::move(impl);
    out.push_back(std::move(child));
  }
  return out;
}

Config Config::Child(absl::string_view path) const {
  Config child;
  auto impl = std::make_shared<Impl>();
  YAML::Node node = Find(impl_->root, path);
  impl->root = node.IsDefined() ? YAML::Clone(node) : YAML::Node(YAML::NodeType::Map);
  impl->base_dir = impl_->base_dir;
  impl->env_overrides = false;
  child.impl_ = std::move(impl);
  return child;
}

std::vector<std::pair<std::string, std::string>> Config::GetMap(absl::string_view path) const {
  std::vector<std::pair<std::string, std::string>> out;
  YAML::Node node = Find(impl_->root, path);
  if (!node.IsMap()) return out;
  for (const auto& kv : node) {
    if (kv.first.IsScalar() && kv.second.IsScalar()) {
      out.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    }
  }
  return out;
}

std::string Config::ResolvePath(absl::string_view value) const {
  if (value.empty() || value.front() == '/' || impl_->base_dir.empty()) return std::string(value);
  return (std::filesystem::path(impl_->base_dir) / std::string(value)).string();
}

absl::StatusOr<std::string> Config::GetSecret(absl::string_view path) const {
  const std::string file_key = absl::StrCat(path, "_file");
  const std::string file = ResolvePath(GetString(file_key, ""));
  if (file.empty()) return absl::NotFoundError(absl::StrCat("secret not configured: ", file_key));
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("secret file not readable for ", file_key));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string secret = buffer.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

}  // namespace hosho
