#include "services/bench/bench_flags.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace hosho {

absl::StatusOr<BenchOptions> ParseBenchFlags(int argc, const char* const* argv) {
  BenchOptions options;
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    int n = 0;
    if (absl::ConsumePrefix(&a, "--rates=")) {
      options.open_loop_rates.clear();
      for (absl::string_view part : absl::StrSplit(a, ',', absl::SkipEmpty())) {
        if (absl::SimpleAtoi(part, &n)) options.open_loop_rates.push_back(n);
      }
    } else if (absl::ConsumePrefix(&a, "--phase-seconds=") && absl::SimpleAtoi(a, &n)) {
      options.open_loop_phase = absl::Seconds(n);
    } else if (absl::ConsumePrefix(&a, "--closed-cases=") && absl::SimpleAtoi(a, &n)) {
      options.closed_loop_cases = n;
    } else if (absl::ConsumePrefix(&a, "--concurrency=") && absl::SimpleAtoi(a, &n)) {
      options.closed_loop_concurrency = n;
    } else if (absl::ConsumePrefix(&a, "--kafka-messages=") && absl::SimpleAtoi(a, &n)) {
      options.kafka_messages = n;
    } else if (absl::ConsumePrefix(&a, "--idle-seconds=") && absl::SimpleAtoi(a, &n)) {
      options.idle_window = absl::Seconds(n);
    } else if (absl::ConsumePrefix(&a, "--json=")) {
      options.json_path = std::string(a);
    } else if (a == "--json" && i + 1 < argc) {
      options.json_path = argv[++i];
    } else if (absl::ConsumePrefix(&a, "--bin-dir=")) {
      options.bin_dir = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--source-dir=")) {
      options.source_dir = std::string(a);
    } else {
      return absl::InvalidArgumentError(
          "usage: hosho-bench [--rates=100,200] [--phase-seconds=10] [--closed-cases=10000] "
          "[--concurrency=32] [--kafka-messages=50000] [--idle-seconds=20] [--json=PATH]");
    }
  }
  return options;
}

}  // namespace hosho
