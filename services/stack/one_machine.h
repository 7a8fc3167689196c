#pragma once

#include <string>

namespace hosho {

// The values hosho-stack sets differently from a service's defaults.yaml because everything runs on one
// machine and tests wait on it: short timeouts, fast sweeps, a console that replays the whole (fresh)
// log. YAML merged over the generated ports and paths and under StackOptions::extra_config; empty for
// a service that keeps every default. services/stack/one_machine.cc says why for each value.
std::string OneMachineOverlay(const std::string& service);

}  // namespace hosho
