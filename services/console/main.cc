// hosho-console: the operators' and clerks' web console (pages, forms, server-sent events) and the
// CaseService read API for other city systems.
#include "services/common/host/run_service.h"
#include "services/console/console_config.h"
#include "services/console/console_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::ConsoleProcess>("hosho-console", hosho::kConsoleDefaults, argc, argv);
}
