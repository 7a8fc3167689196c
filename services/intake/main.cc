// hosho-intake: SubmitGuarantee, the contract registry, the web form's webhook and CSV
// import, and the mailbox poller.
#include "services/common/host/run_service.h"
#include "services/intake/intake_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::IntakeProcess>("hosho-intake", hosho::kIntakeDefaults, argc, argv);
}
