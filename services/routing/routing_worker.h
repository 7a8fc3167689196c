#pragma once

#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/routing/routing_rules.h"

namespace hosho {

// Takes hosho.verifications.v1: a VERIFIED case is routed (ROUTED) to the
// office that acts on it, and the decision is published on hosho.routings.v1.
// Returned cases are not routed (notification tells the contractor).
class RoutingWorker {
 public:
  RoutingWorker(CaseStore* cases, EventProducer* producer, Clock* clock, RoutingPolicy policy,
                absl::Duration send_timeout = absl::Seconds(10));
  // Bench mode only (routing.bench_auto_handoff): the receiving office's
  // hand-off is acknowledged at once so that `./hosho bench` can drive cases to
  // CLOSED before HandoffService exists. Never enable it for a city.
  void EnableBenchAutoHandoff() { bench_auto_handoff_ = true; }
  absl::Status Handle(const KafkaRecord& record);

 private:
  CaseStore* cases_;
  EventProducer* producer_;
  Clock* clock_;
  RoutingPolicy policy_;
  absl::Duration send_timeout_;
  bool bench_auto_handoff_ = false;
};

}  // namespace hosho
