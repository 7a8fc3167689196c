#include "services/common/runtime/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
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
  YAML::Node root;      // the defaults with the overlay merged in
  YAML::Node defaults;  // the embedded defaults alone (UnknownKeys)
  YAML::Node overlay;   // the file alone (UnknownKeys)
  std::string base_dir;
  bool env_overrides = true;
  bool secrets_unread = false;
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

YAML::Node AsMap(YAML::Node node) { return node.IsMap() ? node : YAML::Node(YAML::NodeType::Map); }

// The sections ServiceHost and the shared readers (gRPC server, Redis, Kafka, sealing, principals) accept
// in every service's file, whatever its defaults.yaml spells out. Only the key names count here (for
// UnknownKeys); the defaults of these keys are in the shared readers and in defaults.yaml.
constexpr char kSharedSections[] = R"yaml(
log: {level: ""}
grpc: {enabled: "", listen: "", health_listen: "", dev_plaintext: "", max_message_bytes: "", drain_timeout_ms: "",
       sync_threads: "", tls: {cert_file: "", key_file: "", client_ca_file: ""}}
admin: {host: "", port: ""}
kafka: {bootstrap_servers: "", group_id: "", properties: {}, consumer_properties: {}, sasl_password_file: "",
        max_attempts: "", transient_retry_ms: "", initial_backoff_ms: "", max_backoff_ms: "", lanes: ""}
redis: {host: "", port: "", username: "", password_file: "", db: "", pool_size: ""}
sealing: {keyring_file: ""}
auth: {principals_file: ""}
)yaml";

// Whether `key` below `known` (a node of the defaults or the shared sections, possibly undefined) is
// accepted; `client` says the parent is a client block (it has a target), whose tls the channel reads.
enum class KeyFit { kUnknown, kLeaf, kOpen, kDescend };

KeyFit Fit(const YAML::Node& known, const YAML::Node& value) {
  if (!known.IsDefined()) return KeyFit::kUnknown;
  if (known.IsSequence() || (known.IsMap() && known.size() == 0)) return KeyFit::kOpen;
  if (known.IsMap() && value.IsMap()) return KeyFit::kDescend;
  return KeyFit::kLeaf;
}

YAML::Node Child(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node child = node[key];
  return child.IsDefined() ? child : YAML::Node(YAML::NodeType::Undefined);
}

const YAML::Node& ClientTls() {
  static const YAML::Node* tls = new YAML::Node(YAML::Load("{ca_file: \"\", cert_file: \"\", key_file: \"\"}"));
  return *tls;
}

void CollectUnknown(const YAML::Node& overlay, const YAML::Node& defaults, const YAML::Node& shared,
                    const std::string& prefix, std::vector<std::string>* out) {
  const bool client = Child(defaults, "target").IsDefined();
  for (const auto& kv : overlay) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.as<std::string>();
    const std::string path = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    YAML::Node from_defaults = Child(defaults, key);
    YAML::Node from_shared = Child(shared, key);
    if (client && key == "tls" && !from_defaults.IsDefined()) from_defaults = YAML::Clone(ClientTls());
    const KeyFit fit = std::max(Fit(from_defaults, kv.second), Fit(from_shared, kv.second));
    if (fit == KeyFit::kUnknown) out->push_back(path);
    if (fit == KeyFit::kDescend) CollectUnknown(kv.second, from_defaults, from_shared, path, out);
  }
}

}  // namespace

std::vector<std::string> Config::UnknownKeys() const {
  static const YAML::Node* shared = new YAML::Node(YAML::Load(kSharedSections));
  std::vector<std::string> out;
  if (impl_->overlay.IsMap()) CollectUnknown(impl_->overlay, impl_->defaults, *shared, "", &out);
  return out;
}

absl::StatusOr<std::string> MergeYaml(absl::string_view base_yaml, absl::string_view overlay_yaml) {
  try {
    YAML::Node base = AsMap(YAML::Load(std::string(base_yaml)));
    Merge(base, AsMap(YAML::Load(std::string(overlay_yaml))));
    YAML::Emitter out;
    out << base;
    return absl::StrCat(out.c_str(), "\n");
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.what()));
  }
}

