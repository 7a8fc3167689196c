#include "services/platform_sim/platform_sim_service.h"

#include "services/common/runtime/errors.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/metrics.h"

namespace hosho {

PlatformSimService::PlatformSimService(CertificateBook book, const Authenticator* auth, Clock* clock,
                                       PlatformSimOptions options)
    : book_(std::move(book)), auth_(auth), clock_(clock), options_(options), random_(options.seed) {}

grpc::Status PlatformSimService::Admit(grpc::ServerContext* context, const char* platform) {
  auto principal = auth_->Require(*context, {Role::kService, Role::kOperator});
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (options_.latency > absl::ZeroDuration()) clock_->SleepFor(options_.latency);
  bool fail = false;
  if (options_.failure_rate > 0) {
    absl::MutexLock lock(&mu_);
    fail = std::uniform_real_distribution<double>(0, 1)(random_) < options_.failure_rate;
  }
  Metrics()
      .GetCounter("hosho_platform_sim_lookups_total", "Look-ups answered by the simulator.",
                  {{"platform", platform}, {"outcome", fail ? "injected_failure" : "answered"}})
      .Increment();
  if (fail) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "simulated platform outage");
  return grpc::Status::OK;
}

grpc::Status PlatformSimService::LookupDSure(grpc::ServerContext* context, const hosho::v1::LookupDSureRequest* request,
                                             hosho::v1::CertificateRecord* response) {
  if (grpc::Status admitted = Admit(context, "d_sure"); !admitted.ok()) return admitted;
  auto record = book_.LookupDSure(request->credential().guarantee_number(), request->credential().authentication_key());
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status PlatformSimService::LookupConfirmationSystem(grpc::ServerContext* context,
                                                          const hosho::v1::LookupConfirmationSystemRequest* request,
                                                          hosho::v1::CertificateRecord* response) {
  if (grpc::Status admitted = Admit(context, "confirmation_system"); !admitted.ok()) return admitted;
  auto record =
      book_.LookupConfirmationSystem(request->credential().viewing_url(), request->credential().viewing_password());
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

}  // namespace hosho
