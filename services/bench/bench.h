#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/bench_report.h"

namespace hosho {

struct BenchOptions {
  std::string bin_dir = "build/bin";
  std::string source_dir = ".";
  std::vector<int> open_loop_rates = {100, 200};  // cases/s
  absl::Duration open_loop_phase = absl::Seconds(10);
  int closed_loop_cases = 10000;
  int closed_loop_concurrency = 32;
  absl::Duration echo_duration = absl::Seconds(3);
  int echo_concurrency = 64;
  int kafka_messages = 50000;
  std::string json_path;
  absl::Duration idle_window = absl::Seconds(20);  // the quiet stack measured at the end
};

// Runs the whole benchmark: starts a stack in a temporary directory, measures
// the baselines (gRPC echo with the callback API, raw produce→consume through
// the same Kafka broker), then the pipeline open-loop at each rate and closed-loop.
absl::StatusOr<BenchReport> RunBench(const BenchOptions& options);

}  // namespace hosho
