#pragma once

#include "absl/status/statusor.h"
#include "services/stack/stack.h"

namespace hosho {

// hosho-stack's command line as the stack's options (run from the repository root: .run, build/bin,
// the sources in .); an unknown flag is an InvalidArgument error whose message is the usage line.
absl::StatusOr<StackOptions> ParseStackFlags(int argc, const char* const* argv);

}  // namespace hosho
