#pragma once

#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/common/sealing.h"
#include "services/verification/platform_connector.h"
#include "services/verification/rules.h"

namespace hosho {

struct VerificationOptions {
  absl::Duration send_timeout = absl::Seconds(10);
  std::string connector_name = "connector:platform-sim";
};

// Takes hosho.submissions.v1: queues the case (AWAITING_VERIFICATION), asks the
// automated connector (VERIFYING), applies R05–R10 and records the verdict
// (VERIFIED or RETURNED), then publishes it on hosho.verifications.v1. Every
// step is a store transition keyed by a deterministic event id, so a
// redelivered record re-publishes the first verdict and changes nothing.
class VerificationWorker {
 public:
  VerificationWorker(CaseStore* cases, EventProducer* producer, const Sealer* sealer, PlatformConnector* connector,
                     Clock* clock, VerificationPolicy policy, VerificationOptions options);
  absl::Status Handle(const KafkaRecord& record);

 private:
  CaseStore* cases_;
  EventProducer* producer_;
  const Sealer* sealer_;
  PlatformConnector* connector_;
  Clock* clock_;
  VerificationPolicy policy_;
  VerificationOptions options_;
};

}  // namespace hosho
