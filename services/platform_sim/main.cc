// hosho-platform-sim: simulated D-Sure and 保証証券等確認システム look-ups, and the city's accounting
// system that receives advance-payment hand-offs.
#include "services/common/log.h"
#include "services/common/service_host.h"
#include "services/platform_sim/accounting_sim_service.h"
#include "services/platform_sim/platform_sim_service.h"

namespace {
constexpr char kDefaults[] = R"yaml(
grpc: {listen: "127.0.0.1:7105", dev_plaintext: false}
admin: {port: 9105}
platform_sim: {certificates_file: "", latency_ms: 0, failure_rate: 0}
)yaml";
}  // namespace

int main(int argc, char** argv) {
  auto host = hosho::ValueOrExit(hosho::ServiceHost::Create("hosho-platform-sim", kDefaults, argc, argv));
  const hosho::Config& config = host->config();
  auto book = hosho::ValueOrExit(
      hosho::CertificateBook::FromFile(config.ResolvePath(config.GetString("platform_sim.certificates_file"))));
  const hosho::Authenticator* auth = hosho::ValueOrExit(host->Auth());
  hosho::LogInfo("certificates loaded", {{"count", static_cast<int64_t>(book.size())}});
  hosho::PlatformSimOptions options;
  options.latency = absl::Milliseconds(config.GetInt("platform_sim.latency_ms", 0));
  options.failure_rate = config.GetDouble("platform_sim.failure_rate", 0);
  hosho::PlatformSimService service(std::move(book), auth, &host->clock(), options);
  hosho::AddGrpcService(*host, &service);
  hosho::AccountingSimService accounting(auth);
  hosho::AddGrpcService(*host, &accounting);
  return host->Run();
}
