// YAML as the services read it (services/common/runtime/config.h, yaml-cpp behind it): Config::FromYaml and
// its getters, then every project reader of a config or YAML text that neither opens a file nor
// reaches a server (offices, gRPC options, the scope, the token and key files, the form mapping, the
// console's accounts, certificate records). Config files come from operators, not the public, but a
// typo must give an error message, never a crash (yaml-cpp throws; config.cc must catch it).
//
// Not here: KafkaOptionsFromConfig and RedisOptionsFromConfig read secret files (GetSecret).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/auth/auth.h"
#include "services/common/crypto/sealing.h"
#include "services/common/domain/domain_text.h"
#include "services/common/domain/offices.h"
#include "services/common/grpc/grpc_client.h"
#include "services/common/grpc/grpc_server.h"
#include "services/common/runtime/config.h"
#include "services/console/accounts.h"
#include "services/intake/form_import.h"
#include "services/intake/scope_rules.h"
#include "tests/fuzz/fuzz_support.h"

namespace hosho::fuzz {
namespace {

// Top-level sections and keys the services' embedded defaults and deploy/ files use.
constexpr const char* kPaths[] = {"kafka.bootstrap_servers",
                                  "kafka.properties",
                                  "redis.host",
                                  "redis.port",
                                  "grpc.listen",
                                  "grpc.dev_plaintext",
                                  "grpc.max_message_bytes",
                                  "grpc.drain_timeout_ms",
                                  "webhook.port",
                                  "webhook.max_body_bytes",
                                  "smtp.url",
                                  "smtp.timeout_ms",
                                  "smtp.enabled",
                                  "sla.hours",
                                  "tasks.sla_hours",
                                  "scope.ordering_offices",
                                  "scope.work_categories",
                                  "scope.insurer_route_opens",
                                  "limits.max_attachments",
                                  "offices",
                                  "contracts",
                                  "accounts",
                                  "tokens",
                                  "keys",
                                  "fields",
                                  "files",
                                  "rules",
                                  "receipt",
                                  "json.receipt",
                                  "a",
                                  "a.b",
                                  "a.b.c"};

// A Config's getters on one path: none throws, and they agree with each other.
void CheckGetters(const Config& config, const std::string& path) {
  constexpr char kAbsent[] = "(absent: the fallback)";
  const std::string value = config.GetString(path, kAbsent);
  FUZZ_CHECK(config.Has(path) || value == kAbsent, "GetString found what Has did not: " + path);
  (void)config.GetInt(path, 7);
  (void)config.GetDouble(path, 0.5);
  (void)config.GetBool(path, true);
  (void)config.GetStringList(path);
  (void)config.ResolvePath(value);
  for (const Config& item : config.GetList(path)) {
    (void)item.GetString("code");
    if (auto record = ReadCertificateRecord(item); !record.ok()) CheckRefusal(record.status());
  }
  // A child resolves paths like its parent.
  const Config child = config.Child(path);
  const std::vector<std::pair<std::string, std::string>> map = config.GetMap(path);
  for (const auto& [key, scalar] : map) {
    // Dotted keys cannot be named by a path; a repeated key (yaml-cpp keeps both) has no one value.
    if (key.find('.') != std::string::npos || key.empty()) continue;
    if (std::count_if(map.begin(), map.end(), [&key = key](const auto& kv) { return kv.first == key; }) > 1) continue;
    // GetString takes a repeated key's first value, which GetMap leaves out when it is not a scalar.
    const std::string first = config.GetString(absl::StrCat(path, ".", key), kAbsent);
    if (first == kAbsent) continue;
    FUZZ_CHECK(first == scalar, "GetMap and GetString differ at " + key);
    FUZZ_CHECK(child.GetString(key) == scalar, "Child and GetMap differ at " + key);
  }
}

}  // namespace
}  // namespace hosho::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hosho::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hosho;
  using namespace hosho::fuzz;
  const absl::string_view yaml(reinterpret_cast<const char*>(data), size);

  auto config = Config::FromYaml(yaml);
  if (config.ok()) {
    for (const char* path : kPaths) CheckGetters(*config, path);
    (void)OfficeDirectory::FromConfig(*config);
    (void)ChannelOptionsFromConfig(*config, "connector");
    (void)GrpcServerOptionsFromConfig(*config);
    const ScopePolicy policy = ScopePolicyFromConfig(*config);
    (void)policy;
  } else {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument, config.status().ToString());
  }
  // The readers of whole YAML texts: an error, or a value; never an exception.
  (void)Authenticator::FromYaml(yaml);
  (void)KeyRing::FromYaml(yaml);
  (void)FormMapping::FromYaml(yaml);
  (void)AccountBook::FromYaml(yaml);
  return 0;
}
