#pragma once

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "hosho/events/v1/events.pb.h"
#include "hosho/v1/domain.pb.h"
#include "services/common/crypto/sealing.h"
#include "services/common/kafka/kafka.h"
#include "services/common/runtime/clock.h"
#include "services/common/runtime/metrics.h"
#include "services/common/store/case_store.h"
#include "services/verification/platform_connector.h"
#include "services/verification/rules.h"

namespace hosho {

struct VerificationOptions {
  absl::Duration send_timeout = absl::Seconds(10);
  std::string connector_name = "connector:platform-sim";
  // Platforms the automated connector reads; every other case (and paper) goes to a clerk.
  absl::flat_hash_set<int> connector_platforms = {hosho::v1::PLATFORM_D_SURE, hosho::v1::PLATFORM_CONFIRMATION_SYSTEM};
  absl::Duration clerk_sla = absl::Hours(72);  // due time of a clerk task
  // While a platform is away, a case waits and is tried again after resume_initial, doubling up
  // to resume_max.
  absl::Duration resume_initial = absl::Seconds(1);
  absl::Duration resume_max = absl::Minutes(1);
  // Verification SLA (from receipt) per office, and how long before the deadline to escalate.
  absl::Duration sla = absl::Hours(72);
  absl::flat_hash_map<std::string, absl::Duration> sla_by_office;
  absl::Duration escalate_before = absl::Hours(24);
};

// Takes hosho.submissions.v1: queues the case (AWAITING_VERIFICATION), asks the
// automated connector (VERIFYING) where it is switched on for the platform (otherwise the
// case waits for a clerk, see VerificationService), applies R05–R14 and records the verdict
// (VERIFIED or RETURNED), then publishes it on hosho.verifications.v1. Every
// step is a store transition keyed by a deterministic event id, so a
// redelivered record re-publishes the first verdict and changes nothing.
class VerificationWorker {
 public:
  VerificationWorker(CaseStore* cases, EventProducer* producer, const Sealer* sealer, PlatformConnector* connector,
                     Clock* clock, VerificationPolicy policy, VerificationOptions options);
  // Skipped when the case moved on without this step; dead letter for a record that is not an event
  // envelope, and for a case the connector cannot check (it is given to clerks); retry while the
  // store or the broker fails.
  RecordResult Handle(const KafkaRecord& record);
  // Verdicts are reached on the contract's current version from this registry (WithCurrentTerms).
  void UseContracts(ContractStore* contracts) { contracts_ = contracts; }
  // Tries the waiting cases that are due again (the resumer calls this every poll); returns how
  // many got a verdict or were skipped because they moved on.
  absl::StatusOr<int> ResumeDue(int limit = 50);

  // Escalates the cases whose verification deadline is near (VerificationEscalated, once per
  // case however many replicas sweep); returns how many were escalated by this call.
  absl::StatusOr<int> SweepDeadlines(int limit = 100);

  // Sends the clerks' verdicts whose publish timer is due (kVerdictPublishTimer): the stored event,
  // same id, so a consumer that already has it changes nothing. Returns how many were sent.
  absl::StatusOr<int> RepublishVerdicts(int limit = 100);

  static constexpr char kWaitTimer[] = "verification-wait";
  static constexpr char kSlaTimer[] = "verification-sla";

 private:
  absl::Time SlaDeadline(const hosho::events::v1::SubmissionReceived& submission) const;
  TransitionRequest Step(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                         const char* suffix, hosho::v1::CaseState from, hosho::v1::CaseState to,
                         std::string reason) const;
  RecordResult QueueForClerks(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                              const std::string& traceparent);
  // Also the resumer's step: done once a verdict is published or the case waits again, skipped when
  // the case moved on, dead letter when it was given to clerks.
  RecordResult Verify(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                      const std::string& traceparent);
  // The recorded verdict (first or replayed): the superseded case resolved, the event sent.
  RecordResult PublishVerdict(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                              const TransitionResult& recorded, const std::string& traceparent);
  RecordResult Wait(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                    const CaseRecord& current, const absl::Status& why);
  RecordResult GiveToClerks(const std::string& case_id, const hosho::events::v1::SubmissionReceived& submission,
                            const absl::Status& why);
  Counter& VerdictCounter(const std::string& state);
  Counter& WaitCounter(hosho::v1::Platform platform);

  CaseStore* cases_;
  EventProducer* producer_;
  const Sealer* sealer_;
  PlatformConnector* connector_;
  Clock* clock_;
  VerificationPolicy policy_;
  VerificationOptions options_;
  ContractStore* contracts_ = nullptr;
  // Metric handles, created once; labels with an open set of values (offices) are looked up per use.
  Counter& verified_;
  Counter& returned_;
  absl::flat_hash_map<int, Counter*> waits_by_platform_;  // the connector's platforms
  Counter& republished_;
  Counter& unreadable_verdicts_;
};

}  // namespace hosho
