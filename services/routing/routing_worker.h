#pragma once

#include <string>

#include "services/common/case_store.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/routing/routing_rules.h"

namespace hosho {

// Timers over routed cases: the reminder before the hand-off deadline (【期限間近】) and the
// deadline itself (【期限超過】).
inline constexpr char kHandoffWarnTimer[] = "handoff-warn";
inline constexpr char kHandoffBreachTimer[] = "handoff-breach";

// Takes hosho.verifications.v1: a VERIFIED case is routed (ROUTED) to the
// office that acts on it, and the decision is published on hosho.routings.v1.
// Returned cases are not routed (notification tells the contractor).
class RoutingWorker {
 public:
  RoutingWorker(CaseStore* cases, EventProducer* producer, Clock* clock, const RoutingPolicy* policy,
                absl::Duration send_timeout = absl::Seconds(10));
  // Bench mode only (routing.bench_auto_handoff): the receiving office's
  // hand-off is acknowledged at once so that `./hosho bench` can drive cases to
  // CLOSED before HandoffService exists. Never enable it for a city.
  void EnableBenchAutoHandoff() { bench_auto_handoff_ = true; }
  absl::Status Handle(const KafkaRecord& record);
  // Raises HandoffEscalated for routed cases still waiting at their reminder time or deadline.
  // Safe with several replicas: each escalation is a case note keyed by a deterministic event id,
  // so two sweepers raise it once. Returns how many escalations this call raised first.
  absl::StatusOr<int> SweepDeadlines(int limit = 100);
  // Re-sends hand-off events a crashed step may have left unpublished (kHandoffPublishTimer).
  absl::StatusOr<int> RepublishPending(int limit = 100);

 private:
  CaseStore* cases_;
  EventProducer* producer_;
  Clock* clock_;
  const RoutingPolicy* policy_;
  absl::Duration send_timeout_;
  bool bench_auto_handoff_ = false;
};

}  // namespace hosho
