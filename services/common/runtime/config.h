#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hosho {

// Service configuration: embedded defaults, then a YAML file, then environment
// overrides. A dotted path "kafka.bootstrap_servers" is overridden by
// HOSHO_KAFKA_BOOTSTRAP_SERVERS. Secrets are never inline: a key "x_file" names
// a file whose content is the secret (GetSecret("x")).
class Config {
 public:
  // `defaults_yaml` is the service's embedded defaults; `path` may be empty.
  static absl::StatusOr<Config> Load(absl::string_view defaults_yaml, const std::string& path);
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

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace hosho
