// hosho-bench: the pipeline benchmark with its baselines (docs/benchmark.md); bench_flags.h has its flags.
#include <fstream>
#include <iostream>

#include "absl/synchronization/mutex.h"
#include "services/bench/bench.h"
#include "services/bench/bench_flags.h"
#include "services/common/runtime/log.h"

int main(int argc, char** argv) {
  hosho::InitLogging("hosho-bench", hosho::LogLevel::kError);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as in the services
  absl::StatusOr<hosho::BenchOptions> options = hosho::ParseBenchFlags(argc, argv);
  if (!options.ok()) {
    std::cerr << options.status().message() << "\n";
    return 2;
  }
  auto report = hosho::RunBench(*options);
  if (!report.ok()) {
    std::cerr << "hosho-bench: " << report.status() << "\n";
    return 1;
  }
  std::cout << hosho::FormatReport(*report);
  if (!options->json_path.empty()) {
    std::ofstream(options->json_path) << hosho::ReportJson(*report);
    std::cout << "\nJSON written to " << options->json_path << "\n";
  }
  return 0;
}
