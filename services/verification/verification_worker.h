#pragma once

#include "absl/container/flat_hash_set.h"
#include "hosho/v1/domain.pb.h"
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
  // Platforms the automated connector reads; every other case (and paper) goes to a clerk.
  absl::flat_hash_set<int> connector_platforms = {hosho::v1::PLATFORM_D_SURE, hosho::v1::PLATFORM_CONFIRMATION_SYSTEM};
  absl::Duration clerk_sla = absl::Hours(72);  // due time of a clerk task
};

// Takes hosho.submissions.v1: queues the case (AWAITING_VERIFICATION), asks the
// automated connector (VERIFYING) where it is switched on for the platform (otherwise the
// case waits for a clerk, see VerificationService), applies R05–R10 and records the verdict
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
