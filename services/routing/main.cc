// hosho-routing: decides who acts on a verified case, serves HandoffService (conclude, forward,
// acknowledge, payment hand-off, withdraw) and sweeps hand-off deadlines.
#include "services/common/host/run_service.h"
#include "services/routing/routing_process.h"

int main(int argc, char** argv) {
  return hosho::RunService<hosho::RoutingProcess>("hosho-routing", hosho::kRoutingDefaults, argc, argv);
}
