#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hosho {

// Service configuration in three layers: the service's embedded defaults.yaml is the base, the YAML
// file given with --config overlays it, and environment variables override both (a dotted path
// "kafka.bootstrap_servers" is overridden by HOSHO_KAFKA_BOOTSTRAP_SERVERS). The overlay is a deep
// merge: a map merges key by key, a scalar or a list replaces the default whole. Secrets are never
// inline: a key "x_file" names a file whose content is the secret (GetSecret("x")).
//
// Every default is written once, in defaults.yaml: a service's FromConfig reads its keys with the
// Require* getters (or a ConfigReader), which name a key that is missing instead of falling back.
class Config {
 public:
  // `defaults_yaml` is the service's embedded defaults; `path` may be empty.
  static absl::StatusOr<Config> Load(absl::string_view defaults_yaml, const std::string& path);
  // The same layering from text: `overlay_yaml` over `defaults_yaml`, paths resolved against `base_dir`.
  static absl::StatusOr<Config> LoadText(absl::string_view defaults_yaml, absl::string_view overlay_yaml,
                                         const std::string& base_dir = "");
  static absl::StatusOr<Config> FromYaml(absl::string_view yaml);

  Config();
  ~Config();
  Config(const Config&);
  Config& operator=(const Config&);
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  bool Has(absl::string_view path) const;
  std::string GetString(absl::string_view path, absl::string_view fallback = "") const;
  int64_t GetInt(absl::string_view path, int64_t fallback = 0) const;
  double GetDouble(absl::string_view path, double fallback = 0) const;
  bool GetBool(absl::string_view path, bool fallback = false) const;
  // The scalar items of a sequence (an item that is a map or a list is skipped, never thrown over).
  std::vector<std::string> GetStringList(absl::string_view path) const;
  // Children of a sequence node, each as its own Config.
  std::vector<Config> GetList(absl::string_view path) const;
  // The sub-tree at `path` (empty when absent), resolving paths like its parent.
  Config Child(absl::string_view path) const;
  // Scalar children of a map node with scalar keys, as key → value (e.g. kafka.properties).
  std::vector<std::pair<std::string, std::string>> GetMap(absl::string_view path) const;
  // Reads the file named by `<path>_file`; trailing newlines are trimmed.
  absl::StatusOr<std::string> GetSecret(absl::string_view path) const;
  // Resolves a relative file path against the directory of the loaded file.
  std::string ResolvePath(absl::string_view value) const;

  // A key that must be there (a default in defaults.yaml or the overlay): NOT_FOUND naming the key
  // when it is absent, INVALID_ARGUMENT naming it when its value is not of the type asked for.
  absl::StatusOr<std::string> RequireString(absl::string_view path) const;
  absl::StatusOr<int64_t> RequireInt(absl::string_view path) const;
  absl::StatusOr<double> RequireDouble(absl::string_view path) const;
  absl::StatusOr<bool> RequireBool(absl::string_view path) const;

  // The overlay's keys that neither the embedded defaults nor the shared sections every service host
  // reads (log, grpc, admin, kafka, redis, sealing, auth; tls under a client block with a target)
  // know, as dotted paths. Below a default that is an empty map or a list, any key is accepted. A typo
  // in a deployment's file shows here instead of silently leaving the default in force.
  std::vector<std::string> UnknownKeys() const;

  // A copy whose GetSecret checks only that "<path>_file" is configured and answers a placeholder
  // without reading it: for checking a configuration written for another machine (the chart's).
  Config WithSecretsUnread() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// Reads required keys one after another and keeps the first error, so that a FromConfig reads a
// section in straight lines and checks once: `r.Int("a.b")`, ..., `if (!r.ok()) return r.status();`.
// A getter that failed answers the type's zero value.
class ConfigReader {
 public:
  explicit ConfigReader(const Config& config) : config_(config) {}

  std::string String(absl::string_view path);
  // A file or directory path, resolved against the configuration file's directory.
  std::string Path(absl::string_view path);
  int64_t Int(absl::string_view path);
  double Double(absl::string_view path);
  bool Bool(absl::string_view path);
  absl::Duration Millis(absl::string_view path);
  absl::Duration Minutes(absl::string_view path);
  absl::Duration Hours(absl::string_view path);

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }

 private:
  template <class T>
  T Keep(absl::StatusOr<T> value);

  const Config& config_;
  absl::Status status_;
};

// `overlay_yaml` merged into `base_yaml` as Config::Load merges a file into the defaults, as YAML
// text (hosho-stack writes its configurations with it).
absl::StatusOr<std::string> MergeYaml(absl::string_view base_yaml, absl::string_view overlay_yaml);

}  // namespace hosho
