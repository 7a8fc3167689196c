#pragma once

#include <memory>

#include "absl/strings/string_view.h"
#include "services/common/host/service_host.h"

namespace hosho {

// The whole main() of a service: the host from the service's defaults (its defaults.yaml, embedded at
// build time) and the command line, then `Process::Create(host)`, which wires the service's library
// to the host (stores, consumers, gRPC services, background loops) and keeps what it made alive
// while the host runs. userver's utils::DaemonMain is the model.
template <class Process>
int RunService(const char* name, absl::string_view defaults_yaml, int argc, char** argv) {
  std::unique_ptr<ServiceHost> host = ValueOrExit(ServiceHost::Create(name, defaults_yaml, argc, argv));
  std::unique_ptr<Process> process = ValueOrExit(Process::Create(*host));
  return host->Run();
}

}  // namespace hosho
