#pragma once

#include "absl/status/statusor.h"
#include "services/bench/bench.h"

namespace hosho {

// hosho-bench's command line as the benchmark's options; an unknown flag is an InvalidArgument error
// whose message is the usage line.
//   hosho-bench [--rates=100,200] [--phase-seconds=10] [--closed-cases=10000] [--concurrency=32]
//               [--kafka-messages=50000] [--idle-seconds=20] [--json=PATH] [--bin-dir=build/bin] [--source-dir=.]
absl::StatusOr<BenchOptions> ParseBenchFlags(int argc, const char* const* argv);

}  // namespace hosho
