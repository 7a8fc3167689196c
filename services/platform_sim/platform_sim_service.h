#pragma once

#include <atomic>
#include <random>

#include "absl/synchronization/mutex.h"
#include "hosho/v1/platform_sim.grpc.pb.h"
#include "services/common/auth/auth.h"
#include "services/common/runtime/clock.h"
#include "services/platform_sim/certificate_book.h"

namespace hosho {

struct PlatformSimOptions {
  absl::Duration latency = absl::ZeroDuration();  // added to every look-up
  double failure_rate = 0;                        // share of look-ups answered UNAVAILABLE
  uint64_t seed = 1;
};

// D-Sure and the insurers' confirmation system as one gRPC service.
class PlatformSimService final : public hosho::v1::PlatformLookup::Service {
 public:
  PlatformSimService(CertificateBook book, const Authenticator* auth, Clock* clock, PlatformSimOptions options);

  grpc::Status LookupDSure(grpc::ServerContext* context, const hosho::v1::LookupDSureRequest* request,
                           hosho::v1::CertificateRecord* response) override;
  grpc::Status LookupConfirmationSystem(grpc::ServerContext* context,
                                        const hosho::v1::LookupConfirmationSystemRequest* request,
                                        hosho::v1::CertificateRecord* response) override;

 private:
  // Applies latency and injected failures; OK when the look-up may proceed.
  grpc::Status Admit(grpc::ServerContext* context, const char* platform);

  CertificateBook book_;
  const Authenticator* auth_;
  Clock* clock_;
  PlatformSimOptions options_;
  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hosho
