// hosho-stack: starts the whole system on one machine and keeps it up until
// SIGTERM/SIGINT. Used by ./hosho demo.
#include <cstdio>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "services/common/process.h"
#include "services/stack/stack.h"

int main(int argc, char** argv) {
  hosho::BlockTerminationSignals();
  hosho::StackOptions options;
  options.run_dir = ".run";
  options.bin_dir = "build/bin";
  options.source_dir = ".";
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    auto value = [&](absl::string_view flag) { return std::string(a.substr(flag.size())); };
    if (absl::StartsWith(a, "--run-dir="))
      options.run_dir = value("--run-dir=");
    else if (absl::StartsWith(a, "--bin-dir="))
      options.bin_dir = value("--bin-dir=");
    else if (absl::StartsWith(a, "--source-dir="))
      options.source_dir = value("--source-dir=");
    else if (absl::StartsWith(a, "--port-base="))
      (void)absl::SimpleAtoi(value("--port-base="), &options.port_base);
    else if (absl::StartsWith(a, "--log-level="))
      options.log_level = value("--log-level=");
    else if (a == "--grpc-tls")
      options.grpc_tls = true;
    else if (a == "--verification=clerks")  // clerk-first, as in a real city: the connector is off
      options.connector_enabled = false;
    else if (a == "--verification=connector")  // the automated connector reads the simulated platforms
      options.connector_enabled = true;
    else {
      std::cerr << "usage: hosho-stack [--run-dir=.run] [--bin-dir=build/bin] [--source-dir=.] [--port-base=17100] "
                   "[--grpc-tls] [--verification=connector|clerks]\n";
      return 2;
    }
  }
  auto stack = hosho::Stack::Start(options);
  if (!stack.ok()) {
    std::cerr << "hosho-stack: " << stack.status().message() << "\n";
    return 1;
  }
  // On one machine, hosho-stack is the process manager: a child that crashes is restarted.
  (*stack)->Supervise();
  std::cout << "ready" << std::endl;
  hosho::WaitForTerminationSignal();
  const int code = (*stack)->Stop();
  std::cout << "stopped" << std::endl;
  return code == 0 || code == -15 ? 0 : 1;
}
