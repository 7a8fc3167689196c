// hosho-verification: consumes submissions, checks certificates (the automated connector where it
// is switched on, clerks everywhere else), publishes verdicts.
#include "services/common/host/run_service.h"
#include "services/verification/verification_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::VerificationProcess>("hosho-verification", hosho::kVerificationDefaults, argc, argv);
}
