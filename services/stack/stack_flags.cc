#include "services/stack/stack_flags.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace hosho {

absl::StatusOr<StackOptions> ParseStackFlags(int argc, const char* const* argv) {
  StackOptions options;
  options.run_dir = ".run";
  options.bin_dir = "build/bin";
  options.source_dir = ".";
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    auto value = [&](absl::string_view flag) { return std::string(a.substr(flag.size())); };
    if (absl::StartsWith(a, "--run-dir=")) {
      options.run_dir = value("--run-dir=");
    } else if (absl::StartsWith(a, "--bin-dir=")) {
      options.bin_dir = value("--bin-dir=");
    } else if (absl::StartsWith(a, "--source-dir=")) {
      options.source_dir = value("--source-dir=");
    } else if (absl::StartsWith(a, "--port-base=")) {
      (void)absl::SimpleAtoi(value("--port-base="), &options.port_base);
    } else if (absl::StartsWith(a, "--log-level=")) {
      options.log_level = value("--log-level=");
    } else if (a == "--grpc-tls") {
      options.grpc_tls = true;
    } else if (a == "--verification=clerks") {  // clerk-first, as in a real city: the connector is off
      options.connector_enabled = false;
    } else if (a == "--verification=connector") {  // the automated connector reads the simulated platforms
      options.connector_enabled = true;
    } else {
      return absl::InvalidArgumentError(
          "usage: hosho-stack [--run-dir=.run] [--bin-dir=build/bin] [--source-dir=.] [--port-base=17100] "
          "[--grpc-tls] [--verification=connector|clerks]");
    }
  }
  return options;
}

}  // namespace hosho
