#pragma once

#include "absl/status/statusor.h"
#include "hosho/v1/domain.pb.h"

namespace hosho {

// Looks a certificate up on its platform with the plaintext credential (the
// serialized DSureCredential / ConfirmationSystemCredential). NOT_FOUND: the
// credential opens no certificate. UNAVAILABLE and others: try again later.
class PlatformConnector {
 public:
  virtual ~PlatformConnector() = default;
  virtual absl::StatusOr<hosho::v1::CertificateRecord> Lookup(hosho::v1::Platform platform,
                                                              const std::string& credential) = 0;
};

}  // namespace hosho