namespace {

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
  if (path.empty()) return LoadText(defaults_yaml, "", "");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("config file not readable: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto config = LoadText(defaults_yaml, buffer.str(), std::filesystem::absolute(path).parent_path().string());
  if (!config.ok()) return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", config.status().message()));
  return config;
}

absl::StatusOr<Config> Config::LoadText(absl::string_view defaults_yaml, absl::string_view overlay_yaml,
                                        const std::string& base_dir) {
  auto impl = std::make_shared<Impl>();
  try {
    impl->defaults = AsMap(YAML::Load(std::string(defaults_yaml)));
    impl->overlay = AsMap(YAML::Load(std::string(overlay_yaml)));
    // Inside the try: a key that is not a scalar (`? [a, b] : 1`) throws while merging.
    impl->root = YAML::Clone(impl->defaults);
    Merge(impl->root, impl->overlay);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
  impl->base_dir = base_dir;
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
    impl->secrets_unread = impl_->secrets_unread;
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
  impl->secrets_unread = impl_->secrets_unread;
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
  if (impl_->secrets_unread) return std::string("unread-secret");
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("secret file not readable for ", file_key));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string secret = buffer.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

}  // namespace hosho

namespace hosho {

Config Config::WithSecretsUnread() const {
  auto impl = std::make_shared<Impl>(*impl_);
  impl->secrets_unread = true;
  Config copy;
  copy.impl_ = std::move(impl);
  return copy;
}

absl::StatusOr<std::string> Config::RequireString(absl::string_view path) const {
  if (impl_->env_overrides) {
    if (const char* env = std::getenv(EnvName(path).c_str()); env != nullptr) return std::string(env);
  }
  YAML::Node node = Find(impl_->root, path);
  if (!node.IsDefined()) return absl::NotFoundError(absl::StrCat("config key ", path, " is missing"));
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) return absl::InvalidArgumentError(absl::StrCat("config key ", path, ": not a single value"));
  return node.as<std::string>();
}

absl::StatusOr<int64_t> Config::RequireInt(absl::string_view path) const {
  auto text = RequireString(path);
  if (!text.ok()) return text.status();
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", path, ": \"", *text, "\" is not an integer"));
  }
  return value;
}

absl::StatusOr<double> Config::RequireDouble(absl::string_view path) const {
  auto text = RequireString(path);
  if (!text.ok()) return text.status();
  double value = 0;
  if (!absl::SimpleAtod(*text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", path, ": \"", *text, "\" is not a number"));
  }
  return value;
}

absl::StatusOr<bool> Config::RequireBool(absl::string_view path) const {
  auto text = RequireString(path);
  if (!text.ok()) return text.status();
  bool value = false;
  if (!absl::SimpleAtob(*text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", path, ": \"", *text, "\" is not true or false"));
  }
  return value;
}

template <class T>
T ConfigReader::Keep(absl::StatusOr<T> value) {
  if (value.ok()) return *std::move(value);
  if (status_.ok()) status_ = value.status();
  return T();
}

std::string ConfigReader::String(absl::string_view path) { return Keep(config_.RequireString(path)); }
std::string ConfigReader::Path(absl::string_view path) { return config_.ResolvePath(String(path)); }
int64_t ConfigReader::Int(absl::string_view path) { return Keep(config_.RequireInt(path)); }
double ConfigReader::Double(absl::string_view path) { return Keep(config_.RequireDouble(path)); }
bool ConfigReader::Bool(absl::string_view path) { return Keep(config_.RequireBool(path)); }
absl::Duration ConfigReader::Millis(absl::string_view path) { return absl::Milliseconds(Int(path)); }
absl::Duration ConfigReader::Minutes(absl::string_view path) { return absl::Minutes(Int(path)); }
absl::Duration ConfigReader::Hours(absl::string_view path) { return absl::Hours(Int(path)); }

}  // namespace hosho
