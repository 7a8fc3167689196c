// hosho-stack: starts the whole system on one machine and keeps it up until
// SIGTERM/SIGINT. Used by ./hosho demo.
#include <iostream>

#include "services/common/runtime/process.h"
#include "services/stack/stack.h"
#include "services/stack/stack_flags.h"

int main(int argc, char** argv) {
  hosho::BlockTerminationSignals();
  absl::StatusOr<hosho::StackOptions> options = hosho::ParseStackFlags(argc, argv);
  if (!options.ok()) {
    std::cerr << options.status().message() << "\n";
    return 2;
  }
  auto stack = hosho::Stack::Start(*options);
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
