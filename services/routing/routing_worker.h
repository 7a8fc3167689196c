#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "hosho/events/v1/events.pb.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_ledger.h"
#include "services/common/store/case_timers.h"
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
  RoutingWorker(CaseLedger* ledger, CaseTimers* timers, EventProducer* producer, Clock* clock,
                const RoutingPolicy* policy, absl::Duration send_timeout = absl::Seconds(10));
  // Bench mode only (bench.auto_handoff): the receiving office's
  // hand-off is acknowledged at once so that `./hosho bench` can drive cases to
  // CLOSED before HandoffService exists. Never enable it for a city.
  void EnableBenchAutoHandoff() { bench_auto_handoff_ = true; }
  // Skipped when the case is no longer VERIFIED; dead letter for a record that is not an event
  // envelope; retry while the store or the broker fails.
  RecordResult Handle(const KafkaRecord& record);
  // Raises HandoffEscalated for routed cases still waiting at their reminder time or deadline.
  // Safe with several replicas: each escalation is a case note keyed by a deterministic event id,
  // so two sweepers raise it once. Returns how many escalations this call raised first.
  absl::StatusOr<int> SweepDeadlines(int limit = 100);
  // Re-sends hand-off events a crashed step may have left unpublished (kHandoffPublishTimer).
  absl::StatusOr<int> RepublishPending(int limit = 100);

 private:
  // The ROUTED step, with the decision event kept as its payload.
  TransitionRequest RoutedStep(const std::string& case_id, const hosho::events::v1::VerificationCompleted& verdict,
                               const RoutingDecision& decision) const;
  // Bench mode: the office's steps to CLOSED at once.
  Counter& DecisionCounter(hosho::v1::HandoffAction action);
  absl::Status AcknowledgeForBench(const std::string& case_id, hosho::v1::GuaranteeKind kind,
                                   const std::string& office);

  CaseLedger* ledger_;
  CaseTimers* timers_;
  EventProducer* producer_;
  Clock* clock_;
  const RoutingPolicy* policy_;
  absl::Duration send_timeout_;
  bool bench_auto_handoff_ = false;
  // hosho_routing_decisions_total by action, created once.
  absl::flat_hash_map<int, Counter*> decisions_by_action_;
};

}  // namespace hosho
