// hosho-platform-sim: simulated D-Sure and 保証証券等確認システム look-ups, and the city's accounting
// system that receives advance-payment hand-offs.
#include "services/common/host/run_service.h"
#include "services/platform_sim/platform_sim_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::PlatformSimProcess>("hosho-platform-sim", hosho::kPlatformSimDefaults, argc, argv);
}
