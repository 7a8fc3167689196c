#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

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

struct LatencySummary {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
  size_t samples = 0;
};

struct OpenLoopResult {
  int rate = 0;
  double achieved_per_s = 0;
  size_t submitted = 0, completed = 0, failed = 0;
  LatencySummary intake, e2e;
};

struct BenchReport {
  double echo_qps = 0;
  double kafka_msgs_per_s = 0;
  double completed_per_s = 0;
  size_t closed_submitted = 0, closed_completed = 0, closed_failed = 0;
  LatencySummary closed_intake;
  std::vector<OpenLoopResult> open_loop;
  double redis_bytes_per_case = 0;
  double idle_cpu_percent = 0;  // the whole stack, quiet, in % of one core
  std::string idle_detail;      // per process
  std::string broker;           // what the stack ran on
  std::string machine;
};

LatencySummary Summarize(std::vector<double> samples_ms);

// Runs the whole benchmark: starts a stack in a temporary directory, measures
// the baselines (gRPC echo with the callback API, raw produce→consume through
// the same Kafka broker), then the pipeline open-loop at each rate and closed-loop.
absl::StatusOr<BenchReport> RunBench(const BenchOptions& options);

std::string FormatReport(const BenchReport& report);
std::string ReportJson(const BenchReport& report);

}  // namespace hosho
