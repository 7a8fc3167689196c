#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/stack/stack.h"

namespace hosho {

// What the services' configurations point at, besides the stack's options and endpoints.
struct ServiceConfigInputs {
  std::filesystem::path run;     // the run directory (blobs)
  std::filesystem::path source;  // the repository (deploy/ files)
  std::string keyring_file;
  std::string principals_file;
  std::string accounts_file;    // the console's accounts
  std::string mail_config;      // intake's mail: section; empty without a mailbox
  bool mail_out = false;        // a development mail server takes what notification sends
  int smtp_port = 0;            // where notification sends mail, whether or not a mail server listens
  std::string serve_transport;  // how a service serves gRPC: "dev_plaintext: true" or tls: {...}
  std::string call_transport;   // how a service calls another
  std::map<std::string, ReplicaPorts> replica_ports;  // per replicated service
};

struct ServiceConfigFile {
  std::string name;  // under <run>/config: "<service>.yaml", "<service>-2.yaml" for a second replica
  std::string content;
};

// Every service process's configuration, in the order the services start. Each file holds only what
// is this run's: ports, paths, the addresses of the stack's children, the secrets and TLS material it
// generated, the broker's bootstrap and the values of the stack's flags; then the one-machine overlay
// (one_machine.h) and StackOptions::extra_config are merged over it. Every other key keeps the
// service's defaults.yaml. A second replica gets the same with its own gRPC and admin ports.
// INVALID_ARGUMENT when an extra_config is not YAML.
absl::StatusOr<std::vector<ServiceConfigFile>> ServiceConfigFiles(const StackOptions& options,
                                                                  const StackEndpoints& endpoints,
                                                                  const ServiceConfigInputs& inputs);

}  // namespace hosho
