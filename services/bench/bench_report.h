#pragma once

#include <string>
#include <vector>

namespace hosho {

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

// The 50th, 99th and 99.9th percentiles of latencies in milliseconds.
LatencySummary Summarize(std::vector<double> samples_ms);

// The report as a table for people, and as JSON for the benchmark's history.
std::string FormatReport(const BenchReport& report);
std::string ReportJson(const BenchReport& report);

}  // namespace hosho
